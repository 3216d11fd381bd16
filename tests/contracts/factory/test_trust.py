"""A factory index holders can trust (issue 14, found in review): no role
moves value out of the basket, or changes how it is priced, sooner than
the delay holders see; every index's feeds are labelled, live, as allowed
by the factory's governance (behind its own timelock) or custom."""

import boa
import pytest
from eth_utils import keccak

from tests.utils import MAX
from tests.utils.boa_env import WAD, ZERO_ADDRESS, events
from tests.utils.factory import DAY, GOVERNANCE_DELAY, HEARTBEAT, MAX_BAND, MAX_HEARTBEAT

HOUR = 3_600
DELAY = 2 * DAY  # make_params' admin delay
ZERO_BYTES32 = b"\x00" * 32
SALT = keccak(text="salt")
NOT_READY = "timelock_controller: operation is not ready"


def _feeds(index_feeds, **replaced):
    """make_params' feed tuples, the feed of basket position i replaced by `replaced[f"f{i}"]`."""
    feeds = [(f.address, HEARTBEAT, ZERO_ADDRESS, 0, 0) for f in index_feeds]
    for key, feed in replaced.items():
        feeds[int(key[1:])] = feed
    return feeds


def _through_timelock(index, governor, target, function: str, *args):
    """The index's governor schedules `target.function(*args)`, waits out the delay, executes."""
    call = (target.address, 0, getattr(target, function).prepare_calldata(*args), ZERO_BYTES32, SALT)
    with boa.env.prank(governor):
        index.timelock.schedule(*call, DELAY)
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(governor):
        index.timelock.execute(*call)


# --- the reviewer's attack ---------------------------------------------------------------


@pytest.fixture
def attack(make_params, creator, tokens, index_feeds, create_feed):
    """The reviewer's index with a given rebalance timelock, and the feed
    the creator controls: it prices the 8-decimal "WBTC"; a 10 % band, the
    creator as manager, no fees."""

    def params(rebalance_timelock):
        with boa.env.prank(creator):
            creator_feed = create_feed(60_000 * 10**8)
        feeds = _feeds(index_feeds, f1=(creator_feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0))
        return make_params(
            quote=tokens[0].address,
            rebalance_timelock=rebalance_timelock,
            band=10**17,
            feeds=feeds,
            manager=creator,
            fees=(0, 0, 0),
        ), creator_feed

    return params


def test_review_attack__creator_feed_one_hour_rebalance__creation_refused(factory, attack, creator):
    """The reviewer's run: a feed the creator controls for the 8-decimal
    "WBTC", a 1 h rebalance timelock under a 2-day admin delay, a 10 % band,
    the creator as manager. Before the fix this index was made, a victim
    minted, the creator proposed a zero WBTC target and an hour later posted
    a near-zero price and bought the victim's WBTC for dust (the review: 1
    WBTC for 0.0001 USDC; replayed on the old factory: 1.5 WBTC for 1 base
    unit of the 6-decimal quote)."""
    params, _ = attack(HOUR)
    assert params.delay == DELAY
    with boa.env.prank(creator), boa.reverts("factory: rebalance timelock below delay"):
        factory.create_index(params.as_tuple())


def test_review_attack__creator_feed__labelled_custom_and_victim_exits_before_the_auction(
    factory, launch, attack, creator, tokens, fund, depositor
):
    """The same attack at the shortest rebalance timelock the factory now
    accepts (the admin delay): the registry says the index trusts its
    creator's feeds, and a victim who sees the proposal has the whole
    delay to redeem in kind, so the creator's near-zero price buys
    nothing of theirs."""
    params, creator_feed = attack(DELAY)
    index = launch(params)
    index_id = factory.index_count() - 1
    wbtc = tokens[1]
    assert factory.custom_feeds(index_id) is True
    assert factory.feed_allowed(wbtc.address, creator_feed.address) is False
    assert factory.notice(index_id) == DELAY

    fund(index.vault, tokens, depositor)
    before = [t.balanceOf(depositor) for t in tokens]
    with boa.env.prank(depositor):
        index.vault.mint(10 * WAD, [MAX] * 3, depositor)
    with boa.env.prank(creator):
        index.rebalancer.propose([wbtc.address], [0], HOUR, WAD, WAD - 10**17)
    # The auction opens no sooner than the admin delay, which the timelock
    # can never raise above the Rebalancer's.
    assert index.rebalancer.auction_start() - boa.env.timestamp == DELAY
    assert index.timelock.max_delay() == DELAY

    boa.env.time_travel(seconds=DELAY - 1)
    with boa.env.prank(depositor):
        index.vault.redeem(10 * WAD, [0] * 3, depositor)
    assert [t.balanceOf(depositor) for t in tokens] == before

    boa.env.time_travel(seconds=1)
    assert index.rebalancer.is_open() is False  # the auction opens with nothing left to sell


