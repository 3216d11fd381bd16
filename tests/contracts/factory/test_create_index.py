"""IndexFactory.create_index: one transaction makes the timelock, vault,
adapter (feeds set) and Rebalancer, hands the admin role to the timelock,
and records the index; the creator's choices are checked against the
factory's bounds."""

import boa
import pytest
from eth_utils import keccak

from tests.utils import ADMIN_ROLE, MANAGER_ROLE, MAX, REBALANCER_ROLE
from tests.utils.boa_env import WAD, ZERO_ADDRESS, events
from tests.utils.factory import BAND, DAY, HEARTBEAT, REBALANCE_TIMELOCK, VERSION, deploy_factory

GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
PROPOSER_ROLE = keccak(text="PROPOSER_ROLE")
EXECUTOR_ROLE = keccak(text="EXECUTOR_ROLE")
CANCELLER_ROLE = keccak(text="CANCELLER_ROLE")


# --- what one transaction makes ------------------------------------------------


def test_create_index__vault_as_asked(launched, tokens, units, fee_recipient):
    vault = launched.vault
    assert vault.name() == "Factory Index"
    assert vault.symbol() == "FIDX"
    assert vault.components() == [t.address for t in tokens]
    assert [vault.position(i)[1] for i in range(3)] == units
    assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == (0, 0, WAD // 100)
    assert (vault.max_mint_fee(), vault.max_redeem_fee(), vault.max_streaming_fee()) == (
        WAD // 100,
        WAD // 100,
        WAD // 50,
    )
    assert vault.fee_recipient() == fee_recipient
    assert vault.supply_cap() == 10**9 * WAD


def test_create_index__admin_with_the_timelock_only(launched, factory, manager, guardian, governor, creator):
    vault, adapter, timelock = launched.vault, launched.adapter, launched.timelock
    for contract in (vault, adapter):
        assert contract.hasRole(ADMIN_ROLE, timelock.address) is True
        for account in (factory.address, creator, governor, manager, guardian):
            assert contract.hasRole(ADMIN_ROLE, account) is False
    assert vault.hasRole(MANAGER_ROLE, manager) is True
    assert vault.hasRole(GUARDIAN_ROLE, guardian) is True
    assert vault.hasRole(REBALANCER_ROLE, launched.rebalancer.address) is True
    assert vault.hasRole(REBALANCER_ROLE, factory.address) is False


def test_create_index__timelock_roles(launched, factory, governor, guardian, creator):
    timelock = launched.timelock
    assert timelock.get_minimum_delay() == 2 * DAY
    # Its delay may never rise above the Rebalancer's timelock.
    assert (timelock.min_delay(), timelock.max_delay()) == (DAY, REBALANCE_TIMELOCK)
    for role in (PROPOSER_ROLE, EXECUTOR_ROLE, CANCELLER_ROLE):
        assert timelock.hasRole(role, governor) is True
    for role in (PROPOSER_ROLE, EXECUTOR_ROLE, CANCELLER_ROLE):
        for account in (guardian, creator, factory.address):
            assert timelock.hasRole(role, account) is False
    # Self-administered: nobody else holds its admin role.
    assert timelock.hasRole(ADMIN_ROLE, timelock.address) is True
    for account in (factory.address, creator, governor, guardian):
        assert timelock.hasRole(ADMIN_ROLE, account) is False


def test_create_index__feeds_set(launched, tokens, index_feeds):
    for token, feed in zip(tokens, index_feeds):
        config = launched.adapter.feed(token.address)
        assert (config.primary, config.primary_heartbeat, config.secondary) == (feed.address, HEARTBEAT, ZERO_ADDRESS)
        assert config.token_decimals == token.decimals()
    assert launched.adapter.vault() == launched.vault.address
    assert launched.adapter.sequencer_feed() == ZERO_ADDRESS


def test_create_index__rebalancer_as_asked(launched, tokens):
    rebalancer = launched.rebalancer
    assert rebalancer.vault() == launched.vault.address
    assert rebalancer.oracle() == launched.adapter.address
    assert rebalancer.quote() == tokens[0].address
    assert (rebalancer.timelock(), rebalancer.band()) == (REBALANCE_TIMELOCK, BAND)


def test_create_index__index_works(launched, tokens, fund, depositor):
    fund(launched.vault, tokens, depositor)
    with boa.env.prank(depositor):
        launched.vault.mint(10 * WAD, [MAX] * 3, depositor)
    assert launched.vault.balanceOf(depositor) == 10 * WAD
    assert launched.adapter.nav_per_share() > 0


def test_create_index__without_quote__no_rebalancer(launch, make_params, factory):
    index = launch(make_params())
    assert index.rebalancer is None
    assert index.vault.hasRole(ADMIN_ROLE, index.timelock.address) is True
    assert index.vault.hasRole(ADMIN_ROLE, factory.address) is False


def test_create_index__quote_without_rebalancer_blueprint__reverts(create_factory, make_params, tokens, creator):
    factory = create_factory(with_rebalancer=False)
    with boa.env.prank(creator), boa.reverts("factory: no rebalancer blueprint"):
        factory.create_index(make_params(quote=tokens[0].address).as_tuple())


def test_create_index__sequencer_feed_from_the_factory(create_factory, launch, create_feed):
    sequencer = create_feed(0, 0, "L2 Sequencer Uptime Status Feed")
    factory = create_factory(sequencer_feed=sequencer.address, grace_period=3_600)
    index = launch(factory_=factory)
    assert index.adapter.sequencer_feed() == sequencer.address
    assert index.adapter.sequencer_grace_period() == 3_600


# --- registry and event ----------------------------------------------------------


def test_create_index__recorded_and_logged(create_factory, launch, make_params, creator, tokens):
    factory = create_factory()
    assert factory.index_count() == 0
    first = launch(make_params(quote=tokens[0].address), factory_=factory)
    (logged,) = events(factory, "IndexCreated")
    second = launch(make_params(name="Second"), factory_=factory)
    assert factory.index_count() == 2
    for index_id, index in enumerate((first, second)):
        rebalancer = index.rebalancer.address if index.rebalancer else ZERO_ADDRESS
        expected = (index.vault.address, index.adapter.address, index.timelock.address, rebalancer, creator, VERSION)
        assert tuple(factory.indexes(index_id)) == expected
        assert tuple(index.record) == expected
        assert factory.is_index(index.vault.address) is True
    assert (logged.index_id, logged.vault, logged.creator) == (0, first.vault.address, creator)
    assert (logged.adapter, logged.timelock, logged.rebalancer, logged.version) == (
        first.adapter.address,
        first.timelock.address,
        first.rebalancer.address,
        VERSION,
    )
    assert factory.is_index(creator) is False


# --- the factory's bounds ----------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, reason",
    [
        ({"tokens": [], "units": [], "feeds": []}, "factory: no components"),
        ({"units": [1, 2]}, "factory: units length mismatch"),
        ({"feeds": []}, "factory: feeds length mismatch"),
        ({"manager": ZERO_ADDRESS}, "factory: zero manager"),
        ({"guardian": ZERO_ADDRESS}, "factory: zero guardian"),
        ({"fee_recipient": ZERO_ADDRESS}, "factory: zero fee recipient"),
        ({"governor": ZERO_ADDRESS}, "factory: zero governor"),
        ({"max_fees": (WAD // 50 + 1, 0, 0)}, "factory: max mint fee too high"),
        ({"max_fees": (0, WAD // 50 + 1, 0)}, "factory: max redeem fee too high"),
        ({"max_fees": (0, 0, WAD // 20 + 1)}, "factory: max streaming fee too high"),
        ({"supply_cap": 0}, "factory: bad supply cap"),
        ({"supply_cap": 2**100 + 1}, "factory: bad supply cap"),
        ({"delay": DAY - 1}, "factory: bad delay"),
        ({"delay": 30 * DAY + 1}, "factory: bad delay"),
        # The vault, adapter and Rebalancer check the rest with their own reasons.
        ({"fees": (WAD // 100 + 1, 0, 0)}, "vault: mint fee above maximum"),
        ({"band": 0}, "rebalancer: bad band"),
    ],
)
def test_create_index__out_of_bounds__reverts(factory, make_params, creator, tokens, overrides, reason):
    params = make_params(quote=tokens[0].address, **overrides)
    with boa.env.prank(creator), boa.reverts(reason):
        factory.create_index(params.as_tuple())


def test_create_index__bad_feed__reverts_with_the_adapter_reason(factory, make_params, creator, index_feeds):
    feeds = [(f.address, HEARTBEAT, ZERO_ADDRESS, 0, 0) for f in index_feeds]
    feeds[1] = (index_feeds[1].address, 0, ZERO_ADDRESS, 0, 0)
    with boa.env.prank(creator), boa.reverts("oracle: bad heartbeat"):
        factory.create_index(make_params(feeds=feeds).as_tuple())


def test_create_index__at_the_bounds(factory, launch, make_params):
    index = launch(make_params(max_fees=(WAD // 50, WAD // 50, WAD // 20), supply_cap=2**100, delay=30 * DAY))
    assert index.vault.max_streaming_fee() == WAD // 20
    assert index.timelock.get_minimum_delay() == 30 * DAY


def test_create_index__full_basket(factory, launch, make_params, create_token, create_feed):
    tokens = [create_token(18, symbol=f"C{i}") for i in range(128)]
    feed = create_feed(10**8)
    params = make_params(
        tokens=[t.address for t in tokens],
        units=[10**18] * 128,
        feeds=[(feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)] * 128,
    )
    index = launch(params)
    assert index.vault.component_count() == 128


# --- the factory's own construction -------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, reason",
    [
        ({"max_fees": (10**17 + 1, 0, 0)}, "factory: fee bound too high"),
        ({"max_fees": (0, 0, 10**17 + 1)}, "factory: fee bound too high"),
        ({"delay_bounds": (0, DAY)}, "factory: bad delay bounds"),
        ({"delay_bounds": (2 * DAY, DAY)}, "factory: bad delay bounds"),
        ({"grace_period": 3_600}, "factory: bad grace period"),
    ],
)
def test_factory_constructor__bad_bounds__reverts(create_factory, kwargs, reason):
    with boa.reverts(reason):
        create_factory(**kwargs)


@pytest.mark.parametrize("grace_period", [0, 599, 86_401])
def test_factory_constructor__bad_sequencer_grace__reverts(create_factory, create_feed, grace_period):
    sequencer = create_feed(0, 0)
    with boa.reverts("factory: bad grace period"):
        create_factory(sequencer_feed=sequencer.address, grace_period=grace_period)


def test_factory_constructor__missing_implementation__reverts(implementations, governance, attacker):
    with boa.reverts("factory: no implementation"):
        deploy_factory([attacker] + implementations[1:], governance.address)


def test_factory_constructor__missing_rebalancer_blueprint__reverts(implementations, governance, attacker):
    with boa.reverts("factory: no blueprint"):
        deploy_factory(implementations[:3] + [attacker], governance.address)


def test_factory__bounds_readable(factory, implementations):
    assert (factory.max_mint_fee(), factory.max_redeem_fee(), factory.max_streaming_fee()) == (
        WAD // 50,
        WAD // 50,
        WAD // 20,
    )
    assert (factory.min_delay(), factory.max_delay()) == (DAY, 30 * DAY)
    assert [
        factory.vault_implementation(),
        factory.adapter_implementation(),
        factory.timelock_implementation(),
        factory.rebalancer_blueprint(),
    ] == implementations
    assert factory.version() == VERSION
