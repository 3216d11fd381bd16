"""Redeem index tokens in kind: `ape run redeem --shares 4`."""

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.chain import load_deployment, redeem
from indexvault.cli import clean_errors, index_option, receiver_option, shares_option, signer, slippage_option


@click.command(cls=ConnectedProviderCommand, short_help="Redeem index tokens in kind")
@shares_option("redeem")
@index_option()
@slippage_option("Most less to accept per component")
@receiver_option("components")
@click.option("--skip", multiple=True,
              help="A component (by symbol) whose transfer reverts: leave it in the vault as your claim.")
@account_option(prompt=False)
@clean_errors
def cli(shares, symbol, slippage, receiver, skip, account):
    account = signer(account)
    record = load_deployment(symbol)
    receipt, paid = redeem(record, account, shares, slippage, receiver, list(skip))
    click.echo(f"Redeemed {shares} {record['symbol']} (gas {receipt.gas_used:,}), receiving:")
    for transfer in paid:
        suffix = "  (kept as a claim)" if transfer.symbol in skip else ""
        click.echo(f"  {transfer}{suffix}")
