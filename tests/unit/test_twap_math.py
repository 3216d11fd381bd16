"""The TWAP's Python twin (`indexvault.amm`): TickMath, the mean tick's rounding, the
harmonic-mean liquidity and the USD price, against Uniswap's constants and exact fractions."""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

import pytest
from hypothesis import assume, given
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


# --- the factory's depth of a TWAP listing -------------------------------------------


@given(
    tick=st.integers(-400_000, 400_000),
    decimals=st.tuples(st.integers(0, 24), st.integers(0, 24)),
    asset_is_token0=st.booleans(),
    quote_answer=st.integers(10**6, 10**14),
    liquidity=st.integers(1, 10**30),
)
def test_twap_depth_usd__each_side_of_full_range_liquidity(tick, decimals, asset_is_token0, quote_answer, liquidity):
    """IndexFactory's depth is what full-range liquidity L holds on either side at the feed's
    price, L / sqrt(P) token0 and L * sqrt(P) token1 valued in USD: never above either side,
    and below it only by the floors (the answer's, the scaled prices', the square root's)."""
    asset_decimals, quote_decimals = decimals
    answer = amm.twap_usd(tick, asset_decimals, quote_decimals, asset_is_token0, quote_answer, 8)
    asset_usd = answer * 10**18 // 10**asset_decimals  # a base unit's USD, 1e36
    # Else the floors, not the math, decide (and the rule refuses so cheap a side anyway).
    assume(asset_usd >= 10**12 and answer >= 10**9 * (quote_answer // 10 ** (quote_decimals + 8) + 1))
    asset_side, quote_side = amm.full_range_sides_usd(
        liquidity, tick, asset_decimals, quote_decimals, asset_is_token0, quote_answer, 8
    )
    assert abs(asset_side - quote_side) <= quote_side / 10**18  # the same worth: TickMath's rounding only
    depth = amm.twap_depth_usd(liquidity, answer, asset_decimals, quote_answer, quote_decimals, 8)
    side = min(asset_side, quote_side)
    assert depth <= side
    assert depth >= side * (1 - Fraction(1, 10**5)) - 1


def test_twap_depth_usd__one_million_a_side():
    """The oracle benchmark's pool, worked by hand: UNI (18) at 8 USD against USDC (6) at 1.00,
    1M USD a side full range: L = sqrt(125,000e18 * 1,000,000e6) = 3.5355e17, depth 1M USD."""
    liquidity = math.isqrt(125_000 * 10**18 * 1_000_000 * 10**6)
    depth = amm.twap_depth_usd(liquidity, 8 * 10**18, 18, 10**8, 6, 8)
    assert 999_999 * 10**18 < depth <= 1_000_000 * 10**18


def test_twap_spot_factor__held_blocks_share_the_window():
    """Raising a 30-minute TWAP 2 %: the whole window (150 blocks) needs the spot 2 % up; one block needs
    it 1.02^150 (19.5 times) up; the closed-form cost then grows with the factor, not the move."""
    assert amm.twap_spot_factor(0.02, 1800, 150) == pytest.approx(1.02)
    assert amm.twap_spot_factor(0.02, 1800, 1) == pytest.approx(1.02**150)
    # oracles.json: swaps on a real 1M-a-side pool that moved the spot 2.02 % (whole ticks) cost 130.08 USD.
    assert amm.manipulation_cost_usd(1_000_000, 1.0202) == pytest.approx(130.08, rel=0.002)
    whole, one = (amm.manipulation_cost_usd(1_000_000, amm.twap_spot_factor(0.02, 1800, k)) for k in (150, 1))
    assert one > 10_000 * whole
