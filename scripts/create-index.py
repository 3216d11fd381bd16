"""Create an index through the network's IndexFactory from its YAML file,
its admin behind a new timelock: `ape run create-index examples/demo.yaml --yes`.
Deploys the factory first if the network has none recorded."""

from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import launch
from indexvault.chain import fingerprint, resolve_basket
from indexvault.cli import DECIMAL, clean_errors, confirm_plan, signer, yes_option
from indexvault.config import load_index
from indexvault.network import record_file


@click.command(cls=ConnectedProviderCommand, short_help="Create an index through the factory, behind a timelock")
@click.argument("index_file", type=click.Path(dir_okay=False))
@account_option(prompt=False)
@click.option(
    "--delay",
    type=int,
    default=launch.DEFAULT_DELAY,
    show_default=True,
    help="The timelock's minimum delay, seconds: how long admin changes wait.",
)
@click.option(
    "--fund",
    type=DECIMAL,
    default=Decimal(1000),
    show_default=True,
    help="On a local chain, mint the creator mock tokens for this many index tokens.",
)
@yes_option()
@clean_errors
def cli(index_file, account, delay, fund, yes):
    config = load_index(index_file)
    account = signer(account)
    basket = resolve_basket(config)
    confirm_plan(launch.plan_create(config, basket, account, delay), yes)
    index = launch.create_index(config, account, delay, click.echo, fund, basket, fingerprint(index_file))
    click.echo(
        f"Created {index.symbol} (index {index['index_id']} of the factory): vault {index['vault']}, "
        f"timelock {index['timelock']}, recorded in {record_file()}"
    )
