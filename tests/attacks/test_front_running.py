"""Auction front-running: a large redeem or mint just before a rebalance's
bids, to dodge the auction's discount or to take a larger part of it.

No single incident: the issue's catalogue lists it (2026) because every
index whose rebalances are public and scheduled is exposed to holders who
leave just before a losing trade and come back after, or join just before
a profitable one. Here what remains to trade is measured in units, so the
auction scales with the supply and moves each share the same way whoever
holds it: the honest holder's per-share outcome is the one he would have
had without the attacker, and the attacker's round trip returns no more
than it cost, or, at a premium, than his pro-rata part of what the bidder
overpaid (value from the bidder, never from the other holders).

The mint-bid-redeem sandwich in one block (the attacker minting just before
a bid and redeeming just after) is
`tests/contracts/rebalance/test_sandwich.py`."""

import boa
import pytest

from indexvault.model import WAD
from tests.utils import MAX
from tests.utils.attacks import worth
from tests.utils.rebalance import DURATION, refresh

ATTACK = 900 * WAD  # nine times the honest supply


def _tokens(env):
    return [env.usdc, env.wbtc, env.weth]


def _finish(env, keeper):
    """A keeper takes everything that remains of both auctions, now."""
    with boa.env.prank(keeper):
        env.rebalancer.bid(env.wbtc.address, MAX, MAX, keeper)
        env.rebalancer.bid(env.weth.address, MAX, 0, keeper)
    assert env.rebalancer.remaining(env.wbtc.address)[1] == env.rebalancer.remaining(env.weth.address)[1] == 0


@pytest.fixture(params=[0, DURATION], ids=["premium", "discount"])
def auction(started, request, fund, attacker):
    """The attacker already holds nine times the honest supply."""
    fund(started.vault, _tokens(started), attacker, 10**7)
    with boa.env.prank(attacker):
        started.vault.mint(ATTACK, [MAX] * 3, attacker)
    boa.env.time_travel(seconds=request.param)
    refresh(started)
    return started


@pytest.mark.parametrize("move", ["redeem-before-mint-after", "mint-before-redeem-after"])
def test_large_redeem_or_mint_around_the_bids__gains_nothing(auction, attacker, depositor, keeper, move):
    """Rebalance front-running (the issue's catalogue, 2026): leaving
    before, or joining before, the auction's bids."""
    env = auction
    with boa.env.anchor():
        _finish(env, keeper)
        alone = worth(env.oracle, env.vault, _tokens(env), depositor)

    start = worth(env.oracle, env.vault, _tokens(env), attacker)
    keeper_start = worth(env.oracle, env.vault, _tokens(env), keeper)
    shares = env.vault.balanceOf(attacker)
    with boa.env.prank(attacker):
        if move == "redeem-before-mint-after":
            env.vault.redeem(shares, [0] * 3, attacker)
        else:
            env.vault.mint(ATTACK, [MAX] * 3, attacker)
    held, supply = env.vault.balanceOf(attacker), env.vault.totalSupply()
    _finish(env, keeper)
    overpaid = max(0, keeper_start - worth(env.oracle, env.vault, _tokens(env), keeper))
    with boa.env.prank(attacker):
        if move == "redeem-before-mint-after":
            env.vault.mint(shares, [MAX] * 3, attacker)
        else:
            env.vault.redeem(ATTACK, [0] * 3, attacker)
    assert env.vault.balanceOf(attacker) == shares
    assert worth(env.oracle, env.vault, _tokens(env), attacker) - start <= overpaid * held // supply
    if env.rebalancer.factor() <= WAD:
        assert overpaid == 0 and worth(env.oracle, env.vault, _tokens(env), attacker) <= start
    # The honest depositor ends where he would have without the attacker, but for rounding that
    # stays in the vault: taking all that remains pays for the remaining amount rounded down (at
    # most one base unit of each token short for the whole supply), and fewer shares carry that dust.
    dust = sum(env.oracle.price(t.address) // 10 ** t.decimals() + 1 for t in _tokens(env))
    assert alone - worth(env.oracle, env.vault, _tokens(env), depositor) <= dust
