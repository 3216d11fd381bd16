"""Reads of a LeveragedIndex on titanoboa, in the reference model's terms (`indexvault.leverage.model`)."""

from __future__ import annotations

from fractions import Fraction

import boa

from indexvault.leverage import model
from tests.utils import DEADLINE, MAX, WAD
from tests.utils import morpho as morpho_utils
from tests.utils.boa_env import deployer
from tests.utils.market_vault import fund

# The lending markets and products of the leverage tests (the `lev` and `create_product` fixtures,
# tests/conftest.py).
LLTV = 770_000_000_000_000_000  # 77 %
WEEK = 7 * 86_400  # MorphoNavOracle's maximum NAV age
LENT_USDC = 2_000_000 * 10**6
LENT_INDEX = 400 * WAD  # the depositor's index tokens lent to the inverse market (about 40k USD)
MAX_FEES = (WAD // 100, WAD // 100)
SUPPLY_CAP = 10**9 * WAD
ROUTE_PROBE = 10 * WAD  # index tokens the routes are quoted for


# The products' bounds in the tests: the issue's 2.0 target, 1.7-2.3 band and 2.7 ripcord for the long; the
# same proportions around 1.0 for the inverse.
LONG = model.Bounds(
    target=2 * WAD,
    low=17 * WAD // 10,
    high=23 * WAD // 10,
    ripcord=27 * WAD // 10,
    max_trade=20_000 * 10**6,
    max_slippage=2 * WAD // 100,
    swap_buffer=WAD // 100,
    ripcord_reward=50 * 10**6,
)
INVERSE = model.Bounds(
    target=WAD,
    low=85 * WAD // 100,
    high=115 * WAD // 100,
    ripcord=135 * WAD // 100,
    max_trade=20_000 * 10**6,
    max_slippage=2 * WAD // 100,
    swap_buffer=WAD // 100,
    ripcord_reward=50 * 10**6,
)


def book(lev, product) -> model.Book:
    """The product's position, its market, the NAV price and its supply, as the model takes them."""
    market, position = morpho_utils.snapshot(lev.morpho, product.params, product.contract.address)
    return model.Book(product.inverse, position, market, product.nav_oracle.price(), product.contract.totalSupply())


def swapped(lev, product) -> int:
    """What the router moved in the product's last call: USDC spent buying the index, or got selling it."""
    moved = [
        log.amount_in if type(log).__name__ == "MintedFrom" else log.amount_out
        for log in lev.router.get_logs(product.contract._computation, strict=False)
        if type(log).__name__ in ("MintedFrom", "RedeemedTo")
    ]
    assert len(moved) == 1, moved
    return moved[0]


def gas(product) -> int:
    """Execution gas of the product's last call (titanoboa: without the 21,000 intrinsic and the calldata)."""
    return product.contract._computation.get_gas_used()


def assert_holds_nothing(lev, product) -> None:
    """No token left in the product and no allowance to Morpho or the router."""
    address = product.contract.address
    for symbol, token in {**lev.tokens, "INDEX": lev.vault}.items():
        assert token.balanceOf(address) == 0, symbol
        for spender in (lev.morpho.address, lev.router.address):
            assert token.allowance(address, spender) == 0, symbol


def _pool_value(lev, trader, shares: int) -> int:
    """USDC the router pays for `shares` index tokens now (minted in kind in an anchor, so nothing moves)."""
    with boa.env.anchor(), boa.env.prank(trader):
        lev.vault.mint(shares, [MAX] * len(lev.vault.components()), trader)
        return lev.router.redeem_to(lev.vault.address, lev.usdc.address, shares, 0, lev.sell_routes, trader, DEADLINE)


def move_market(lev, mock_nav, factor: Fraction, chunk: int = 10_000 * WAD) -> int:
    """Moves the index's pools by about `factor` (`move_pools`), then sets `mock_nav` to the price the pools now
    pay for the index (before their 0.3 % fee), as feeds follow a market. Returns the new price."""
    price = move_pools(lev, factor, chunk)
    mock_nav.set_price(price)
    return price


def _mover(lev) -> str:
    """An account with plenty of every component and USDC, approved to the vault and the router."""
    trader = boa.env.generate_address("market_mover")
    for symbol in lev.tokens:
        fund(lev.tokens, lev.market, symbol, trader, 10**27)
    with boa.env.prank(trader):
        for token in lev.tokens.values():
            token.approve(lev.vault.address, MAX)
            token.approve(lev.router.address, MAX)
        lev.vault.approve(lev.router.address, MAX)
    return trader


def pool_price(lev) -> int:
    """The price the pools pay for the index now, before their 0.3 % fee (USDC base units per index wei, x 1e36):
    what `move_market` sets the NAV to."""
    return _pool_value(lev, _mover(lev), WAD) * 1000 // 997 * 10**18


def move_pools(lev, factor: Fraction, chunk: int = 10_000 * WAD) -> int:
    """Moves the index's pools by about `factor` (below 1: dumps the components through the router's sell routes;
    above: buys them through its buy routes), a `chunk` of index at a time. Returns the price the pools then pay
    for the index before their fee (USDC base units per index wei, x 1e36)."""
    trader = _mover(lev)
    start = _pool_value(lev, trader, WAD)
    for _ in range(60):
        now = _pool_value(lev, trader, WAD)
        if (factor < 1 and now <= start * factor) or (factor > 1 and now >= start * factor):
            break
        with boa.env.prank(trader):
            if factor < 1:
                lev.vault.mint(chunk, [MAX] * len(lev.vault.components()), trader)
                lev.router.redeem_to(lev.vault.address, lev.usdc.address, chunk, 0, lev.sell_routes, trader, DEADLINE)
            else:
                budget = lev.usdc.balanceOf(trader)
                lev.router.mint_from(
                    lev.vault.address, lev.usdc.address, budget, chunk, lev.buy_routes, trader, DEADLINE
                )
    else:
        raise AssertionError(f"the pools did not move by {factor}")
    return now * 1000 // 997 * 10**18


def open_market(lev, inverse: bool, nav_oracle) -> tuple:
    """The Morpho market of the direction over `nav_oracle` (inverted for the inverse), lent to."""
    if inverse:
        oracle = deployer("periphery/MorphoInverseNavOracle.vy").deploy(nav_oracle.address)
        params = morpho_utils.market_params(lev.vault.address, lev.usdc.address, oracle.address, LLTV)
    else:
        params = morpho_utils.market_params(lev.usdc.address, lev.vault.address, nav_oracle.address, LLTV)
    lev.morpho.createMarket(params)
    if inverse:
        with boa.env.prank(lev.depositor):
            lev.vault.transfer(lev.lender, LENT_INDEX)
    else:
        lev.usdc.mint(lev.lender, LENT_USDC)
    with boa.env.prank(lev.lender):
        lev.morpho.supply(params, LENT_INDEX if inverse else LENT_USDC, 0, lev.lender, b"")
    return params
