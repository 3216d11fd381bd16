"""Rebalancer constructor bounds, proposals, the timelock and cancellation."""

import boa
import pytest

from indexvault.model import WAD
from tests.utils.boa_env import ZERO_ADDRESS, events
from tests.utils.rebalance import (
    BAND,
    DURATION,
    END_FACTOR,
    START_FACTOR,
    TIMELOCK,
    WBTC_TARGET,
    WETH_TARGET,
    refresh,
    to_start,
)

HOUR, DAY = 3_600, 86_400


# --- constructor -------------------------------------------------------------------


@pytest.mark.parametrize(("timelock", "band"), [(HOUR, 1), (30 * DAY, WAD // 10), (DAY, BAND)])
def test_constructor__bounds__accepted(env, create_rebalancer, timelock, band):
    rebalancer = create_rebalancer(env.vault, env.oracle, env.quote, timelock, band)
    assert (rebalancer.timelock(), rebalancer.band()) == (timelock, band)
    assert rebalancer.quote() == env.quote.address
    assert rebalancer.auction_start() == 0


@pytest.mark.parametrize(
    ("timelock", "band", "reason"),
    [
        (HOUR - 1, BAND, "rebalancer: bad timelock"),
        (30 * DAY + 1, BAND, "rebalancer: bad timelock"),
        (DAY, 0, "rebalancer: bad band"),
        (DAY, WAD // 10 + 1, "rebalancer: bad band"),
    ],
)
def test_constructor__out_of_bounds__reverts(env, create_rebalancer, timelock, band, reason):
    with boa.reverts(reason):
        create_rebalancer(env.vault, env.oracle, env.quote, timelock, band)


# --- propose -----------------------------------------------------------------------


def test_propose__stores_targets_and_starts_after_timelock(env, propose):
    now = boa.env.timestamp
    propose({env.wbtc: WBTC_TARGET, env.weth: WETH_TARGET})

    (event,) = events(env.rebalancer, "RebalanceProposed")
    assert (event.proposal_id, event.auction_start, event.auction_duration) == (1, now + TIMELOCK, DURATION)
    assert (event.start_factor, event.end_factor) == (START_FACTOR, END_FACTOR)
    assert list(event.tokens) == [env.wbtc.address, env.weth.address]
    assert list(event.targets) == [WBTC_TARGET, WETH_TARGET]
    assert env.rebalancer.targets() == ([env.wbtc.address, env.weth.address], [WBTC_TARGET, WETH_TARGET])
    assert env.rebalancer.auction_start() == now + TIMELOCK
    assert env.rebalancer.is_open()


@pytest.mark.parametrize("who", ["admin", "guardian", "attacker", "keeper"])
def test_propose__not_manager__reverts(env, propose, actors, keeper, who):
    sender = keeper if who == "keeper" else actors[who]
    with boa.reverts("rebalancer: not manager"):
        propose({env.wbtc: WBTC_TARGET}, sender=sender)


def test_propose__new_component_without_feed__reverts_early(env, propose):
    with boa.reverts("rebalancer: no feed for token"):
        propose({env.link: 50 * WAD})


def test_propose__new_component_with_feed__accepted(env, propose, admin):
    with boa.env.prank(admin):
        env.oracle.set_feed(env.link.address, env.feeds["link"].address, 3_600, ZERO_ADDRESS, 0, 0)
    propose({env.link: 50 * WAD, env.weth: 0})
    assert env.rebalancer.targets() == ([env.link.address, env.weth.address], [50 * WAD, 0])


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("empty", "rebalancer: no targets"),
        ("length", "rebalancer: targets length mismatch"),
        ("short", "rebalancer: bad duration"),
        ("long", "rebalancer: bad duration"),
        ("rising", "rebalancer: bad curve"),
        ("zero end", "rebalancer: bad curve"),
        ("quote", "rebalancer: quote has no target"),
        ("duplicate", "rebalancer: duplicate token"),
        ("too large", "rebalancer: target too large"),
        ("zero token", "rebalancer: no feed for token"),
    ],
)
def test_propose__bad_proposal__reverts(env, manager, case, reason):
    tokens, targets = [env.wbtc.address], [WBTC_TARGET]
    duration, start, end = DURATION, START_FACTOR, END_FACTOR
    if case == "empty":
        tokens, targets = [], []
    elif case == "length":
        targets = [1, 2]
    elif case == "short":
        duration = 599
    elif case == "long":
        duration = 14 * DAY + 1
    elif case == "rising":
        start, end = WAD, WAD + 1
    elif case == "zero end":
        end = 0
    elif case == "quote":
        tokens = [env.quote.address]
    elif case == "duplicate":
        tokens, targets = [env.wbtc.address] * 2, [1, 2]
    elif case == "too large":
        targets = [2**96]
    elif case == "zero token":
        tokens = [ZERO_ADDRESS]
    with boa.env.prank(manager), boa.reverts(reason):
        env.rebalancer.propose(tokens, targets, duration, start, end)


def test_propose__while_pending__reverts(proposed, propose):
    with boa.reverts("rebalancer: rebalance open"):
        propose({proposed.weth: 1})


def test_propose__after_expiry__accepted(proposed, propose):
    boa.env.time_travel(seconds=TIMELOCK + DURATION + 1)
    assert not proposed.rebalancer.is_open()
    propose({proposed.weth: 1})
    assert proposed.rebalancer.proposal_id() == 2
    assert proposed.rebalancer.targets() == ([proposed.weth.address], [1])


# --- timelock ----------------------------------------------------------------------


def test_bid__one_second_before_start__reverts(proposed, keeper):
    boa.env.time_travel(seconds=TIMELOCK - 1)
    refresh(proposed)
    with boa.env.prank(keeper), boa.reverts("rebalancer: not started"):
        proposed.rebalancer.bid(proposed.wbtc.address, 1, 2**256 - 1, keeper)
    with boa.reverts("rebalancer: not started"):
        proposed.rebalancer.factor()


def test_bid__exactly_at_start__accepted(proposed, keeper):
    to_start(proposed)
    assert boa.env.timestamp == proposed.rebalancer.auction_start()
    with boa.env.prank(keeper):
        proposed.rebalancer.bid(proposed.wbtc.address, 1_000, 2**256 - 1, keeper)  # whole unit steps
    (bid,) = events(proposed.rebalancer, "Bid")
    assert 1_000 - 101 < bid.amount <= 1_000
    assert (bid.bidder, bid.token, bid.sell, bid.amount, bid.factor) == (
        keeper,
        proposed.wbtc.address,
        True,
        bid.amount,
        START_FACTOR,
    )


def test_timelock__nobody_can_shorten_a_pending_proposal(proposed, propose, guardian):
    # No setter exists for the timelock or the start...
    abi_names = {item.get("name") for item in proposed.rebalancer.abi}
    assert not {n for n in abi_names if n and n.startswith("set_")}
    # ...a second proposal cannot replace the first...
    boa.env.time_travel(seconds=TIMELOCK - 10)
    with boa.reverts("rebalancer: rebalance open"):
        propose({proposed.wbtc: WBTC_TARGET})
    # ...and cancelling then proposing again waits the full timelock anew.
    with boa.env.prank(guardian):
        proposed.rebalancer.cancel()
    propose({proposed.wbtc: WBTC_TARGET})
    assert proposed.rebalancer.auction_start() == boa.env.timestamp + TIMELOCK


# --- cancel ------------------------------------------------------------------------


def test_cancel__guardian__stops_bids(proposed, guardian, keeper):
    with boa.env.prank(guardian):
        proposed.rebalancer.cancel()
    (event,) = events(proposed.rebalancer, "RebalanceCancelled")
    assert event.proposal_id == 1
    assert proposed.rebalancer.auction_start() == 0
    assert not proposed.rebalancer.is_open()
    boa.env.time_travel(seconds=TIMELOCK)
    refresh(proposed)
    with boa.env.prank(keeper), boa.reverts("rebalancer: no rebalance"):
        proposed.rebalancer.bid(proposed.wbtc.address, 1, 2**256 - 1, keeper)


def test_cancel__running_auction__guardian_stops_it(started, guardian, keeper):
    with boa.env.prank(guardian):
        started.rebalancer.cancel()
    with boa.env.prank(keeper), boa.reverts("rebalancer: no rebalance"):
        started.rebalancer.bid(started.wbtc.address, 1, 2**256 - 1, keeper)


@pytest.mark.parametrize("who", ["admin", "manager", "attacker"])
def test_cancel__not_guardian__reverts(proposed, actors, who):
    with boa.env.prank(actors[who]), boa.reverts("rebalancer: not guardian"):
        proposed.rebalancer.cancel()


def test_cancel__nothing_pending__reverts(env, guardian):
    with boa.env.prank(guardian), boa.reverts("rebalancer: nothing to cancel"):
        env.rebalancer.cancel()
