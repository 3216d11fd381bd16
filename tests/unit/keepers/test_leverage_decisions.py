"""The leverage keeper's decisions (`indexvault.keepers.leverage.decide`), pure: nothing in band or on a
stale NAV, a rebalance step toward the target sized to the pools (several steps for a large move), the
ripcord above its leverage, and each step held to the reference model (`indexvault.leverage.model`)."""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from indexvault.keepers import leverage
from indexvault.lending.model import Market, Position
from indexvault.leverage import model
from indexvault.leverage.product import default_bounds

WAD = 10**18
LLTV = 625 * 10**15
PRICE = 10**20  # 100 USDC an index token: USDC base units per index wei x 1e36
LONG = default_bounds(False, LLTV)  # 2.0, band 1.7-2.3, ripcord 2.5
INVERSE = default_bounds(True, LLTV)  # 1.0, band 0.85-1.15, ripcord 1.35


def minted(inverse: bool, usdc: int = 10_000 * 10**6) -> model.Book:
    """A product after one mint of `usdc` at 100 USD an index token, the pools at the NAV."""
    empty = model.Book(inverse, Position(), Market(LLTV, 10**16, 10**22), PRICE)
    bounds = INVERSE if inverse else LONG
    plan = model.mint_plan(empty, bounds, usdc)
    swapped = plan.index * PRICE // model.PRICE_SCALE
    return model.mint(empty, bounds, usdc, swapped).book


def moved(book: model.Book, factor: Fraction) -> model.Book:
    return replace(book, price=int(book.price * factor))


