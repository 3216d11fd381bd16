"""Property tests of the auction's price and unit math.

The reference model (`indexvault.auction_model`) is checked against exact
rational arithmetic (every rounding in the vault's favour, by less than one
base unit), and the contracts against the model, integer for integer, over
random targets, prices, moments and bid sizes.
"""

from fractions import Fraction

import boa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexvault import auction_model
from indexvault.auction_model import MAX_UNIT
from indexvault.model import UNIT_SCALE, WAD, ceil_div
from tests.utils import MAX, sized
from tests.utils.rebalance import BAND, DURATION, expected_bid, to_start, unit_of

decimals = st.sampled_from([0, 6, 8, 18, 24])
prices = st.integers(10**12, 10**24)  # 1e-6 to 1e6 USD, 1e18 fixed point
units = st.integers(1, 2**80)
scales = st.tuples(st.integers(1, 2**100), st.integers(1, WAD))


@settings(max_examples=300, deadline=None)
@given(
    take=st.integers(1, 2**100),
    price=prices,
    quote_price=prices,
    dt=decimals,
    dq=decimals,
    sale_factor=st.integers(WAD - BAND, WAD + BAND),
    sell=st.booleans(),
)
def test_quote_amount__rounds_for_the_vault_by_less_than_one_unit(take, price, quote_price, dt, dq, sale_factor, sell):
    applied = sale_factor if sell else 2 * WAD - sale_factor
    exact = Fraction(take * price * applied * 10**dq, quote_price * WAD * 10**dt)
    quote = auction_model.quote_amount(take, price, quote_price, dt, dq, sale_factor, sell)
    if sell:
        assert exact <= quote < exact + 1
    else:
        assert exact - 1 < quote <= exact


