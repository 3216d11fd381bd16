"""A backtest of a capped market-cap index on the real data: monthly
snapshots choose and weigh the components, daily closes value them.

Conventions (each also in the JSON's `definitions`):

- Rebalance on each snapshot date (the 1st of a month) at that day's close:
  components by `methodology.select` (top N after excluding stablecoins,
  wrapped duplicates, and assets without `min_history_days` of closes), weights
  by `capped_market_cap` on the snapshot's market caps, units per share by
  `methodology.target_units` (base units, rounded down) at the close. Units are
  then held, untouched, to the next rebalance.
- `level[t]`: NAV per share at the close of day t of the units held into that
  close, so a rebalance's cost shows in the next day's level. `level[0]` is
  the 100 USD of cash a share starts as; the first rebalance buys everything.
- Costs: `cost_bps` of every trade's notional, paid out of NAV; the NAV after
  costs solves N' = N - c x sum_i |w_i N' - v_i| (v_i: value held before).
- Turnover (one-way) of a rebalance: half the sum of |weight after - weight
  before| over the components and cash, the weights before being the drifted
  ones at that close; so the first rebalance (cash to basket) is exactly 1 and
  any later one is in [0, 1].
- The theoretical index: the same targets, reset every day (continuously
  rebalanced), no costs, no rounding: T[t] = T[t-1] x (1 + sum_i w_i r_i[t]).
- Tracking error: the sample standard deviation of the daily return
  differences (index - theoretical) x sqrt(365) (crypto trades every day).
- Data: a member missing a close inside its data range is forward-filled for
  at most `max_fill_days` days, and every filled day is reported; past the end
  of a held member's data (or a longer gap) the backtest stops on the last
  day it can value the basket and says why. A new member must have closes
  through the next rebalance (`Rules.closes_through`, a look-ahead at which
  data exists, never at prices); a newcomer without them is replaced by the
  next eligible asset and the exclusion is reported.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import statistics
import time
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from pathlib import Path

from indexvault import history, methodology
from indexvault.report import table

YEAR_DAYS = 365
DEFAULT_OUT = Path("benchmarks/results/backtest")
# The daily closes begin on 2020-01-01, so the first snapshot with 30 days of
# history behind it is 2020-02-01.
DEFAULT_START = "2020-02-01"


@dataclass
class Rebalance:
    """One rebalance: what the index held after it and what it cost."""

    date: dt.date
    weights: dict[str, Decimal]
    nav_before: Decimal
    nav_after: Decimal  # value of the units bought, after costs and rounding
    turnover: Decimal
    traded: Decimal  # USD per share, buys plus sells
    cost: Decimal  # USD per share
    rounding: Decimal  # USD per share lost to rounding units down
    added: list[str]
    removed: list[str]
    excluded: list[methodology.Exclusion]  # those ranked above the last component, and min_weight drops


@dataclass
class Backtest:
    """A finished run: daily series, rebalances, and how the data was handled."""

    start: dt.date
    end: dt.date
    top: int
    cap: Decimal
    cost_bps: Decimal
    min_history_days: int = 30
    max_fill_days: int = 5
    days: list[dt.date] = field(default_factory=list)
    level: list[Decimal] = field(default_factory=list)
    theoretical: list[Decimal] = field(default_factory=list)
    btc: list[Decimal] = field(default_factory=list)
    rebalances: list[Rebalance] = field(default_factory=list)
    filled: dict[str, list[dt.date]] = field(default_factory=dict)
    stopped: str | None = None
    seconds: float = 0.0

    @property
    def total_turnover(self) -> Decimal:
        return sum((r.turnover for r in self.rebalances), Decimal(0))

    @property
    def total_cost(self) -> Decimal:
        return sum((r.cost for r in self.rebalances), Decimal(0))

    def tracking_error(self) -> float:
        """Annualised sample stdev of daily return differences vs the theoretical index."""
        diffs = [
            float(self.level[t] / self.level[t - 1] - self.theoretical[t] / self.theoretical[t - 1])
            for t in range(1, len(self.days))
        ]
        if len(diffs) < 2:
            return float("nan")
        return statistics.stdev(diffs) * math.sqrt(YEAR_DAYS)


class _Stop(Exception):
    """The data cannot value the basket on a day; the message says why."""


class _Prices:
    """Daily closes with bounded, counted forward-fill inside a symbol's data."""

    def __init__(self, max_fill_days: int, filled: dict[str, list[dt.date]]):
        self.max_fill_days = max_fill_days
        self.filled = filled
        self.last: dict[str, Decimal] = {}

    def on(self, symbol: str, day: dt.date) -> Decimal:
        try:
            price = history.close(symbol, day)
        except history.DataError as error:
            if symbol not in self.last or "outside the data" in str(error):
                raise _Stop(str(error)) from None
            ahead = next(
                (
                    n
                    for n in range(1, self.max_fill_days + 1)
                    if history.has_closes(symbol, day + dt.timedelta(days=n), day + dt.timedelta(days=n))
                ),
                None,
            )
            if ahead is None:
                raise _Stop(f"{error}; a gap longer than {self.max_fill_days} days is not filled") from None
            self.filled.setdefault(symbol, []).append(day)
            return self.last[symbol]
        self.last[symbol] = price
        return price


