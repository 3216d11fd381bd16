"""The saved market restores to the state it was built with, in seconds."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from indexvault import history
from indexvault.market import build as market_build
from indexvault.market import node as market_node
from indexvault.market import pools as market_pools
from indexvault.market import record as market_record
from indexvault.market import replay as market_replay
from indexvault.market import uniswap as uni


def balances(rpc, market):
    """The maker's and every pool's token balances."""
    holders = [market.maker] + [p.address for a in market.assets.values() for p in a.pools]
    calls = [(a.token, uni.ERC20_BALANCE, (h,)) for h in holders for a in market.assets.values()]
    return [r[0] for r in rpc.read(calls)]


def test_restore__pools_and_feeds_at_the_build_day_close(rpc, market):
    assert rpc.chain_id() == market.chain_id
    assert rpc.timestamp() == market.timestamp == market_build.close_timestamp(market.date)
    feeds = market_pools.feed_prices(rpc, market)
    for symbol in market.assets:
        # Feeds carry 8 decimals of the day's close.
        assert abs(feeds[symbol] - history.close(symbol, market.date)) < Decimal("1e-8")
    states = market_pools.read(rpc, market)
    assert len(states) == 46  # 20 V2 and 20 V3 against USDC, 6 V2 against WETH
    for state in states:
        assert abs(state.gap) < Decimal("1e-6"), state.label  # the feed keeps 8 decimals of a 0.09 USD DOGE


def test_restore__universe_is_the_top_20_without_stablecoins(market):
    symbols = [s for s in market.assets if s != market.quote]
    assert symbols == [l.symbol for l in history.universe(market.date, 20)]
    assert [market.assets[s].decimals for s in ("BTC", "ETH", "USDC", "SOL", "DOT")] == [8, 18, 6, 9, 10]
    assert market.assets["ETH"].token == market.uniswap.weth
    assert {p.dex for p in market.assets["BTC"].pools} == {"v2", "v3"}
    assert all(any(p.dex == "v3" for p in a.pools) for s, a in market.assets.items() if s != market.quote)


def test_restore__same_balances_every_time_even_after_trading(saved_market, market):
    with market_node.restore(saved_market) as first:
        before = balances(first.rpc, market)
        market_replay.replay(first.rpc, market, "2024-01-05")
        assert balances(first.rpc, market) != before  # the replay traded
    started = time.monotonic()
    with market_node.restore(saved_market) as second:
        restored_in = time.monotonic() - started
        assert balances(second.rpc, market) == before
        market_record.check(market, second.rpc)
    assert restored_in < 5


def test_check__record_of_another_chain__refused(market):
    with market_node.Anvil() as empty:
        with pytest.raises(
            market_record.MarketError,
            match="the market record does not match the chain: no contract at USDC's token or feed",
        ):
            market_record.check(market, empty.rpc)
        other = market.model_copy(update={"chain_id": 5})
        with pytest.raises(
            market_record.MarketError, match="the market record is for chain 5, the node is chain 31337"
        ):
            market_record.check(other, empty.rpc)


def test_restore__morpho_blue_owned_by_the_maker_with_the_zero_rate_irm_and_mainnets_lltvs(rpc, market):
    from indexvault.lending.model import MAINNET_LLTVS
    from indexvault.market import lending

    morpho = market.lending.morpho
    assert rpc.read([(morpho, lending.OWNER, ())])[0][0].lower() == market.maker.lower()
    assert rpc.read([(morpho, lending.IS_IRM_ENABLED, (lending.ZERO_IRM,))]) == [(True,)]
    enabled = rpc.read([(morpho, lending.IS_LLTV_ENABLED, (lltv,)) for lltv in (*MAINNET_LLTVS, 8 * 10**17)])
    assert enabled == [(True,)] * len(MAINNET_LLTVS) + [(False,)]  # 80 %: not one of them
    assert market.lending.lltvs == list(MAINNET_LLTVS)
