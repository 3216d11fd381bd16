"""Fixtures for the one-asset router: the saved market restored on a fresh
node for every test (a tenth of a second), titanoboa forking it, and a vault
of four market assets with the router on the market's Uniswap routers.

The basket: WBTC (V2 and V3 pools against USDC, V2 against WETH), WETH (V2
and V3), ADA (V2 only) and USDC itself, the input token of most tests."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import boa
import pytest

from indexvault import oneasset
from indexvault.market import pools as market_pools
from indexvault.market import uniswap as uni
from indexvault.model import WAD
from indexvault.units import units_from_weights
from tests.utils.boa_env import deployer

BASKET = {"BTC": Decimal("0.4"), "ETH": Decimal("0.3"), "ADA": Decimal("0.2"), "USDC": Decimal("0.1")}
NAV_PER_SHARE = Decimal(100)
MINT_FEE = REDEEM_FEE = WAD // 1000  # 0.1 %, as examples/market10.yaml
SEEDED = 100 * WAD  # minted in kind by the depositor before each test
MAX = 2**256 - 1


@pytest.fixture
def depositor(forked):
    return boa.env.generate_address("depositor")


@pytest.fixture
def minter(forked):
    return boa.env.generate_address("minter")


@pytest.fixture
def attacker(forked):
    return boa.env.generate_address("attacker")


@pytest.fixture
def tokens(forked, market):
    token = deployer("mocks/MockToken.vy")
    return {s: token.at(a.token) for s, a in market.assets.items()}


@pytest.fixture
def env(forked, market, reader, tokens, depositor):
    """The vault (mint and redeem fees 0.1 %), seeded in kind by the
    depositor, and the router."""
    feeds = market_pools.feed_prices(reader, market)
    symbols = list(BASKET)
    units = units_from_weights(
        [BASKET[s] for s in symbols],
        [feeds[s] for s in symbols],
        [market.assets[s].decimals for s in symbols],
        NAV_PER_SHARE,
    )
    manager = boa.env.generate_address("manager")
    with boa.env.prank(manager):
        vault = deployer("IndexVault.vy").deploy(
            "Test Index",
            "TIDX",
            [market.assets[s].token for s in symbols],
            units,
            manager,
            manager,
            manager,
            manager,
            [MINT_FEE, REDEEM_FEE, 0],
            [WAD // 10] * 3,
            10**9 * WAD,
        )
    for s, amount in zip(symbols, vault.amounts_for_mint(SEEDED)):
        fund(tokens, market, s, depositor, amount)
        with boa.env.prank(depositor):
            tokens[s].approve(vault.address, amount)
    with boa.env.prank(depositor):
        vault.mint(SEEDED, [MAX] * len(symbols), depositor)
    router = deployer("periphery/IndexRouter.vy").deploy(market.uniswap.v2_router, market.uniswap.swap_router)
    return SimpleNamespace(
        vault=vault, router=router, market=market, reader=reader, tokens=tokens, symbols=symbols, units=units
    )


def fund(tokens, market, symbol, holder, amount):
    """Gives `holder` `amount` of a market asset: a mock's open mint, or WETH wrapped from ETH."""
    if market.assets[symbol].kind == "weth9":
        boa.env.set_balance(holder, boa.env.get_balance(holder) + amount)
        boa.env.raw_call(
            market.assets[symbol].token, sender=holder, value=amount, data=bytes.fromhex(uni.WETH_DEPOSIT()[2:])
        )
    else:
        tokens[symbol].mint(holder, amount)


def quote(env, side, symbol, shares, use_quoter=True, dexes=("v2", "v3")):
    """The package's quote for the vault now, read through the fork, over
    the market's pools of `dexes` only."""
    vault, market, reader = env.vault, env.market, env.reader
    feeds = market_pools.feed_prices(reader, market)
    states = [s for s in market_pools.read(reader, market, feeds) if s.pool.dex in dexes]
    build = oneasset.quote_mint if side == "mint" else oneasset.quote_redeem
    amounts = vault.amounts_for_mint(shares) if side == "mint" else vault.amounts_for_redeem(shares)
    v3 = oneasset.v3_quoter(reader, market) if use_quoter else None
    return build(market, states, feeds, list(vault.components()), list(amounts), symbol, shares, v3)


def balances(env, holders):
    """Every market token's balance of each holder, and the vault's index token."""
    out = {}
    for h in holders:
        for s, t in env.tokens.items():
            out[(str(h), s)] = t.balanceOf(h)
        out[(str(h), "TIDX")] = env.vault.balanceOf(h)
    return out
