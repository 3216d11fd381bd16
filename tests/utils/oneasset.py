"""The one-asset router tests' reads: the package's quote for a vault on the fork, and balances."""

from __future__ import annotations

from indexvault import oneasset
from indexvault.market import pools as market_pools


def quote(index, side, symbol, shares, use_quoter=True, dexes=("v2", "v3")):
    """The package's quote for the vault now, read through the fork, over
    the market's pools of `dexes` only."""
    vault, market, reader = index.vault, index.market, index.reader
    feeds = market_pools.feed_prices(reader, market)
    states = [s for s in market_pools.read(reader, market, feeds) if s.pool.dex in dexes]
    build = oneasset.quote_mint if side == "mint" else oneasset.quote_redeem
    amounts = vault.amounts_for_mint(shares) if side == "mint" else vault.amounts_for_redeem(shares)
    v3 = oneasset.v3_quoter(reader, market) if use_quoter else None
    return build(market, states, feeds, list(vault.components()), list(amounts), symbol, shares, v3)


def balances(index, holders):
    """Every market token's balance of each holder, and the vault's index token."""
    out = {}
    for h in holders:
        for s, t in index.tokens.items():
            out[(str(h), s)] = t.balanceOf(h)
        out[(str(h), "TIDX")] = index.vault.balanceOf(h)
    return out
