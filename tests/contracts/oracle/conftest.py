"""A real Uniswap V3 pool (the npm packages' bytecode) and TwapFeeds over it, in titanoboa:
UNI (18 decimals) against USDC (6) at 8 USD, full-range liquidity, room for 200 observations."""

from __future__ import annotations

import dataclasses
from fractions import Fraction

import boa
import pytest

from benchmarks import v3_pool as v3

WINDOW = 1_800
USDC_USD = 1_0000_0000  # the quote's feed: USDC / USD at 1.00, 8 decimals
QUOTE_HEARTBEAT = 86_400


@pytest.fixture(scope="module")
def uniswap():
    return v3.deploy_uniswap()


@pytest.fixture(scope="module")
def lp():
    return boa.env.generate_address("lp")


@pytest.fixture(scope="module")
def trader():
    return boa.env.generate_address("trader")


@pytest.fixture(scope="module")
def usdc():
    return v3.create_token("USDC", 6)


@pytest.fixture(scope="module")
def usdc_feed():
    return v3.create_feed(USDC_USD)


@pytest.fixture(scope="module")
def market_pool(uniswap, usdc, lp, trader):
    """UNI/USDC at 8 USD, 1M USD a side in full range, then a window's time with no trade."""
    uni = v3.create_token("UNI", 18)
    pool = v3.create_pool(uniswap, uni, usdc, Fraction(8), cardinality=200)
    pool.fund(lp)
    pool.fund(trader)
    pool.add_liquidity(lp, 125_000 * 10**18, 1_000_000 * 10**6)
    boa.env.time_travel(seconds=WINDOW)
    return pool


@pytest.fixture
def pool(market_pool):
    """The module's pool with its own record of ticks (each test's chain rolls back; so does this)."""
    return dataclasses.replace(market_pool, ticks=list(market_pool.ticks))


@pytest.fixture(scope="module")
def twap(market_pool, usdc_feed):
    return v3.create_twap_feed(market_pool, usdc_feed, WINDOW, heartbeat=QUOTE_HEARTBEAT)
