"""Fixtures for the one-asset router: titanoboa forking the saved market restored
for the module (every test from an anchor of it, tests/conftest.py), and a vault
of four market assets with the router on the market's Uniswap routers.

The basket: WBTC (V2 and V3 pools against USDC, V2 against WETH), WETH (V2
and V3), ADA (V2 only) and USDC itself, the input token of most tests."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from indexvault.model import WAD
from tests.utils.boa_env import deployer
from tests.utils.market_vault import seeded_vault

SEEDED = 100 * WAD  # minted in kind by the depositor before each test


@pytest.fixture(scope="module")
def minter(forked):
    return boa.env.generate_address("minter")


@pytest.fixture(scope="module")
def market_tokens(forked, market):
    token = deployer("mocks/MockToken.vy")
    return {s: token.at(a.token) for s, a in market.assets.items()}


@pytest.fixture(scope="module")
def router_index(forked, market, reader, market_tokens, depositor):
    """The vault (mint and redeem fees 0.1 %), seeded in kind by the
    depositor, and the router."""
    vault, symbols, units, _ = seeded_vault(
        market, reader, market_tokens, boa.env.generate_address("manager"), depositor, SEEDED
    )
    router = deployer("periphery/IndexRouter.vy").deploy(market.uniswap.v2_router, market.uniswap.swap_router)
    return SimpleNamespace(
        vault=vault, router=router, market=market, reader=reader, tokens=market_tokens, symbols=symbols, units=units
    )
