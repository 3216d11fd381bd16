"""Moving the saved market's Uniswap pools from an attacker's account, in
titanoboa forking a restored node: the market's own arbitrage swaps
(`indexvault.market.replay.arbitrage`), sent by whoever attacks."""

from __future__ import annotations

from decimal import Decimal

import boa

from indexvault.market import pools as market_pools
from indexvault.market import replay as market_replay
from indexvault.market import uniswap as uni
from indexvault.market.build import DEADLINE


def swap(market, who, trade: market_replay.Trade) -> None:
    """`trade` sent by `who`, who receives what it buys (and approved the routers)."""
    if trade.dex == "v2":
        to = market.uniswap.v2_router
        data = uni.V2_SWAP_EXACT_IN(trade.amount_in, 0, [trade.token_in, trade.token_out], who, DEADLINE)
    else:
        to = market.uniswap.swap_router
        data = uni.V3_EXACT_INPUT_SINGLE(
            (trade.token_in, trade.token_out, trade.fee, who, DEADLINE, trade.amount_in, 0, trade.sqrt_limit)
        )
    boa.env.raw_call(to, sender=who, data=bytes.fromhex(data[2:]))


def move_pools(reader, market, who, symbol: str, factor: Decimal, pick=lambda state: True) -> None:
    """Every pool of `symbol` (that `pick` accepts) to `factor` times its feed price."""
    feeds = market_pools.feed_prices(reader, market)
    for state in market_pools.read(reader, market, feeds):
        if state.asset.symbol == symbol and pick(state):
            trade = market_replay.arbitrage(state, feeds[symbol] * factor, feeds[state.pair.symbol])
            if trade:
                swap(market, who, trade)
    for state in market_pools.read(reader, market):
        if state.asset.symbol == symbol and pick(state):
            assert abs(state.price_usd / state.feed_usd - factor) < Decimal("0.01"), state.label


def feed_answer(asset) -> int:
    """The answer a market asset's feed gives now (its proxy's latestRoundData)."""
    out = boa.env.raw_call(asset.feed, data=bytes.fromhex(uni.FEED_LATEST()[2:]), simulate=True).output
    return uni.FEED_LATEST.decode("0x" + bytes(out).hex())[1]


def post_answer(asset, answer: int) -> None:
    """A new answer for a market asset, posted where the market posts it (`Asset.poster`)."""
    to, post = asset.poster
    boa.env.raw_call(to, data=bytes.fromhex(post(answer)[2:]))
