"""Fixtures for the IndexFactory tests: implementations, a factory with the
test bounds, a creator and its governor, and a launcher that turns a
basket into an index in one transaction."""

import boa
import pytest

from tests.utils.boa_env import ZERO_ADDRESS, deployer
from tests.utils.factory import (
    DAY,
    GOVERNANCE_DELAY,
    HEARTBEAT,
    IndexParams,
    at,
    deploy_factory,
    deploy_implementations,
)


@pytest.fixture(scope="module")
def creator():
    """Whoever calls `create_index`: anyone."""
    return boa.env.generate_address("creator")


@pytest.fixture(scope="module")
def governor():
    """The creator's multisig: proposes and executes through the timelock."""
    return boa.env.generate_address("governor")


@pytest.fixture(scope="module")
def implementations():
    """IndexVault, OracleAdapter and IndexTimelock implementations (what the
    factory clones) and the Rebalancer blueprint."""
    return deploy_implementations()


@pytest.fixture(scope="module")
def factory_governor():
    """The factory governance timelock's proposer, executor and canceller."""
    return boa.env.generate_address("factory governor")


@pytest.fixture(scope="module")
def governance(factory_governor):
    """The factory's governance: an IndexTimelock of its own."""
    return deployer("IndexTimelock.vy").deploy(GOVERNANCE_DELAY, factory_governor, GOVERNANCE_DELAY, 30 * DAY)


@pytest.fixture(scope="module")
def create_factory(implementations, governance):
    def create(with_rebalancer=True, **kwargs):
        addresses = implementations[:3] + [implementations[3] if with_rebalancer else ZERO_ADDRESS]
        kwargs.setdefault("governance", governance.address)
        return deploy_factory(addresses, **kwargs)

    return create


@pytest.fixture(scope="module")
def factory(create_factory):
    return create_factory()


@pytest.fixture(scope="module")
def index_feeds(tokens, create_feed):
    """One 8-decimal USD feed per basket token (a stablecoin, BTC, ETH)."""
    answers = (10**8, 60_000 * 10**8, 3_000 * 10**8)
    return [create_feed(answer) for answer in answers[: len(tokens)]]


@pytest.fixture(scope="module")
def make_params(tokens, units, index_feeds, manager, guardian, fee_recipient, governor):
    """IndexParams over the (6, 8, 18) basket; keywords override fields."""

    def make(**overrides):
        feeds = [(feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0) for feed in index_feeds]
        params = IndexParams(
            tokens=[t.address for t in tokens],
            units=list(units),
            feeds=feeds,
            manager=manager,
            guardian=guardian,
            fee_recipient=fee_recipient,
            governor=governor,
        )
        for name, value in overrides.items():
            setattr(params, name, value)
        return params

    return make


@pytest.fixture(scope="module")
def launch(factory, make_params, creator):
    """Creates an index through `factory` (the module's by default) and
    returns its contracts."""

    def launch(params=None, sender=None, factory_=None):
        with boa.env.prank(sender or creator):
            record = (factory_ or factory).create_index((params or make_params()).as_tuple())
        return at(record)

    return launch


@pytest.fixture(scope="module")
def launched(launch, make_params, tokens):
    """An index with a Rebalancer quoting in the basket's stablecoin."""
    return launch(make_params(quote=tokens[0].address))
