"""The leveraged index's reference model on its own (no chain): leverage and NAV of a book, the mint's sizing
at the target, the keeper's and the ripcord's steps, and the theoretical daily-reset product."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from indexvault.lending.model import Market, Position
from indexvault.leverage import model
from tests.utils.leverage import INVERSE, LONG

WAD = model.WAD
USDC = 10**6
PRICE = 100 * USDC * model.PRICE_SCALE // WAD  # 100 USDC an index token
LLTV = 77 * 10**16


def _book(inverse, collateral, debt, price=PRICE, supply=0):
    """A book whose debt is `debt` base units exactly (borrow shares at Morpho's first-borrow rate)."""
    shares = debt * 10**6
    return model.Book(inverse, Position(0, shares, collateral), Market(LLTV, 0, 0, debt, shares), price, supply)


def test_book__long_two_x__values_at_the_nav():
    book = _book(False, 200 * WAD, 10_000 * USDC, supply=10_000 * WAD)  # 20k of index, 10k of debt
    assert (book.exposure, book.debt, book.equity) == (20_000 * USDC, 10_000 * USDC, 10_000 * USDC)
    assert book.leverage == 2 * WAD and book.nav_per_share == WAD
    fallen = _book(False, 200 * WAD, 10_000 * USDC, PRICE * 8 // 10, 10_000 * WAD)  # index -20 %
    assert fallen.leverage == 16 * WAD // 6 and fallen.nav_per_share == 6 * WAD // 10  # -40 %


def test_book__inverse__values_at_the_nav():
    book = _book(True, 20_000 * USDC, 100 * WAD, supply=10_000 * WAD)  # 20k of USDC, 100 index owed
    assert (book.exposure, book.equity, book.leverage) == (10_000 * USDC, 10_000 * USDC, WAD)
    risen = _book(True, 20_000 * USDC, 100 * WAD, PRICE * 11 // 10, 10_000 * WAD)  # index +10 %
    assert risen.nav_per_share == 9 * WAD // 10 and risen.leverage == 11 * WAD // 9
    assert _book(True, 10_000 * USDC, 101 * WAD).equity == 0  # underwater: no equity, leverage unbounded
    assert _book(True, 10_000 * USDC, 101 * WAD).leverage == 2**256 - 1


@pytest.mark.parametrize("inverse", [False, True])
def test_mint_plan__empty_book__the_targets_ratio_with_room_for_the_buffer(inverse):
    bounds = INVERSE if inverse else LONG
    plan = model.mint_plan(_book(inverse, 0, 0), bounds, 10_000 * USDC)
    if inverse:  # supply 2x, borrow 1x of index value, sized so a 1 % cheaper sale still pays
        assert plan.collateral == 10_000 * USDC * WAD // (WAD - WAD // 2 * 99 // 100)
        assert plan.index * PRICE // model.PRICE_SCALE == plan.collateral // 2
    else:  # buy 2x of index with 1x borrowed, sized so a 1 % dearer purchase still fits
        assert plan.collateral * PRICE // model.PRICE_SCALE == 10_000 * USDC * WAD // (WAD + WAD // 100 - WAD // 2)
        assert plan.borrowed == plan.collateral * PRICE // model.PRICE_SCALE // 2


def test_mint__at_the_nav_with_no_cost__leverage_at_target_and_the_refund_is_the_buffer():
    book = _book(False, 0, 0)
    plan = model.mint_plan(book, LONG, 10_000 * USDC)
    at_nav = plan.collateral * PRICE // model.PRICE_SCALE
    result = model.mint(book, LONG, 10_000 * USDC, at_nav)
    assert abs(result.book.leverage - 2 * WAD) <= WAD // 10**9  # the floors of the sizing
    assert result.refund == 10_000 * USDC + plan.borrowed - at_nav
    assert result.shares == result.equity_added * model.USDC_TO_WAD
    with pytest.raises(ValueError, match="router: max in exceeded"):
        model.mint(book, LONG, 10_000 * USDC, 10_000 * USDC + plan.borrowed + 1)


def test_steps__in_band_none__out_of_band_back_to_target_capped_by_max_trade():
    book = _book(False, 200 * WAD, 10_000 * USDC, supply=10_000 * WAD)
    assert model.rebalance_step(book, LONG) is None and model.ripcord_step(book, LONG) is None
    fallen = _book(False, 200 * WAD, 10_000 * USDC, PRICE * 8 // 10, 10_000 * WAD)  # 2.67x: rebalance only
    delever, amount = model.rebalance_step(fallen, LONG)
    # exposure 16k, equity 6k: sell 4k of index value to get to 12k = 2 x 6k
    assert delever and amount * fallen.price // model.PRICE_SCALE == 4_000 * USDC
    assert model.ripcord_step(fallen, LONG) is None
    crashed = _book(False, 200 * WAD, 10_000 * USDC, PRICE * 7 // 10, 10_000 * WAD)  # 3.5x
    value = model.ripcord_step(crashed, LONG) * crashed.price // model.PRICE_SCALE
    assert value == 6_000 * USDC - 1  # 14k - 2 x 4k, in whole index wei rounded down
    capped = model.ripcord_step(crashed, LONG._replace(max_trade=5_000 * USDC)) * crashed.price
    assert capped // model.PRICE_SCALE == 5_000 * USDC - 1  # rounded down to whole index wei


@given(st.integers(1, 10**6), st.integers(0, 10**8))
def test_trade__a_step_at_the_nav__lands_on_the_target(collateral_value, debt_fraction_ppm):
    """Selling the step's index at exactly the NAV and repaying with it lands within rounding of the target."""
    debt = collateral_value * USDC * (debt_fraction_ppm % 700_000) // 1_000_000
    book = _book(False, collateral_value * WAD // 100, debt, supply=WAD)
    step = model.rebalance_step(book, LONG._replace(max_trade=10**30))
    if step is None or book.equity < 100 * USDC:
        return
    delever, amount = step
    after = model.trade(book, amount, delever, amount * book.price // model.PRICE_SCALE)
    assert abs(after.leverage - LONG.target) * after.equity <= 4 * WAD * USDC


def test_daily_reset__compounds_each_day_at_the_leverage():
    days = [Fraction(1, 10), Fraction(-1, 10)]  # +10 % then -10 %: the index ends at 0.99
    assert model.daily_reset(days, 2) == Fraction(12, 10) * Fraction(8, 10) - 1  # 2x ends at 0.96
    assert model.daily_reset(days, -1) == Fraction(9, 10) * Fraction(11, 10) - 1  # -1x ends at 0.99
    assert model.daily_reset([], 2) == 0


@given(st.integers(1, 10**6), st.integers(1, 10**6))
def test_redeem_in_index__the_same_morpho_steps_as_redeem__pays_the_collateral_fraction(part, whole):
    """`redeem_in_index` leaves the book as `redeem` does (the same fractions repaid and withdrawn); the redeemer
    pays the debt's fraction in index tokens and gets the collateral's fraction, no swap. Long: refused."""
    book = _book(True, 20_000 * USDC, 100 * WAD, supply=10_000 * WAD)
    shares = 10_000 * WAD * min(part, whole) // max(part, whole)
    if 0 < book.supply - shares < model.MIN_SUPPLY:
        return
    got = model.redeem_in_index(book, shares)
    swapped = model.redeem(book, shares, 0)
    assert got.book == swapped.book and got.plan == swapped.plan
    assert got.usdc_out == got.plan.collateral == book.collateral * shares // book.supply
    with pytest.raises(ValueError, match="lev: inverse only"):
        model.redeem_in_index(_book(False, 200 * WAD, 10_000 * USDC, supply=10_000 * WAD), shares)


def test_unwind_tolerance__max_slippage_a_day_after_arming__a_point_an_hour__capped_where_the_target_has_no_equity():
    with pytest.raises(ValueError, match="lev: unwind armed, wait"):
        model.unwind_tolerance(LONG, model.UNWIND_DELAY - 1)
    day = model.UNWIND_DELAY
    assert model.unwind_tolerance(LONG, day) == LONG.max_slippage == 2 * WAD // 100
    assert model.unwind_tolerance(LONG, day + 3_600) == 3 * WAD // 100
    assert model.unwind_tolerance(LONG, day + 48 * 3_600) == WAD // 2  # 2x: half the NAV, reached after 48 h
    assert model.unwind_tolerance(INVERSE, day + 98 * 3_600) == WAD  # -1x: twice the NAV, after 98 h


@given(
    st.booleans(),
    st.integers(1, 10**6),  # collateral value, USDC
    st.integers(0, 700_000),  # debt per collateral value, ppm
    st.integers(0, 200 * 3_600),  # seconds past the arming's delay
    st.lists(st.integers(1, 10**9), min_size=1, max_size=5),  # the holders' shares, in MIN_SUPPLY units
)
def test_unwind__bound_covers_the_debt_and_holders_share_the_holdings_pro_rata(inverse, value, debt_ppm, late, holders):
    """The long sells the index worth the debt at the floor (its bound then repays the debt unless that is all
    the collateral); the inverse's budget is the debt's value at the ceiling. Redeeming every holder in turn pays
    each at most their pro-rata share, the rounding stays with those left, and the last empties the product."""
    bounds = INVERSE if inverse else LONG
    collateral = value * USDC if inverse else value * WAD // 100
    debt_value = value * USDC * debt_ppm // 10**6
    book = _book(inverse, collateral, debt_value * WAD // (100 * USDC) if inverse else debt_value)
    armed_for = model.UNWIND_DELAY + late
    plan = model.unwind_plan(book, bounds, PRICE, armed_for)
    tolerance = model.unwind_tolerance(bounds, armed_for)
    assert plan.tolerance == tolerance <= WAD * WAD // bounds.target
    if inverse:
        assert plan.collateral == plan.limit <= book.collateral
        assert plan.limit * WAD * model.PRICE_SCALE <= book.debt * PRICE * (WAD + tolerance)
    else:
        assert plan.collateral <= book.collateral
        assert plan.limit >= book.debt or plan.collateral == book.collateral
        assert plan.limit * WAD * model.PRICE_SCALE <= plan.collateral * PRICE * (WAD - tolerance)
    supply = sum(holders) * model.MIN_SUPPLY
    held = model.Holdings(book.collateral - plan.collateral, 12_345 * USDC, supply)
    for shares in (h * model.MIN_SUPPLY for h in holders):
        before = held
        held, index_out, usdc_out = model.redeem_unwound(held, shares)
        assert index_out == before.index * shares // before.supply and usdc_out == before.usdc * shares // before.supply
        assert held.index * before.supply >= (before.index * (before.supply - shares))  # rounding stays behind
    assert held == model.Holdings(0, 0, 0)