def pools(book: model.Book, depth_usd: int | None):
    """(buy, sell) quotes: a constant-product pool `depth_usd` deep a side at the NAV with a 0.3 % fee, or
    (None) deep pools that charge 0.3 %."""
    nav = book.price

    def value(n: int) -> int:
        return n * nav // model.PRICE_SCALE

    if depth_usd is None:
        return (lambda n: value(n) * 1003 // 1000 + 1), (lambda n: value(n) * 997 // 1000)
    usdc = depth_usd * 10**6
    index = usdc * model.PRICE_SCALE // nav

    def sell(n: int) -> int:
        return n * 997 * usdc // (index * 1000 + n * 997)

    def buy(n: int) -> int:
        return 0 if n >= index else usdc * n * 1000 // ((index - n) * 997) + 1

    return buy, sell


def snap(book, bounds, depth_usd=None, **kw) -> leverage.Snapshot:
    buy, sell = pools(book, depth_usd)
    return leverage.Snapshot("IDX2X (2x)", book, bounds, buy, sell, **kw)


def test_in_band__nothing_and_says_so():
    decision = leverage.decide(snap(minted(False), LONG))
    assert decision.action is None
    assert decision.line() == "IDX2X (2x): nothing: leverage 2.000 (band 1.700-2.300, target 2.000): in band"


def test_stale_nav__no_trade_even_out_of_band():
    out_of_band = moved(minted(False), Fraction(85, 100))
    assert out_of_band.leverage > LONG.high
    decision = leverage.decide(snap(out_of_band, LONG, stale=True, nav_age=90_000))
    assert decision.action is None
    assert "refuses the NAV (90000 s old): no trade; redemption still works" in decision.reason


def test_unwound__nothing_even_out_of_band():
    out_of_band = moved(minted(False), Fraction(85, 100))
    decision = leverage.decide(snap(out_of_band, LONG, unwound=True))
    assert decision.action is None
    assert decision.reason == "unwound: no position, closed for good; holders redeem in kind"


def test_out_of_band_deep_pools__one_step_to_the_target_as_the_model():
    book = moved(minted(False), Fraction(87, 100))  # the index -13 %: 2x at 2.35
    assert book.leverage > LONG.high
    decision = leverage.decide(snap(book, LONG))
    action = decision.action
    assert (action.kind, action.delever, action.buy) == ("rebalance", True, False)
    assert (True, action.index_amount) == model.rebalance_step(book, LONG)
    after = leverage.after(snap(book, LONG), action)
    assert abs(after.leverage - LONG.target) < WAD // 100
    # The bound sent: the quote less the keeper's slippage, never below the contract's own.
    assert action.usdc_limit == model.trade_bound(book, LONG, action.index_amount, False, action.usdc_limit)
    assert action.usdc_limit <= action.quoted


def test_inverse_below_band__levers_up_selling_borrowed_index():
    book = moved(minted(True), Fraction(85, 100))  # the index -15 %: -1x at 0.74
    action = leverage.decide(snap(book, INVERSE)).action
    assert (action.kind, action.delever, action.buy) == ("rebalance", False, False)
    assert abs(leverage.after(snap(book, INVERSE), action).leverage - WAD) < WAD // 100


def test_shallow_pools__a_large_move_in_several_steps_each_within_the_cost():
    book = moved(minted(False, 50_000 * 10**6), Fraction(84, 100))  # 2.47x: 16k USD to sell, pools 1M deep
    settings_ = leverage.Settings(max_cost_bps=60)
    steps = []
    for _ in range(20):  # a round each; the arbitrageurs bring the pools back between rounds
        decision = leverage.decide(snap(book, LONG, depth_usd=1_000_000), settings_)
        if decision.action is None:
            break
        action = decision.action
        steps.append(action)
        assert (action.quoted, action.value) and (action.value - action.quoted) * 10_000 <= 60 * action.value
        assert action.value < 16_000 * 10**6
        book = leverage.after(snap(book, LONG), action)
    assert len(steps) > 1
    assert LONG.low <= book.leverage <= LONG.high
    assert "in band" in decision.reason


def test_above_ripcord__pulls_it_as_the_model_sizes_it():
    book = moved(minted(False), Fraction(82, 100))  # the index -18 %: 2x at 2.78
    assert book.leverage > LONG.ripcord
    decision = leverage.decide(snap(book, LONG))
    action = decision.action
    assert action.kind == "ripcord"
    assert action.index_amount == model.ripcord_step(book, LONG)
    assert "above the ripcord 2.500: pull it" in decision.reason
    after = leverage.after(snap(book, LONG), action)
    assert after.leverage < book.leverage


def test_ripcord_the_pools_cannot_take__a_smaller_keeper_step_instead():
    book = moved(minted(False, 200_000 * 10**6), Fraction(82, 100))
    decision = leverage.decide(snap(book, LONG, depth_usd=200_000))
    assert decision.action.kind == "rebalance"
    assert decision.action.index_amount < model.ripcord_step(book, LONG)
    assert "past its bound" in decision.reason


def test_out_of_band_without_the_keeper_role__nothing():
    book = moved(minted(False), Fraction(87, 100))
    decision = leverage.decide(snap(book, LONG, has_role=False))
    assert decision.action is None and "no KEEPER_ROLE" in decision.reason


def test_pools_too_thin_for_any_step__nothing_and_why():
    book = moved(minted(False), Fraction(87, 100))
    decision = leverage.decide(snap(book, LONG, depth_usd=1_000), leverage.Settings(max_cost_bps=10))
    assert decision.action is None
    assert "the pools take no step of 100 USD within 10 bps" in decision.reason


@settings(max_examples=60, deadline=None)
@given(
    inverse=st.booleans(),
    move=st.integers(70, 130),
    usdc=st.integers(1_000, 3_000_000),
    depth=st.one_of(st.none(), st.integers(100_000, 5_000_000)),
)
def test_property__a_step_moves_toward_the_target_never_past_the_models_step(inverse, move, usdc, depth):
    bounds = INVERSE if inverse else LONG
    book = moved(minted(inverse, usdc * 10**6), Fraction(move, 100))
    decision = leverage.decide(snap(book, bounds, depth_usd=depth))
    step = model.rebalance_step(book, bounds)
    if step is None:
        assert decision.action is None
        return
    action = decision.action
    if action is None:
        return  # the pools take no step within the cost (said in the reason)
    if action.kind == "ripcord":
        assert action.index_amount == model.ripcord_step(book, bounds)
    else:
        assert action.delever == step[0] and 0 < action.index_amount <= step[1]
        assert action.value <= bounds.max_trade
    after = leverage.after(snap(book, bounds, depth_usd=depth), action)
    before_gap, after_gap = abs(book.leverage - bounds.target), abs(after.leverage - bounds.target)
    assert after_gap < before_gap
    # Within the contract's NAV bound, as the contract checks it.
    limit = model.trade_bound(book, bounds, action.index_amount, action.buy, action.usdc_limit)
    assert (action.quoted <= limit) if action.buy else (action.quoted >= limit)
