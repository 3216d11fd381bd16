"""Attacks on a lender that takes the index token as collateral on Morpho, through the price its
oracle reports (the NavFeed: what a share redeems for, priced by the component feeds). A donation to
the vault, `sync`, a large mint and redeem around a liquidation, and a sandwich of the index token's
own pool each leave Morpho's price where it was, to the base unit; and after each, borrowing one base
unit more than the LLTV allows at that price (`lending.model.max_borrow`, exactly) reverts, while the
exact maximum goes through."""

from __future__ import annotations

import boa

from indexvault.lending import model
from indexvault.market import uniswap as uni
from tests.attacks.lending.conftest import LLTV
from tests.utils import MAX, pool_moves
from tests.utils import morpho as morpho_utils
from tests.utils.liquidation import redeem_quote
from tests.utils.market_vault import fund

DEADLINE = 2**63
POSTED = 200 * 10**18  # the attacker's collateral


def _borrows_exactly_the_lltv(m, attacker, price):
    """The attacker posts POSTED and borrows: one base unit over `max_borrow` at `price` reverts with
    Morpho's reason, the exact maximum goes through."""
    with boa.env.prank(attacker):
        m.morpho.supplyCollateral(m.params, POSTED, attacker, b"")
        most = model.max_borrow(POSTED, price, LLTV)
        with boa.reverts("insufficient collateral"):
            m.morpho.borrow(m.params, most + 1, 0, attacker, attacker)
        m.morpho.borrow(m.params, most, 0, attacker, attacker)
    market, position = morpho_utils.snapshot(m.morpho, m.params, attacker)
    assert model.borrowed(position, market) == most
    assert model.is_healthy(position, market, price)


def _v2_swap(m, who, amount_in, token_in, token_out):
    boa.env.raw_call(
        m.market.uniswap.v2_router,
        sender=who,
        data=bytes.fromhex(uni.V2_SWAP_EXACT_IN(amount_in, 0, [token_in, token_out], who, DEADLINE)[2:]),
    )


def test_donation__every_component_doubled__price_unchanged_and_borrow_capped(lender_market, attacker):
    m = lender_market
    before = m.morpho_oracle.price()
    for token in m.vault.components():
        asset = next(a for a in m.market.assets.values() if a.token == token)
        held = m.tokens[asset.symbol].balanceOf(m.vault.address)
        fund(m.tokens, m.market, asset.symbol, attacker, held)
        with boa.env.prank(attacker):
            m.tokens[asset.symbol].transfer(m.vault.address, held)
    assert m.morpho_oracle.price() == before
    _borrows_exactly_the_lltv(m, attacker, before)


def test_sync_after_a_donation__units_and_price_unchanged(lender_market, attacker):
    m = lender_market
    before, units = m.morpho_oracle.price(), list(m.vault.units())
    usdc_held = m.usdc.balanceOf(m.vault.address)
    with boa.env.prank(attacker):
        m.usdc.transfer(m.vault.address, usdc_held)
        for token in m.vault.components():
            m.vault.sync(token)
    assert list(m.vault.units()) == units
    assert m.morpho_oracle.price() == before
    _borrows_exactly_the_lltv(m, attacker, before)


def test_mint_and_redeem_around_a_liquidation__price_unchanged_and_the_liquidation_at_it(
    lender_market, attacker, keeper
):
    m = lender_market
    before = m.morpho_oracle.price()
    # The attacker mints ten times the supply in kind, then the price falls 2 % (a component feed)...
    supply = m.vault.totalSupply()
    amounts = m.vault.amounts_for_mint(10 * supply)
    for token, amount in zip(m.vault.components(), amounts):
        asset = next(a for a in m.market.assets.values() if a.token == token)
        fund(m.tokens, m.market, asset.symbol, attacker, amount)
        with boa.env.prank(attacker):
            m.tokens[asset.symbol].approve(m.vault.address, amount)
    with boa.env.prank(attacker):
        m.vault.mint(10 * supply, [MAX] * len(amounts), attacker)
    assert abs(m.morpho_oracle.price() - before) <= 10**16  # one unit of the 8-decimal NAV
    btc = m.market.assets["BTC"]
    pool_moves.post_answer(btc, pool_moves.feed_answer(btc) * 90 // 100)
    price = m.morpho_oracle.price()
    market, position = morpho_utils.snapshot(m.morpho, m.params, m.borrower)
    assert not model.is_healthy(position, market, price)
    # ... the keeper liquidates at the oracle's price, exactly as the model says ...
    seized = model.max_seizable(position, market, price)
    expected = model.liquidate(position, market, price, seized=seized)
    with boa.env.prank(keeper):
        m.liquidator.liquidate(m.params, m.borrower, seized, 0, redeem_quote(m, seized).route_args(), 0)
    assert morpho_utils.snapshot(m.morpho, m.params, m.borrower) == (expected.market, expected.position)
    # ... and the attacker redeems it all: the price is where it was.
    with boa.env.prank(attacker):
        m.vault.redeem(m.vault.balanceOf(attacker) - POSTED, [0] * len(amounts), attacker, 0)
    assert abs(m.morpho_oracle.price() - price) <= 10**16
    _borrows_exactly_the_lltv(m, attacker, m.morpho_oracle.price())


def test_sandwich_of_the_index_pool__price_unchanged_no_liquidation_no_extra_borrow(lender_market, attacker):
    m = lender_market
    before = m.morpho_oracle.price()
    # Dump index tokens into the pool (its price falls about 60 %): the lender's price does not move,
    # so the borrower at 1.01 cannot be liquidated.
    dumped = 400 * 10**18
    with boa.env.prank(attacker):
        m.vault.approve(m.market.uniswap.v2_router, MAX)
        m.usdc.approve(m.market.uniswap.v2_router, MAX)
    _v2_swap(m, attacker, dumped, m.vault.address, m.usdc.address)
    assert m.morpho_oracle.price() == before
    with boa.env.prank(attacker), boa.reverts("position is healthy"):
        m.liquidator.liquidate(m.params, m.borrower, 10**18, 0, [], 0)
    # Buy the pool up (far above NAV): still the same price, and no more borrowing than the LLTV allows.
    _v2_swap(m, attacker, 2_000_000 * 10**6, m.usdc.address, m.vault.address)
    assert m.morpho_oracle.price() == before
    _borrows_exactly_the_lltv(m, attacker, before)
