"""The TWAP's Python twin (`indexvault.amm`): TickMath, the mean tick's rounding, the
harmonic-mean liquidity and the USD price, against Uniswap's constants and exact fractions."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexvault import amm

ticks = st.integers(amm.MIN_TICK, amm.MAX_TICK)


def test_sqrt_ratio_at_tick__uniswap_bounds():
    """TickMath's MIN_SQRT_RATIO and MAX_SQRT_RATIO are its values at MIN_TICK and MAX_TICK."""
    assert amm.sqrt_ratio_at_tick(amm.MIN_TICK) == amm.MIN_SQRT_RATIO == 4295128739
    assert amm.sqrt_ratio_at_tick(amm.MAX_TICK) == amm.MAX_SQRT_RATIO
    assert amm.MAX_SQRT_RATIO == 1461446703485210103287273052203988822378723970342
    assert amm.sqrt_ratio_at_tick(0) == amm.Q96


@pytest.mark.parametrize("tick", [amm.MIN_TICK - 1, amm.MAX_TICK + 1])
def test_sqrt_ratio_at_tick__outside_the_range(tick):
    with pytest.raises(ValueError, match="outside"):
        amm.sqrt_ratio_at_tick(tick)


@given(tick=ticks)
def test_sqrt_ratio_at_tick__is_sqrt_1_0001_pow_tick(tick):
    """Within 1e-18 (relative) and one unit (the round-up) of sqrt(1.0001)^tick in Q96 over the whole range (TickMath's
    precision: Q128 factors, and an inverse for positive ticks that loses digits as the
    ratio grows), and increasing. Exactness is TickMath's own constants, and the real pool's
    inverse (`tests/contracts/oracle`)."""
    with localcontext() as ctx:
        ctx.prec = 80
        exact = Decimal("1.0001") ** (Decimal(tick) / 2) * Decimal(amm.Q96)
        assert abs(Decimal(amm.sqrt_ratio_at_tick(tick)) - exact) < exact * Decimal("1e-18") + 1
    if tick < amm.MAX_TICK:
        assert amm.sqrt_ratio_at_tick(tick + 1) > amm.sqrt_ratio_at_tick(tick)


@given(
    start=st.integers(-(2**50), 2**50),
    delta=st.integers(-(2**45), 2**45),
    window=st.integers(1, 2**32 - 1),
)
def test_mean_tick__rounds_toward_negative_infinity(start, delta, window):
    """OracleLibrary.consult: truncate (Solidity), then one lower for a negative inexact mean."""
    truncated = abs(delta) // window * (1 if delta >= 0 else -1)
    if delta < 0 and abs(delta) % window:
        truncated -= 1
    assert amm.mean_tick((start, start + delta), window) == truncated
    assert amm.mean_tick((start, start + delta), window) == Fraction(delta, window).__floor__()


def test_harmonic_liquidity__wraps_the_uint160_accumulator():
    """A pool of constant liquidity L adds window * 2^128 / L to the accumulator; a wrapped
    accumulator gives the same mean."""
    liquidity, window = 10**18, 1_800
    delta = (window << 128) // liquidity
    assert amm.harmonic_liquidity((5, 5 + delta), window) == amm.harmonic_liquidity((2**160 - 3, delta - 3), window)
    assert abs(amm.harmonic_liquidity((0, delta), window) - liquidity) <= liquidity // 10**15


@given(
    tick=ticks,
    decimals=st.tuples(st.integers(0, 36), st.integers(0, 36)),
    asset_is_token0=st.booleans(),
    quote_answer=st.integers(1, 10**20),
    feed_decimals=st.integers(0, 18),
)
def test_twap_usd__two_floors_below_the_exact_price(tick, decimals, asset_is_token0, quote_answer, feed_decimals):
    """The answer is the exact price (TickMath's ratio) rounded down twice: below it by less
    than one base unit plus what one quote unit is worth."""
    args = (tick, *decimals, asset_is_token0, quote_answer, feed_decimals)
    exact = amm.twap_usd_exact(*args)
    bound = Fraction(quote_answer, 10 ** (decimals[1] + feed_decimals)) + 1
    assert 0 <= exact - amm.twap_usd(*args) < bound


def test_twap_usd__one_quote_per_asset_at_tick_zero():
    """Tick 0 with equal decimals: one quote per asset, priced at the quote's feed."""
    assert amm.twap_usd(0, 18, 18, True, 99_980_000, 8) == 999_800_000_000_000_000
    assert amm.twap_usd(0, 18, 18, False, 99_980_000, 8) == 999_800_000_000_000_000