def _value(units: dict[str, int], prices: dict[str, Decimal], decimals: dict[str, int]) -> Decimal:
    return sum((Decimal(u).scaleb(-decimals[s]) * prices[s] for s, u in units.items()), Decimal(0))


def _nav_after_costs(nav: Decimal, weights: dict[str, Decimal], values: dict[str, Decimal], c: Decimal) -> Decimal:
    """N' = N - c x sum_i |w_i N' - v_i| by fixed-point iteration (a contraction: c < 1)."""
    after = nav
    for _ in range(200):
        symbols = set(weights) | set(values)
        traded = sum(abs(weights.get(s, 0) * after - values.get(s, 0)) for s in symbols)
        new = nav - c * traded
        if abs(new - after) < Decimal("1e-30"):
            return new
        after = new
    return after


def run(
    start: str | dt.date = DEFAULT_START,
    end: str | dt.date | None = None,
    top: int = 10,
    cap: Decimal | str = Decimal("0.25"),
    cost_bps: Decimal | str | int = 30,
    min_history_days: int = 30,
    max_fill_days: int = 5,
    initial: Decimal = Decimal(100),
) -> Backtest:
    """Run the index from the snapshot date `start` to `end` (default: the
    last snapshot date; the data stops it sooner), rebalancing on every
    snapshot date before `end`."""
    clock = time.perf_counter()
    start = history.parse_date(start)
    dates = history.snapshot_dates()
    if start not in dates:
        raise ValueError(
            f"backtest: start {start} is not a snapshot date (the 1st of a month, {dates[0]} to {dates[-1]})"
        )
    end = dates[-1] if end is None else history.parse_date(end)
    if end <= start:
        raise ValueError(f"backtest: end {end} is not after start {start}")
    cap, cost_bps = Decimal(str(cap)), Decimal(str(cost_bps))
    if not 0 <= cost_bps < 10_000:
        raise ValueError(f"backtest: cost_bps must be in [0, 10000), not {cost_bps}")
    c = cost_bps / 10_000
    rebalance_days = [d for d in dates if start <= d < end]
    bt = Backtest(start, end, top, cap, cost_bps, min_history_days, max_fill_days)
    prices = _Prices(max_fill_days, bt.filled)
    units: dict[str, int] = {}
    decimals: dict[str, int] = {}
    weights: dict[str, Decimal] = {}
    cash = initial
    last_prices: dict[str, Decimal] = {}
    btc0 = history.close("BTC", start)

    with localcontext() as ctx:
        ctx.prec = 40
        day = start
        while day <= end:
            try:
                today = {s: prices.on(s, day) for s in units}
                if day in rebalance_days:
                    i = rebalance_days.index(day)
                    through = rebalance_days[i + 1] if i + 1 < len(rebalance_days) else end
                    rules = methodology.Rules(
                        top=top,
                        min_history_days=min_history_days,
                        weighting=methodology.capped(cap),
                        closes_through=through,
                    )
                    selection = methodology.select(history.snapshot(day), rules, held=set(units))
                    for s in selection.symbols:
                        today.setdefault(s, prices.on(s, day))
                        decimals.setdefault(s, history.token_info(s).decimals)
                btc = history.close("BTC", day)
            except _Stop as stop:
                bt.stopped = f"stopped after {day - dt.timedelta(days=1)}: {stop}"
                break
            level = _value(units, today, decimals) + cash
            if bt.days:
                r = sum(w * (today[s] / last_prices[s] - 1) for s, w in weights.items())
                bt.theoretical.append(bt.theoretical[-1] * (1 + r))
            else:
                bt.theoretical.append(initial)
            bt.days.append(day)
            bt.level.append(level)
            bt.btc.append(initial * btc / btc0)
            if day in rebalance_days:
                values = {s: Decimal(u).scaleb(-decimals[s]) * today[s] for s, u in units.items()}
                after = _nav_after_costs(level, selection.weights, values, c)
                target = methodology.target_units(selection.weights, today, decimals, after)
                trades = methodology.rebalance(units, target, today, decimals, supply=methodology.WAD)
                traded = sum((t.notional for t in trades), Decimal(0))
                value_after = _value(target, today, decimals)
                before_w = {s: v / level for s, v in values.items()}
                before_w["cash"] = cash / level
                turnover = (
                    sum(
                        abs(selection.weights.get(s, 0) - before_w.get(s, 0))
                        for s in set(before_w) | set(selection.weights)
                    )
                    / 2
                )
                cost = c * traded
                bt.rebalances.append(
                    Rebalance(
                        day,
                        selection.weights,
                        level,
                        value_after,
                        turnover,
                        traded,
                        cost,
                        level - cost - value_after,
                        [s for s in selection.symbols if s not in units],
                        [s for s in units if s not in target],
                        # Worth showing: what ranked above the last component yet is not one.
                        [
                            e
                            for e in selection.excluded
                            if e.listing.rank < selection.components[-1].rank or e.rule == "min_weight"
                        ],
                    )
                )
                units, weights, cash = target, selection.weights, Decimal(0)
            last_prices = {s: today[s] for s in units}
            day += dt.timedelta(days=1)
    if not bt.days:
        raise ValueError(f"backtest: nothing to value on {start}: {bt.stopped}")
    bt.end = bt.days[-1]
    bt.seconds = time.perf_counter() - clock
    return bt


