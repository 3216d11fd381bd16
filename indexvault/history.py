"""The real market data trimmed into the project (`indexvault/data/`, see its
README for the sources): monthly market-cap snapshots, daily closes, and how
each asset appears as a token on the local market.

Everything here is pure and cached: the market builder, the replay and the
methodology read the same numbers the same way.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path

import yaml

from indexvault.errors import DataError

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Listing:
    """One asset in a monthly snapshot (CoinMarketCap, re-ranked by market cap)."""

    date: dt.date
    rank: int
    symbol: str
    name: str
    market_cap: Decimal
    price: Decimal
    volume_24h: Decimal


@dataclass(frozen=True)
class TokenInfo:
    """How an asset appears as a token on the local market."""

    symbol: str
    token: str
    name: str
    decimals: int
    weth_pool: bool


def parse_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise DataError(f"{value!r} is not a date (YYYY-MM-DD)") from None


@cache
def _snapshots() -> dict[dt.date, tuple[Listing, ...]]:
    out: dict[dt.date, list[Listing]] = {}
    with open(DATA / "monthly_top.csv", newline="") as f:
        for row in csv.DictReader(f):
            date = dt.date.fromisoformat(row["date"])
            out.setdefault(date, []).append(
                Listing(
                    date,
                    int(row["rank"]),
                    row["symbol"],
                    row["name"],
                    Decimal(row["market_cap"]),
                    Decimal(row["price"]),
                    Decimal(row["volume_24h"]),
                )
            )
    return {date: tuple(rows) for date, rows in out.items()}


def snapshot_dates() -> list[dt.date]:
    return sorted(_snapshots())


TOP = 60  # the snapshot's top, by market cap; the data also holds the DeFi governance tokens below it


def snapshot(date: str | dt.date, top: int | None = TOP) -> tuple[Listing, ...]:
    """The top 60 by market cap on a snapshot date (the 1st of a month, 2020-01..2025-10), in
    rank order; `top=None`: every listing the data holds that day, which adds the DeFi governance
    tokens at their rank in CoinMarketCap's top 200 (`tools/trim_data.py`, DEFI)."""
    date = parse_date(date)
    snapshots = _snapshots()
    if date not in snapshots:
        first, last = min(snapshots), max(snapshots)
        raise DataError(f"no market-cap snapshot on {date}: snapshots are the 1st of each month, {first} to {last}")
    return tuple(l for l in snapshots[date] if top is None or l.rank <= top)


@cache
def _closes() -> dict[str, dict[dt.date, Decimal]]:
    out: dict[str, dict[dt.date, Decimal]] = {}
    with open(DATA / "daily_closes.csv", newline="") as f:
        for row in csv.DictReader(f):
            out.setdefault(row["symbol"], {})[dt.date.fromisoformat(row["date"])] = Decimal(row["close"])
    return out


def symbols_with_closes() -> set[str]:
    return set(_closes())


def close(symbol: str, date: str | dt.date) -> Decimal:
    """The USD close of `symbol` on `date`."""
    return closes(symbol, date, date)[0]


def closes(symbol: str, start: str | dt.date, end: str | dt.date) -> list[Decimal]:
    """Daily USD closes of `symbol` from `start` to `end`, both included; a
    missing day is an error naming it, never a silent gap."""
    start, end = parse_date(start), parse_date(end)
    if end < start:
        raise DataError(f"the end date {end} is before the start date {start}")
    series = _closes().get(symbol)
    if series is None:
        raise DataError(f"no daily prices for {symbol}")
    out = []
    day = start
    while day <= end:
        if day not in series:
            first, last = min(series), max(series)
            where = "outside the data" if not first <= day <= last else "missing from the data"
            raise DataError(f"no close for {symbol} on {day} ({where}; {symbol} has closes from {first} to {last})")
        out.append(series[day])
        day += dt.timedelta(days=1)
    return out


def has_closes(symbol: str, start: dt.date, end: dt.date) -> bool:
    series = _closes().get(symbol, {})
    return all(start + dt.timedelta(days=i) in series for i in range((end - start).days + 1))


@cache
def _assets() -> dict:
    return yaml.safe_load((DATA / "assets.yaml").read_text())


def quote_symbol() -> str:
    return _assets()["quote"]


def weth_symbol() -> str:
    return _assets()["weth"]


def is_stablecoin(symbol: str) -> bool:
    return symbol.upper() in {s.upper() for s in _assets()["stablecoins"]}


def is_wrapped(symbol: str) -> bool:
    return symbol.upper() in {s.upper() for s in _assets()["wrapped"]}


def token_info(symbol: str) -> TokenInfo:
    info = _assets()["assets"].get(symbol, {})
    return TokenInfo(
        symbol,
        info.get("token", symbol),
        info.get("name", symbol),
        int(info.get("decimals", 18)),
        bool(info.get("weth_pool", False)),
    )


def universe(date: str | dt.date, size: int, history_days: int = 31) -> list[Listing]:
    """The `size` largest assets by market cap on a snapshot date that can be
    an index's components: no stablecoins, no wrapped or staked duplicates,
    and a daily close on every one of the `history_days` days from `date`
    (so the market can be replayed that far)."""
    date = parse_date(date)
    end = date + dt.timedelta(days=history_days)
    eligible = [
        listing
        for listing in snapshot(date)
        if not is_stablecoin(listing.symbol)
        and not is_wrapped(listing.symbol)
        and has_closes(listing.symbol, date, end)
    ]
    if len(eligible) < size:
        raise DataError(
            f"only {len(eligible)} assets on {date} have daily closes through {end} "
            f"(stablecoins and wrapped tokens excluded); ask for at most {len(eligible)}"
        )
    return eligible[:size]
