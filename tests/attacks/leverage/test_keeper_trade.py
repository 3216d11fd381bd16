"""Attacks around the keeper's `rebalance` of a leveraged (2x) or inverse (-1x) index token: a flash-loan
sandwich (the pools pushed against the trade before it, restored after) and a mint-redeem around it. Both products
start above their band with the pools at the NAV (conftest), so the keeper's trade is a delever: the long sells
the index, the inverse buys it back. The keeper's own bound is its quote (the trade's outcome unsandwiched) 50 bps
worse; the contract adds `max_slippage` (2 %) off the NAV.

Measured (saved 2024-01-01 market; a 2x and a -1x of 10,000 USDC each, the pools about 1,000 index tokens
(100k USD) per 0.12 % of price): see SECURITY.md, "Leveraged and inverse tokens"."""

from __future__ import annotations

import boa
import pytest

from indexvault.leverage import model
from tests.attacks.leverage.conftest import CAPITAL, USDC, push, restore
from tests.utils import WAD
from tests.utils.leverage import book, swapped

KEEPER_TOLERANCE_BPS = 50  # the keeper's bound: its quote 0.5 % worse
REFUSED_PUSH = 6_000 * WAD  # index tokens pushed through the pools: about 0.7 %, past the keeper's bound
WITHIN_PUSH = 2_000 * WAD  # about 0.25 %: within it
PAST_SLIPPAGE_PUSH = 24_000 * WAD  # about 3 %: past the contract's 2 % when the keeper sets no bound
ATTACKER_MINT = 2 * CAPITAL  # the mint-redeem attacker's USDC (the inverse market lends about 30k USD more)

DIRECTIONS = pytest.mark.parametrize("inverse", [False, True], ids=["long", "inverse"])


def _div_up(x, d):
    return -(-x // d)


def _step(lev, product):
    before = book(lev, product)
    delever, amount = model.rebalance_step(before, product.bounds)
    assert delever  # both products start above their band
    return before, amount


def _rebalance(lev, product, amount, limit):
    with boa.env.prank(lev.keeper):
        product.contract.rebalance(amount, limit, product.delever_routes)
    return swapped(lev, product)


@DIRECTIONS
def test_rebalance__sandwiched__refused_past_the_keepers_bound_and_within_it_holders_lose_at_most_the_bound(
    lev, products, lev_attacker, borrow_index, inverse
):
    product = products.by_direction[inverse]
    c, buy = product.contract, inverse  # the inverse delevers by buying the index back
    before, amount = _step(lev, product)
    nav_before, supply = c.nav_per_share(), c.totalSupply()
    with boa.env.anchor():  # the keeper's quote: its trade unsandwiched
        quote = _rebalance(lev, product, amount, 10**30 if buy else 0)
        nav_fair = c.nav_per_share()
    limit = quote * (10_000 + (KEEPER_TOLERANCE_BPS if buy else -KEEPER_TOLERANCE_BPS)) // 10_000
    reason = "router: max in exceeded" if buy else "router: min out not met"

    # Pushed past the keeper's bound: refused, nothing moves for the holders.
    with boa.env.anchor():
        push(lev, lev_attacker, borrow_index, REFUSED_PUSH, buy)
        with boa.env.prank(lev.keeper), boa.reverts(reason):
            c.rebalance(amount, limit, product.delever_routes)
        assert book(lev, product) == before and c.nav_per_share() == nav_before
    # A keeper that sets no bound of its own is held at `max_slippage` off the NAV.
    with boa.env.anchor():
        push(lev, lev_attacker, borrow_index, PAST_SLIPPAGE_PUSH, buy)
        with boa.env.prank(lev.keeper), boa.reverts(reason):
            c.rebalance(amount, 10**30 if buy else 0, product.delever_routes)

    # Pushed within it: the trade goes through at the bound or better, the holders lose what the push took from
    # the fair trade, never more than the bound, and the attacker ends with less USDC than it started with.
    start = lev.usdc.balanceOf(lev_attacker)
    push(lev, lev_attacker, borrow_index, WITHIN_PUSH, buy)
    moved = _rebalance(lev, product, amount, limit)
    restore(lev, lev_attacker, WITHIN_PUSH, buy)
    taken = moved - quote if buy else quote - moved  # USDC the push cost the position
    assert 0 < taken <= abs(limit - quote)
    after, fair = book(lev, product), model.trade(before, amount, True, quote)
    assert after == model.trade(before, amount, True, moved)
    assert fair.nav_per_share == nav_fair and after.nav_per_share == c.nav_per_share()
    assert fair.equity - after.equity == taken  # to the base unit: the holders lose exactly what the push took
    assert nav_fair - c.nav_per_share() <= _div_up(taken * 10**12 * WAD, supply)
    attacker_pnl = lev.usdc.balanceOf(lev_attacker) - start
    assert attacker_pnl < -taken
    print(
        f"\n{'inverse' if inverse else 'long'}: trade {amount / WAD:.2f} index ({quote / USDC:,.2f} USDC), "
        f"bound {abs(limit - quote) / USDC:.2f}; push {WITHIN_PUSH // WAD:,} index took {taken / USDC:.6f} USDC "
        f"({taken * 10_000 / quote:.2f} bps) from holders; attacker {attacker_pnl / USDC:,.2f} USDC"
    )


@DIRECTIONS
def test_rebalance__minted_before_and_redeemed_after__attacker_loses_holders_lose_nothing(
    lev, products, lev_attacker, inverse
):
    product = products.by_direction[inverse]
    c = product.contract
    _, amount = _step(lev, product)
    limit = 10**30 if inverse else 0  # the contract's own bound only: the attacker's swaps move the pools
    with boa.env.anchor():  # the keeper's trade alone
        _rebalance(lev, product, amount, limit)
        nav_fair = c.nav_per_share()
    start, state = lev.usdc.balanceOf(lev_attacker), book(lev, product)

    with boa.env.prank(lev_attacker):
        shares = c.mint(ATTACKER_MINT, 0, product.routes_in, lev_attacker)
    minted = model.mint(state, product.bounds, ATTACKER_MINT, swapped(lev, product))
    traded = model.trade(minted.book, amount, True, _rebalance(lev, product, amount, limit))
    with boa.env.prank(lev_attacker):
        out = c.redeem(shares, 0, product.routes_out, lev_attacker)
    redeemed = model.redeem(traded, shares, swapped(lev, product))

    # Each step is the model's to the base unit, and the attacker gets back less than it paid.
    assert shares == minted.shares and out == redeemed.usdc_out and book(lev, product) == redeemed.book
    attacker_pnl = lev.usdc.balanceOf(lev_attacker) - start
    assert attacker_pnl == out - (ATTACKER_MINT - minted.refund) < 0
    nav = c.nav_per_share()
    assert c.balanceOf(lev_attacker) == 0 and c.totalSupply() == c.balanceOf(lev.minter)
    assert nav >= nav_fair
    print(
        f"\n{'inverse' if inverse else 'long'}: attacker minted {ATTACKER_MINT / USDC:,.0f} USDC around the trade, "
        f"ended {attacker_pnl / USDC:,.2f} USDC; holders' NAV per share {nav / WAD:.8f} vs {nav_fair / WAD:.8f} "
        f"without the attacker"
    )
