"""Bids paid inside a callback (a keeper with no capital), paid short, and
every re-entry a callback or an ERC777-style hook token could try."""

from types import SimpleNamespace

import boa
import pytest

from indexvault.model import WAD
from tests.utils import BTC, MAX
from tests.utils.boa_env import ZERO_ADDRESS, deployer, events, index_lens
from tests.utils.ledger import SHARES, SUPPLY, Ledger
from tests.utils.rebalance import MINTED, UNITS, WBTC_TARGET, expected_bid, to_start, unit_of

PAY, PAY_SHORT, REENTER_MINT, REENTER_REDEEM, REENTER_BID = range(5)
DATA = b"swap path"


def _ledger(env, fee_recipient):
    return Ledger(env.vault, [env.usdc, env.wbtc, env.weth], bidder=env.bidder.address, fee_recipient=fee_recipient)


def _fee_moves(vault) -> dict:
    """The streaming fee the bid accrues first (the clock last ran at mint)."""
    fee = index_lens().total_supply_after_accrual(vault) - vault.totalSupply()
    return {SUPPLY: fee, ("fee_recipient", SHARES): fee}


def test_callback_bid__pays_exactly__succeeds(started, fee_recipient):
    expected = expected_bid(started, started.wbtc, BTC // 100)
    fees = _fee_moves(started.vault)
    ledger = _ledger(started, fee_recipient)
    before = ledger.read()
    started.bidder.bid(started.wbtc.address, BTC // 100, MAX, DATA)
    assert ledger.changes(before) == {
        ("vault", 0): expected.quote_amount,
        ("bidder", 0): -expected.quote_amount,
        ("vault", 1): -expected.take,
        ("bidder", 1): expected.take,
        **fees,
    }
    assert unit_of(started.vault, started.wbtc) == expected.unit
    assert unit_of(started.vault, started.quote) == expected.quote_unit


def test_callback_bid__vault_buys__pays_exactly__succeeds(started, fee_recipient):
    expected = expected_bid(started, started.weth, WAD)
    fees = _fee_moves(started.vault)
    ledger = _ledger(started, fee_recipient)
    before = ledger.read()
    started.bidder.bid(started.weth.address, WAD, 0, DATA)
    assert ledger.changes(before) == {
        ("vault", 0): -expected.quote_amount,
        ("bidder", 0): expected.quote_amount,
        ("vault", 2): expected.take,
        ("bidder", 2): -expected.take,
        **fees,
    }
    assert unit_of(started.vault, started.weth) == expected.unit


def test_callback_bid__paid_short__reverts_and_nothing_changes(started, fee_recipient):
    started.bidder.set_modes(PAY_SHORT, PAY)
    ledger = _ledger(started, fee_recipient)
    before = ledger.read()
    units = started.vault.units()
    with boa.reverts("vault: bid not paid"):
        started.bidder.bid(started.wbtc.address, BTC // 100, MAX, DATA)
    assert ledger.changes(before) == {}
    assert started.vault.units() == units
    assert started.rebalancer.remaining(started.wbtc.address)[1] > 0


def test_callback__not_from_vault__reverts(started, attacker):
    with boa.env.prank(attacker), boa.reverts("bidder: not the vault"):
        started.bidder.on_rebalance_bid(started.wbtc.address, 1, started.usdc.address, 1, DATA)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        (REENTER_MINT, "vault: reentrant call"),
        (REENTER_REDEEM, "vault: reentrant call"),
        (REENTER_BID, "rebalancer: reentrant call"),
    ],
)
def test_callback_bid__reenters__reverts(started, mode, reason):
    started.bidder.set_modes(mode, PAY)
    with boa.reverts(reason):
        started.bidder.bid(started.wbtc.address, BTC // 100, MAX, DATA)


@pytest.fixture
def hooked(create_token, create_vault, create_feed, create_oracle, create_rebalancer, fund, admin, manager, depositor):
    """A vault whose WBTC-like component is an ERC777-style hook token, a
    proposal selling some of it, at its first second."""
    usdc = create_token(6, symbol="USDC")
    hook = deployer("mocks/HookToken.vy").deploy("Hook BTC", "HBTC", 8)
    vault = create_vault([usdc, hook], [UNITS["usdc"], UNITS["wbtc"]])
    oracle = create_oracle(vault)
    feeds = {"usdc": create_feed(10**8), "hook": create_feed(100_000 * 10**8)}
    with boa.env.prank(admin):
        oracle.set_feed(usdc.address, feeds["usdc"].address, 3_600, ZERO_ADDRESS, 0, 0)
        oracle.set_feed(hook.address, feeds["hook"].address, 3_600, ZERO_ADDRESS, 0, 0)
    rebalancer = create_rebalancer(vault, oracle, usdc)
    with boa.env.prank(admin):
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
    fund(vault, [usdc, hook], depositor)
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 2, depositor)
    bidder = deployer("mocks/MockBidder.vy").deploy(vault.address, rebalancer.address)
    usdc.mint(bidder.address, 10**15)
    hook.mint(bidder.address, 10**15)
    bidder.approve(usdc.address, vault.address, MAX)
    bidder.approve(hook.address, vault.address, MAX)
    hook.set_hooked(bidder.address, True)
    with boa.env.prank(manager):
        rebalancer.propose([hook.address], [WBTC_TARGET], 3_600, WAD, WAD)
    env = SimpleNamespace(vault=vault, rebalancer=rebalancer, feeds=feeds, bidder=bidder, hook=hook, usdc=usdc)
    to_start(env)
    return env


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        (REENTER_MINT, "vault: reentrant call"),
        (REENTER_REDEEM, "vault: reentrant call"),
        (REENTER_BID, "rebalancer: reentrant call"),
    ],
)
@pytest.mark.parametrize("data", [b"", DATA], ids=["pull", "callback"])
def test_hook_token_bid__reenters__reverts(hooked, mode, reason, data):
    # The vault sends the hook token to the bidder, whose tokens_received
    # hook re-enters.
    hooked.bidder.set_modes(PAY, mode)
    with boa.reverts(reason):
        hooked.bidder.bid(hooked.hook.address, BTC // 100, MAX, data)


def test_hook_token_bid__no_reentry__succeeds(hooked):
    hooked.bidder.set_modes(PAY, PAY)
    paid = hooked.bidder.bid(hooked.hook.address, BTC // 100, MAX, b"")
    (bid,) = events(hooked.bidder, "Bid")
    # About 0.01 BTC in whole unit steps (a step is about 100 base units
    # here), paid at 100,000 USD rounded up to a whole quote step.
    assert BTC // 100 - 101 < bid.amount <= BTC // 100
    assert bid.amount * 1_000 <= paid <= bid.amount * 1_000 + 101
    assert (bid.bidder, bid.quote_amount) == (hooked.bidder.address, paid)
