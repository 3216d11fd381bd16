"""Mint index tokens in kind: `ape run mint --shares 10`."""

from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.chain import load_deployment, mint
from indexvault.cli import DECIMAL, clean_errors, signer


@click.command(cls=ConnectedProviderCommand, short_help="Mint index tokens in kind")
@click.option("--shares", type=DECIMAL, required=True, help="Index tokens to mint (whole tokens).")
@click.option("--index", "symbol", default=None, help="Index symbol (default: the latest deployed).")
@click.option("--slippage", type=DECIMAL, default=Decimal("0.005"), show_default=True,
              help="Most extra to pay per component, as a fraction of today's amount.")
@click.option("--receiver", default=None, help="Who gets the index tokens (default: the signer).")
@account_option(prompt=False)
@clean_errors
def cli(shares, symbol, slippage, receiver, account):
    account = signer(account)
    record = load_deployment(symbol)
    receipt, paid = mint(record, account, shares, slippage, receiver)
    click.echo(f"Minted {shares} {record['symbol']} (gas {receipt.gas_used:,}), paying:")
    for transfer in paid:
        click.echo(f"  {transfer}")