# --- the bounds ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"rebalance_timelock": DELAY - 1}, "factory: rebalance timelock below delay"),
        ({"band": MAX_BAND + 1}, "factory: band too wide"),
    ],
)
def test_create_index__rebalancer_out_of_bounds__reverts(factory, make_params, creator, tokens, overrides, reason):
    with boa.env.prank(creator), boa.reverts(reason):
        factory.create_index(make_params(quote=tokens[0].address, **overrides).as_tuple())


@pytest.mark.parametrize(
    "feed",
    [
        ("primary", MAX_HEARTBEAT + 1, "none", 0, 0),
        ("primary", HEARTBEAT, "secondary", MAX_HEARTBEAT + 1, 100),
    ],
    ids=["primary", "secondary"],
)
def test_create_index__heartbeat_too_long__reverts(factory, make_params, creator, index_feeds, feed):
    named = {"primary": index_feeds[0].address, "secondary": index_feeds[1].address, "none": ZERO_ADDRESS}
    tuple_ = (named[feed[0]], feed[1], named[feed[2]], feed[3], feed[4])
    with boa.env.prank(creator), boa.reverts("factory: heartbeat too long"):
        factory.create_index(make_params(feeds=_feeds(index_feeds, f0=tuple_)).as_tuple())


def test_create_index__at_the_new_bounds(factory, launch, make_params, tokens, index_feeds):
    feeds = _feeds(index_feeds, f0=(index_feeds[0].address, MAX_HEARTBEAT, index_feeds[1].address, MAX_HEARTBEAT, 100))
    index = launch(make_params(quote=tokens[0].address, rebalance_timelock=DELAY, band=MAX_BAND, feeds=feeds))
    assert (index.rebalancer.timelock(), index.rebalancer.band()) == (DELAY, MAX_BAND)
    assert index.adapter.feed(tokens[0].address).secondary_heartbeat == MAX_HEARTBEAT


def test_index_timelock__cannot_raise_its_delay_above_the_rebalancers(launch, make_params, tokens, governor):
    """The admin delay may rise later, through itself, but never above the
    Rebalancer's timelock (an index without one keeps the factory's bound)."""
    index = launch(make_params(quote=tokens[0].address, rebalance_timelock=3 * DAY))
    assert index.timelock.max_delay() == 3 * DAY
    call = (index.timelock.address, 0, index.timelock.update_delay.prepare_calldata(3 * DAY + 1), ZERO_BYTES32, SALT)
    with boa.env.prank(governor):
        index.timelock.schedule(*call, DELAY)
    boa.env.time_travel(seconds=DELAY)
    with boa.env.prank(governor), boa.reverts("timelock: delay out of bounds"):
        index.timelock.execute(*call)
    assert launch(make_params()).timelock.max_delay() == 30 * DAY


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"max_heartbeat": 0}, "factory: bad heartbeat bound"),
        ({"max_heartbeat": 2**40}, "factory: bad heartbeat bound"),
        ({"max_band": 0}, "factory: bad band bound"),
        ({"max_band": 10**17 + 1}, "factory: bad band bound"),
        ({"governance": ZERO_ADDRESS}, "factory: zero governance"),
    ],
)
def test_factory_constructor__bad_trust_bounds__reverts(create_factory, kwargs, reason):
    with boa.reverts(reason):
        create_factory(**kwargs)


def test_factory__trust_bounds_readable(factory, governance):
    assert (factory.max_heartbeat(), factory.max_band(), factory.governance()) == (
        MAX_HEARTBEAT,
        MAX_BAND,
        governance.address,
    )


# --- the allowlist and the custom label ----------------------------------------------------


@pytest.fixture
def allowed_factory(create_factory, tokens, index_feeds):
    """A factory whose constructor allows every basket feed (as the local market's are)."""
    return create_factory(allowed_feeds=[(t.address, f.address) for t, f in zip(tokens, index_feeds)])


def test_factory_constructor__initial_allowlist_public(allowed_factory, tokens, index_feeds):
    logged = events(allowed_factory, "FeedAllowed")
    assert [(e.asset, e.feed, e.allowed) for e in logged] == [
        (t.address, f.address, True) for t, f in zip(tokens, index_feeds)
    ]
    assert allowed_factory.feed_allowed(tokens[0].address, index_feeds[0].address) is True
    # Allowed for its asset only.
    assert allowed_factory.feed_allowed(tokens[1].address, index_feeds[0].address) is False


