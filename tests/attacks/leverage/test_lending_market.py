"""What can block a leveraged (2x) or inverse (-1x) index token's holders on Morpho Blue. Morpho is immutable:
no owner, guardian or market setting can pause a market, freeze an asset or stop a repayment. What remains is
the market's oracle reverting (the index's NAV stale: MorphoNavOracle refuses it; anyone arms the unwind, a day
later anyone unwinds the product and holders redeem in kind) and the market having no liquidity to lend (its
lenders withdrew everything idle): each test says what mint, redeem, rebalance and the ripcord do then, and
what holders can do."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from indexvault.leverage import chain as leverage_chain
from indexvault.leverage import model
from indexvault.leverage import product as leverage_product
from tests.attacks.leverage.conftest import CAPITAL, USDC, push, restore
from tests.utils import MAX, WAD
from tests.utils import morpho as morpho_utils
from tests.utils.boa_env import deployer, events
from tests.utils.boa_fork import BoaReader
from tests.utils.leverage import WEEK, book, gas, swapped

STALE = "navoracle: stale nav"
NO_LIQUIDITY = "insufficient liquidity"  # Morpho Blue's ErrorsLib
# The NAV, % of the pools' price, that leaves each product below its band (lever) or above its ripcord.
LEVER_AT = {False: 140, True: 84}
RIPCORD_AT = {False: 90, True: 107}

# Index tokens the sandwicher pushes through the pools against the unwind's swap: about 3 %, past the 2 % bound
# once router and pool fees are counted; about 1 %, within it.
REFUSED_UNWIND_PUSH = 24_000 * WAD
WITHIN_UNWIND_PUSH = 8_000 * WAD

DIRECTIONS = pytest.mark.parametrize("inverse", [False, True], ids=["long", "inverse"])


@pytest.fixture(scope="module")
def at_real_nav(lev, create_product):
    """Both products over the real MorphoNavOracle (one-week maximum age), each held by `lev.minter` (CAPITAL)
    and a second holder (half that)."""
    holder = boa.env.generate_address("second_holder")
    lev.usdc.mint(holder, CAPITAL)
    made = {}
    for inverse in (False, True):
        product = create_product(inverse)
        with boa.env.prank(lev.minter):
            product.contract.mint(CAPITAL, 0, product.routes_in, lev.minter)
        with boa.env.prank(holder):
            lev.usdc.approve(product.contract.address, MAX)
            product.contract.mint(CAPITAL // 2, 0, product.routes_in, holder)
        made[inverse] = product
    return SimpleNamespace(by_direction=made, holder=holder)


@DIRECTIONS
def test_stale_nav__no_trade_no_mint_no_partial_exit__armed_then_a_day_on_anyone_unwinds_and_holders_redeem_in_kind(
    lev, at_real_nav, inverse
):
    """While the NAV is stale nothing that values at it runs: rebalance and the ripcord (the keeper cannot hurt
    holders; neither can anyone pulling the ripcord, and Morpho cannot liquidate either), mint, the views and
    the Chainlink-style feed. A redemption never reads it, but Morpho's health check on withdrawing collateral
    does whenever debt is left: no holder of part of the supply can exit. Refused while the NAV is fresh, the
    first `unwind` on a stale NAV only arms it (trades nothing); a day after the arming (not a second less)
    anyone may `unwind`: the whole debt repaid within a bound from the last NAV, all
    collateral out of Morpho with no oracle read. Then each holder redeems their fraction of what the product
    holds, in kind, to the model's base unit, and the product is closed for good: a second unwind, a mint, the
    keeper's rebalance, the ripcord and the in-index redemption revert "lev: unwound". Before the unwind existed
    the partial exit stayed refused for as long as the NAV was stale (only the whole supply, gathered in one
    hand, could leave)."""
    product, holder = at_real_nav.by_direction[inverse], at_real_nav.holder
    c = product.contract
    feed = deployer("periphery/LeveragedNavFeed.vy").deploy(c.address, lev.nav_feed.address)
    before = book(lev, product)
    last, stale_since = lev.nav_oracle.last_price()
    assert last == before.price  # the answer the feed will carry is the last NAV the product was valued at
    with boa.reverts("lev: nav not stale"):
        c.unwind(product.routes_out)
    boa.env.time_travel(seconds=WEEK + 1)

    with boa.env.prank(lev.keeper), boa.reverts(STALE):
        c.rebalance(WAD, 0, product.delever_routes)
    with boa.env.prank(holder):
        with boa.reverts(STALE):
            c.ripcord(product.delever_routes)
        with boa.reverts(STALE):
            c.mint(USDC, 0, product.routes_in, holder)
        with boa.reverts(STALE):
            c.redeem(c.balanceOf(holder), 0, product.routes_out, holder)
    if inverse:  # repaying in index tokens withdraws collateral too
        with boa.env.prank(lev.depositor):
            lev.vault.transfer(holder, 100 * WAD)
        with boa.env.prank(holder):
            lev.vault.approve(c.address, MAX)
            with boa.reverts(STALE):
                c.redeem_in_index(c.balanceOf(holder), MAX, holder)
    for view in (c.nav_per_share, c.leverage, feed.latestRoundData):
        with boa.reverts(STALE):
            view()
    assert c.position() == (before.collateral, before.debt)  # the unpriced read still answers

    anyone = boa.env.generate_address("anyone")
    assert leverage_product.check_unwind(_read(lev, product)) is None  # `ape run leverage unwind` arms
    with boa.env.prank(anyone):
        assert c.unwind(product.routes_out) == 0
    arm_gas, armed_at = gas(product), boa.env.timestamp
    assert [(e.caller, e.stale_since) for e in events(c, "UnwindArmed")] == [(anyone, stale_since)]
    assert (c.unwind_armed_at(), c.unwind_armed_for()) == (armed_at, stale_since)
    assert c.position() == (before.collateral, before.debt) and not c.unwound()  # arming trades nothing
    _travel_to(armed_at + model.UNWIND_DELAY - 1)
    with boa.env.prank(anyone), boa.reverts("lev: unwind armed, wait"):
        c.unwind(product.routes_out)
    armed_for = model.UNWIND_DELAY + 3_600  # an hour on: the bound one point wider than `max_slippage`
    _travel_to(armed_at + armed_for)
    state = _read(lev, product)  # what `ape run leverage unwind` reads and checks
    assert state.stale and state.armed and (state.last_price, state.stale_since) == (last, stale_since)
    assert leverage_product.check_unwind(state) == model.unwind_plan(before, product.bounds, last, armed_for)
    with boa.env.prank(anyone):
        tolerance = c.unwind(product.routes_out)
    unwind_gas = gas(product)
    assert tolerance == model.unwind_tolerance(product.bounds, armed_for) == product.bounds.max_slippage + WAD // 100
    left = model.unwind(before, product.bounds, last, armed_for, swapped(lev, product))
    assert c.position() == (0, 0) and c.unwound()
    assert (lev.vault.balanceOf(c.address), lev.usdc.balanceOf(c.address)) == (left.index, left.usdc)
    assert lev.vault.balanceOf(anyone) == lev.usdc.balanceOf(anyone) == 0  # the caller is paid nothing
    assert _read(lev, product).held == left  # what `ape run leverage redeem` previews in kind from

    paid = []  # each holder's index and USDC, valued at the last NAV
    for who in (lev.minter, holder):
        shares, index, usdc = c.balanceOf(who), lev.vault.balanceOf(who), lev.usdc.balanceOf(who)
        left, index_out, usdc_out = model.redeem_unwound(left, shares)
        with boa.env.prank(who):
            assert c.redeem(shares, usdc_out, [], who) == usdc_out
        assert (lev.vault.balanceOf(who) - index, lev.usdc.balanceOf(who) - usdc) == (index_out, usdc_out)
        paid.append(index_out * last // model.PRICE_SCALE + usdc_out)
    assert left == model.Holdings(0, 0, 0) and c.totalSupply() == 0
    assert lev.vault.balanceOf(c.address) == lev.usdc.balanceOf(c.address) == 0
    # The holders got the equity at the last NAV less the swap's cost (the pools sit at that NAV here).
    assert before.equity * 99 // 100 <= sum(paid) <= before.equity

    with boa.env.prank(holder):
        for call in (
            lambda: c.unwind(product.routes_out),
            lambda: c.mint(USDC, 0, product.routes_in, holder),
            lambda: c.ripcord(product.delever_routes),
            lambda: c.redeem_in_index(WAD, MAX, holder),
        ):
            with boa.reverts("lev: unwound"):
                call()
    with boa.env.prank(lev.keeper), boa.reverts("lev: unwound"):
        c.rebalance(WAD, 0, product.delever_routes)
    print(
        f"\n{'inverse' if inverse else 'long'}: stale NAV, armed (gas {arm_gas:,}), a day on unwound "
        f"(gas {unwind_gas:,}) within {tolerance / WAD:.0%}; "
        f"the holders redeemed {' and '.join(f'{p / USDC:,.2f}' for p in paid)} USDC of value at the last NAV "
        f"(equity {before.equity / USDC:,.2f})"
    )


@DIRECTIONS
def test_unwind__sandwiched__refused_past_its_bound__within_it_holders_lose_at_most_the_bound(
    lev, at_real_nav, lev_attacker, borrow_index, inverse
):
    """The unwind's caller may be anyone, a sandwicher included: the attacker pushes the pools against the
    unwind's swap (long: sells the index before the unwind sells; inverse: buys it before the unwind buys), and
    restores them after. Its swap is bounded by the last NAV off `max_slippage` (2 %) a day after its arming:
    pushed past that, the unwind reverts in the router and nothing moves; pushed within it, the holders lose
    what the push took from the unpushed swap, never more than the room the bound leaves it (at most the
    tolerance times the value swapped at the last NAV). An unwind without a bound (min out 0, max in all the
    collateral) takes the first push and this test fails at its first `reverts`."""
    product = at_real_nav.by_direction[inverse]
    c, buy = product.contract, inverse  # the inverse buys the index it owes
    before = book(lev, product)
    last, stale_since = lev.nav_oracle.last_price()
    _travel_to(stale_since + 1)
    c.unwind(product.routes_out)  # arms
    _travel_to(boa.env.timestamp + model.UNWIND_DELAY)
    plan = model.unwind_plan(before, product.bounds, last, model.UNWIND_DELAY)
    assert plan.tolerance == product.bounds.max_slippage
    unwind_value = (before.debt * last // model.PRICE_SCALE) if inverse else plan.collateral * last // model.PRICE_SCALE
    with boa.env.anchor():  # the unwind unsandwiched
        c.unwind(product.routes_out)
        fair = swapped(lev, product)
    room = plan.limit - fair if buy else fair - plan.limit  # how much worse than the fair swap the bound allows
    assert 0 < room <= plan.tolerance * unwind_value // WAD

    with boa.env.anchor():
        push(lev, lev_attacker, borrow_index, REFUSED_UNWIND_PUSH, buy)
        with boa.reverts("router: max in exceeded" if buy else "router: min out not met"):
            c.unwind(product.routes_out)
        assert c.position() == (before.collateral, before.debt) and not c.unwound()

    start = lev.usdc.balanceOf(lev_attacker)
    push(lev, lev_attacker, borrow_index, WITHIN_UNWIND_PUSH, buy)
    c.unwind(product.routes_out)
    moved = swapped(lev, product)
    restore(lev, lev_attacker, WITHIN_UNWIND_PUSH, buy)
    taken = moved - fair if buy else fair - moved  # USDC the push cost the holders
    assert 0 < taken <= room
    left, fair_left = (model.unwind(before, product.bounds, last, model.UNWIND_DELAY, x) for x in (moved, fair))
    assert (lev.vault.balanceOf(c.address), lev.usdc.balanceOf(c.address)) == (left.index, left.usdc)
    assert fair_left.usdc - left.usdc == taken and left.index == fair_left.index
    attacker_pnl = lev.usdc.balanceOf(lev_attacker) - start
    print(
        f"\n{'inverse' if inverse else 'long'}: unwind swapping {unwind_value / USDC:,.2f} USDC of value at the "
        f"last NAV, bound {product.bounds.max_slippage / WAD:.0%} (room {room / USDC:,.2f} USDC from the fair swap); "
        f"a push of {WITHIN_UNWIND_PUSH // WAD:,} index took {taken / USDC:,.2f} USDC "
        f"({taken * 10_000 // before.equity} bps of the equity) from holders; attacker {attacker_pnl / USDC:,.2f} USDC"
    )


@DIRECTIONS
def test_unwind__an_old_carried_nav_round_gives_no_wide_bound__armed_when_seen_then_max_slippage(
    lev, at_real_nav, inverse
):
    """The index's NavFeed carries its last recorded round once its adapter stops answering, and no keeper
    records rounds: that round's `updatedAt` may be days old, so the oracle's `stale_since` is days back the
    moment the NAV goes stale. An unwind timed from it would open at once with its bound already at the cap (1 /
    target: 50 % for the 2x), a sandwicher's to take. Timed from its arming instead: three days past
    `stale_since`, the first call arms and trades nothing, the next is refused until a day later, and then the
    bound is `max_slippage` (2 %), to the model's base unit. Before the arming this test failed at its first
    assertion: the first call unwound at once within the cap."""
    product = at_real_nav.by_direction[inverse]
    c, before = product.contract, book(lev, product)
    last, stale_since = lev.nav_oracle.last_price()
    _travel_to(stale_since + 3 * model.UNWIND_DELAY)  # the carried round: stale three days by its clock
    assert c.unwind(product.routes_out) == 0
    assert c.position() == (before.collateral, before.debt) and not c.unwound()
    armed_at = c.unwind_armed_at()
    assert armed_at == boa.env.timestamp
    with boa.reverts("lev: unwind armed, wait"):
        c.unwind(product.routes_out)
    _travel_to(armed_at + model.UNWIND_DELAY)
    assert leverage_product.check_unwind(_read(lev, product)).tolerance == product.bounds.max_slippage
    tolerance = c.unwind(product.routes_out)
    assert tolerance == model.unwind_tolerance(product.bounds, model.UNWIND_DELAY) == product.bounds.max_slippage
    left = model.unwind(before, product.bounds, last, model.UNWIND_DELAY, swapped(lev, product))
    assert c.unwound() and (lev.vault.balanceOf(c.address), lev.usdc.balanceOf(c.address)) == (left.index, left.usdc)


@DIRECTIONS
def test_unwound__the_views_value_the_holdings_at_the_nav_once_fresh(lev, products, mock_nav, inverse):
    """After the unwind the position is gone but the views are not: once the NAV answers again, `nav_per_share`,
    `equity_usd` and `leverage` value what the product holds (long: the index left and the USDC; inverse: the
    USDC), as the model does, so the product's own Chainlink-style feed reports the holders' redemption value,
    not 0. Over the settable NAV (`mock_nav`): made stale by its `last_price`, armed, a day on unwound, fresh
    again after."""
    product = products.by_direction[inverse]
    c, before = product.contract, book(lev, product)
    mock_nav.set_stale_since(boa.env.timestamp - 1)
    c.unwind(product.routes_out)  # arms
    _travel_to(boa.env.timestamp + model.UNWIND_DELAY)
    c.unwind(product.routes_out)
    held = model.unwind(before, product.bounds, products.price, model.UNWIND_DELAY, swapped(lev, product))
    mock_nav.set_price(products.price * 11 // 10)  # the NAV answers again, 10 % up
    price = mock_nav.price()
    equity = held.equity(price)
    assert c.equity_usd() == equity * model.USDC_TO_WAD and c.nav_per_share() == held.nav_per_share(price)
    assert c.leverage() == (0 if inverse else held.index * price // model.PRICE_SCALE * WAD // equity)
    assert c.position() == (0, 0)


class _Reader(BoaReader):
    def call(self, method, *args):  # the block `leverage.chain.read` stamps the state with
        assert method == "eth_getBlockByNumber"
        return {"timestamp": hex(boa.env.timestamp)}


def _read(lev, product):
    """The product as `indexvault.leverage.chain.read` reads it for the commands and the keeper."""
    entry = {
        "key": "-1x" if product.inverse else "2x",
        "address": product.contract.address,
        "inverse": product.inverse,
        "morpho": lev.morpho.address,
        "params": [*product.params[:4], str(product.params[4])],
        "nav_oracle": lev.nav_oracle.address,
        "index_nav_feed": lev.nav_feed.address,
    }
    return leverage_chain.read(_Reader(), entry, "TIDX")


def _travel_to(timestamp: int) -> None:
    boa.env.time_travel(seconds=timestamp - boa.env.timestamp)


@DIRECTIONS
def test_no_liquidity__mint_and_lever_refused__delever_ripcord_and_every_redemption_go_on(
    lev, products, mock_nav, inverse
):
    """The lenders withdraw everything idle (for the inverse: the index tokens lent). Borrowing stops, so minting
    and levering up revert with Morpho's reason; repaying needs no liquidity, so delevering (the keeper's and the
    ripcord, whose reward the long borrows out of what it just repaid) and redeeming, part or all, go on."""
    product = products.by_direction[inverse]
    c, params = product.contract, product.params
    totals = lev.morpho.market(morpho_utils.market_id(params))
    idle = totals[0] - totals[2]
    with boa.env.prank(lev.lender):
        lev.morpho.withdraw(params, idle, 0, lev.lender, lev.lender)

    with boa.env.prank(lev.minter), boa.reverts(NO_LIQUIDITY):
        c.mint(CAPITAL, 0, product.routes_in, lev.minter)
    with boa.env.anchor():
        mock_nav.set_price(products.price * LEVER_AT[inverse] // 100)
        lever, amount = model.rebalance_step(book(lev, product), product.bounds)
        assert not lever
        with boa.env.prank(lev.keeper), boa.reverts(NO_LIQUIDITY):
            c.rebalance(amount, 0 if inverse else 10**30, product.lever_routes)
    with boa.env.anchor():
        mock_nav.set_price(products.price * RIPCORD_AT[inverse] // 100)
        assert c.leverage() > product.bounds.ripcord
        caller = boa.env.generate_address("ripcord_caller")
        with boa.env.prank(caller):
            assert c.ripcord(product.delever_routes) == product.bounds.ripcord_reward == lev.usdc.balanceOf(caller)
        assert c.leverage() < product.bounds.high

    before = book(lev, product)
    _, amount = model.rebalance_step(before, product.bounds)
    with boa.env.prank(lev.keeper):
        c.rebalance(amount, 10**30 if inverse else 0, product.delever_routes)
    moved = swapped(lev, product)
    assert book(lev, product) == model.trade(before, amount, True, moved)
    assert product.bounds.low <= c.leverage() <= product.bounds.high
    held = c.balanceOf(lev.minter)
    start = lev.usdc.balanceOf(lev.minter)
    with boa.env.prank(lev.minter):
        half = c.redeem(held // 2, 0, product.routes_out, lev.minter)
        rest = c.redeem(held - held // 2, 0, product.routes_out, lev.minter)
    assert half > 0 and rest > 0 and lev.usdc.balanceOf(lev.minter) == start + half + rest
    assert c.position() == (0, 0) and c.totalSupply() == 0
    print(
        f"\n{'inverse' if inverse else 'long'}: no liquidity, the holder redeemed for {(half + rest) / USDC:,.2f} USDC"
    )


def test_index_minting_paused__the_inverse_redeems_in_index_only__the_long_as_ever(lev, products, mock_nav):
    """Not Morpho but the index itself: the inverse repays its debt in index tokens, which it buys only through
    the router's `mint_from` (swaps to the components, then a mint in kind). The index's guardian pausing minting
    (or its manager's supply cap reached) stops every inverse redemption, the keeper's delever and the ripcord
    until minting resumes; the inverse's mint (it sells the index: a redemption in kind) goes on, and its holders
    exit with `redeem_in_index`, repaying in index tokens they bring. The long sells the index to redeem and
    delever, so only its mint and its lever wait."""
    inverse, long = products.inverse, products.long
    with boa.env.prank(lev.manager):  # the pooled index's guardian
        lev.vault.set_mint_paused(True)
    paused = "vault: minting paused"
    with boa.env.prank(lev.minter):
        with boa.reverts(paused):
            inverse.contract.redeem(inverse.contract.balanceOf(lev.minter), 0, inverse.routes_out, lev.minter)
        with boa.reverts(paused):
            inverse.contract.redeem(inverse.contract.balanceOf(lev.minter) // 2, 0, inverse.routes_out, lev.minter)
        with boa.reverts(paused):
            long.contract.mint(CAPITAL, 0, long.routes_in, lev.minter)
        with boa.env.anchor():
            assert inverse.contract.mint(CAPITAL, 0, inverse.routes_in, lev.minter) > 0
    _, amount = model.rebalance_step(book(lev, inverse), inverse.bounds)
    with boa.env.prank(lev.keeper), boa.reverts(paused):
        inverse.contract.rebalance(amount, 10**30, inverse.delever_routes)
    with boa.env.anchor():
        mock_nav.set_price(products.price * RIPCORD_AT[True] // 100)
        with boa.reverts(paused):
            inverse.contract.ripcord(inverse.delever_routes)
    _, amount = model.rebalance_step(book(lev, long), long.bounds)
    with boa.env.prank(lev.keeper):
        long.contract.rebalance(amount, 0, long.delever_routes)
    with boa.env.prank(lev.minter):
        assert long.contract.redeem(long.contract.balanceOf(lev.minter), 0, long.routes_out, lev.minter) > 0
    assert long.contract.position() == (0, 0)

    _redeem_in_index(lev, inverse, lev.minter)


def test_index_supply_cap_filled_by_a_griefer__the_inverse_redeems_in_index(lev, products, lev_attacker, borrow_index):
    """An outsider fills the index's supply cap (minting in kind up to it, at the cost of the index's fees): the
    inverse's `redeem` cannot buy the index it repays ("vault: supply cap exceeded"), so its holders repay their
    fraction of the debt in index tokens bought elsewhere (`redeem_in_index`, no swap) and take their fraction of
    the collateral, to the model's amounts. Before the fix the inverse had no such exit: seen failing."""
    inverse = products.inverse
    with boa.env.prank(lev.manager):
        lev.vault.set_supply_cap(lev.vault.totalSupply() + 1_000 * WAD)
    borrow_index(990 * WAD)  # the griefer fills the cap but for 9 index tokens (the mint fee takes the rest)
    held = inverse.contract.balanceOf(lev.minter)
    with boa.env.prank(lev.minter), boa.reverts("vault: supply cap exceeded"):
        inverse.contract.redeem(held // 2, 0, inverse.routes_out, lev.minter)
    with boa.env.prank(lev.minter), boa.reverts("lev: inverse only"):
        products.long.contract.redeem_in_index(held // 2, MAX, lev.minter)
    _redeem_in_index(lev, inverse, lev.minter, held // 2)
    _redeem_in_index(lev, inverse, lev.minter)


def _redeem_in_index(lev, product, holder, shares=None):
    """`holder` redeems `shares` (default: all it holds) in index tokens it got elsewhere (the depositor's here):
    one index wei short of the debt's fraction reverts, the exact amount pays the collateral's fraction."""
    c = product.contract
    shares = shares or c.balanceOf(holder)
    before = book(lev, product)
    expected = model.redeem_in_index(before, shares)
    with boa.env.prank(lev.depositor):
        lev.vault.transfer(holder, expected.plan.repaid)
    usdc, index = lev.usdc.balanceOf(holder), lev.vault.balanceOf(holder)
    with boa.env.prank(holder):
        lev.vault.approve(c.address, MAX)
        with boa.reverts("lev: max in exceeded"):
            c.redeem_in_index(shares, expected.plan.repaid - 1, holder)
        out = c.redeem_in_index(shares, expected.plan.repaid, holder)
    assert out == expected.usdc_out == lev.usdc.balanceOf(holder) - usdc
    assert lev.vault.balanceOf(holder) == index - expected.plan.repaid
    assert book(lev, product) == expected.book
    assert lev.vault.balanceOf(c.address) == 0 and lev.vault.allowance(c.address, lev.morpho.address) == 0