@settings(max_examples=300, deadline=None)
@given(
    unit=units,
    target=st.integers(0, 2**80),
    scale=scales,
    fraction=st.integers(1, 1000),
    now=st.integers(0, 2 * DURATION),
)
def test_units_follow_the_trade_in_the_vaults_favour(unit, target, scale, fraction, now):
    supply, multiplier = scale
    sell, left = auction_model.remaining(unit, target, supply, multiplier)
    exact_left = Fraction(abs(unit - target) * supply * multiplier, UNIT_SCALE)
    assert (left <= exact_left < left + 1) if sell else (left - 1 < exact_left <= left)
    if left == 0:
        return
    amount = max(1, left * fraction // 1000)
    if sell:
        new_unit, _ = auction_model.units_after(unit, amount, target, 0, 0, 0, supply, multiplier)
        # Never below target; what all shares are owed fell by at least what left.
        assert target <= new_unit
        assert (unit - new_unit) * supply * multiplier >= amount * UNIT_SCALE
    else:
        _, new_unit = auction_model.units_after(2**90, 0, 0, unit, amount, target, supply, multiplier)
        # Never above target; what all shares are owed rose by at most what came in.
        assert unit <= new_unit <= target
        assert (new_unit - unit) * supply * multiplier <= amount * UNIT_SCALE
    if amount == left:
        assert new_unit == target
    factor = auction_model.factor(now, 0, DURATION, WAD + 2 * BAND, WAD - 2 * BAND, BAND)
    assert WAD - BAND <= factor <= WAD + BAND


@settings(max_examples=sized(12, 25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    wbtc_target=st.integers(0, 2 * 10**6),
    weth_target=st.integers(0, 10**18),
    elapsed=st.integers(0, DURATION),
    wbtc_answer=st.integers(10_000 * 10**8, 200_000 * 10**8),
    usdc_answer=st.integers(98 * 10**6, 102 * 10**6),
    fractions=st.lists(st.integers(1, 1200), min_size=1, max_size=3),
    token=st.sampled_from(["wbtc", "weth"]),
)
def test_bids_match_the_reference_model(
    env, propose, keeper, wbtc_target, weth_target, elapsed, wbtc_answer, usdc_answer, fractions, token
):
    with boa.env.anchor():
        propose({env.wbtc: wbtc_target, env.weth: weth_target})
        to_start(env)
        boa.env.time_travel(seconds=elapsed)
        env.feeds["wbtc"].set_answer(wbtc_answer)
        env.feeds["usdc"].set_answer(usdc_answer)
        env.feeds["weth"].set_answer(env.feeds["weth"].answer())
        auctioned = getattr(env, token)
        for fraction in fractions:
            left = env.rebalancer.remaining(auctioned.address)[1]
            if left == 0:
                break
            amount = max(1, left * fraction // 1000)  # above 1000: more than remains
            try:
                expected = expected_bid(env, auctioned, amount)
            except ValueError as reason:  # the model refuses: so must the contract
                with boa.env.prank(keeper), boa.reverts(str(reason)):
                    env.rebalancer.bid(auctioned.address, amount, 0, keeper)
                break
            with boa.env.prank(keeper):
                paid = env.rebalancer.bid(auctioned.address, amount, MAX if expected.sell else 0, keeper)
            assert paid == expected.quote_amount
            assert unit_of(env.vault, auctioned) == expected.unit
            assert unit_of(env.vault, env.quote) == expected.quote_unit
            for component, owed in zip(env.vault.components(), env.vault.backing()):
                held = next(t for t in (env.usdc, env.wbtc, env.weth) if t.address == component)
                assert held.balanceOf(env.vault.address) >= owed


@settings(max_examples=500, deadline=None)
@given(
    unit=units,
    target=st.integers(0, 2**80),
    quote_unit=units,
    scale=scales,
    fraction=st.integers(0, 1200),
    quote=st.integers(1, 2**100),
)
def test_bids_trade_whole_unit_steps(unit, target, quote_unit, scale, fraction, quote):
    """Whatever the supply, each leg's backing (what all shares are owed)
    moves with the tokens to within one base unit, the vault's rounding
    moves each unit by exactly the step count priced (supply of a share or
    more), and taking all that remains meets the target exactly."""
    supply, multiplier = scale
    s = supply * multiplier
    sell, left = auction_model.remaining(unit, target, supply, multiplier)
    if left == 0:
        return
    asked = max(1, left * fraction // 1000)
    wanted = min(asked, left)
    try:
        take = auction_model.whole_step_take(wanted, left, s, sell)
    except ValueError as reason:
        assert str(reason) == "rebalancer: bid below one unit step"
        assert s > UNIT_SCALE and wanted * UNIT_SCALE < s
        return
    assert 0 < take <= wanted
    steps = wanted * UNIT_SCALE // s
    paid = auction_model.whole_step_quote(quote, s, sell)
    if sell:
        new_unit, new_quote_unit = auction_model.units_after(
            unit, take, target, quote_unit, paid, MAX_UNIT, supply, multiplier
        )
        assert paid >= quote
        token_moved, quote_moved = unit - new_unit, new_quote_unit - quote_unit
        # Owed fell by at most what left plus one base unit; rose by at most what came in.
        assert 0 <= token_moved * s - take * UNIT_SCALE < UNIT_SCALE or new_unit == target
        if new_quote_unit == MAX_UNIT:  # the vault caps the unit (and keeps the excess)
            return
        assert 0 <= paid * UNIT_SCALE - quote_moved * s < UNIT_SCALE
    else:
        if paid > quote_unit * s // UNIT_SCALE:
            return
        new_quote_unit, new_unit = auction_model.units_after(
            quote_unit, paid, 0, unit, take, target, supply, multiplier
        )
        assert paid <= quote
        token_moved, quote_moved = new_unit - unit, quote_unit - new_quote_unit
        assert 0 <= take * UNIT_SCALE - token_moved * s < UNIT_SCALE or new_unit == target
        assert 0 <= quote_moved * s - paid * UNIT_SCALE < UNIT_SCALE or new_quote_unit == 0
    if wanted == left:
        assert new_unit == target
    elif s >= UNIT_SCALE:
        assert token_moved == steps >= 1
        assert quote_moved * s // UNIT_SCALE <= paid
        assert quote_moved == (ceil_div(quote * UNIT_SCALE, s) if sell else quote * UNIT_SCALE // s)