def test_custom_feeds__allowed_feeds__not_custom(allowed_factory, launch, make_params, tokens):
    launch(make_params(quote=tokens[0].address), factory_=allowed_factory)
    assert allowed_factory.custom_feeds(0) is False


def test_custom_feeds__one_feed_not_allowed__custom(allowed_factory, launch, make_params, tokens, index_feeds):
    feeds = _feeds(index_feeds, f2=(index_feeds[1].address, HEARTBEAT, ZERO_ADDRESS, 0, 0))
    launch(make_params(feeds=feeds), factory_=allowed_factory)
    assert allowed_factory.custom_feeds(0) is True


def test_custom_feeds__secondary_not_allowed__custom(allowed_factory, launch, make_params, index_feeds, create_feed):
    other = create_feed(10**8)
    feeds = _feeds(index_feeds, f0=(index_feeds[0].address, HEARTBEAT, other.address, HEARTBEAT, 100))
    launch(make_params(feeds=feeds), factory_=allowed_factory)
    assert allowed_factory.custom_feeds(0) is True


def test_custom_feeds__live_after_a_feed_change(allowed_factory, launch, make_params, tokens, governor, create_feed):
    """The label follows the adapter: a feed the index's admin sets later
    (through its own timelock) is read, no storage written at creation."""
    index = launch(make_params(), factory_=allowed_factory)
    assert allowed_factory.custom_feeds(0) is False
    other = create_feed(10**8)
    args = (tokens[0].address, other.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    _through_timelock(index, governor, index.adapter, "set_feed", *args)
    assert allowed_factory.custom_feeds(0) is True


def test_custom_feeds__no_such_index__reverts(factory):
    count = factory.index_count()
    with boa.reverts("factory: no such index"):
        factory.custom_feeds(count)
    with boa.reverts("factory: no such index"):
        factory.notice(count)


def test_allow_feed__not_governance__reverts(factory, factory_governor, creator, tokens, index_feeds):
    for account in (factory_governor, creator):
        with boa.env.prank(account), boa.reverts("factory: not governance"):
            factory.allow_feed(tokens[0].address, index_feeds[0].address, True)


def test_allow_feed__through_the_governance_timelock__waits_then_labels(
    factory, launch, make_params, governance, factory_governor, tokens, index_feeds
):
    launch(make_params())
    index_id = factory.index_count() - 1
    assert factory.custom_feeds(index_id) is True
    calls = [
        (factory.address, 0, factory.allow_feed.prepare_calldata(t.address, f.address, True), ZERO_BYTES32, SALT)
        for t, f in zip(tokens, index_feeds)
    ]
    targets, values, payloads = ([c[i] for c in calls] for i in range(3))
    with boa.env.prank(factory_governor):
        governance.schedule_batch(targets, values, payloads, ZERO_BYTES32, SALT, GOVERNANCE_DELAY)
    boa.env.time_travel(seconds=GOVERNANCE_DELAY - 1)
    with boa.env.prank(factory_governor), boa.reverts(NOT_READY):
        governance.execute_batch(targets, values, payloads, ZERO_BYTES32, SALT)
    boa.env.time_travel(seconds=1)
    with boa.env.prank(factory_governor):
        governance.execute_batch(targets, values, payloads, ZERO_BYTES32, SALT)
    assert factory.custom_feeds(index_id) is False
    assert factory.feed_allowed(tokens[2].address, index_feeds[2].address) is True

    # Disallowing relabels the index; its feeds themselves are untouched.
    call = (factory.address, 0, factory.allow_feed.prepare_calldata(tokens[2].address, index_feeds[2].address, False))
    with boa.env.prank(factory_governor):
        governance.schedule(*call, ZERO_BYTES32, SALT, GOVERNANCE_DELAY)
    boa.env.time_travel(seconds=GOVERNANCE_DELAY)
    with boa.env.prank(factory_governor):
        governance.execute(*call, ZERO_BYTES32, SALT)
    assert factory.custom_feeds(index_id) is True
    assert factory.indexes(index_id).adapter != ZERO_ADDRESS
    assert factory.feed_allowed(tokens[2].address, index_feeds[2].address) is False


def test_custom_feeds__long_heartbeat_set_later__custom(
    allowed_factory, launch, make_params, tokens, index_feeds, governor
):
    """An allowed feed with a heartbeat above the factory's bound, set later
    through the index's timelock, labels the index custom (a stale price
    would pass)."""
    index = launch(make_params(), factory_=allowed_factory)
    assert allowed_factory.custom_feeds(0) is False
    args = (tokens[0].address, index_feeds[0].address, MAX_HEARTBEAT + 1, ZERO_ADDRESS, 0, 0)
    _through_timelock(index, governor, index.adapter, "set_feed", *args)
    assert allowed_factory.custom_feeds(0) is True
