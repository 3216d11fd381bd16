"""Share a component's loss among all holders: `ape run sync WBTC`, or every
component the vault holds less of than it owes with no argument."""

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.cli import clean_errors, index_option, signer
from indexvault.index import DeployedIndex
from indexvault.operations import sync_shortfalls


@click.command(cls=ConnectedProviderCommand, short_help="Write a short component's unit down to what the vault holds")
@click.argument("component", required=False)
@index_option()
@account_option(prompt=False)
@clean_errors
def cli(component, symbol, account):
    account = signer(account)
    synced = sync_shortfalls(DeployedIndex.load(symbol), account, component, click.echo)
    if not synced:
        click.echo(
            "Nothing to sync: the vault holds at least what it owes of "
            + (component if component else "every component")
        )
