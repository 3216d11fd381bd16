"""What can block a leveraged (2x) or inverse (-1x) index token's holders on Morpho Blue. Morpho is immutable:
no owner, guardian or market setting can pause a market, freeze an asset or stop a repayment. What remains is
the market's oracle reverting (the index's NAV stale: MorphoNavOracle refuses it) and the market having no
liquidity to lend (its lenders withdrew everything idle): each test says what mint, redeem, rebalance and the
ripcord do then, and what holders can do."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from indexvault.leverage import model
from tests.attacks.leverage.conftest import CAPITAL, USDC
from tests.utils import MAX, WAD
from tests.utils import morpho as morpho_utils
from tests.utils.boa_env import deployer
from tests.utils.leverage import WEEK, book, swapped

STALE = "navoracle: stale nav"
NO_LIQUIDITY = "insufficient liquidity"  # Morpho Blue's ErrorsLib
# The NAV, % of the pools' price, that leaves each product below its band (lever) or above its ripcord.
LEVER_AT = {False: 140, True: 84}
RIPCORD_AT = {False: 90, True: 107}

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
def test_stale_nav__no_trade_no_mint_no_partial_exit__the_whole_supply_in_one_hand_redeems(lev, at_real_nav, inverse):
    """While the NAV is stale nothing that values at it runs: rebalance and the ripcord (the keeper cannot hurt
    holders; neither can anyone pulling the ripcord, and Morpho cannot liquidate either), mint, the views and
    the Chainlink-style feed. A redemption never reads it, but Morpho's health check on withdrawing collateral
    does whenever debt is left: so no holder of part of the supply can exit, and the supply gathered in one
    hand (a transfer needs no NAV) redeems all of it, to the model's amount."""
    product, holder = at_real_nav.by_direction[inverse], at_real_nav.holder
    c = product.contract
    feed = deployer("periphery/LeveragedNavFeed.vy").deploy(c.address, lev.nav_feed.address)
    before, position = book(lev, product), c.position()
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
    assert c.position() == position  # the unpriced read still answers

    supply = c.totalSupply()
    with boa.env.prank(holder):
        c.transfer(lev.minter, c.balanceOf(holder))
    start = lev.usdc.balanceOf(lev.minter)
    with boa.env.prank(lev.minter):
        out = c.redeem(supply, 0, product.routes_out, lev.minter)
    assert out == model.redeem(before, supply, swapped(lev, product)).usdc_out == lev.usdc.balanceOf(lev.minter) - start
    assert c.position() == (0, 0) and c.totalSupply() == 0
    print(f"\n{'inverse' if inverse else 'long'}: stale NAV, the whole supply redeemed for {out / USDC:,.2f} USDC")


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
