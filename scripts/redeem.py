"""Redeem index tokens in kind: `ape run redeem --shares 4`."""

from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.chain import load_deployment, redeem
from indexvault.cli import DECIMAL, clean_errors, signer


@click.command(cls=ConnectedProviderCommand, short_help="Redeem index tokens in kind")
@click.option("--shares", type=DECIMAL, required=True, help="Index tokens to redeem (whole tokens).")
@click.option("--index", "symbol", default=None, help="Index symbol (default: the latest deployed).")
@click.option("--slippage", type=DECIMAL, default=Decimal("0.005"), show_default=True,
              help="Most less to accept per component, as a fraction of today's amount.")
@click.option("--receiver", default=None, help="Who gets the components (default: the signer).")
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
