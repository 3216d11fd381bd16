"""Replay history on a market: day by day (or in sub-day steps), post each
feed's price, move block time, and bring every pool to the new price with an
arbitrage trade, as an arbitrageur with a CEX price would. Reports the gap
between each pool and its feed after every step.

Between a day's close and the next, sub-day steps move each price
geometrically (the same daily return spread evenly), so a 4-step day posts
prices at 06:00, 12:00, 18:00 and the close.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from indexvault import amm, history
from indexvault.market import pools as market_pools
from indexvault.market import uniswap as uni
from indexvault.market.build import DEADLINE, close_timestamp
from indexvault.market.record import MarketError, MarketRecord
from indexvault.market.rpc import Rpc, Tx

SWAP_GAS = {"v2": 300_000, "v3": 600_000}  # gas limits: a step of 20 assets fits one 30M block
FEED_GAS = 200_000  # MockV3Aggregator.updateAnswer writes a new round: about 140k
# The most a V3 arbitrage offers; the swap stops at its price limit and the
# router pulls only what that takes.
V3_MAX_IN = 2**128


@dataclass(frozen=True)
class Trade:
    """An arbitrage swap that brings one pool to a price."""

    label: str
    dex: str
    token_in: str
    token_out: str
    fee: int
    amount_in: int  # V2: exact; V3: the most offered
    sqrt_limit: int  # V3: the price to stop at; 0 for V2


def arbitrage(state: market_pools.PoolState, asset_usd: Decimal, pair_usd: Decimal) -> Trade | None:
    """The swap that brings `state`'s pool to `asset_usd / pair_usd`, or None
    when it is there already."""
    asset, pair = state.asset, state.pair
    target = amm.base_price(Fraction(asset_usd) / Fraction(pair_usd), asset.decimals, pair.decimals)
    if state.pool.dex == "v2":
        r_asset, r_pair = state.reserves if state.asset_is_token0 else state.reserves[::-1]
        if Fraction(r_pair, r_asset) > target:  # the asset is dear in the pool: sell it
            amount, token_in, token_out = amm.v2_amount_to_price(r_asset, r_pair, target), asset.token, pair.token
        else:
            amount, token_in, token_out = amm.v2_amount_to_price(r_pair, r_asset, 1 / target), pair.token, asset.token
        if amount == 0:
            return None
        return Trade(state.label, "v2", token_in, token_out, 3000, amount, 0)
    ratio = target if state.asset_is_token0 else 1 / target  # token1 per token0
    limit = amm.sqrt_price_x96(ratio)
    if limit == state.sqrt_x96:
        return None
    token0, token1 = amm.sort_tokens(asset.token, pair.token)
    # A rising sqrt price means token0 gets dearer: buy it with token1.
    token_in, token_out = (token1, token0) if limit > state.sqrt_x96 else (token0, token1)
    return Trade(state.label, "v3", token_in, token_out, state.pool.fee, V3_MAX_IN, limit)


def trade_tx(record: MarketRecord, trade: Trade) -> Tx:
    maker, dex = record.maker, record.uniswap
    if trade.dex == "v2":
        data = uni.V2_SWAP_EXACT_IN(trade.amount_in, 0, [trade.token_in, trade.token_out], maker, DEADLINE)
        return Tx(maker, dex.v2_router, data, f"arbitrage {trade.label}", gas=SWAP_GAS["v2"])
    data = uni.V3_EXACT_INPUT_SINGLE(
        (trade.token_in, trade.token_out, trade.fee, maker, DEADLINE, trade.amount_in, 0, trade.sqrt_limit)
    )
    return Tx(maker, dex.swap_router, data, f"arbitrage {trade.label}", gas=SWAP_GAS["v3"])


@dataclass
class Step:
    timestamp: int
    feeds: dict[str, Decimal]
    pools: dict[str, Decimal]  # pool label -> USD price, after the step's arbitrage
    gaps: dict[str, Decimal]  # pool label -> signed gap
    trades: int = 0  # arbitrage trades the step made


@dataclass
class ReplayReport:
    start: dt.date
    end: dt.date
    days: int
    steps_per_day: int
    seconds: float
    trades: int
    steps: list[Step] = field(default_factory=list)

    @property
    def max_gap(self) -> Decimal:
        """The worst |pool / feed - 1| after the last step."""
        return max((abs(g) for g in self.steps[-1].gaps.values()), default=Decimal(0)) if self.steps else Decimal(0)

    @property
    def worst_pool(self) -> str | None:
        if not self.steps or not self.steps[-1].gaps:
            return None
        return max(self.steps[-1].gaps, key=lambda k: abs(self.steps[-1].gaps[k]))


def price_path(record: MarketRecord, end: dt.date, steps_per_day: int) -> list[tuple[int, dict[str, Decimal]]]:
    """Every step's (timestamp, USD price per asset) from the day after the
    record's to `end`; checks all of the data before anything is sent."""
    if end <= record.day:
        raise MarketError(f"the market is at {record.day}; replay to a later day, not {end}")
    if not 1 <= steps_per_day <= 1440:
        raise MarketError(f"steps per day: {steps_per_day}; give 1 to 1440 (a step a minute)")
    series = {}
    for symbol in record.assets:
        try:
            series[symbol] = history.closes(symbol, record.day, end)
        except history.DataError as error:
            raise MarketError(str(error)) from None
    path = []
    for d in range(1, (end - record.day).days + 1):
        day_close = close_timestamp(record.day + dt.timedelta(days=d))
        for j in range(1, steps_per_day + 1):
            fraction = Decimal(j) / Decimal(steps_per_day)
            prices = {
                s: closes[d - 1] * (closes[d] / closes[d - 1]) ** fraction if j < steps_per_day else closes[d]
                for s, closes in series.items()
            }
            path.append((day_close - 86_400 + 86_400 * j // steps_per_day, prices))
    return path


def steps(rpc: Rpc, record: MarketRecord, end: dt.date, steps_per_day: int = 1) -> Iterator[Step]:
    """The replay one step at a time: post the step's prices at its time, bring
    every pool to them, and yield the step, so a keeper can act before the
    next one. Every close is checked before the first step is sent."""
    if any(a.kind == "erc20" for a in record.assets.values()):
        raise MarketError(
            "replay posts prices to the market's own feeds; a fork's feeds are Chainlink's, "
            "which move only with the real network"
        )
    path = price_path(record, end, steps_per_day)
    if rpc.timestamp() >= path[0][0]:
        raise MarketError(
            f"the node's clock ({dt.datetime.fromtimestamp(rpc.timestamp(), dt.UTC):%Y-%m-%d %H:%M}) "
            f"is past the next replay step: restore the market with `make market-node` and replay from {record.day}"
        )
    for timestamp, prices in path:
        states = market_pools.read(rpc, record, feeds=dict(prices))
        txs = [
            Tx(record.maker, a.poster[0], a.poster[1](int(prices[s] * 10**a.feed_decimals)), f"feed {s}", gas=FEED_GAS)
            for s, a in record.assets.items()
            if a.feed is not None  # a long-tail asset has only its pool, which the arbitrage moves
        ]
        trades = [t for t in (arbitrage(p, prices[p.asset.symbol], prices[p.pair.symbol]) for p in states) if t]
        rpc.transact(txs + [trade_tx(record, t) for t in trades], timestamp=timestamp)
        # A long-tail asset's "feed" is the step's price: what its pool was brought to.
        after = market_pools.read(rpc, record, feeds=_after_feeds(rpc, record, prices))
        yield Step(
            timestamp, dict(prices), {p.label: p.price_usd for p in after}, {p.label: p.gap for p in after}, len(trades)
        )


def _after_feeds(rpc: Rpc, record: MarketRecord, prices: dict[str, Decimal]) -> dict[str, Decimal] | None:
    """The feeds a step's pools are compared with: read from the chain, the step's own prices for
    assets without a feed (None, to read them all, when every asset has one)."""
    if all(a.feed is not None for a in record.assets.values()):
        return None
    return {**market_pools.feed_prices(rpc, record), **{s: prices[s] for s, a in record.assets.items() if not a.feed}}


def replay(
    rpc: Rpc,
    record: MarketRecord,
    end: str | dt.date,
    steps_per_day: int = 1,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> tuple[MarketRecord, ReplayReport]:
    """Advance the market to the close of `end`; returns the updated record and the report."""
    end = history.parse_date(end)
    total = (end - record.day).days * steps_per_day
    started = time.monotonic()
    report = ReplayReport(record.day, end, (end - record.day).days, steps_per_day, 0.0, 0)
    for step in steps(rpc, record, end, steps_per_day):
        report.steps.append(step)
        report.trades += step.trades
        progress(len(report.steps), total)
    report.seconds = time.monotonic() - started
    updated = record.model_copy(update={"day": end, "timestamp": rpc.timestamp()})
    return updated, report


LINE_STYLES = ("-", "--", ":", "-.")


def series_styles(count: int) -> list[tuple[tuple[float, float, float], str]]:
    """A (colour, line style) per series, no two alike: matplotlib's 20 distinct colours
    ("tab20"; its default cycle has 10), then each again with the next line style."""
    from matplotlib import colormaps

    colors = colormaps["tab20"].colors
    if count > len(colors) * len(LINE_STYLES):
        raise ValueError(f"{count} series: at most {len(colors) * len(LINE_STYLES)} can be told apart")
    return [(colors[i % len(colors)], LINE_STYLES[i // len(colors)]) for i in range(count)]


def plot(report: ReplayReport, path: Path, skip: set[str] = frozenset()) -> Path:
    """Pool prices against feeds through the replay (each asset relative to
    its first feed price), and every pool's gap in basis points, in its
    asset's colour; assets in `skip` (the quote) are left out of the price panel."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    times = [dt.datetime.fromtimestamp(s.timestamp, dt.UTC) for s in report.steps]
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    first = report.steps[0].feeds
    symbols = [symbol for symbol in first if symbol not in skip]
    styles = dict(zip(symbols, series_styles(len(symbols))))
    for symbol in symbols:
        color, style = styles[symbol]
        prices = [float(s.feeds[symbol] / first[symbol]) for s in report.steps]
        top.plot(times, prices, lw=1.2, color=color, ls=style, label=symbol)
        for label in report.steps[0].pools:
            if label.startswith(f"{symbol}/"):
                top.plot(times, [float(s.pools[label] / first[symbol]) for s in report.steps], ".", color=color, ms=3)
    top.set_ylabel("price / first feed price")
    top.set_title(f"Market replay {report.start} to {report.end}: feeds (lines) and pool prices (dots)")
    top.legend(ncol=5, fontsize=7)
    for label in report.steps[0].gaps:
        color, style = styles.get(label.split("/")[0], ("grey", "-"))
        bottom.plot(times, [float(s.gaps[label]) * 10_000 for s in report.steps], lw=0.8, color=color, ls=style)
    bottom.set_ylabel("pool vs feed after arbitrage (bps)")
    bottom.axhline(50, color="red", ls="--", lw=0.8)
    bottom.axhline(-50, color="red", ls="--", lw=0.8)
    fig.autofmt_xdate()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
