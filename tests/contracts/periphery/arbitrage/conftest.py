"""Fixtures for the arbitrage keeper on the saved market: a node restored for
every test (a tenth of a second), titanoboa forking it, and an index of four
market assets (WBTC, WETH, ADA, USDC; fees 0.1 % each way) with its oracle
adapter, the IndexRouter, IndexArbitrage and a Uniswap V2 pool of the index
token against USDC seeded at NAV (1,000 shares and 100k USDC)."""

from __future__ import annotations

from decimal import Decimal
from types import SimpleNamespace

import boa
import pytest

from indexvault.keepers import arbitrage
from indexvault.market import uniswap as uni
from indexvault.model import WAD
from tests.utils import MAX
from tests.utils.boa_env import deployer
from tests.utils.market_vault import fund, seeded_vault  # noqa: F401  (fund: the tests import it from here)

SEEDED = 2_000 * WAD  # minted in kind by the depositor
POOL_DEPTH_USD = Decimal(200_000)  # the index token's pool, both sides
DEADLINE = 2**63


@pytest.fixture
def keeper(forked):
    return boa.env.generate_address("keeper")


@pytest.fixture
def trader(forked):
    return boa.env.generate_address("trader")


@pytest.fixture
def env(forked, market, reader, keeper, trader):
    token = deployer("mocks/MockToken.vy")
    tokens = {s: token.at(a.token) for s, a in market.assets.items()}
    manager, depositor = boa.env.generate_address("manager"), boa.env.generate_address("depositor")
    vault, symbols, _, feeds = seeded_vault(market, reader, tokens, manager, depositor, SEEDED)
    with boa.env.prank(manager):
        oracle = deployer("OracleAdapter.vy").deploy(vault.address, manager)
        for s in symbols:
            a = market.assets[s]
            oracle.set_feed(a.token, a.feed, a.heartbeat, "0x" + "00" * 20, 0, 0)
    usdc = tokens["USDC"]
    shares, quote = arbitrage.seed_amounts(oracle.nav_per_share(), int(feeds["USDC"] * WAD), 6, POOL_DEPTH_USD)
    usdc.mint(depositor, quote)
    v2 = market.uniswap.v2_router
    with boa.env.prank(depositor):
        vault.approve(v2, shares)
        usdc.approve(v2, quote)
    boa.env.raw_call(
        v2,
        sender=depositor,
        data=bytes.fromhex(
            uni.V2_ADD_LIQUIDITY(vault.address, usdc.address, shares, quote, shares, quote, depositor, DEADLINE)[2:]
        ),
    )
    (pool,) = reader.read([(market.uniswap.v2_factory, arbitrage.GET_PAIR, (vault.address, usdc.address))])[0]
    router = deployer("periphery/IndexRouter.vy").deploy(market.uniswap.v2_router, market.uniswap.swap_router)
    arb = deployer("periphery/IndexArbitrage.vy").deploy(router.address, v2)
    usdc.mint(keeper, 1_000_000 * 10**6)
    usdc.mint(trader, 1_000_000 * 10**6)
    with boa.env.prank(trader):
        usdc.approve(v2, MAX)
        vault.approve(v2, MAX)
    deployment = {
        "symbol": "TIDX",
        "vault": vault.address,
        "oracle": oracle.address,
        "pool": pool,
        "router": router.address,
        "arbitrage": arb.address,
    }
    contracts = arbitrage.Contracts(arb, usdc, vault, keeper, (boa.BoaError,))
    return SimpleNamespace(
        vault=vault,
        oracle=oracle,
        router=router,
        arb=arb,
        market=market,
        reader=reader,
        tokens=tokens,
        usdc=usdc,
        pool=pool,
        deployment=deployment,
        contracts=contracts,
        depositor=depositor,
        manager=manager,  # the vault's admin, manager, guardian and fee recipient
    )
