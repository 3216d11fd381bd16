"""Withdraw a claim left by `ape run redeem --skip`: `ape run claim USDC`."""

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.cli import clean_errors, index_option, receiver_option, signer
from indexvault.index import DeployedIndex
from indexvault.operations import withdraw_claim


@click.command(cls=ConnectedProviderCommand, short_help="Withdraw a claim on a skipped component")
@click.argument("component")
@index_option()
@receiver_option("component")
@account_option(prompt=False)
@clean_errors
def cli(component, symbol, receiver, account):
    account = signer(account)
    receipt, paid = withdraw_claim(DeployedIndex.load(symbol), account, component, receiver)
    click.echo(f"Withdrew {paid} (gas {receipt.gas_used:,})")
