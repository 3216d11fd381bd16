"""An auction bid moves the NAV feed's answer by no more than the value the
bidder hands the vault beyond the oracle price (at a premium), within 8-decimal
rounding: at par it stays, at a discount it falls."""

import boa

from indexvault.model import WAD
from tests.utils import BTC, MAX
from tests.utils.boa_env import deployer


def test_bid__raises_the_feed_by_at_most_the_bidders_premium(auction, keeper):
    env = auction
    nav_feed = deployer("NavFeed.vy").deploy(env.oracle.address, 0)
    env.vault.accrue_fees()  # the streaming fee accrues first, as the bid would
    before = nav_feed.latestAnswer()
    factor = env.rebalancer.factor()
    with boa.env.prank(keeper):
        env.rebalancer.bid(env.wbtc.address, BTC // 10, MAX, keeper)
    after = nav_feed.latestAnswer()
    # What the bidder paid beyond the oracle value of what it bought, per
    # whole index token, USD 8 decimals (rounded up: a bound).
    bought = (BTC // 10) * env.oracle.price(env.wbtc.address) // BTC
    premium = max(factor - WAD, 0) * bought // WAD
    per_token = -(-premium * WAD // env.vault.totalSupply()) // 10**10 + 1
    assert after - before <= per_token + 1
    if factor > WAD:
        assert after > before  # real value the bidder paid in, redeemable by every holder
    else:
        assert after <= before
