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
from indexvault.market import pools as market_pools
from indexvault.market import uniswap as uni
from indexvault.model import WAD
from indexvault.units import units_from_weights
from tests.utils.boa_env import deployer

BASKET = {"BTC": Decimal("0.4"), "ETH": Decimal("0.3"), "ADA": Decimal("0.2"), "USDC": Decimal("0.1")}
NAV_PER_SHARE = Decimal(100)
FEE = WAD // 1000
SEEDED = 2_000 * WAD  # minted in kind by the depositor
POOL_DEPTH_USD = Decimal(200_000)  # the index token's pool, both sides
MAX = 2**256 - 1
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
    feeds = market_pools.feed_prices(reader, market)
    symbols = list(BASKET)
    units = units_from_weights(
        [BASKET[s] for s in symbols],
        [feeds[s] for s in symbols],
        [market.assets[s].decimals for s in symbols],
        NAV_PER_SHARE,
    )
    manager, depositor = boa.env.generate_address("manager"), boa.env.generate_address("depositor")
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
            [FEE, FEE, 0],
            [WAD // 10] * 3,
            10**9 * WAD,
        )
        oracle = deployer("OracleAdapter.vy").deploy(vault.address, manager)
        for s in symbols:
            a = market.assets[s]
            oracle.set_feed(a.token, a.feed, a.heartbeat, "0x" + "00" * 20, 0, 0)
    for s, amount in zip(symbols, vault.amounts_for_mint(SEEDED)):
        fund(tokens, market, s, depositor, amount)
        with boa.env.prank(depositor):
            tokens[s].approve(vault.address, amount)
    with boa.env.prank(depositor):
        vault.mint(SEEDED, [MAX] * len(symbols), depositor)
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


def fund(tokens, market, symbol, holder, amount):
    """Gives `holder` `amount` of a market asset: a mock's open mint, or WETH wrapped from ETH."""
    if market.assets[symbol].kind == "weth9":
        boa.env.set_balance(holder, boa.env.get_balance(holder) + amount)
        boa.env.raw_call(
            market.assets[symbol].token, sender=holder, value=amount, data=bytes.fromhex(uni.WETH_DEPOSIT()[2:])
        )
    else:
        tokens[symbol].mint(holder, amount)
