"""The leverage benchmark's statistics (benchmarks/tracking.py): day closes, the theoretical daily-reset
product along a replay's steps, the daily tracking error and its two parts."""

from fractions import Fraction

import pytest

from benchmarks import tracking
from indexvault.leverage.model import daily_reset

# The start's close, then two days of two steps: the index +10 % then -10 % on day 1, +5 % on day 2.
INDEX = [("d0 23:59", 100.0), ("d1 11:59", 110.0), ("d1 23:59", 99.0), ("d2 11:59", 101.0), ("d2 23:59", 103.95)]
INDEX = [(f"2024-01-0{w[1]}{w[2:]}", v) for w, v in INDEX]


def test_day_closes__the_last_point_of_each_day():
    assert tracking.day_closes(INDEX) == [("2024-01-00", 100.0), ("2024-01-01", 99.0), ("2024-01-02", 103.95)]


@pytest.mark.parametrize("leverage", [2, -1])
def test_theoretical__resets_at_each_close_and_matches_the_models_daily_reset(leverage):
    path = tracking.theoretical(INDEX, leverage)
    assert path[0][1] == 1.0
    # Within day 1 it moves by leverage x the index's move since the start's close.
    assert path[1][1] == pytest.approx(1 + leverage * 0.10)
    # At each close: the model's daily reset over the closes' returns.
    assert path[2][1] == pytest.approx(1 + daily_reset([Fraction(-1, 100)], leverage))
    assert path[4][1] == pytest.approx(1 + daily_reset([-0.01, 0.05], leverage))
    # Within day 2, from day 1's close, not the start's.
    assert path[3][1] == pytest.approx(path[2][1] * (1 + leverage * (101 / 99 - 1)))


def test_tracking_errors__a_product_exactly_at_twice_the_daily_return_tracks_to_zero():
    product = [(w, v) for w, v in tracking.theoretical(INDEX, 2)]
    assert tracking.tracking_errors_bps(product, INDEX, 2) == pytest.approx([0, 0])
    lagging = [(w, v * (0.999 if w.startswith("2024-01-02") else 1)) for w, v in product]
    errors = tracking.tracking_errors_bps(lagging, INDEX, 2)
    # 0.1 % of the product's value at day 2's close: 0.1 % x (1 + 2 x 5 %) of its return
    assert errors[0] == pytest.approx(0) and errors[1] == pytest.approx(10 * 1.1, rel=1e-9)


def test_tracking_errors__refuse_series_of_other_days():
    with pytest.raises(ValueError, match="2 product closes against 3 index closes"):
        tracking.tracking_errors_bps(INDEX[:3], INDEX, 2)


def _held(leverage_points, target):
    """A product that never trades: from each point to the next it returns its leverage x the index's move."""
    value, out = 1.0, [(INDEX[0][0], 1.0)]
    sign = 1 if target > 0 else -1
    for k in range(1, len(INDEX)):
        value *= 1 + sign * leverage_points[k - 1][1] * (INDEX[k][1] / INDEX[k - 1][1] - 1)
        out.append((INDEX[k][0], value))
    return out


def test_decomposed__a_product_held_at_its_leverage_is_all_drift_and_no_cost():
    leverage = [(w, lev) for (w, _), lev in zip(INDEX, (2.0, 2.2, 1.8, 2.1, 2.0))]
    product = _held(leverage, 2)
    drift, rest = tracking.decomposed_bps(product, leverage, INDEX, 2)
    assert rest == pytest.approx([0, 0], abs=1e-9)
    assert drift == pytest.approx(tracking.tracking_errors_bps(product, INDEX, 2))
    assert drift[0] > 0  # day 1 held 2.0 then 2.2 through +10 % and -10 %: not 2 x -1 %


def test_decomposed__a_trade_cost_shows_in_the_rest_and_the_inverse_is_short():
    leverage = [(w, 1.0) for w, _ in INDEX]  # the inverse exactly at target: no drift
    product = _held(leverage, -1)
    product[2] = (product[2][0], product[2][1] * 0.998)  # 20 bps paid at day 1's close
    product[3:] = [(w, v * 0.998) for w, v in product[3:]]
    drift, rest = tracking.decomposed_bps(product, leverage, INDEX, -1)
    # Each day held at -1 through two steps: only the steps' compounding is drift.
    assert drift[0] == pytest.approx(abs((1 - 0.10) * (1 + 0.10) - 1 - 0.01) * 10_000)
    assert rest[0] == pytest.approx(20 * (1 - 0.10) * (1 + 0.10), rel=1e-9)
    assert rest[1] == pytest.approx(0, abs=1e-9)


def test_stats__median_and_worst_or_none():
    assert tracking.stats_bps([3.0, 1.04, 20.0]) == {"median": 3.0, "worst": 20.0}
    assert tracking.stats_bps([]) == {"median": None, "worst": None}
