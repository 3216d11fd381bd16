"""What a market's feeds and pools show now: one snapshot, read in two
batches, from which status tables, the replay's arbitrage and its gap report
are all computed."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from indexvault import amm, history
from indexvault.market import uniswap as uni
from indexvault.market.record import Asset, MarketRecord, Pool
from indexvault.market.rpc import Rpc


@dataclass(frozen=True)
class PoolState:
    """One pool of `asset` against `pair`, with its raw state and prices."""

    asset: Asset
    pair: Asset
    pool: Pool
    asset_is_token0: bool
    reserves: tuple[int, int] | None  # V2: (token0, token1)
    sqrt_x96: int | None  # V3
    liquidity: int | None  # V3, in range
    price: Decimal  # pair per whole asset, as the pool prices it
    price_usd: Decimal  # times the pair's feed
    feed_usd: Decimal  # the asset's feed
    depth_usd: Decimal  # USD that moves the price up 2 % plus what moves it down 2 %

    @property
    def gap(self) -> Decimal:
        """The pool's USD price against the feed's, as a signed fraction."""
        return self.price_usd / self.feed_usd - 1

    @property
    def label(self) -> str:
        return f"{self.asset.symbol}/{self.pair.symbol} {self.pool.dex}"


def feed_prices(rpc: Rpc, record: MarketRecord) -> dict[str, Decimal]:
    """Every asset's feed answer, in USD; for a long-tail asset, which has no feed, the data's
    close of the record's day (what the replay brought its pool to: the price the market follows)."""
    assets = [a for a in record.assets.values() if a.feed is not None]
    rounds = rpc.read([(a.feed, uni.FEED_LATEST, ()) for a in assets])
    prices = {a.symbol: Decimal(r[1]) / Decimal(10**a.feed_decimals) for a, r in zip(assets, rounds)}
    for asset in record.assets.values():
        if asset.feed is None:
            prices[asset.symbol] = history.close(asset.symbol, record.day)
    return {s: prices[s] for s in record.assets}


def read(rpc: Rpc, record: MarketRecord, feeds: dict[str, Decimal] | None = None) -> list[PoolState]:
    """Every pool's state and prices, against the feeds (read now unless given)."""
    feeds = feeds if feeds is not None else feed_prices(rpc, record)
    pools = [(a, p) for a in record.assets.values() for p in a.pools]
    calls = []
    for _, pool in pools:
        if pool.dex == "v2":
            calls.append((pool.address, uni.V2_RESERVES, ()))
        else:
            calls += [(pool.address, uni.V3_SLOT0, ()), (pool.address, uni.V3_LIQUIDITY, ())]
    results = iter(rpc.read(calls))
    states = []
    for asset, pool in pools:
        pair = record.assets[pool.pair]
        asset_is_0 = amm.sort_tokens(asset.token, pair.token)[0] == asset.token
        reserves = sqrt_x96 = liquidity = None
        if pool.dex == "v2":
            r0, r1, _ = next(results)
            reserves = (r0, r1)
            r_asset, r_pair = (r0, r1) if asset_is_0 else (r1, r0)
            price = amm.v2_price(r_asset, r_pair, asset.decimals, pair.decimals)
            depth = amm.v2_depth(r_pair, pair.decimals)
        else:
            sqrt_x96 = next(results)[0]
            liquidity = next(results)[0]
            ratio = amm.ratio_from_sqrt(sqrt_x96)  # token1 per token0, base units
            ratio = ratio if asset_is_0 else 1 / ratio
            price = amm.whole_price(ratio, asset.decimals, pair.decimals)
            depth = amm.v3_depth(liquidity, sqrt_x96, asset_is_0, pair.decimals)
        states.append(
            PoolState(
                asset,
                pair,
                pool,
                asset_is_0,
                reserves,
                sqrt_x96,
                liquidity,
                price,
                price * feeds[pair.symbol],
                feeds[asset.symbol],
                depth * feeds[pair.symbol],
            )
        )
    return states
