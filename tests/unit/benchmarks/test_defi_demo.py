"""The DeFi demo's accounting (demos/defi.py): what `ape run defi_demo` prints and writes."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from demos.defi import Gap, Month, summary
from demos.rebalance import Leg

DAY = dt.date(2021, 5, 19)


def leg(symbol, side, notional, received, met=True) -> Leg:
    leg = Leg(symbol, side, 18, notional=Decimal(notional), quote_usd=Decimal(received), pool_fees=Decimal(3))
    leg.target_met = met
    return leg


def test_summary__cost_weighted_by_what_each_month_traded_and_the_worst_gap_by_size():
    june = Month(dt.date(2021, 6, 1), legs=[leg("AAVE", "sell", 1000, 996), leg("CRV", "buy", 1000, 1005)])
    june.gaps = [Gap("CRV", DAY, Decimal("1.21"), Decimal("1.00")), Gap("UNI", DAY, Decimal("0.98"), Decimal(1))]
    july = Month(dt.date(2021, 7, 1), legs=[leg("UNI", "buy", 3000, 3002, met=False)])
    july.gaps = [Gap("SNX", DAY, Decimal("0.75"), Decimal(1))]
    out = summary([june, july], 48, 1.0)
    # June: sold 1,000 for 996 (4 USD) and bought 1,000 for 1,005 (5 USD); July: 2 USD on 3,000.
    assert june.cost_bps == Decimal(45) and round(july.cost_bps, 2) == Decimal("6.67")
    assert out["cost_bps"] == 22.0  # 11 USD on 5,000: weighted by what was traded, not the months' mean (25.8)
    assert out["max_twap_gap"] == 0.25 and out["max_twap_gap_at"] == {"symbol": "SNX", "day": "2021-05-19"}
    assert [m["max_twap_gap"] for m in out["by_month"]] == [0.21, 0.25]
    assert (out["targets_met"], [m["targets_met"] for m in out["by_month"]]) == (False, [True, False])
    assert out["months"] == 2 and out["components"] == 11
