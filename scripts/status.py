"""Show the network's record (chain id, unfinished deployments, the
factory's registry with every index's NAV per share) and an index's
components, holdings, prices, weights, NAV, and the account's own shares
(--account; on a local chain the first test account): `ape run status`."""

import json

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import deployments
from indexvault.cli import clean_errors, holder, index_option
from indexvault.index import DeployedIndex
from indexvault.launch import read_network, render_network
from indexvault.network import record_file
from indexvault.operations import read_status
from indexvault.report import render_status


@click.command(cls=ConnectedProviderCommand, short_help="Show an index's basket, prices and NAV, and the registry")
@index_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@account_option(prompt=False)
@clean_errors
def cli(symbol, as_json, account):
    network = read_network()
    # With no complete index recorded but a factory or an unfinished deployment, the network's record
    # is all there is to show; with nothing at all, DeployedIndex.load says what to run.
    only_network = (
        not symbol and not deployments.load_all(record_file()) and (network["factory"] or network["incomplete"])
    )
    status = {} if only_network else read_status(DeployedIndex.load(symbol), holder(account))
    if as_json:
        click.echo(json.dumps({**status, **network}, default=str, indent=2))
        return
    click.echo(render_network(network))
    if status:
        click.echo("")
        click.echo(render_status(status))
