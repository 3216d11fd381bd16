"""Leveraged (2x) and inverse (-1x) index tokens on Morpho Blue:

    ape run leverage create                       # both products on the index's Morpho markets
    ape run leverage mint --product 2x --usdc 5000
    ape run leverage redeem --product -1x --shares all
    ape run leverage status                       # NAV, leverage against its band, position, health
    ape run leverage unwind --product 2x          # anyone, on a stale NAV: arms; a day later: closes it for good

The logic lives in `indexvault.leverage` (`product`, pure; `chain`)."""

import json
from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.cli import DECIMAL, clean_errors, holder, index_option, receiver_option, signer, slippage_option
from indexvault.index import DeployedIndex
from indexvault.leverage import chain as leverage
from indexvault.leverage import product
from indexvault.network import record_file
from indexvault.units import format_amount, to_base

PRODUCT = click.option(
    "--product", "key", type=click.Choice(list(product.PRODUCTS)), required=True, help="Which product."
)


@click.group(short_help="Leveraged (2x) and inverse (-1x) index tokens on Morpho Blue")
def cli():
    """Create, mint, redeem and watch an index's 2x and -1x tokens."""


@cli.command(cls=ConnectedProviderCommand, short_help="Deploy the 2x and -1x products on the index's markets")
@index_option()
@click.option(
    "--lend-index",
    type=DECIMAL,
    default=Decimal(100),
    show_default=True,
    help="Index tokens the signer lends in the -1x product's market (USDC collateral, index loan), "
    "so the product can borrow them.",
)
@click.option("--keeper", default=None, help="Who gets the keeper role (default: the signer).")
@account_option(prompt=False)
@clean_errors
def create(symbol, lend_index, keeper, account):
    account = signer(account)
    index = leverage.create(DeployedIndex.load(symbol), account, to_base(lend_index, 18), keeper, click.echo)
    click.echo(f"Recorded in {record_file()} under {index.symbol}'s `leverage`")


@cli.command(cls=ConnectedProviderCommand, short_help="Mint a product from USDC")
@PRODUCT
@click.option("--usdc", type=DECIMAL, required=True, help="USDC to pay, whole tokens (the unneeded part comes back).")
@index_option()
@slippage_option("Fewest shares to accept below the preview")
@receiver_option("product's shares")
@account_option(prompt=False)
@clean_errors
def mint(key, usdc, symbol, slippage, receiver, account):
    account = signer(account)
    index = DeployedIndex.load(symbol)
    usdc_in = to_base(usdc, 6)
    done = leverage.mint(index, account, key, usdc_in, slippage, receiver, click.echo)
    s = done.state
    nav = s.book.nav_per_share
    click.echo(
        f"Minted {format_amount(done.amount, 18)} {s.symbol} = {format_amount(done.amount * nav // 10**30, 6)} USD "
        f"(NAV {format_amount(nav, 18, 8)} USD a share) for {format_amount(usdc_in - done.refund, 6)} USDC "
        f"(refund {format_amount(done.refund, 6)}; gas {done.receipt.gas_used:,})"
    )


class SharesOrAll(click.ParamType):
    name = "shares|all"

    def convert(self, value, param, ctx):
        if str(value).lower() == "all":
            return "all"
        amount = DECIMAL.convert(value, param, ctx)
        if amount <= 0:
            self.fail(f"{value!r}: give a positive number of shares, or all", param, ctx)
        return amount


@cli.command(cls=ConnectedProviderCommand, short_help="Redeem a product's shares to USDC")
@PRODUCT
@click.option("--shares", type=SharesOrAll(), required=True, help="Shares to redeem (whole tokens), or all.")
@index_option()
@slippage_option("Least USDC to accept below the preview")
@receiver_option("USDC")
@account_option(prompt=False)
@clean_errors
def redeem(key, shares, symbol, slippage, receiver, account):
    account = signer(account)
    index = DeployedIndex.load(symbol)
    entry = leverage.entry_of(index, key)
    if shares == "all":
        wei = leverage.balance_of(entry, account.address)
        if wei == 0:
            raise click.ClickException(f"{account.address} holds no {entry['symbol']}")
    else:
        wei = to_base(shares, 18)
    before = leverage.read_one(index, key)
    done = leverage.redeem(index, account, key, wei, slippage, receiver, click.echo)
    nav = before.book.nav_per_share
    worth = "" if before.stale or before.unwound else f" (worth {format_amount(wei * nav // 10**30, 6)} USD at the NAV)"
    kind = f" and {format_amount(done.preview[0], 18)} {index.symbol}" if done.quote is None else ""
    click.echo(
        f"Redeemed {format_amount(wei, 18)} {done.state.symbol}{worth} for {format_amount(done.amount, 6)} USDC"
        f"{kind} (gas {done.receipt.gas_used:,})"
    )


@cli.command(
    cls=ConnectedProviderCommand, short_help="Arm on a stale NAV, a day later close a product for good (anyone)"
)
@PRODUCT
@index_option()
@account_option(prompt=False)
@clean_errors
def unwind(key, symbol, account):
    account = signer(account)
    done = leverage.unwind(DeployedIndex.load(symbol), account, key, click.echo)
    if done.preview is None:
        click.echo(f"Armed {done.state.symbol}'s unwind (gas {done.receipt.gas_used:,}): run this again then")
        return
    held = done.state.held
    click.echo(
        f"Unwound {done.state.symbol} (gas {done.receipt.gas_used:,}): it holds {format_amount(held.index, 18)} "
        f"{done.state.index_symbol} and {format_amount(held.usdc, 6)} USDC; `ape run leverage redeem` pays each "
        f"holder their fraction, in kind"
    )


@cli.command(cls=ConnectedProviderCommand, short_help="NAV, leverage, position and health of each product")
@index_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@account_option(prompt=False)
@clean_errors
def status(symbol, as_json, account):
    index = DeployedIndex.load(symbol)
    states = leverage.read_all(index)
    who = holder(account)
    if as_json:
        out = [product.describe(s) for s in states]
        if who:
            for entry, row in zip(leverage.products_of(index).values(), out):
                row["balance"] = str(Decimal(leverage.balance_of(entry, who)) / 10**18)
        click.echo(json.dumps(out, indent=2))
        return
    for s, entry in zip(states, leverage.products_of(index).values()):
        click.echo(product.render(s))
        if who:
            click.echo(f"  wallet          {format_amount(leverage.balance_of(entry, who), 18)} {s.symbol}")
