"""The leverage benchmark's statistics, pure: a series' day closes, daily returns, the theoretical
daily-reset product (`indexvault.leverage.model.daily_reset`) along a replay's steps, and the daily
tracking error of a product against it. A point is ``(when, value)`` with ``when`` as
"YYYY-MM-DD HH:MM" (UTC); a day's close is its last point."""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from indexvault.leverage.model import daily_reset

Point = tuple[str, float]


def day_closes(points: Sequence[Point]) -> list[Point]:
    """(day, its last point's value), in order (the first point stands for the start's close)."""
    closes: dict[str, float] = {}
    for when, value in points:
        closes[when[:10]] = value
    return list(closes.items())


def returns(values: Sequence[float]) -> list[float]:
    """Each value over the one before, less 1."""
    return [values[i] / values[i - 1] - 1 for i in range(1, len(values))]


def theoretical(index: Sequence[Point], leverage: float) -> list[Point]:
    """The value (1 at the first point) of a product reset to `leverage` at each day's close, at every
    point: the days' `daily_reset` growth to the last close, times 1 + leverage x the index's move since it."""
    out: list[Point] = []
    growth, base_day, base = 1.0, index[0][0][:10], index[0][1]
    last_close = index[0][1]
    for when, value in index:
        if when[:10] != base_day:  # a new day: the previous day's close becomes the base
            growth *= 1 + daily_reset([last_close / base - 1], leverage)
            base_day, base = when[:10], last_close
        out.append((when, growth * (1 + leverage * (value / base - 1))))
        last_close = value
    return out


def tracking_errors_bps(product: Sequence[Point], index: Sequence[Point], leverage: float) -> list[float]:
    """Per day, |the product's return - leverage x the index's return| in bps, close to close."""
    p = [v for _, v in day_closes(product)]
    i = [v for _, v in day_closes(index)]
    if len(p) != len(i):
        raise ValueError(f"{len(p)} product closes against {len(i)} index closes")
    return [abs(rp - leverage * ri) * 10_000 for rp, ri in zip(returns(p), returns(i))]


def stats_bps(errors: Sequence[float]) -> dict[str, float | None]:
    """Median and worst of daily tracking errors, rounded to 0.1 bps (None without a day)."""
    if not errors:
        return {"median": None, "worst": None}
    return {"median": round(median(errors), 1), "worst": round(max(errors), 1)}


def decomposed_bps(
    product: Sequence[Point], leverage: Sequence[Point], index: Sequence[Point], target: float
) -> tuple[list[float], list[float]]:
    """Each day's tracking error in two parts, in bps, from every point (a replay step after the keeper):
    a product that does not trade between two points returns exactly its leverage at the first times the
    index's move (its collateral and debt are fixed), so `held` = prod(1 + L x r) over the day's steps is
    what it would have returned at the leverage it had. The drift is |held - target x r| (the leverage
    away from the target, and moving with the price, inside its band); the rest, |the product's return -
    held|, is what its trades cost (pool fees, price impact, the pools' gap to the feeds, a ripcord's
    reward). `leverage` is the size of the position (the inverse's short is -L)."""
    sign = 1 if target > 0 else -1
    days: dict[str, list[int]] = {}
    for k in range(1, len(index)):
        days.setdefault(index[k][0][:10], []).append(k)
    drift: list[float] = []
    rest: list[float] = []
    for steps in days.values():
        before, last = steps[0] - 1, steps[-1]
        held = 1.0
        for k in steps:
            held *= 1 + sign * leverage[k - 1][1] * (index[k][1] / index[k - 1][1] - 1)
        r_index = index[last][1] / index[before][1] - 1
        r_product = product[last][1] / product[before][1] - 1
        drift.append(abs(held - 1 - target * r_index) * 10_000)
        rest.append(abs(r_product - (held - 1)) * 10_000)
    return drift, rest
