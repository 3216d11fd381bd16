"""Borrow against index tokens on Morpho Blue:

    ape run lend open                  # the index's NavFeed, its Morpho oracle and the index/USDC market
    ape run lend supply 10             # 10 index tokens as collateral
    ape run lend borrow 500            # 500 USDC against them
    ape run lend status                # collateral, debt, health factor, liquidation price, the market
    ape run lend repay all             # or an amount of USDC
    ape run lend withdraw all          # or an amount of index tokens

The logic lives in `indexvault.lending`."""

import json
from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.chain import load_deployment
from indexvault.cli import DECIMAL, clean_errors, holder, index_option, signer
from indexvault.lending import chain as lending
from indexvault.lending import position
from indexvault.units import format_amount, from_base, to_base


ALL = "all"


class AmountOrAll(click.ParamType):
    """A positive number of whole tokens, or `all`."""

    name = "amount|all"

    def convert(self, value, param, ctx):
        if str(value).lower() == ALL:
            return ALL
        amount = DECIMAL.convert(value, param, ctx)
        if amount <= 0:
            self.fail(f"{value!r}: give a positive amount, or all", param, ctx)
        return amount


AMOUNT_OR_ALL = AmountOrAll()


def _positive(value: Decimal, what: str) -> Decimal:
    if value <= 0:
        raise click.BadParameter(f"give a positive amount of {what}")
    return value


@click.group(short_help="Borrow USDC against index tokens on Morpho Blue")
def cli():
    """Borrow against an index on Morpho Blue: open its market, supply, borrow, repay, withdraw, status."""


@cli.command(cls=ConnectedProviderCommand, short_help="Create the index's Morpho market (NavFeed, oracle, market)")
@index_option()
@click.option(
    "--lltv",
    type=DECIMAL,
    default=position.DEFAULT_LLTV / Decimal(10**18),
    show_default=True,
    help="Liquidation LTV, one Morpho has enabled (0.385 0.625 0.77 0.86 0.915 0.945 0.965 0.98).",
)
@click.option(
    "--liquidity",
    type=DECIMAL,
    default=None,
    help=f"USDC lent in the market, whole tokens (default: {lending.DEFAULT_LIQUIDITY:,} by the local market's "
    "maker; 0 elsewhere, where the signer lends).",
)
@click.option(
    "--max-age",
    type=int,
    default=None,
    help="Oldest NAV the oracle accepts, seconds (default: the longest heartbeat of the index's feeds).",
)
@account_option(prompt=False)
@clean_errors
def open(symbol, lltv, liquidity, max_age, account):  # noqa: A001 (the command's name)
    account = signer(account)
    record = load_deployment(symbol)
    record = lending.open_market(
        record, account, to_base(lltv, 18), None if liquidity is None else int(liquidity), max_age, click.echo
    )
    click.echo(f"Recorded: {json.dumps(record['lending'], indent=2)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Supply index tokens as collateral")
@click.argument("amount", type=DECIMAL)
@index_option()
@account_option(prompt=False)
@clean_errors
def supply(amount, symbol, account):
    account = signer(account)
    record = load_deployment(symbol)
    receipt = lending.supply(record, account, to_base(_positive(amount, record["symbol"]), 18))
    click.echo(f"Supplied {amount} {record['symbol']} as collateral (gas {receipt.gas_used:,})")
    _status(record, account.address)


@cli.command(cls=ConnectedProviderCommand, short_help="Borrow USDC against the collateral")
@click.argument("amount", type=DECIMAL)
@index_option()
@account_option(prompt=False)
@clean_errors
def borrow(amount, symbol, account):
    account = signer(account)
    record = load_deployment(symbol)
    info = lending.lending_of(record)
    decimals = int(info["loan_decimals"])
    receipt, action = lending.borrow(record, account, to_base(_positive(amount, info["loan_symbol"]), decimals))
    click.echo(f"Borrowed {format_amount(action.assets, decimals)} {info['loan_symbol']} (gas {receipt.gas_used:,})")
    _status(record, account.address)


@cli.command(cls=ConnectedProviderCommand, short_help="Repay USDC (an amount, or all)")
@click.argument("amount", type=AMOUNT_OR_ALL)
@index_option()
@account_option(prompt=False)
@clean_errors
def repay(amount, symbol, account):
    account = signer(account)
    record = load_deployment(symbol)
    info = lending.lending_of(record)
    decimals = int(info["loan_decimals"])
    receipt, action = lending.repay(record, account, None if amount == ALL else to_base(amount, decimals))
    click.echo(f"Repaid {format_amount(action.assets, decimals)} {info['loan_symbol']} (gas {receipt.gas_used:,})")
    _status(record, account.address)


@cli.command(cls=ConnectedProviderCommand, short_help="Withdraw collateral (an amount, or all)")
@click.argument("amount", type=AMOUNT_OR_ALL)
@index_option()
@account_option(prompt=False)
@clean_errors
def withdraw(amount, symbol, account):
    account = signer(account)
    record = load_deployment(symbol)
    receipt, taken = lending.withdraw(record, account, None if amount == ALL else to_base(amount, 18))
    click.echo(f"Withdrew {from_base(taken, 18):f} {record['symbol']} (gas {receipt.gas_used:,})")
    _status(record, account.address)


@cli.command(cls=ConnectedProviderCommand, short_help="Show the position, its health and the market")
@index_option()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@account_option(prompt=False)
@clean_errors
def status(symbol, as_json, account):
    record = load_deployment(symbol)
    who = holder(account)
    if who is None:
        raise click.UsageError("--account is required on this network: whose position to show")
    if as_json:
        click.echo(json.dumps(position.describe(lending.snapshot(record, who)), default=str, indent=2))
        return
    _status(record, who)


def _status(record, who: str) -> None:
    click.echo(position.render(lending.snapshot(record, who)))
