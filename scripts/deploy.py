"""Deploy an index from its YAML file: `ape run deploy examples/demo.yaml`."""

from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.chain import deploy_index, record_file
from indexvault.cli import DECIMAL, clean_errors, signer
from indexvault.config import load_index


@click.command(cls=ConnectedProviderCommand, short_help="Deploy an index from its YAML file")
@click.argument("index_file", type=click.Path(dir_okay=False))
@account_option(prompt=False)
@click.option("--fund", type=DECIMAL, default=Decimal(1000), show_default=True,
              help="On a local chain, mint the deployer mock tokens for this many index tokens.")
@clean_errors
def cli(index_file, account, fund):
    config = load_index(index_file)
    account = signer(account)
    click.echo(f"Deploying {config.symbol} ({len(config.components)} components) from {account.address}")
    record = deploy_index(config, account, click.echo, fund)
    click.echo(f"Deployed {record['symbol']}: vault {record['vault']}, recorded in {record_file()}")
