"""Governance of an index made by the factory: admin actions wait out the
timelock in public; the guardian's emergency powers act at once."""

import boa
import pytest
from eth_utils import keccak

from tests.utils import MANAGER_ROLE, MISSING_ROLE
from tests.utils.boa_env import WAD, ZERO_ADDRESS, deployer, events
from tests.utils.factory import DAY, HEARTBEAT

NOT_READY = "timelock_controller: operation is not ready"
ZERO_BYTES32 = b"\x00" * 32
SALT = keccak(text="salt")
DELAY = 2 * DAY  # the launched index's minimum delay
NEW_FEES = (WAD // 200, WAD // 200, WAD // 50)


# Events the vault or adapter emit inside `timelock.execute` are read from
# the timelock's call, which includes its children's logs.


def payload(contract, function: str, *args) -> bytes:
    """ABI-encoded calldata of `contract.function(*args)`."""
    return getattr(contract, function).prepare_calldata(*args)


@pytest.fixture
def schedule(launched, governor):
    """The governor schedules `target.function(*args)` with `delay`; returns the
    arguments `execute` takes."""

    def schedule(target, function, *args, delay=DELAY):
        call = (target.address, 0, payload(target, function, *args), ZERO_BYTES32, SALT)
        with boa.env.prank(governor):
            launched.timelock.schedule(*call, delay)
        return call

    return schedule


# --- fee changes wait out the delay --------------------------------------------------


def test_set_fees__governor_directly__reverts(launched, governor):
    with boa.env.prank(governor), boa.reverts(MISSING_ROLE):
        launched.vault.set_fees(*NEW_FEES)


def test_set_fees__through_timelock__early__reverts(launched, schedule, governor):
    call = schedule(launched.vault, "set_fees", *NEW_FEES)
    (scheduled,) = events(launched.timelock, "CallScheduled")
    assert (scheduled.target, scheduled.delay) == (launched.vault.address, DELAY)
    assert scheduled.payload == call[2]
    with boa.env.prank(governor), boa.reverts(NOT_READY):
        launched.timelock.execute(*call)
    boa.env.time_travel(seconds=DELAY - 1)
    with boa.env.prank(governor), boa.reverts(NOT_READY):
        launched.timelock.execute(*call)
    assert launched.vault.mint_fee() == 0


def test_set_fees__through_timelock__after_delay__executes(launched, schedule, governor):
    call = schedule(launched.vault, "set_fees", *NEW_FEES)
    operation = launched.timelock.hash_operation(*call)
    assert launched.timelock.get_timestamp(operation) == boa.env.timestamp + DELAY
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(governor):
        launched.timelock.execute(*call)
    (fees_set,) = events(launched.timelock, "FeesSet")
    assert (fees_set.mint_fee, fees_set.redeem_fee, fees_set.streaming_fee) == NEW_FEES
    (executed,) = events(launched.timelock, "CallExecuted")
    assert (executed.id, executed.target) == (operation, launched.vault.address)
    assert (launched.vault.mint_fee(), launched.vault.redeem_fee(), launched.vault.streaming_fee()) == NEW_FEES
    assert launched.timelock.is_operation_done(operation) is True


def test_schedule__below_minimum_delay__reverts(launched, governor):
    call = (launched.vault.address, 0, payload(launched.vault, "set_fees", *NEW_FEES), ZERO_BYTES32, SALT)
    with boa.env.prank(governor), boa.reverts("timelock_controller: insufficient delay"):
        launched.timelock.schedule(*call, DELAY - 1)


@pytest.mark.parametrize("actor", ["manager", "guardian", "creator", "attacker"])
def test_schedule__not_proposer__reverts(launched, actors, creator, actor):
    account = creator if actor == "creator" else actors[actor]
    call = (launched.vault.address, 0, payload(launched.vault, "set_fees", *NEW_FEES), ZERO_BYTES32, SALT)
    with boa.env.prank(account), boa.reverts(MISSING_ROLE):
        launched.timelock.schedule(*call, DELAY)


def test_execute__not_executor__reverts(launched, schedule, attacker):
    call = schedule(launched.vault, "set_fees", *NEW_FEES)
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(attacker), boa.reverts(MISSING_ROLE):
        launched.timelock.execute(*call)


# --- role grants and feed changes too --------------------------------------------------


def test_grant_role__through_timelock__waits(launched, schedule, governor, attacker):
    new_manager = boa.env.generate_address("new_manager")
    call = schedule(launched.vault, "grantRole", MANAGER_ROLE, new_manager)
    with boa.env.prank(governor), boa.reverts(NOT_READY):
        launched.timelock.execute(*call)
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(governor):
        launched.timelock.execute(*call)
    (granted,) = events(launched.timelock, "RoleGranted")
    assert (granted.role, granted.account, granted.sender) == (MANAGER_ROLE, new_manager, launched.timelock.address)
    assert launched.vault.hasRole(MANAGER_ROLE, new_manager) is True


def test_set_feed__through_timelock__waits(launched, schedule, governor, tokens, create_feed):
    new_feed = create_feed(2 * 10**8)
    call = schedule(launched.adapter, "set_feed", tokens[0].address, new_feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    with boa.env.prank(governor), boa.reverts(MISSING_ROLE):
        launched.adapter.set_feed(tokens[0].address, new_feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    with boa.env.prank(governor), boa.reverts(NOT_READY):
        launched.timelock.execute(*call)
    boa.env.time_travel(seconds=DELAY)
    new_feed.set_answer(2 * 10**8)
    with boa.env.prank(governor):
        launched.timelock.execute(*call)
    (feed_set,) = events(launched.timelock, "FeedSet")
    assert (feed_set.asset, feed_set.primary) == (tokens[0].address, new_feed.address)
    assert launched.adapter.price(tokens[0].address) == 2 * WAD


# --- the guardian acts at once ----------------------------------------------------------


def test_guardian__pauses_minting_at_once(launched, guardian):
    with boa.env.prank(guardian):
        launched.vault.set_mint_paused(True)
    (paused,) = events(launched.vault, "MintPausedSet")
    assert paused.paused is True
    assert launched.vault.mint_paused() is True


def test_cancel__governor_only(launched, schedule, governor, guardian):
    call = schedule(launched.vault, "set_fees", *NEW_FEES)
    operation = launched.timelock.hash_operation(*call)
    with boa.env.prank(guardian), boa.reverts(MISSING_ROLE):
        launched.timelock.cancel(operation)
    with boa.env.prank(governor):
        launched.timelock.cancel(operation)
    (cancelled,) = events(launched.timelock, "Cancelled")
    assert cancelled.id == operation
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(governor), boa.reverts(NOT_READY):
        launched.timelock.execute(*call)


def test_guardian__cancels_a_rebalance_at_once(launched, tokens, manager, guardian):
    rebalancer = launched.rebalancer
    with boa.env.prank(manager):
        rebalancer.propose([tokens[1].address], [10**6], 3_600, WAD + 5 * 10**16, WAD - 5 * 10**16)
    with boa.env.prank(guardian):
        rebalancer.cancel()
    (cancelled,) = events(rebalancer, "RebalanceCancelled")
    assert cancelled.proposal_id == 1
    assert rebalancer.auction_start() == 0


# --- the minimum delay stays within the factory's bounds ----------------------------------


def test_update_delay__directly__reverts(launched, governor):
    with boa.env.prank(governor), boa.reverts("timelock_controller: caller must be timelock"):
        launched.timelock.update_delay(DAY)


@pytest.mark.parametrize("new_delay", [DAY - 1, 30 * DAY + 1])
def test_update_delay__out_of_bounds__reverts(launched, schedule, governor, new_delay):
    call = schedule(launched.timelock, "update_delay", new_delay)
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(governor), boa.reverts("timelock: delay out of bounds"):
        launched.timelock.execute(*call)


def test_update_delay__within_bounds__after_delay(launched, schedule, governor):
    call = schedule(launched.timelock, "update_delay", DAY)
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(governor):
        launched.timelock.execute(*call)
    (change,) = events(launched.timelock, "MinimumDelayChange")
    assert (change.old_duration, change.new_duration) == (DELAY, DAY)
    assert launched.timelock.get_minimum_delay() == DAY


@pytest.mark.parametrize(
    "delay, governor_, bounds, reason",
    [
        (DAY, "zero", (DAY, 2 * DAY), "timelock: zero governor"),
        (DAY, "governor", (2 * DAY, DAY), "timelock: bad delay bounds"),
        (DAY - 1, "governor", (DAY, 2 * DAY), "timelock: delay out of bounds"),
        (2 * DAY + 1, "governor", (DAY, 2 * DAY), "timelock: delay out of bounds"),
    ],
)
def test_timelock_constructor__bad_arguments__reverts(governor, delay, governor_, bounds, reason):
    account = governor if governor_ == "governor" else ZERO_ADDRESS
    with boa.reverts(reason):
        deployer("IndexTimelock.vy").deploy(delay, account, *bounds)
