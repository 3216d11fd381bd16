"""Shared set-up and expectations for the Rebalancer tests."""

from __future__ import annotations

import boa

from indexvault import auction_model
from indexvault.model import WAD

TIMELOCK = 86_400
BAND = 5 * 10**16  # ±5 %
DURATION = 3_600
START_FACTOR = WAD + BAND
END_FACTOR = WAD - BAND
HEARTBEAT = 3_600

# Per share: 1,500 USDC, 0.01 WBTC, 0.5 WETH (odd tails so rounding shows).
UNITS = {"usdc": 1_500 * 10**6 + 7, "wbtc": 10**6 + 3, "weth": 5 * 10**17 + 11}
DECIMALS = {"usdc": 6, "wbtc": 8, "weth": 18, "link": 18}
# Feed answers, 8 decimals.
ANSWERS = {"usdc": 10**8, "wbtc": 100_000 * 10**8, "weth": 4_000 * 10**8, "link": 20 * 10**8}
MINTED = 100 * WAD + 17
# The standard proposal: sell 40 % of the WBTC, buy 20 % more WETH.
WBTC_TARGET = 600_000
WETH_TARGET = 6 * 10**17


def refresh(env) -> None:
    """Posts every feed's current answer again, stamped now."""
    for feed in env.feeds.values():
        feed.set_answer(feed.answer())


def to_start(env) -> None:
    """Travels to the auction's first second, feeds fresh."""
    boa.env.time_travel(seconds=env.rebalancer.auction_start() - boa.env.timestamp)
    refresh(env)


def expected_bid(env, token, amount: int) -> auction_model.BidResult:
    """The reference model's bid of `amount` of `token` now, from chain state
    the model cannot know by itself (units, supply after accrual, prices)."""
    rebalancer, vault, oracle = env.rebalancer, env.vault, env.oracle
    unit, supply, multiplier = vault.trade_basis(token.address)
    quote_unit, _, _ = vault.trade_basis(env.quote.address)
    tokens, targets = rebalancer.targets()
    target = targets[list(tokens).index(token.address)]
    sale_factor = auction_model.factor(
        boa.env.timestamp,
        rebalancer.auction_start(),
        rebalancer.auction_duration(),
        rebalancer.start_factor(),
        rebalancer.end_factor(),
        rebalancer.band(),
    )
    return auction_model.bid(
        unit=unit,
        target=target,
        quote_unit=quote_unit,
        supply=supply,
        multiplier=multiplier,
        amount=amount,
        price=oracle.price(token.address),
        quote_price=oracle.price(env.quote.address),
        decimals=token.decimals(),
        quote_decimals=env.quote.decimals(),
        sale_factor=sale_factor,
    )


def unit_of(vault, token) -> int:
    return vault.trade_basis(token.address)[0]
