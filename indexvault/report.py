"""Plain-text tables for people reading a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A fixed-width table; `align` has one 'l' or 'r' per column (numbers right)."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    align = align or "l" * len(headers)
    lines = []
    for n, row in enumerate(cells):
        parts = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, align)]
        lines.append("  ".join(parts).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def number(value: Decimal | None, places: int = 6) -> str:
    if value is None:
        return "-"
    return f"{value:,.{places}f}"


def percent(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def render_status(status: dict[str, Any]) -> str:
    """The `ape run status` screen: components first, then the index."""
    rows = [
        (
            c["symbol"],
            c["decimals"],
            number(c["unit"], 8),
            number(c["held"], 6),
            number(c["owed"], 6),
            number(c["claims"], 6),
            number(c["price"], 4) if c["error"] is None else c["error"],
            number(c["value"], 4),
            percent(c["weight"]),
        )
        for c in status["components"]
    ]
    out = [
        f"{status['name']} ({status['symbol']})  vault {status['vault']}  oracle {status['oracle']}",
        "",
        table(
            [
                "component",
                "dec",
                "units/share",
                "held by vault",
                "owed to shares",
                "claims",
                "price USD",
                "value/share USD",
                "weight",
            ],
            rows,
            "lrrrrrrrr",
        ),
        "",
    ]
    for c in status["components"]:
        if c.get("shortfall"):
            out.append(
                f"{c['symbol']}: the vault holds {number(c['held'], 6)} but owes {number(c['owed'] + c['claims'], 6)} "
                f"({c['shortfall_bps']} bps short): anyone may share the loss among all holders with "
                f"`ape run sync {c['symbol']}` (the rebalance keeper does it each round)"
            )
    if any(c.get("shortfall") for c in status["components"]):
        out.append("")
    nav = number(status["nav"], 2) if status["nav_error"] is None else f"unavailable: {status['nav_error']}"
    fees = status["fees"]
    summary = [
        ("supply", f"{number(status['supply'], 6)} {status['symbol']} (cap {number(status['supply_cap'], 0)})"),
        ("NAV", f"{nav} USD" if status["nav_error"] is None else nav),
        ("NAV per share", f"{number(status['nav_per_share'], 6)} USD" if status["nav_per_share"] is not None else "-"),
        (
            "fees",
            f"mint {percent(fees['mint'])}, redeem {percent(fees['redeem'])}, "
            f"streaming {percent(fees['streaming'])} a year",
        ),
        ("fee recipient", status["fee_recipient"]),
        ("unit multiplier", number(status["multiplier"], 18)),
        ("minting", "paused" if status["mint_paused"] else "open"),
    ]
    if holder := status.get("holder"):
        value = "NAV unavailable" if holder["value"] is None else f"{number(holder['value'], 2)} USD at NAV"
        shares = f"{number(holder['shares'], 6)} {status['symbol']}"
        summary.append(("your shares", f"{shares} ({value}), {holder['address']}"))
    width = max(len(k) for k, _ in summary)
    out += [f"{k.ljust(width)}  {v}" for k, v in summary]
    return "\n".join(out)


def _price(value: Decimal) -> str:
    """A USD price with about six significant digits, whatever its size."""
    places = max(2, 6 - len(str(int(abs(value))))) if value >= 1 else 8
    return f"{value:,.{places}f}"


def render_market(market, states) -> str:
    """The `ape run market status` screen: per pool, feed and pool prices, gap, depth."""
    rows = [
        (
            s.asset.symbol,
            s.asset.token_symbol,
            f"{s.pair.symbol} {s.pool.dex} {s.pool.fee / 10_000:g}%",
            _price(s.feed_usd) + ("" if s.asset.feed else "*"),
            _price(s.price_usd),
            f"{float(s.gap) * 10_000:+.2f}",
            f"{s.depth_usd:,.0f}",
        )
        for s in states
    ]
    head = (
        f"Market of {market.date} ({len(market.assets)} assets, quote {market.quote}), "
        f"prices at the close of {market.day}\n"
    )
    long_tail = [a.symbol for a in market.assets.values() if not a.feed]
    note = (
        f"\n* {', '.join(long_tail)}: long-tail, no feed; the day's close from the data, priced on chain by TWAP"
        if long_tail
        else ""
    )
    return (
        head
        + table(("asset", "token", "pool", "feed USD", "pool USD", "gap bps", "depth +-2% USD"), rows, "lllrrrr")
        + note
    )
