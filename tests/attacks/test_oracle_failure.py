"""Oracle failure, including an L2 sequencer that is down.

When Arbitrum's sequencer stopped (January 2022, and again in June 2023,
about 78 minutes), feeds on it froze while L1 users could still force
transactions in; protocols that read them unchecked priced at stale
answers. A feed that reverts (an aggregator deprecated or paused) must not surface
as its own error. Chainlink's LUNA feed held its 0.10 USD floor in May 2022 while
the market traded far below, and Venus and Blizz Finance lent against it.
Here every read that prices something (`price`, `nav`, `nav_per_share`,
`latestRoundData`, a Rebalancer quote or bid) stops with the adapter's
reason, while mint and redeem in kind, which never read the oracle, go on
paying exactly what the units say.

Each failure's reason on its own is tested in
`tests/contracts/oracle/test_oracle.py` and `tests/contracts/oracle/test_oracle_sequencer.py`;
here they are applied to a vault in the middle of a rebalance."""

import boa
import pytest

from indexvault.model import WAD, amount_in, amount_out
from tests.utils import BTC, MAX
from tests.utils.attacks import backed
from tests.utils.boa_env import ZERO_ADDRESS, deployer
from tests.utils.oracle import hex_address

GRACE = 3_600
SHARES = 3 * WAD + 1


@pytest.fixture
def sequencer(started, admin):
    """Chainlink's L2 sequencer-uptime feed (0 up, 1 down), up for a day, set on the adapter."""
    feed = deployer("mocks/MockFeed.vy").deploy(0, "L2 Sequencer Uptime", 0)
    feed.set_round(1, 0, boa.env.timestamp - 86_400, boa.env.timestamp - 86_400, 1)
    with boa.env.prank(admin):
        started.oracle.set_sequencer_feed(feed.address, GRACE)
    return feed


def _fail(env, sequencer, failure, admin) -> str:
    """Breaks the oracle one way; returns the reason every priced read gives."""
    now = boa.env.timestamp
    feed = env.feeds["wbtc"]
    wbtc = hex_address(env.wbtc.address)
    if failure == "sequencer-down":
        sequencer.set_round(2, 1, now, now, 2)
        return "oracle: sequencer down"
    if failure == "sequencer-just-back":
        sequencer.set_round(3, 0, now - GRACE, now - GRACE, 3)
        return "oracle: sequencer grace period"
    if failure == "feed-reverts":
        broken = deployer("mocks/BrokenFeed.vy").deploy()
        with boa.env.prank(admin):
            env.oracle.set_feed(env.wbtc.address, broken.address, 3_600, ZERO_ADDRESS, 0, 0)
        return f"oracle: feed failed for {wbtc}"
    if failure == "stale":
        feed.set_round(9, feed.answer(), now - 3_601, now - 3_601, 9)
        return f"oracle: stale price for {wbtc}"
    if failure == "zero-answer":
        feed.set_answer(0)
        return f"oracle: bad price for {wbtc}"
    if failure == "negative-answer":
        feed.set_answer(-1)
        return f"oracle: bad price for {wbtc}"
    assert failure == "incomplete-round"
    feed.set_round(9, feed.answer(), now, now, 8)
    return f"oracle: incomplete round for {wbtc}"


FAILURES = [
    "sequencer-down",
    "sequencer-just-back",
    "feed-reverts",
    "stale",
    "zero-answer",
    "negative-answer",
    "incomplete-round",
]


@pytest.mark.parametrize("failure", FAILURES)
def test_oracle_failure__pricing_stops_with_a_reason__redemption_in_kind_goes_on(
    started, sequencer, admin, depositor, keeper, failure
):
    """Arbitrum sequencer outages (2022, 2023) and LUNA's frozen feed (2022):
    nothing is priced from a bad answer."""
    env = started
    vault, oracle, rebalancer = env.vault, env.oracle, env.rebalancer
    assert oracle.nav() > 0 and rebalancer.preview_bid(env.wbtc.address, BTC // 100)[2] > 0
    reason = _fail(env, sequencer, failure, admin)

    for read in (oracle.nav, oracle.nav_per_share, oracle.latestRoundData):
        with boa.reverts(reason):
            read()
    with boa.reverts(reason):
        oracle.price(env.wbtc.address)
    with boa.reverts(reason):
        rebalancer.preview_bid(env.wbtc.address, BTC // 100)
    remaining = rebalancer.remaining(env.wbtc.address)
    with boa.env.prank(keeper), boa.reverts(reason):
        rebalancer.bid(env.wbtc.address, BTC // 100, MAX, keeper)
    assert rebalancer.remaining(env.wbtc.address) == remaining

    # Mint and redeem in kind never read the oracle: exactly the units' amounts.
    vault.accrue_fees()
    multiplier = vault.multiplier()
    units = [vault.position(i)[1] for i in range(vault.component_count())]
    tokens = [env.usdc, env.wbtc, env.weth]
    held = [t.balanceOf(depositor) for t in tokens]
    with boa.env.prank(depositor):
        vault.mint(SHARES, [amount_in(SHARES, u, multiplier) for u in units], depositor)
        vault.redeem(2 * SHARES, [amount_out(2 * SHARES, u, multiplier) for u in units], depositor)
    assert [t.balanceOf(depositor) - h for t, h in zip(tokens, held)] == [
        amount_out(2 * SHARES, u, multiplier) - amount_in(SHARES, u, multiplier) for u in units
    ]
    assert backed(vault, tokens)
