"""Whole-token numbers to the integers the contracts hold."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from indexvault.units import from_base, to_base, units_from_weights


def test_to_base__rounds_to_nearest():
    assert to_base("1.5", 6) == 1_500_000
    assert to_base("0.0000005", 6) == 1  # half rounds up
    assert to_base("0.00000049", 6) == 0
    assert to_base(Decimal("123.456789012345678901"), 18) == 123_456_789_012_345_678_901


@given(st.integers(0, 2**128), st.integers(0, 36))
def test_from_base_to_base__roundtrip(amount, decimals):
    assert to_base(from_base(amount, decimals), decimals) == amount


def test_units_from_weights__demo_basket():
    units = units_from_weights(
        [Decimal("0.4"), Decimal("0.3"), Decimal("0.3")],
        [Decimal(60000), Decimal(3000), Decimal(1)],
        [8, 18, 6],
        Decimal(100),
    )
    # 40 USD of BTC, 30 USD of ETH, 30 USD of a dollar coin per index token.
    assert units == [66_667, 10**16, 30_000_000]
