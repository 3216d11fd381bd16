"""Mint index tokens in kind: `ape run mint --shares 10`."""

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.chain import load_deployment, mint
from indexvault.cli import clean_errors, index_option, receiver_option, shares_option, signer, slippage_option


@click.command(cls=ConnectedProviderCommand, short_help="Mint index tokens in kind")
@shares_option("mint")
@index_option()
@slippage_option("Most extra to pay per component")
@receiver_option("index tokens")
@account_option(prompt=False)
@clean_errors
def cli(shares, symbol, slippage, receiver, account):
    account = signer(account)
    record = load_deployment(symbol)
    receipt, paid = mint(record, account, shares, slippage, receiver)
    click.echo(f"Minted {shares} {record['symbol']} (gas {receipt.gas_used:,}), paying:")
    for transfer in paid:
        click.echo(f"  {transfer}")
