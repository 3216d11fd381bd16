"""Fixtures for the Rebalancer tests: a USDC/WBTC/WETH vault with a 2 %
streaming fee, its oracle adapter, a Rebalancer quoting in USDC, a keeper
and a mock callback bidder."""

from types import SimpleNamespace

import boa
import pytest

from indexvault.model import WAD
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS, deployer
from tests.utils.rebalance import (
    ANSWERS,
    BAND,
    DECIMALS,
    DURATION,
    END_FACTOR,
    HEARTBEAT,
    MINTED,
    START_FACTOR,
    TIMELOCK,
    UNITS,
    WBTC_TARGET,
    WETH_TARGET,
    refresh,
    to_start,
)


@pytest.fixture(scope="module")
def keeper():
    return boa.env.generate_address("keeper")


@pytest.fixture(scope="module")
def create_rebalancer(admin):
    def create(vault, oracle, quote, timelock=TIMELOCK, band=BAND):
        with boa.env.prank(admin):
            return deployer("Rebalancer.vy").deploy(vault.address, oracle.address, quote.address, timelock, band)

    return create


@pytest.fixture(scope="module")
def env(create_token, create_vault, create_feed, create_oracle, create_rebalancer, fund, admin, depositor, keeper):
    tokens = {name: create_token(DECIMALS[name], symbol=name.upper()) for name in DECIMALS}
    basket = [tokens[n] for n in ("usdc", "wbtc", "weth")]
    vault = create_vault(basket, [UNITS[n] for n in ("usdc", "wbtc", "weth")], fees=(0, 0, WAD // 50))
    oracle = create_oracle(vault)
    feeds = {name: create_feed(ANSWERS[name], 8, f"{name.upper()} / USD") for name in DECIMALS}
    with boa.env.prank(admin):
        for name in ("usdc", "wbtc", "weth"):  # link's feed is not set yet
            oracle.set_feed(tokens[name].address, feeds[name].address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    rebalancer = create_rebalancer(vault, oracle, tokens["usdc"])
    with boa.env.prank(admin):
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
    fund(vault, basket, depositor)
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
    fund(vault, list(tokens.values()), keeper, 10**9)
    bidder = deployer("mocks/MockBidder.vy").deploy(vault.address, rebalancer.address)
    for token in tokens.values():
        token.mint(bidder.address, 10**9 * 10 ** token.decimals())
    return SimpleNamespace(
        vault=vault,
        oracle=oracle,
        rebalancer=rebalancer,
        quote=tokens["usdc"],
        feeds=feeds,
        bidder=bidder,
        **tokens,
    )


@pytest.fixture(scope="module")
def propose(env, manager):
    """The manager proposes `targets` ({token: unit}) now."""

    def propose(targets, duration=DURATION, start_factor=START_FACTOR, end_factor=END_FACTOR, sender=None):
        with boa.env.prank(sender or manager):
            env.rebalancer.propose(
                [t.address for t in targets], list(targets.values()), duration, start_factor, end_factor
            )

    return propose


@pytest.fixture
def proposed(env, propose):
    """The standard proposal: WBTC down to WBTC_TARGET, WETH up to WETH_TARGET."""
    propose({env.wbtc: WBTC_TARGET, env.weth: WETH_TARGET})
    return env


@pytest.fixture
def started(proposed):
    """The standard proposal's auctions at their first second."""
    to_start(proposed)
    return proposed


@pytest.fixture(params=[0, DURATION // 2, DURATION], ids=["premium", "par", "discount"])
def auction(started, request):
    """The running auction at its start (a premium over the oracle), at par and at its end (a discount)."""
    boa.env.time_travel(seconds=request.param)
    refresh(started)
    return started
