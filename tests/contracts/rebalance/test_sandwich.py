"""A mint and a redeem around a bid, in one block, take no value from the
rebalance: the in-kind round trip pays out at most what it paid in, at the
units the bid left, whoever bids."""

import boa

from indexvault.model import WAD, amount_in, amount_out
from tests.utils import BTC, MAX

SHARES = 50 * WAD + 3


def _value(env, who) -> int:
    """`who`'s USDC, WBTC and WETH at oracle prices, USD 1e18 (rounded down)."""
    total = 0
    for token in (env.usdc, env.wbtc, env.weth):
        total += token.balanceOf(who) * env.oracle.price(token.address) // 10 ** token.decimals()
    return total


def test_sandwich__mint_bid_redeem__outsider_gains_nothing(auction, fund, attacker, keeper):
    env = auction
    fund(env.vault, [env.usdc, env.wbtc, env.weth], attacker)
    multiplier_before = env.vault.trade_basis(env.usdc.address)[2]
    units_before = [env.vault.trade_basis(t.address)[0] for t in (env.usdc, env.wbtc, env.weth)]
    before = [t.balanceOf(attacker) for t in (env.usdc, env.wbtc, env.weth)]
    value_before = _value(env, attacker)
    start = boa.env.timestamp

    with boa.env.prank(attacker):
        env.vault.mint(SHARES, [MAX] * 3, attacker)
    with boa.env.prank(keeper):
        env.rebalancer.bid(env.wbtc.address, BTC // 10, MAX, keeper)
    with boa.env.prank(attacker):
        env.vault.redeem(SHARES, [0, 0, 0], attacker)

    assert boa.env.timestamp == start  # one block: no fee accrues in between
    after = [t.balanceOf(attacker) for t in (env.usdc, env.wbtc, env.weth)]
    multiplier = env.vault.multiplier()
    units_after = [env.vault.trade_basis(t.address)[0] for t in (env.usdc, env.wbtc, env.weth)]
    paid = [amount_in(SHARES, u, multiplier_before) for u in units_before]
    received = [amount_out(SHARES, u, multiplier) for u in units_after]
    assert [a - b for a, b in zip(after, before)] == [r - p for r, p in zip(received, paid)]
    # At par or a discount the round trip is worth no more than it cost; at
    # a premium at most the minter's pro-rata share of what the bidder
    # overpaid (value from the bidder, not from the vault's holders).
    gain = _value(env, attacker) - value_before
    bid_value = (BTC // 10) * env.oracle.price(env.wbtc.address) // BTC
    factor = env.rebalancer.factor()
    # The attacker's share of the bid's premium over the oracle (if any).
    share = SHARES * (factor - WAD) // WAD * bid_value // env.vault.totalSupply() if factor > WAD else 0
    assert gain <= share


def test_sandwich__bidder_gains_no_more_than_bidding_alone(auction, fund, attacker):
    """At par or a discount, wrapping the bid in a mint and a redeem only
    makes the bidder share its own gain with the vault. At a premium the
    bidder recovers part of its own overpayment, and the other holders
    still end up better off than before the bid."""
    env = auction
    fund(env.vault, [env.usdc, env.wbtc, env.weth], attacker)
    value_before = _value(env, attacker)
    nav_before = env.oracle.nav_per_share()

    with boa.env.anchor():
        with boa.env.prank(attacker):
            env.rebalancer.bid(env.wbtc.address, BTC // 10, MAX, attacker)
        alone = _value(env, attacker) - value_before

    with boa.env.prank(attacker):
        env.vault.mint(SHARES, [MAX] * 3, attacker)
        env.rebalancer.bid(env.wbtc.address, BTC // 10, MAX, attacker)
        env.vault.redeem(SHARES, [0, 0, 0], attacker)
    sandwiched = _value(env, attacker) - value_before
    if env.rebalancer.factor() > WAD:
        assert env.oracle.nav_per_share() > nav_before
    else:
        assert sandwiched <= alone