# --- output --------------------------------------------------------------

DEFINITIONS = {
    "level": "NAV per share (USD) at each day's close of the units held into that close; starts as 100 USD of "
    "cash; a rebalance's cost shows in the next day's level",
    "rebalance": "at the close of each snapshot date: top N after excluding stablecoins, wrapped duplicates and "
    "assets without min_history_days of closes; capped market-cap weights on the snapshot's market "
    "caps; units per share rounded down to base units; held to the next rebalance",
    "turnover": "one-way: half the sum of |target weight - drifted weight| over components and cash; the first "
    "rebalance (cash to basket) is 1; total_turnover sums every rebalance, total_turnover_after_build "
    "leaves out the first",
    "cost": "cost_bps of each trade's notional, paid from NAV; cost_fraction sums cost / NAV at each rebalance",
    "theoretical": "the same target weights reset every day (continuously rebalanced), no costs, no rounding",
    "tracking_error": "sample stdev of daily (index - theoretical) return differences x sqrt(365)",
    "data": "a held member missing a close inside its data is forward-filled at most max_fill_days days "
    "(filled_days lists them); past a held member's data the run stops (stopped); a newcomer needs "
    "closes through the next rebalance or is replaced by the next eligible asset (excluded, rule "
    "'coverage': a look-ahead at which data exists, never at prices)",
}


