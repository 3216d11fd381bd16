"""Mint index tokens in kind (`ape run mint --shares 10`) or from one asset
of the local market through its Uniswap pools (`ape run mint --from USDC --shares 10`)."""

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import oneasset, oneasset_router
from indexvault.cli import DECIMAL, clean_errors, index_option, receiver_option, shares_option, signer, slippage_option
from indexvault.index import DeployedIndex
from indexvault.operations import mint
from indexvault.units import from_base, to_base


@click.command(cls=ConnectedProviderCommand, short_help="Mint index tokens in kind or from one asset")
@shares_option("mint")
@index_option()
@slippage_option("Most extra to pay per component (with --from: in total, over the quote)")
@receiver_option("index tokens")
@click.option(
    "--from",
    "from_symbol",
    default=None,
    metavar="SYMBOL",
    help="Pay with this one market asset (USDC, WETH ...): the router buys each component.",
)
@click.option(
    "--max-in",
    type=DECIMAL,
    default=None,
    help="With --from: most to pay, whole tokens (default: the quote plus --slippage).",
)
@account_option(prompt=False)
@clean_errors
def cli(shares, symbol, slippage, receiver, from_symbol, max_in, account):
    account = signer(account)
    index = DeployedIndex.load(symbol)
    if from_symbol is None:
        if max_in is not None:
            raise click.UsageError("--max-in needs --from")
        receipt, paid = mint(index, account, shares, slippage, receiver)
        click.echo(f"Minted {shares} {index.symbol} (gas {receipt.gas_used:,}), paying:")
        for transfer in paid:
            click.echo(f"  {transfer}")
        return

    quoted, market = oneasset_router.quote(index, "mint", from_symbol, shares)
    limit = quoted.bound(slippage) if max_in is None else to_base(max_in, quoted.decimals)
    click.echo(f"Quote: {shares} {index.symbol} from {quoted.symbol}, route by route:")
    for line in oneasset.describe(quoted):
        click.echo(line)
    click.echo(f"  paying at most {from_base(limit, quoted.decimals):f} {quoted.symbol}")
    receipt, spent = oneasset_router.mint_from(index, account, market, quoted, limit, receiver, click.echo)
    click.echo(
        f"Minted {shares} {index.symbol} from {quoted.symbol} (gas {receipt.gas_used:,}), "
        f"paying {from_base(spent, quoted.decimals):f} {quoted.symbol} "
        f"(quoted {from_base(quoted.total, quoted.decimals):f})"
    )
