"""Fixtures for the one-asset router: the saved market restored on a fresh
node for every test (a tenth of a second), titanoboa forking it, and a vault
of four market assets with the router on the market's Uniswap routers.

The basket: WBTC (V2 and V3 pools against USDC, V2 against WETH), WETH (V2
and V3), ADA (V2 only) and USDC itself, the input token of most tests."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from indexvault import oneasset
from indexvault.market import pools as market_pools
from indexvault.model import WAD
from tests.utils.boa_env import deployer
from tests.utils.market_vault import fund, seeded_vault  # noqa: F401  (the tests import them from here

SEEDED = 100 * WAD  # minted in kind by the depositor before each test


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
    vault, symbols, units, _ = seeded_vault(
        market, reader, tokens, boa.env.generate_address("manager"), depositor, SEEDED
    )
    router = deployer("periphery/IndexRouter.vy").deploy(market.uniswap.v2_router, market.uniswap.swap_router)
    return SimpleNamespace(
        vault=vault, router=router, market=market, reader=reader, tokens=tokens, symbols=symbols, units=units
    )


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
