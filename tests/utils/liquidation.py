"""The router's redeem quote for a liquidation's seized index tokens, read through titanoboa's fork."""

from __future__ import annotations

from indexvault import oneasset
from indexvault.market import pools as market_pools


def redeem_quote(index, shares: int) -> oneasset.Quote:
    """The package's quote for redeeming `shares` of `index.vault` to USDC through the router now."""
    feeds = market_pools.feed_prices(index.reader, index.market)
    states = market_pools.read(index.reader, index.market, feeds)
    amounts = list(index.vault.amounts_for_redeem(shares))
    v3 = oneasset.v3_quoter(index.reader, index.market)
    return oneasset.quote_redeem(
        index.market, states, feeds, list(index.vault.components()), amounts, "USDC", shares, v3
    )
