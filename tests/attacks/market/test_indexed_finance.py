"""Manipulated rebalance pricing, on the saved market's real Uniswap pools.

Indexed Finance lost about 16 M USD in October 2021: its pools re-weighted
by prices they read from the pools an attacker had just moved with
flash-loaned funds, so the attacker sold them tokens at his own price. Here
a flash-loan-sized trade moves every WBTC pool 50 % up, every WETH pool 50 %
down and the index token's own pool 50 % up; then the attacker calls every
permissionless entry point (on both sides of the running Rebalancer
auction, fills through the keepers' RebalanceBidder settled in the moved
pools, then direct bids; the arbitrage contract through the keeper's own
decision; the one-asset router both ways on a fresh quote over the moved
pools) and mints and redeems in kind. The auction prices from the oracle inside its band and
mint and redeem from units, so the attacker ends with no more than he
started (everything valued at the oracle's prices, token by token), and the
honest holder's shares are worth no less.

`tests/attacks/keepers/test_adversarial_rebalance.py` runs the same lever through
Ape against a single bid (pools moved 50 %, the bid still at oracle x
factor)."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import boa

from indexvault import amm, oneasset
from indexvault.keepers import arbitrage, arbitrage_runner
from indexvault.market import pools as market_pools
from indexvault.market import uniswap as uni
from indexvault.model import WAD
from tests.utils import DEADLINE, MAX
from tests.utils.attacks import worth
from tests.utils.boa_env import deployer
from tests.utils.market_vault import fund
from tests.utils.pool_moves import move_pools

V2 = 0  # RebalanceBidder's route through a Uniswap V2 pair
LOAN = 10**9  # whole tokens (or ETH) the flash loan lends of each asset
SYMBOLS = ("BTC", "ETH", "ADA", "USDC")  # the index's components, in order


def _pump_index_pool(env, who, factor) -> None:
    snap = arbitrage_runner.read_snapshot(env.reader, env.market, env.deployment, 10**9)
    amount = amm.v2_amount_to_price(snap.pool_quote, snap.pool_shares, 1 / (snap.price * factor))
    data = uni.V2_SWAP_EXACT_IN(amount, 0, [env.usdc.address, env.vault.address], who, DEADLINE)
    boa.env.raw_call(env.market.uniswap.v2_router, sender=who, data=bytes.fromhex(data[2:]))


def _quote(env, side, shares):
    feeds = market_pools.feed_prices(env.reader, env.market)
    states = market_pools.read(env.reader, env.market, feeds)
    amounts = env.vault.amounts_for_mint(shares) if side == "mint" else env.vault.amounts_for_redeem(shares)
    build = oneasset.quote_mint if side == "mint" else oneasset.quote_redeem
    return build(
        env.market,
        states,
        feeds,
        list(env.vault.components()),
        list(amounts),
        "USDC",
        shares,
        oneasset.v3_quoter(env.reader, env.market),
    )


def test_indexed_finance__flash_loan_moves_the_pools__every_entry_point__attacker_ends_with_no_more(auction, attacker):
    """Indexed Finance (October 2021): rebalance pricing taken from pools an
    attacker moved with a flash loan."""
    env = auction
    tokens = [env.tokens[s] for s in SYMBOLS]
    for symbol in SYMBOLS:
        fund(env.tokens, env.market, symbol, attacker, LOAN * 10 ** env.market.assets[symbol].decimals)
    with boa.env.prank(attacker):
        for token in tokens:
            for spender in (
                env.market.uniswap.v2_router,
                env.market.uniswap.swap_router,
                env.vault.address,
                env.router.address,
            ):
                token.approve(spender, MAX)
        env.vault.approve(env.router.address, MAX)
    start = worth(env.oracle, env.vault, tokens, attacker)
    honest = worth(env.oracle, env.vault, tokens, env.depositor)
    nav_per_share = env.oracle.nav_per_share()

    # The flash-loan-sized trades.
    move_pools(env.reader, env.market, attacker, "BTC", Decimal("1.5"))
    move_pools(env.reader, env.market, attacker, "ETH", Decimal("0.5"))
    _pump_index_pool(env, attacker, Fraction(3, 2))

    # Every permissionless entry point. The auction: buy WBTC from the vault
    # (to sell into the pumped pools), sell it WETH (bought in the dumped pools).
    btc, eth = env.market.assets["BTC"].token, env.market.assets["ETH"].token
    factor = env.rebalancer.factor()
    assert factor > WAD  # still in the vault's favour: the attack is on the pools, not the curve
    # First through the keepers' bidder, which settles each bid in the moved V2 pools.
    bidder = deployer("periphery/RebalanceBidder.vy").deploy(
        env.rebalancer.address, env.market.uniswap.v2_router, env.market.uniswap.swap_router
    )
    with boa.env.prank(attacker):
        sold_profit = bidder.fill(btc, env.rebalancer.remaining(btc)[1] // 2, MAX, True, V2, 0, 0)
        bought_profit = bidder.fill(eth, env.rebalancer.remaining(eth)[1] // 2, 0, False, V2, 0, 0)
    assert sold_profit > 0 and bought_profit > 0  # the moved pools pay the bidder back part of the move
    with boa.env.prank(attacker):
        env.rebalancer.bid(btc, env.rebalancer.remaining(btc)[1], MAX, attacker)
        env.rebalancer.bid(eth, env.rebalancer.remaining(eth)[1], 0, attacker)
    # The arbitrage contract, as the keeper's own decision sizes it, for the attacker.
    contracts = arbitrage_runner.Contracts(env.arb, env.usdc, env.vault, attacker, (boa.BoaError,))
    result = arbitrage_runner.run_round(
        env.reader,
        env.market,
        env.deployment,
        contracts,
        arbitrage.Settings(min_profit_usd=0),
        10**9,
        log=lambda line: None,
    )
    assert (result.decision.kind, result.ok) == ("mint_and_sell", True)  # it sold into the pumped pool
    # The router, both ways, on a quote over the moved pools.
    shares = 10 * WAD
    minted = _quote(env, "mint", shares)
    with boa.env.prank(attacker):
        env.router.mint_from(
            env.vault.address,
            env.usdc.address,
            minted.bound(Decimal("0.01")),
            shares,
            minted.route_args(),
            attacker,
            DEADLINE,
        )
        redeemed = _quote(env, "redeem", shares)
        env.router.redeem_to(env.vault.address, env.usdc.address, shares, 0, redeemed.route_args(), attacker, DEADLINE)
        # Mint and redeem in kind.
        env.vault.mint(shares, [MAX] * len(tokens), attacker)
        env.vault.redeem(env.vault.balanceOf(attacker), [0] * len(tokens), attacker)

    assert worth(env.oracle, env.vault, tokens, attacker) <= start
    assert env.oracle.nav_per_share() >= nav_per_share
    assert worth(env.oracle, env.vault, tokens, env.depositor) >= honest
