"""Deploy an index from its YAML file: `ape run deploy examples/demo.yaml --yes`."""

from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import launch
from indexvault.chain import deploy_index, fingerprint, resolve_basket
from indexvault.cli import DECIMAL, clean_errors, confirm_plan, signer, yes_option
from indexvault.config import load_index
from indexvault.network import record_file


@click.command(cls=ConnectedProviderCommand, short_help="Deploy an index from its YAML file")
@click.argument("index_file", type=click.Path(dir_okay=False))
@account_option(prompt=False)
@click.option(
    "--fund",
    type=DECIMAL,
    default=Decimal(1000),
    show_default=True,
    help="On a local chain, mint the deployer mock tokens for this many index tokens.",
)
@yes_option()
@clean_errors
def cli(index_file, account, fund, yes):
    config = load_index(index_file)
    account = signer(account)
    basket = resolve_basket(config)
    confirm_plan(launch.plan_deploy(config, basket, account), yes)
    click.echo(f"Deploying {config.symbol} ({len(config.components)} components) from {account.address}")
    index = deploy_index(config, account, click.echo, fund, basket, fingerprint(index_file))
    click.echo(f"Deployed {index.symbol}: vault {index['vault']}, recorded in {record_file()}")
