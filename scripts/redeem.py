"""Redeem index tokens in kind (`ape run redeem --shares 4`) or into one
asset of the local market through its Uniswap pools (`ape run redeem --to USDC --shares 4`)."""

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import oneasset, oneasset_router
from indexvault.cli import DECIMAL, clean_errors, index_option, receiver_option, shares_option, signer, slippage_option
from indexvault.index import DeployedIndex
from indexvault.operations import redeem
from indexvault.units import from_base, to_base


@click.command(cls=ConnectedProviderCommand, short_help="Redeem index tokens in kind or into one asset")
@shares_option("redeem")
@index_option()
@slippage_option("Most less to accept per component (with --to: in total, under the quote)")
@receiver_option("components")
@click.option(
    "--skip", multiple=True, help="A component (by symbol) whose transfer reverts: leave it in the vault as your claim."
)
@click.option(
    "--to",
    "to_symbol",
    default=None,
    metavar="SYMBOL",
    help="Receive this one market asset (USDC, WETH ...): the router sells each component.",
)
@click.option(
    "--min-out",
    type=DECIMAL,
    default=None,
    help="With --to: least to receive, whole tokens (default: the quote less --slippage).",
)
@account_option(prompt=False)
@clean_errors
def cli(shares, symbol, slippage, receiver, skip, to_symbol, min_out, account):
    account = signer(account)
    index = DeployedIndex.load(symbol)
    if to_symbol is None:
        if min_out is not None:
            raise click.UsageError("--min-out needs --to")
        receipt, paid = redeem(index, account, shares, slippage, receiver, list(skip))
        click.echo(f"Redeemed {shares} {index.symbol} (gas {receipt.gas_used:,}), receiving:")
        for transfer in paid:
            suffix = "  (kept as a claim)" if transfer.symbol in skip else ""
            click.echo(f"  {transfer}{suffix}")
        return

    if skip:
        raise click.UsageError("--skip redeems in kind; it cannot be combined with --to")
    quoted, market = oneasset_router.quote(index, "redeem", to_symbol, shares)
    limit = quoted.bound(slippage) if min_out is None else to_base(min_out, quoted.decimals)
    click.echo(f"Quote: {shares} {index.symbol} to {quoted.symbol}, route by route:")
    for line in oneasset.describe(quoted):
        click.echo(line)
    click.echo(f"  receiving at least {from_base(limit, quoted.decimals):f} {quoted.symbol}")
    receipt, received = oneasset_router.redeem_to(index, account, market, quoted, limit, receiver, click.echo)
    click.echo(
        f"Redeemed {shares} {index.symbol} to {quoted.symbol} (gas {receipt.gas_used:,}), "
        f"receiving {from_base(received, quoted.decimals):f} {quoted.symbol} "
        f"(quoted {from_base(quoted.total, quoted.decimals):f})"
    )
