"""OracleAdapter's L2 sequencer-uptime check: no price while the sequencer
is down, nor within the grace period after it comes back up."""

import boa
import pytest

from tests.utils import MAX, MISSING_ROLE
from tests.utils.boa_env import ZERO_ADDRESS, events

GRACE = 3_600
UP, DOWN = 0, 1


@pytest.fixture
def oracle(create_oracle, vault, tokens, create_feed, admin, depositor):
    """An adapter pricing every component, with one whole share minted."""
    with boa.env.prank(depositor):
        vault.mint(10**18, [MAX] * 3, depositor)
    oracle = create_oracle(vault)
    with boa.env.prank(admin):
        for token in tokens:
            oracle.set_feed(token.address, create_feed(10**8).address, 86_400, ZERO_ADDRESS, 0, 0)
    return oracle


@pytest.fixture
def sequencer(create_feed):
    """Chainlink's uptime feed: answer 0 up, 1 down, 0 decimals."""
    return create_feed(UP, 0, "L2 Sequencer Uptime Status Feed")


def set_status(sequencer, answer: int, started_at: int):
    round_id = sequencer.round_id() + 1
    sequencer.set_round(round_id, answer, started_at, boa.env.timestamp, round_id)


@pytest.fixture
def watched(oracle, sequencer, admin):
    """The adapter checking `sequencer`, which came up long ago."""
    with boa.env.prank(admin):
        oracle.set_sequencer_feed(sequencer.address, GRACE)
    boa.env.time_travel(seconds=GRACE + 1)
    set_status(sequencer, UP, boa.env.timestamp - 10 * GRACE)
    return oracle


def reads(oracle, token):
    """Every read that prices a component."""
    return [
        lambda: oracle.price(token.address),
        oracle.nav,
        oracle.nav_per_share,
        oracle.latestRoundData,
    ]


def test_sequencer__unset__prices(oracle, tokens):
    assert oracle.sequencer_feed() == ZERO_ADDRESS
    assert oracle.sequencer_grace_period() == 0
    assert oracle.price(tokens[0].address) == 10**18
    assert oracle.nav_per_share() > 0


def test_sequencer__up_past_grace__prices(watched, tokens):
    for read in reads(watched, tokens[0]):
        read()
    assert watched.price(tokens[0].address) == 10**18


def test_sequencer__down__reverts(watched, sequencer, tokens):
    set_status(sequencer, DOWN, boa.env.timestamp - 10 * GRACE)
    for read in reads(watched, tokens[0]):
        with boa.reverts("oracle: sequencer down"):
            read()


def test_sequencer__just_up__reverts_until_grace_has_passed(watched, sequencer, tokens):
    set_status(sequencer, UP, boa.env.timestamp)
    for read in reads(watched, tokens[0]):
        with boa.reverts("oracle: sequencer grace period"):
            read()
    # Chainlink's comparison: still refused at exactly the grace period.
    boa.env.time_travel(seconds=GRACE)
    with boa.reverts("oracle: sequencer grace period"):
        watched.price(tokens[0].address)
    boa.env.time_travel(seconds=1)
    assert watched.price(tokens[0].address) == 10**18


@pytest.mark.parametrize("started_at", ["zero", "future"])
def test_sequencer__unknown_start__reverts(watched, sequencer, tokens, started_at):
    set_status(sequencer, UP, 0 if started_at == "zero" else boa.env.timestamp + 1)
    with boa.reverts("oracle: sequencer grace period"):
        watched.price(tokens[0].address)


def test_sequencer__removed__prices_again(watched, sequencer, admin, tokens):
    set_status(sequencer, DOWN, boa.env.timestamp)
    with boa.env.prank(admin):
        watched.set_sequencer_feed(ZERO_ADDRESS, 0)
    (logged,) = events(watched, "SequencerFeedSet")
    assert (logged.feed, logged.grace_period) == (ZERO_ADDRESS, 0)
    assert watched.price(tokens[0].address) == 10**18


def test_set_sequencer_feed__sets_and_logs(oracle, sequencer, admin):
    with boa.env.prank(admin):
        oracle.set_sequencer_feed(sequencer.address, GRACE)
    (logged,) = events(oracle, "SequencerFeedSet")
    assert (logged.feed, logged.grace_period) == (sequencer.address, GRACE)
    assert (oracle.sequencer_feed(), oracle.sequencer_grace_period()) == (sequencer.address, GRACE)
    assert (oracle.MIN_GRACE_PERIOD(), oracle.MAX_GRACE_PERIOD()) == (600, 86_400)


@pytest.mark.parametrize("actor", ["manager", "guardian", "attacker"])
def test_set_sequencer_feed__not_admin__reverts(oracle, sequencer, actors, actor):
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        oracle.set_sequencer_feed(sequencer.address, GRACE)


@pytest.mark.parametrize(
    "feed, grace_period", [("sequencer", 599), ("sequencer", 86_401), ("sequencer", 0), ("zero", 1)]
)
def test_set_sequencer_feed__bad_grace_period__reverts(oracle, sequencer, admin, feed, grace_period):
    address = sequencer.address if feed == "sequencer" else ZERO_ADDRESS
    with boa.env.prank(admin), boa.reverts("oracle: bad grace period"):
        oracle.set_sequencer_feed(address, grace_period)


@pytest.mark.parametrize("grace_period", [600, 86_400])
def test_set_sequencer_feed__at_the_bounds(oracle, sequencer, admin, grace_period):
    with boa.env.prank(admin):
        oracle.set_sequencer_feed(sequencer.address, grace_period)
    assert oracle.sequencer_grace_period() == grace_period
