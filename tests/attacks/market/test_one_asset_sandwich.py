"""A sandwich around a one-asset mint, on the saved market's real pools.

MEV searchers have sandwiched DEX swaps every block since 2020 (a
front-run that moves the pool, the victim's swap at the worse price, a
back-run that sells back); one-asset issuance contracts (Set Protocol's
ExchangeIssuance, Index Coop's FlashMint) swap through the same pools and
are bounded the same way, by the user's maximum input. Here the router's
`max_in` bounds what the victim pays whatever the pools do: the victim
never pays more than his bound, and the sandwicher's profit (at the
oracle's prices) is no more than what the bound left him, `max_in` less
the quote.

A front-run large enough to push the mint past its bound makes it revert
("router: max in exceeded") and nothing is spent:
`tests/contracts/periphery/router/test_mint_from.py::test_mint_from__front_run_moves_a_pool__reverts_on_max_in_rather_than_overpay`."""

from __future__ import annotations

from decimal import Decimal

import boa

from indexvault import oneasset
from indexvault.market import pools as market_pools
from indexvault.market import replay as market_replay
from indexvault.model import WAD
from tests.utils import DEADLINE, MAX
from tests.utils.attacks import worth
from tests.utils.market_vault import fund
from tests.utils.pool_moves import move_pools, swap

SHARES = 500 * WAD  # about 50,000 USD
SLIPPAGE = Decimal("0.005")  # the README's default bound: the quote plus 0.5 %
SYMBOLS = ("BTC", "ETH", "ADA", "USDC")


def _quote_mint(pooled_index, shares):
    feeds = market_pools.feed_prices(pooled_index.reader, pooled_index.market)
    states = market_pools.read(pooled_index.reader, pooled_index.market, feeds)
    return oneasset.quote_mint(
        pooled_index.market,
        states,
        feeds,
        list(pooled_index.vault.components()),
        list(pooled_index.vault.amounts_for_mint(shares)),
        "USDC",
        shares,
        oneasset.v3_quoter(pooled_index.reader, pooled_index.market),
    )


def test_sandwich__one_asset_mint__victim_pays_at_most_max_in__sandwicher_gains_at_most_the_slack(
    pooled_index, attacker
):
    """MEV sandwiches (since 2020) around a one-asset issuance."""
    victim = boa.env.generate_address("victim")
    tokens = [pooled_index.tokens[s] for s in SYMBOLS]
    quoted = _quote_mint(pooled_index, SHARES)
    max_in = quoted.bound(SLIPPAGE)
    fund(pooled_index.tokens, pooled_index.market, "USDC", victim, max_in)
    with boa.env.prank(victim):
        pooled_index.usdc.approve(pooled_index.router.address, max_in)
    fund(pooled_index.tokens, pooled_index.market, "USDC", attacker, 10**12)
    wbtc = pooled_index.tokens["BTC"]
    with boa.env.prank(attacker):
        for token in (pooled_index.usdc, wbtc):
            token.approve(pooled_index.market.uniswap.v2_router, MAX)
            token.approve(pooled_index.market.uniswap.swap_router, MAX)
    start = worth(pooled_index.oracle, pooled_index.vault, tokens, attacker)

    # Front-run: the victim's WBTC pool (his largest purchase) moved up 0.4 %.
    route = next(r for r in quoted.routes if r.component == "WBTC")
    assert route.hops == 1, route.label
    dex = {oneasset.V2: "v2", oneasset.V3: "v3"}[route.dex]

    def victims_pool(state) -> bool:
        return (
            state.pair.token == route.path[0] and state.pool.dex == dex and (dex == "v2" or state.pool.fee == route.fee)
        )

    move_pools(pooled_index.reader, pooled_index.market, attacker, "BTC", Decimal("1.004"), victims_pool)
    bought = wbtc.balanceOf(attacker)
    assert bought > 0

    # The victim's mint, at his quote's bound.
    with boa.env.prank(victim):
        spent = pooled_index.router.mint_from(
            pooled_index.vault.address, pooled_index.usdc.address, max_in, SHARES, quoted.route_args(), victim, DEADLINE
        )
    assert quoted.total < spent <= max_in  # the front-run cost him, within his bound
    assert pooled_index.usdc.balanceOf(victim) == max_in - spent
    assert pooled_index.vault.balanceOf(victim) == SHARES

    # Back-run: the WBTC sold back into the same pool.
    fee = route.fee if dex == "v3" else 3000
    swap(
        pooled_index.market,
        attacker,
        market_replay.Trade("back-run", dex, wbtc.address, pooled_index.usdc.address, fee, bought, 0),
    )
    gain = worth(pooled_index.oracle, pooled_index.vault, tokens, attacker) - start
    slack = (max_in - quoted.total) * pooled_index.oracle.price(pooled_index.usdc.address) // 10**6
    assert gain <= slack
