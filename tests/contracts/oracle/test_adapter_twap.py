"""The OracleAdapter pricing a component from a TwapFeed, unchanged: the TWAP as the only
source or checked against a Chainlink feed, NAV with a TWAP-priced component, and every
refusal as the adapter reports it (its own reasons; the feed's own name why)."""

from __future__ import annotations

import boa
import pytest

from benchmarks import v3_pool as v3
from indexvault.model import WAD
from tests.contracts.oracle.conftest import WINDOW
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS
from tests.utils.oracle import hex_address, usd_value

POOL_HEARTBEAT = 86_400  # the adapter refuses a pool with no observation for a day
UNITS = [3 * WAD + 1, 2 * 10**8]
GRACE = 3_600


def _reason(kind: str, token) -> str:
    return f"oracle: {kind} for {hex_address(token.address)}"


@pytest.fixture
def index(pool, create_vault, create_token, create_feed, create_oracle, fund, depositor, admin, twap):
    """A vault of UNI (priced by the TWAP) and an 8-decimal token (by a Chainlink feed),
    one whole share minted; returns (vault, adapter, btc, btc_feed)."""
    btc = create_token(8, symbol="BTC")
    btc_feed = create_feed(60_000 * 10**8, 8)
    vault = create_vault([pool.asset, btc], UNITS)
    fund(vault, [pool.asset, btc], depositor)
    with boa.env.prank(depositor):
        vault.mint(WAD, [MAX] * 2, depositor)
    oracle = create_oracle(vault)
    with boa.env.prank(admin):
        oracle.set_feed(pool.asset.address, twap.address, POOL_HEARTBEAT, ZERO_ADDRESS, 0, 0)
        oracle.set_feed(btc.address, btc_feed.address, 3_600, ZERO_ADDRESS, 0, 0)
    return vault, oracle, btc, btc_feed


def test_adapter__twap_priced__price_and_nav(pool, twap, index, trader):
    vault, oracle, btc, _ = index
    pool.move_to_tick(trader, pool.tick + 250)
    boa.env.time_travel(seconds=600)
    twap_answer = twap.latestRoundData()[1]
    assert oracle.price(pool.asset.address) == twap_answer
    prices = [twap_answer, 60_000 * WAD]
    assert oracle.nav() == usd_value(vault.backing(), prices, [18, 8])
    assert oracle.nav_per_share() == usd_value(UNITS, prices, [18, 8])
    # The NAV round is as old as its oldest price: the pool's last observation (the swap).
    assert oracle.latestRoundData()[3] == pool.ticks[-1][0]


def test_adapter__pool_not_traded__stale(pool, usdc_feed, index):
    """A pool with no observation for longer than the heartbeat set at listing: stale."""
    _, oracle, _, _ = index
    boa.env.time_travel(seconds=POOL_HEARTBEAT - WINDOW)  # the last observation is a window old
    usdc_feed.set_answer(10**8)
    assert oracle.price(pool.asset.address) > 0
    boa.env.time_travel(seconds=1)
    with boa.reverts(_reason("stale price", pool.asset)):
        oracle.price(pool.asset.address)


@pytest.mark.parametrize("refusal", ["not observed", "thin", "quote stale"])
def test_adapter__twap_refuses__feed_failed(pool, usdc_feed, index, admin, refusal):
    """Whatever the TWAP refuses, the adapter has no price for the asset: its own reason
    names the asset, the feed's names why."""
    vault, oracle, _, _ = index
    window, min_liquidity = WINDOW, 1
    if refusal == "not observed":
        window = 7 * 86_400  # the pool is younger than a week
    elif refusal == "thin":
        min_liquidity = pool.contract.liquidity() + 1
    feed = v3.create_twap_feed(pool, usdc_feed, window, min_liquidity)
    if refusal == "quote stale":
        boa.env.time_travel(seconds=86_401)
    why = {
        "not observed": "twap: window not observed",
        "thin": "twap: thin pool",
        "quote stale": "twap: stale quote price",
    }
    with boa.reverts(why[refusal]):
        feed.latestRoundData()
    with boa.env.prank(admin):
        oracle.set_feed(pool.asset.address, feed.address, 2**40 - 1, ZERO_ADDRESS, 0, 0)
    for read in (lambda: oracle.price(pool.asset.address), oracle.nav, oracle.nav_per_share):
        with boa.reverts(_reason("feed failed", pool.asset)):
            read()


def test_adapter__twap_checked_against_chainlink(pool, twap, index, create_feed, admin, trader):
    """The TWAP as primary, the asset's Chainlink feed as secondary within 2 %: a price while
    they agree, none once the pool is pushed 5 % off for the whole window."""
    _, oracle, _, _ = index
    answer = twap.latestRoundData()[1]
    chainlink = create_feed(answer * 101 // 100 // 10**10, 8)  # 1 % above the TWAP
    with boa.env.prank(admin):
        oracle.set_feed(pool.asset.address, twap.address, POOL_HEARTBEAT, chainlink.address, 3_600, 200)
    assert oracle.price(pool.asset.address) == answer
    pool.move_to_tick(trader, pool.tick - 500)  # about 5 % lower
    boa.env.time_travel(seconds=WINDOW)
    chainlink.set_answer(answer * 101 // 100 // 10**10)
    with boa.reverts(_reason("feeds disagree", pool.asset)):
        oracle.price(pool.asset.address)


def test_adapter__twap_priced__sequencer_down(pool, index, create_feed, admin):
    """The adapter's L2 sequencer check stops TWAP prices as it stops feeds."""
    _, oracle, _, _ = index
    sequencer = create_feed(0, 0, "L2 Sequencer Uptime Status Feed")
    with boa.env.prank(admin):
        oracle.set_sequencer_feed(sequencer.address, GRACE)
    with boa.reverts("oracle: sequencer grace period"):
        oracle.price(pool.asset.address)
    boa.env.time_travel(seconds=GRACE + 1)
    assert oracle.price(pool.asset.address) > 0
    sequencer.set_answer(1)
    with boa.reverts("oracle: sequencer down"):
        oracle.price(pool.asset.address)
