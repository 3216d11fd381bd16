"""LeveragedIndex rebalance (keeper) and ripcord (anyone) after the market moves: the index's pools moved
through the router and the NAV (a settable stand-in for MorphoNavOracle) following them. Each trade is the
model's (`rebalance_step`, `ripcord_step`), the position after it is the model's given the router's swap, and
leverage ends back in its band; the ripcord pays its reward."""

from __future__ import annotations

from fractions import Fraction

import boa
import pytest

from indexvault.leverage import model
from tests.utils import MISSING_ROLE, WAD
from tests.utils.leverage import assert_holds_nothing, book, gas, move_market, move_pools, swapped

USDC = 10**6
CAPITAL = 10_000 * USDC


def _open(lev, create_product, mock_nav, inverse):
    product = create_product(inverse, mock_nav)
    with boa.env.prank(lev.minter):
        product.contract.mint(CAPITAL, 0, product.routes_in, lev.minter)
    return product


def _in_band(product, leverage):
    return product.bounds.low <= leverage <= product.bounds.high


# (direction, market move, the trade's side): long after a 15 % fall delevers; long after a 25 % rise levers;
# inverse after a 12 % rise delevers; inverse after a 15 % fall levers.
CASES = [
    (False, Fraction(85, 100), True),
    (False, Fraction(125, 100), False),
    (True, Fraction(112, 100), True),
    (True, Fraction(85, 100), False),
]


@pytest.mark.parametrize(
    "inverse, move, delever", CASES, ids=["long-fall", "long-rise", "inverse-rise", "inverse-fall"]
)
def test_rebalance__out_of_band__the_models_step_brings_it_back(lev, create_product, mock_nav, inverse, move, delever):
    product = _open(lev, create_product, mock_nav, inverse)
    move_market(lev, mock_nav, move)
    before = book(lev, product)
    assert not _in_band(product, before.leverage)
    step = model.rebalance_step(before, product.bounds)
    assert step is not None and step[0] is delever

    with boa.env.prank(lev.keeper):
        product.contract.rebalance(
            step[1], 0 if delever != inverse else 10**30, product.delever_routes if delever else product.lever_routes
        )

    moved = swapped(lev, product)
    print(f"\nrebalance gas {gas(product):,}")
    after = book(lev, product)
    assert after == model.trade(before, step[1], delever, moved)
    assert _in_band(product, after.leverage), after.leverage
    assert product.contract.leverage() == after.leverage
    assert_holds_nothing(lev, product)
    with boa.env.prank(lev.keeper), boa.reverts("lev: leverage in band"):
        product.contract.rebalance(step[1], 0, product.delever_routes)


@pytest.mark.parametrize(
    "inverse, move", [(False, Fraction(78, 100)), (True, Fraction(118, 100))], ids=["long", "inverse"]
)
def test_ripcord__above_its_maximum__anyone_delevers_to_target_for_the_reward(
    lev, create_product, mock_nav, inverse, move
):
    product = _open(lev, create_product, mock_nav, inverse)
    caller = boa.env.generate_address("ripcord_caller")
    with boa.reverts("lev: leverage below ripcord"), boa.env.prank(caller):
        product.contract.ripcord(product.delever_routes)
    move_market(lev, mock_nav, move)
    before = book(lev, product)
    assert before.leverage > product.bounds.ripcord
    amount = model.ripcord_step(before, product.bounds)

    with boa.env.prank(caller):
        reward = product.contract.ripcord(product.delever_routes)

    moved = swapped(lev, product)
    print(f"\nripcord ({'inverse' if inverse else 'long'}) gas {gas(product):,}")
    assert reward == product.bounds.ripcord_reward == lev.usdc.balanceOf(caller)
    after = book(lev, product)
    traded = model.trade(before, amount, True, moved)
    assert after == model.pay_reward(traded, reward)
    assert _in_band(product, after.leverage), after.leverage
    assert_holds_nothing(lev, product)
    with boa.reverts("lev: leverage below ripcord"), boa.env.prank(caller):
        product.contract.ripcord(product.delever_routes)


def test_rebalance__guards(lev, create_product, mock_nav):
    product = _open(lev, create_product, mock_nav, False)
    c, routes = product.contract, product.delever_routes
    with boa.env.prank(lev.keeper), boa.reverts("lev: leverage in band"):
        c.rebalance(10**18, 0, routes)
    with boa.env.prank(lev.minter), boa.reverts(MISSING_ROLE):
        c.rebalance(10**18, 0, routes)
    move_market(lev, mock_nav, Fraction(85, 100))
    state = book(lev, product)
    _, amount = model.rebalance_step(state, product.bounds)
    too_large = model.trade_amount(state, product.bounds, product.bounds.max_trade) + 10**18
    with boa.env.prank(lev.keeper):
        with boa.reverts("lev: trade above max"):
            c.rebalance(too_large, 0, routes)
        with boa.reverts("lev: trade past target"):
            c.rebalance(amount * 3, 0, routes)
        with boa.reverts("lev: zero amount"):
            c.rebalance(0, 0, routes)
        with boa.reverts("router: min out not met"):  # the keeper's own bound, above what the pools pay
            c.rebalance(amount, amount * state.price // 10**36 * 3 // 2, routes)
        c.rebalance(amount, 0, routes)


def test_ripcord__sandwiched__refused_beyond_max_slippage_and_bounded_within(lev, create_product, mock_nav):
    """An attacker dumps the pools in front of a ripcord (the NAV stays): past `max_slippage` off the NAV the
    ripcord refuses to sell; within it, the sale pays at least the NAV less `max_slippage`."""
    product = _open(lev, create_product, mock_nav, False)
    move_market(lev, mock_nav, Fraction(78, 100))
    before = book(lev, product)
    amount = model.ripcord_step(before, product.bounds)
    floor = amount * before.price // 10**36 * (WAD - product.bounds.max_slippage) // WAD
    with boa.env.anchor():
        move_pools(lev, Fraction(95, 100), chunk=40_000 * WAD)  # 5 % or more under the NAV
        with boa.reverts("router: min out not met"):
            product.contract.ripcord(product.delever_routes)
    move_pools(lev, Fraction(99, 100))  # 1 % under: within the bound
    product.contract.ripcord(product.delever_routes)
    assert swapped(lev, product) >= floor
