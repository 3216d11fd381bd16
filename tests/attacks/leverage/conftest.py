"""The attacks on the leveraged (2x) and inverse (-1x) index tokens: the `lev` market and `create_product`
(tests/conftest.py, shared with tests/contracts/leverage), and, made once a module, both products over the
settable NAV (`mock_nav`) left above their band with the pools at the NAV, so the keeper's next trade is a
delever: the long sells the index, the inverse buys it. No pool is moved to get there: each product is minted
at a NAV away from the pools (15 % above for the long, 8 % below for the inverse), then the NAV is set to the
pools' own price."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from tests.utils import DEADLINE, MAX
from tests.utils.leverage import pool_price
from tests.utils.market_vault import fund

USDC = 10**6
CAPITAL = 10_000 * USDC  # the holders' mint into each product
MINTED_AT = {False: 115, True: 92}  # the NAV each product is minted at, % of the pools' price


@pytest.fixture(scope="module")
def lev_attacker(lev):
    """Ten million USDC, approved to the router and the vault, able to mint index tokens in kind (`borrow_index`:
    a flash loan of the index, to be bought back before the end)."""
    attacker = boa.env.generate_address("lev_attacker")
    lev.usdc.mint(attacker, 10_000_000 * USDC)
    with boa.env.prank(attacker):
        for token in lev.tokens.values():
            token.approve(lev.vault.address, MAX)
        lev.usdc.approve(lev.router.address, MAX)
        lev.vault.approve(lev.router.address, MAX)
    return attacker


@pytest.fixture(scope="module")
def borrow_index(lev, lev_attacker):
    """`borrow_index(amount)`: the attacker mints `amount` index tokens in kind from components given to it (the
    flash loan's principal, owed back in index tokens)."""

    def borrow(amount: int) -> None:
        for token, units in zip(lev.vault.components(), lev.vault.amounts_for_mint(amount)):
            symbol = next(s for s, t in lev.tokens.items() if t.address == token)
            fund(lev.tokens, lev.market, symbol, lev_attacker, units)
        with boa.env.prank(lev_attacker):
            lev.vault.mint(amount, [MAX] * len(lev.vault.components()), lev_attacker)

    return borrow


@pytest.fixture(scope="module")
def products(lev, create_product, mock_nav, lev_attacker):
    """{False: the long, True: the inverse}, each over `mock_nav`, CAPITAL minted by `lev.minter`, leverage above
    the band at the pools' price (long about 2.34, inverse about 1.19)."""
    price = pool_price(lev)
    made = {}
    for inverse in (False, True):
        mock_nav.set_price(price * MINTED_AT[inverse] // 100)
        product = create_product(inverse, mock_nav)
        with boa.env.prank(lev.minter):
            product.contract.mint(CAPITAL, 0, product.routes_in, lev.minter)
        with boa.env.prank(lev_attacker):
            lev.usdc.approve(product.contract.address, MAX)
        made[inverse] = product
    mock_nav.set_price(price)
    for product in made.values():
        assert product.contract.leverage() > product.bounds.high
    return SimpleNamespace(long=made[False], inverse=made[True], price=price, by_direction=made)


def _buy(lev, attacker, amount):
    budget = lev.usdc.balanceOf(attacker)
    lev.router.mint_from(lev.vault.address, lev.usdc.address, budget, amount, lev.buy_routes, attacker, DEADLINE)


def push(lev, attacker, borrow_index, amount, buy):
    """A sandwich's front: against a sale (long) the attacker sells `amount` index tokens, flash-borrowed (minted
    in kind); against a purchase (inverse) it buys them with its USDC."""
    if buy:
        with boa.env.prank(attacker):
            _buy(lev, attacker, amount)
        return
    borrow_index(amount)
    with boa.env.prank(attacker):
        lev.router.redeem_to(lev.vault.address, lev.usdc.address, amount, 0, lev.sell_routes, attacker, DEADLINE)


def restore(lev, attacker, amount, buy):
    """The sandwich's back: the index tokens sold are bought back (the flash loan repaid in kind), or those bought
    sold."""
    with boa.env.prank(attacker):
        if buy:
            lev.router.redeem_to(lev.vault.address, lev.usdc.address, amount, 0, lev.sell_routes, attacker, DEADLINE)
        else:
            _buy(lev, attacker, amount)
            assert lev.vault.balanceOf(attacker) == amount  # the loan's principal, returned to the lender
