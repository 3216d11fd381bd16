"""Finding a market's pools from the factories, as the fork path does on a
real network: on the built market it finds exactly the pools the build made."""

from __future__ import annotations

from indexvault.market.addressbook import discover_pools


def test_discover_pools__finds_every_pool_the_build_made(rpc, market):
    stripped = market.model_copy(
        update={"assets": {s: a.model_copy(update={"pools": []}) for s, a in market.assets.items()}}
    )
    found = discover_pools(stripped, rpc)
    for symbol, asset in market.assets.items():
        built = sorted((p.dex, p.pair, p.address, p.fee) for p in asset.pools)
        assert sorted((p.dex, p.pair, p.address, p.fee) for p in found.assets[symbol].pools) == built, symbol
