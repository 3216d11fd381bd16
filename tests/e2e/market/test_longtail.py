"""A market with a long-tail asset (`plan(..., assets=[...], twap_only=[...])`): no Chainlink feed, no
V2 pool, only its V3 pool, whose observation ring the build grew so the replay writes a TWAP history a
30-minute window reads back to the day's close."""

from __future__ import annotations

import pytest

from indexvault import amm, history
from indexvault.chain import project_bytecode
from indexvault.market import build as market_build
from indexvault.market import node as market_node
from indexvault.market import record as market_record
from indexvault.market import replay as market_replay
from indexvault.market.record import MarketError
from indexvault.market.rpc import Function
from indexvault.market.uniswap import FEED_LATEST, V3_SLOT0

OBSERVE = Function("observe(uint32[])", "int56[],uint160[]")


@pytest.fixture(scope="module")
def longtail():
    plan = market_build.plan("2024-01-01", assets=["BTC", "ETH", "LDO"], twap_only=["LDO"])
    with market_node.Anvil(args=["--timestamp", str(market_build.genesis_timestamp(plan.date))]) as anvil:
        yield anvil.rpc, market_build.build(anvil.rpc, plan, project_bytecode)


def test_build__long_tail_asset_has_only_its_v3_pool_and_no_feed(longtail):
    rpc, record = longtail
    market_record.check(record, rpc)  # a feedless asset's record still matches the chain
    assert list(record.assets) == ["USDC", "BTC", "ETH", "LDO"]
    ldo, btc = record.assets["LDO"], record.assets["BTC"]
    assert (ldo.feed, ldo.aggregator, ldo.heartbeat) == (None, None, 0)
    assert [(p.dex, p.pair) for p in ldo.pools] == [("v3", "USDC")]  # its WETH and USDC V2 pairs are gone
    assert btc.feed and [(p.dex, p.pair) for p in btc.pools] == [("v2", "USDC"), ("v2", "ETH"), ("v3", "USDC")]
    pools = [p.address for a in record.assets.values() for p in a.pools if p.dex == "v3"]
    slots = rpc.read([(pool, V3_SLOT0, ()) for pool in pools])
    assert [s[4] for s in slots] == [market_build.OBSERVATIONS] * 3  # observationCardinalityNext


def test_replay__a_30_minute_twap_reads_the_close_half_an_hour_on(longtail):
    rpc, record = longtail
    updated, _ = market_replay.replay(rpc, record, "2024-01-03", steps_per_day=48)  # a step every 30 min
    rpc.set_next_timestamp(updated.timestamp + market_build.TWAP_WINDOW)
    rpc.mine()
    ldo, usdc = updated.assets["LDO"], updated.assets["USDC"]
    pool, asset_is_0 = ldo.v3_pool.address, amm.sort_tokens(ldo.token, usdc.token)[0] == ldo.token
    ((_, usdc_answer, *_),) = rpc.read([(usdc.feed, FEED_LATEST, ())])

    def twap(window: int) -> float:
        ((ticks, _),) = rpc.read([(pool, OBSERVE, ([window, 0],))])
        return amm.twap_usd(amm.mean_tick(tuple(ticks), window), 18, 6, asset_is_0, usdc_answer, 8) / 10**18

    close = float(history.close("LDO", "2024-01-03"))
    # The pool's tick is its price's rounded down, and so is the mean tick: at most 2 bp under.
    assert close * (1 - 2e-4) <= twap(market_build.TWAP_WINDOW) <= close * (1 + 1e-6)
    # 96 steps wrote 96 observations: the ring of 100 still reaches two days back (no "OLD"), and the
    # two days' mean lies among their closes.
    closes = [float(c) for c in history.closes("LDO", "2024-01-01", "2024-01-03")]
    assert min(closes) * (1 - 2e-4) <= twap(2 * 86_400) <= max(closes)


def test_plan__long_tail_and_named_universe_refused_with_reasons():
    with pytest.raises(MarketError, match=r"twap-only: XYZ not in the market's assets \(BTC, ETH\)"):
        market_build.plan("2024-01-01", assets=["BTC", "ETH"], twap_only=["XYZ"])
    with pytest.raises(MarketError, match="assets: USDC is the market's quote"):
        market_build.plan("2024-01-01", assets=["BTC", "USDC"])
    with pytest.raises(MarketError, match="assets: BTC named twice"):
        market_build.plan("2024-01-01", assets=["BTC", "ETH", "BTC"])
    with pytest.raises(MarketError, match="no close for UNI on 2024-01-01"):
        market_build.plan("2024-01-01", assets=["UNI"])
    # The DeFi tokens of 2021 have their listing below the snapshot's top 60 too (the data keeps them:
    # tools/trim_data.py, DEFI), so their pools get depth from their own volume; an asset the data does
    # not list that day (GRT, 2021-06-01, outside the top 60) gets the depth floor.
    plan = market_build.plan("2021-06-01", assets=["AAVE", "COMP", "CRV", "MKR", "SNX", "SUSHI", "UNI", "YFI", "GRT"])
    volumes = {listing.symbol: listing.volume_24h for listing in plan.listings}
    assert plan.symbols == ["AAVE", "COMP", "CRV", "MKR", "SNX", "SUSHI", "UNI", "YFI", "GRT"]
    assert volumes["GRT"] == 0 < min(volumes["CRV"], volumes["SUSHI"], volumes["SNX"], volumes["UNI"])
