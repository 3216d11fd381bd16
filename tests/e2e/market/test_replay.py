"""Replaying history: feeds get each close, block time moves, arbitrage
brings every pool to its feed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from indexvault import history
from indexvault.market import build as market_build
from indexvault.market import pools as market_pools
from indexvault.market import replay as market_replay
from indexvault.market.record import MarketError


def test_replay__a_month__every_pool_at_its_feed(rpc, market):
    updated, report = market_replay.replay(rpc, market, "2024-02-01")
    assert updated.day == dt.date(2024, 2, 1)
    assert rpc.timestamp() == updated.timestamp == market_build.close_timestamp(dt.date(2024, 2, 1))
    assert report.days == 31 and len(report.steps) == 31
    assert report.max_gap < Decimal("0.005")
    feeds = market_pools.feed_prices(rpc, updated)
    for symbol in updated.assets:
        assert abs(feeds[symbol] - history.close(symbol, "2024-02-01")) < Decimal("1e-8")
    for state in market_pools.read(rpc, updated):
        assert abs(state.gap) < Decimal("0.005"), state.label
    # Prices really moved: SOL closed 2024-02-01 about 10 % below its 2024-01-01 close.
    assert feeds["SOL"] < Decimal("0.95") * history.close("SOL", "2024-01-01")


def test_replay__sub_day_steps__geometric_path_and_times(rpc, market):
    updated, report = market_replay.replay(rpc, market, "2024-01-03", steps_per_day=4)
    assert len(report.steps) == 8
    start = market_build.close_timestamp(market.date)
    assert [s.timestamp - start for s in report.steps] == [21600 * i for i in range(1, 9)]
    day1, day2 = history.closes("BTC", "2024-01-01", "2024-01-02")
    half = report.steps[1].feeds["BTC"]  # 12:00 of day 2: halfway in log terms
    assert abs(half - day1 * (day2 / day1) ** Decimal("0.5")) < Decimal("1e-6")
    assert report.steps[3].feeds["BTC"] == day2
    assert report.max_gap < Decimal("0.005")


def test_replay__backwards__refused_and_nothing_sent(rpc, market):
    block = rpc.call("eth_blockNumber")
    with pytest.raises(MarketError, match="the market is at 2024-01-01; replay to a later day, not 2023-12-01"):
        market_replay.replay(rpc, market, "2023-12-01")
    assert rpc.call("eth_blockNumber") == block


def test_replay__past_the_data__names_the_asset_and_day_and_sends_nothing(rpc, market):
    block = rpc.call("eth_blockNumber")
    with pytest.raises(MarketError, match=r"no close for \w+ on 2025-02-12 \(outside the data"):
        market_replay.replay(rpc, market, "2025-03-01")
    assert rpc.call("eth_blockNumber") == block


def test_price_path__missing_day_inside_the_data__named():
    # CoinGecko's ICP-era gaps aside, the trimmed data keeps every day it has;
    # a record whose asset lacks a day inside its range is refused by name.
    series = history._closes()["SHIB"]
    days = sorted(series)
    gap = next(
        days[i] + dt.timedelta(days=1) for i in range(len(days) - 1) if days[i + 1] - days[i] > dt.timedelta(days=1)
    )
    with pytest.raises(history.DataError, match=f"no close for SHIB on {gap} \\(missing from the data"):
        history.closes("SHIB", gap - dt.timedelta(days=1), gap + dt.timedelta(days=1))


def test_plan__bad_inputs__one_clear_message():
    with pytest.raises(MarketError, match="no market-cap snapshot on 2024-01-15: snapshots are the 1st of each month"):
        market_build.plan("2024-01-15", 20)
    with pytest.raises(MarketError, match="no market-cap snapshot on 2019-01-01"):
        market_build.plan("2019-01-01", 20)
    with pytest.raises(MarketError, match="'2024-13-01' is not a date"):
        market_build.plan("2024-13-01", 20)
    with pytest.raises(MarketError, match="size: 0 assets asked for"):
        market_build.plan("2024-01-01", 0)
    with pytest.raises(MarketError, match=r"only \d+ assets on 2024-01-01 have daily closes through 2024-02-01"):
        market_build.plan("2024-01-01", 60)


@pytest.mark.parametrize("count", [20, 21, 60])
def test_series_styles__every_series_its_own(count):
    # matplotlib's default cycle repeats after 10 colours: the 20-asset chart gave two series each colour.
    styles = market_replay.series_styles(count)
    assert len(styles) == count
    assert len(set(styles)) == count
    assert len({color for color, _ in styles[:20]}) == min(count, 20)
