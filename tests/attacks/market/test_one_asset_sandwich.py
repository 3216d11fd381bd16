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
from tests.contracts.periphery.arbitrage.conftest import DEADLINE, fund
from tests.utils import MAX
from tests.utils.attacks import worth
from tests.utils.pool_moves import move_pools, swap

SHARES = 500 * WAD  # about 50,000 USD
SLIPPAGE = Decimal("0.005")  # the README's default bound: the quote plus 0.5 %
SYMBOLS = ("BTC", "ETH", "ADA", "USDC")


def _quote_mint(env, shares):
    feeds = market_pools.feed_prices(env.reader, env.market)
    states = market_pools.read(env.reader, env.market, feeds)
    return oneasset.quote_mint(
        env.market,
        states,
        feeds,
        list(env.vault.components()),
        list(env.vault.amounts_for_mint(shares)),
        "USDC",
        shares,
        oneasset.v3_quoter(env.reader, env.market),
    )


def test_sandwich__one_asset_mint__victim_pays_at_most_max_in__sandwicher_gains_at_most_the_slack(env, attacker):
    """MEV sandwiches (since 2020) around a one-asset issuance."""
    victim = boa.env.generate_address("victim")
    tokens = [env.tokens[s] for s in SYMBOLS]
    quoted = _quote_mint(env, SHARES)
    max_in = quoted.bound(SLIPPAGE)
    fund(env.tokens, env.market, "USDC", victim, max_in)
    with boa.env.prank(victim):
        env.usdc.approve(env.router.address, max_in)
    fund(env.tokens, env.market, "USDC", attacker, 10**12)
    wbtc = env.tokens["BTC"]
    with boa.env.prank(attacker):
        for token in (env.usdc, wbtc):
            token.approve(env.market.uniswap.v2_router, MAX)
            token.approve(env.market.uniswap.swap_router, MAX)
    start = worth(env.oracle, env.vault, tokens, attacker)

    # Front-run: the victim's WBTC pool (his largest purchase) moved up 0.4 %.
    route = next(r for r in quoted.routes if r.component == "WBTC")
    assert route.hops == 1, route.label
    dex = {oneasset.V2: "v2", oneasset.V3: "v3"}[route.dex]

    def victims_pool(state) -> bool:
        return (
            state.pair.token == route.path[0] and state.pool.dex == dex and (dex == "v2" or state.pool.fee == route.fee)
        )

    move_pools(env.reader, env.market, attacker, "BTC", Decimal("1.004"), victims_pool)
    bought = wbtc.balanceOf(attacker)
    assert bought > 0

    # The victim's mint, at his quote's bound.
    with boa.env.prank(victim):
        spent = env.router.mint_from(
            env.vault.address, env.usdc.address, max_in, SHARES, quoted.route_args(), victim, DEADLINE
        )
    assert quoted.total < spent <= max_in  # the front-run cost him, within his bound
    assert env.usdc.balanceOf(victim) == max_in - spent
    assert env.vault.balanceOf(victim) == SHARES

    # Back-run: the WBTC sold back into the same pool.
    fee = route.fee if dex == "v3" else 3000
    swap(env.market, attacker, market_replay.Trade("back-run", dex, wbtc.address, env.usdc.address, fee, bought, 0))
    gain = worth(env.oracle, env.vault, tokens, attacker) - start
    slack = (max_in - quoted.total) * env.oracle.price(env.usdc.address) // 10**6
    assert gain <= slack
