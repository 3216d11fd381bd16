"""The index/USDC market's LLTV, recomputed from the shared daily closes: the README's market10
basket at its target weights fell 27.0 % on its worst day (2021-05-19), and 0.625 is the largest of
Morpho's enabled LLTVs whose positions, liquidated at the limit, still cover the debt plus the
liquidator's incentive after such a day. SECURITY.md quotes these numbers."""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import yaml

from indexvault import history
from indexvault.lending import model, position
from tests.utils.node import ROOT

WAD = 10**18


def _market10_weights() -> dict[str, Fraction]:
    config = yaml.safe_load((ROOT / "examples" / "market10.yaml").read_text())
    by_token = {history.token_info(s).token: s for s in history.symbols_with_closes()}
    return {by_token[c["token"]]: Fraction(str(c["weight"])) for c in config["components"]}


def test_worst_day__market10_at_target_weights__27_percent_on_2021_05_19():
    weights = _market10_weights()
    assert sum(weights.values()) == 1 and len(weights) == 10
    start, end = dt.date(2020, 9, 22), dt.date(2025, 2, 11)  # every component has closes throughout
    closes = {s: history.closes(s, start, end) for s in weights}
    worst, day = position.worst_daily_drop(weights, closes)
    assert start + dt.timedelta(days=day) == dt.date(2021, 5, 19)
    assert round(float(worst), 3) == 0.270


def test_choose_lltv__the_largest_that_covers_debt_and_incentive_through_the_worst_day():
    assert position.choose_lltv(Fraction(270, 1000)) == position.DEFAULT_LLTV == 625 * 10**15
    # 0.625: 0.625 * 1.1268 = 0.704 <= 0.73; 0.77: 0.77 * 1.0741 = 0.827 > 0.73.
    lif = Fraction(model.liquidation_incentive_factor(625 * 10**15), WAD)
    assert (
        Fraction(625, 1000) * lif
        <= Fraction(73, 100)
        < Fraction(77, 100) * Fraction(model.liquidation_incentive_factor(770 * 10**15), WAD)
    )
    assert position.choose_lltv(0.10) == 860 * 10**15  # a basket that never fell more than 10 % a day
    assert position.choose_lltv(0.75) is None  # worse than any enabled LLTV can cover