def _annualised(level: list[Decimal], days: list[dt.date]) -> float:
    years = (days[-1] - days[0]).days / YEAR_DAYS
    return float(level[-1] / level[0]) ** (1 / years) - 1 if years > 0 else float("nan")


def summary(bt: Backtest, frictionless: Backtest | None = None) -> dict:
    """Everything a reader needs, JSON-ready (Decimals as strings or floats)."""
    cost_fraction = sum((r.cost / r.nav_before for r in bt.rebalances), Decimal(0))
    out = {
        "settings": {
            "start": str(bt.start),
            "end": str(bt.end),
            "top": bt.top,
            "cap": str(bt.cap),
            "cost_bps": str(bt.cost_bps),
            "min_history_days": bt.min_history_days,
            "max_fill_days": bt.max_fill_days,
            "rebalances": len(bt.rebalances),
        },
        "definitions": DEFINITIONS,
        "stopped": bt.stopped,
        "headline": {
            "level_end": round(float(bt.level[-1]), 4),
            "theoretical_end": round(float(bt.theoretical[-1]), 4),
            "btc_end": round(float(bt.btc[-1]), 4),
            "annualised_return": round(_annualised(bt.level, bt.days), 6),
            "total_turnover": round(float(bt.total_turnover), 6),
            "total_turnover_after_build": round(float(bt.total_turnover - bt.rebalances[0].turnover), 6),
            "mean_turnover_after_build": round(
                float((bt.total_turnover - bt.rebalances[0].turnover) / max(len(bt.rebalances) - 1, 1)), 6
            ),
            "tracking_error": round(bt.tracking_error(), 6),
            "total_cost_usd_per_share": round(float(bt.total_cost), 6),
            "cost_fraction": round(float(cost_fraction), 6),
            "rounding_usd_per_share": float(sum((r.rounding for r in bt.rebalances), Decimal(0))),
            "filled_days": sum(len(v) for v in bt.filled.values()),
            "runtime_seconds": round(bt.seconds, 3),
        },
        "filled_days": {s: [str(d) for d in days] for s, days in bt.filled.items()},
        "rebalances": [
            {
                "date": str(r.date),
                "nav_before": round(float(r.nav_before), 6),
                "turnover": round(float(r.turnover), 6),
                "traded_usd": round(float(r.traded), 6),
                "cost_usd": round(float(r.cost), 6),
                "rounding_usd": float(r.rounding),
                "weights": {s: str(w) for s, w in r.weights.items()},
                "added": r.added,
                "removed": r.removed,
                "excluded": [
                    {"symbol": e.symbol, "rank": e.listing.rank, "rule": e.rule, "reason": e.reason} for e in r.excluded
                ],
            }
            for r in bt.rebalances
        ],
        "daily": {
            "date": [str(d) for d in bt.days],
            "level": [round(float(x), 6) for x in bt.level],
            "theoretical": [round(float(x), 6) for x in bt.theoretical],
            "btc": [round(float(x), 6) for x in bt.btc],
        },
    }
    if frictionless is not None:
        out["headline"]["level_end_without_costs"] = round(float(frictionless.level[-1]), 4)
        out["headline"]["cost_drag"] = round(1 - float(bt.level[-1] / frictionless.level[-1]), 6)
    return out


