"""Show an index: components, holdings, prices, weights, NAV: `ape run status`."""

import json

import click
from ape.cli import ConnectedProviderCommand

from indexvault.chain import load_deployment, read_status
from indexvault.cli import clean_errors, index_option
from indexvault.report import render_status


@click.command(cls=ConnectedProviderCommand, short_help="Show an index's basket, prices and NAV")
@index_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@clean_errors
def cli(symbol, as_json):
    status = read_status(load_deployment(symbol))
    click.echo(json.dumps(status, default=str, indent=2) if as_json else render_status(status))