def render(data: dict) -> str:
    """The table `ape run backtest` prints: one row per rebalance, then the headline."""
    rows = [
        (
            r["date"],
            f"{r['nav_before']:,.2f}",
            f"{r['turnover'] * 100:.2f}%",
            f"{r['cost_usd']:,.4f}",
            ",".join(r["added"]) or "-",
            ",".join(r["removed"]) or "-",
        )
        for r in data["rebalances"]
    ]
    head, s = data["headline"], data["settings"]
    lines = [
        f"Top-{s['top']} market cap, capped at {float(s['cap']) * 100:g}%, rebalanced monthly, "
        f"{s['start']} to {s['end']}, costs {s['cost_bps']} bps of traded notional",
        "",
        table(["rebalance", "level", "turnover", "cost USD", "added", "removed"], rows, "lrrrll"),
        "",
        table(
            ["", "value"],
            [
                ("index level at the end", f"{head['level_end']:,.2f}"),
                ("theoretical (daily reset, no costs)", f"{head['theoretical_end']:,.2f}"),
                ("BTC", f"{head['btc_end']:,.2f}"),
                *(
                    [
                        ("index level without costs", f"{head['level_end_without_costs']:,.2f}"),
                        ("cost drag on the level", f"{head['cost_drag'] * 100:.2f}%"),
                    ]
                    if "cost_drag" in head
                    else []
                ),
                ("annualised return", f"{head['annualised_return'] * 100:.2f}%"),
                ("turnover, total (one-way, incl. the build)", f"{head['total_turnover'] * 100:.1f}%"),
                ("turnover, mean per rebalance after the build", f"{head['mean_turnover_after_build'] * 100:.2f}%"),
                ("tracking error vs theoretical (annualised)", f"{head['tracking_error'] * 100:.2f}%"),
                ("costs, sum of cost/NAV", f"{head['cost_fraction'] * 100:.2f}%"),
                ("forward-filled member-days", str(head["filled_days"])),
                ("runtime", f"{head['runtime_seconds']:.2f} s"),
            ],
            "lr",
        ),
    ]
    if data["stopped"]:
        lines += ["", data["stopped"]]
    return "\n".join(lines)


def chart(data: dict, path: Path) -> Path:
    """Index vs theoretical vs BTC (log scale), and turnover per rebalance."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    days = [dt.date.fromisoformat(d) for d in data["daily"]["date"]]
    fig, (top, bottom) = plt.subplots(
        2,
        1,
        figsize=(11, 7),
        sharex=True,
        gridspec_kw={"height_ratios": [3, 1]},
        constrained_layout=True,
    )
    s = data["settings"]
    top.plot(days, data["daily"]["level"], label=f"index (monthly, {s['cost_bps']} bps costs)", lw=1.4)
    top.plot(days, data["daily"]["theoretical"], label="theoretical (daily reset, no costs)", lw=1, ls="--")
    top.plot(days, data["daily"]["btc"], label="BTC", lw=1, alpha=0.7)
    top.set_yscale("log")
    top.set_ylabel("level (start 100, log)")
    top.set_title(f"Top-{s['top']} capped ({float(s['cap']) * 100:g}%) market-cap index, {s['start']} to {s['end']}")
    top.legend()
    top.grid(alpha=0.3)
    rebalances = [dt.date.fromisoformat(r["date"]) for r in data["rebalances"]]
    bottom.bar(rebalances, [r["turnover"] * 100 for r in data["rebalances"]], width=20)
    bottom.set_ylabel("turnover %\n(one-way)")
    bottom.set_ylim(0, max([r["turnover"] * 100 for r in data["rebalances"][1:]] or [1]) * 1.2)
    bottom.grid(alpha=0.3)
    if data["rebalances"][0]["turnover"] * 100 > bottom.get_ylim()[1]:
        bottom.annotate("build: 100%", (rebalances[0], bottom.get_ylim()[1] * 0.9), fontsize=8)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def write(bt: Backtest, out: Path = DEFAULT_OUT, frictionless: Backtest | None = None) -> tuple[dict, Path, Path]:
    """`backtest.json` and `backtest.png` in `out`; returns the summary and both paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    data = summary(bt, frictionless)
    json_path = out / "backtest.json"
    # Readable, but each daily series on one line rather than one number a line.
    daily = ",\n".join(f"  {json.dumps(key)}: {json.dumps(series)}" for key, series in data["daily"].items())
    text = json.dumps({**data, "daily": "<daily>"}, indent=1).replace('"<daily>"', "{\n" + daily + "\n }")
    json_path.write_text(text + "\n")
    return data, json_path, chart(data, out / "backtest.png")
