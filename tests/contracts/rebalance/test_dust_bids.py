"""Security review fixes: bids trade whole unit steps (a dust bid can no
longer move a unit by a step while moving almost no tokens), auctions
start at or above par, a bidder's callback cannot undo a guardian's pause,
and a basket of zero units cannot be minted."""

import boa
import pytest

from indexvault.model import WAD
from tests.utils import MAX, sized
from tests.utils.boa_env import ZERO_ADDRESS, index_lens
from tests.utils.rebalance import ANSWERS, DECIMALS, DURATION, WBTC_TARGET, refresh, to_start

SHARES = 10**6 * WAD  # a million shares: one unit step is 1e6 base units
BIDS = sized(24, 60)  # dust bids each way (make test-long: 60)

CALLBACK_PAUSER = """
# pragma version ~=0.4.3
from ethereum.ercs import IERC20

interface IVault:
    def set_mint_paused(paused: bool): nonpayable

interface IRebalancer:
    def bid(
        token: address, amount: uint256, quote_limit: uint256, receiver: address, data: Bytes[1024]
    ) -> uint256: nonpayable

vault: immutable(address)
rebalancer: immutable(address)

@deploy
def __init__(vault_: address, rebalancer_: address):
    vault = vault_
    rebalancer = rebalancer_

@external
def bid(token: address, amount: uint256, quote_limit: uint256) -> uint256:
    return extcall IRebalancer(rebalancer).bid(token, amount, quote_limit, self, b"pause")

@external
def on_rebalance_bid(token_out: address, amount_out: uint256, token_in: address, amount_in: uint256, data: Bytes[1024]):
    assert msg.sender == vault
    extcall IVault(vault).set_mint_paused(True)
    extcall IERC20(token_in).transfer(vault, amount_in)
"""


@pytest.fixture
def big(env, depositor, fund):
    """The shared vault grown to about a million shares."""
    fund(env.vault, [env.usdc, env.wbtc, env.weth], depositor, 10**10)
    with boa.env.prank(depositor):
        env.vault.mint(SHARES, [MAX] * env.vault.component_count(), depositor)
    return env


def _ledger(env):
    """Per component: (held - owed), and the basket per share at oracle prices (USD, 1e18)."""
    tokens = {t.address: t for t in (env.usdc, env.wbtc, env.weth, env.link)}
    surplus, value = {}, 0
    supply = index_lens().total_supply_after_accrual(env.vault)
    for address, owed in zip(env.vault.components(), env.vault.backing()):
        token = tokens[address]
        surplus[address] = token.balanceOf(env.vault.address) - env.vault.total_claims(address) - owed
        value += owed * env.oracle.price(address) // 10 ** token.decimals()
    return surplus, value * WAD // supply, supply


def _one_base_unit_each(env) -> int:
    """One base unit of every component, at oracle prices per share (USD, 1e18), plus rounding."""
    supply = index_lens().total_supply_after_accrual(env.vault)
    total = sum(
        env.oracle.price(a) // 10 ** t.decimals() + 1
        for a, t in ((t.address, t) for t in (env.usdc, env.wbtc, env.weth))
    )
    return total * WAD // supply + 1


def _step(env, token) -> int:
    """Base units per unit step now (the streaming fee moves it), rounded up."""
    _, supply, multiplier = env.vault.trade_basis(token.address)
    return -(-supply * multiplier // 10**36)


SMALLEST_BIDS = [lambda step: step, lambda step: 2 * step - 1] * (BIDS // 2)


def _replay(env, keeper, token, amounts, sell):
    """Many small bids; after each, each component's backing moved with its
    tokens to within one base unit, and the value per share fell by at most
    one base unit of each component."""
    slack = _one_base_unit_each(env)
    for amount in amounts:
        if callable(amount):
            amount = amount(_step(env, token))
        env.vault.accrue_fees()  # the streaming fee's own rounding is not the bid's
        surplus0, value0, _ = _ledger(env)
        with boa.env.prank(keeper):
            env.rebalancer.bid(token.address, amount, MAX if sell else 0, keeper)
        surplus1, value1, _ = _ledger(env)
        for address in surplus0:
            assert abs(surplus1[address] - surplus0[address]) <= 1, (address, amount, surplus0, surplus1)
        assert value1 >= value0 - slack


def test_dust_bids__both_sides__never_destroy_backing(big, propose, guardian, keeper):
    env = big
    step = _step(env, env.wbtc)  # base units per unit step
    assert step > 10**5

    # The vault sells WBTC, at par (no price in the bidder's favour).
    propose({env.wbtc: WBTC_TARGET}, start_factor=WAD, end_factor=WAD)
    to_start(env)
    with boa.env.prank(keeper), boa.reverts("rebalancer: bid below one unit step"):
        env.rebalancer.bid(env.wbtc.address, 1, MAX, keeper)
    with boa.env.prank(keeper), boa.reverts("rebalancer: bid below one unit step"):
        env.rebalancer.preview_bid(env.wbtc.address, _step(env, env.wbtc) - 2)
    # The smallest bids that pass, and the worst-rounded ones (just under two steps).
    _replay(env, keeper, env.wbtc, SMALLEST_BIDS, sell=True)
    sell, left = env.rebalancer.remaining(env.wbtc.address)
    assert sell and left > 0
    # preview and bid agree, and all that remains meets the target exactly.
    assert env.rebalancer.preview_bid(env.wbtc.address, MAX)[1] == left
    _replay(env, keeper, env.wbtc, [MAX], sell=True)
    assert env.vault.trade_basis(env.wbtc.address)[0] == WBTC_TARGET
    assert env.rebalancer.remaining(env.wbtc.address)[1] == 0

    # The vault buys WBTC back.
    boa.env.time_travel(seconds=DURATION + 1)
    refresh(env)
    propose({env.wbtc: 2 * 10**6}, start_factor=WAD, end_factor=WAD)
    to_start(env)
    left0 = env.rebalancer.remaining(env.wbtc.address)[1]
    held0 = env.wbtc.balanceOf(env.vault.address)
    with boa.env.prank(keeper), boa.reverts("rebalancer: bid below one unit step"):
        env.rebalancer.bid(env.wbtc.address, 1, 0, keeper)
    _replay(env, keeper, env.wbtc, SMALLEST_BIDS, sell=False)
    # Each bid sold the vault at least one step, and `remaining` shrank by
    # what was sold (to within a base unit a bid, and the fee's drift).
    bought = env.wbtc.balanceOf(env.vault.address) - held0
    left = env.rebalancer.remaining(env.wbtc.address)[1]
    assert bought >= BIDS * (_step(env, env.wbtc) - 1)
    assert abs((left0 - left) - bought) <= BIDS + left0 // 10**4
    _replay(env, keeper, env.wbtc, [MAX], sell=False)
    assert env.vault.trade_basis(env.wbtc.address)[0] == 2 * 10**6


def test_whole_steps__below_one_share__trade_base_units(
    create_token, create_vault, create_feed, create_oracle, create_rebalancer, fund, admin, manager, depositor, keeper
):
    """Supply under one share: a base unit is worth more than one step, so a
    one-base-unit bid trades, and the target is still met exactly."""
    tokens = {n: create_token(DECIMALS[n], symbol=n.upper()) for n in ("usdc", "wbtc")}
    vault = create_vault(list(tokens.values()), [10**12, 10**10])
    oracle = create_oracle(vault)
    feeds = [create_feed(ANSWERS[n], 8, n) for n in tokens]
    with boa.env.prank(admin):
        for t, feed in zip(tokens.values(), feeds):
            oracle.set_feed(t.address, feed.address, 3_600, ZERO_ADDRESS, 0, 0)
    rebalancer = create_rebalancer(vault, oracle, tokens["usdc"])
    with boa.env.prank(admin):
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
    fund(vault, list(tokens.values()), depositor)
    fund(vault, list(tokens.values()), keeper, 10**9)
    with boa.env.prank(depositor):
        vault.mint(WAD // 1000, [MAX] * 2, depositor)
    with boa.env.prank(manager):
        rebalancer.propose([tokens["wbtc"].address], [6 * 10**9], DURATION, WAD, WAD)
    boa.env.time_travel(seconds=rebalancer.auction_start() - boa.env.timestamp)
    for feed in feeds:
        feed.set_answer(feed.answer())
    wbtc = tokens["wbtc"]
    for _ in range(3):
        held, owed = wbtc.balanceOf(vault.address), vault.backing()[1]
        with boa.env.prank(keeper):
            rebalancer.bid(wbtc.address, 1, MAX, keeper)
        assert wbtc.balanceOf(vault.address) == held - 1
        assert owed - 2 < vault.backing()[1] <= owed - 1
    with boa.env.prank(keeper):
        rebalancer.bid(wbtc.address, MAX, MAX, keeper)
    assert vault.trade_basis(wbtc.address)[0] == 6 * 10**9


def test_propose__start_below_par__reverts(env, propose):
    with boa.reverts("rebalancer: start below par"):
        propose({env.wbtc: WBTC_TARGET}, start_factor=WAD - 1, end_factor=WAD - 1)
    propose({env.wbtc: WBTC_TARGET}, start_factor=WAD, end_factor=WAD - 1)


def test_callback__pauses_minting__pause_survives_the_trade(env, propose, admin, guardian):
    """A bid that appends a component writes the hot state slot after the
    bidder's callback; a pause made inside the callback must stand."""
    with boa.env.prank(admin):
        env.oracle.set_feed(env.link.address, env.feeds["link"].address, 3_600, ZERO_ADDRESS, 0, 0)
    pauser = boa.loads(CALLBACK_PAUSER, env.vault.address, env.rebalancer.address)
    env.link.mint(pauser.address, 10**30)
    with boa.env.prank(admin):
        env.vault.grantRole(env.vault.GUARDIAN_ROLE(), pauser.address)
    propose({env.link: 10 * WAD})
    to_start(env)
    count = env.vault.component_count()
    assert not env.vault.mint_paused()
    pauser.bid(env.link.address, MAX, 0)
    assert env.vault.component_count() == count + 1
    assert env.vault.mint_paused()


def test_mint__empty_basket__reverts(
    create_token, create_vault, create_feed, create_oracle, create_rebalancer, fund, admin, manager, depositor, keeper
):
    # A Rebalancer never zeroes the quote's unit, so a stand-in holder of
    # REBALANCER_ROLE zeroes both units (taking nothing in).
    a, b = create_token(6, symbol="A"), create_token(6, symbol="B")
    vault = create_vault([a, b], [10**6, 10**6])
    fund(vault, [a, b], depositor)
    with boa.env.prank(depositor):
        vault.mint(WAD, [MAX] * 2, depositor)
    stand_in = boa.env.generate_address("stand-in rebalancer")
    with boa.env.prank(admin):
        vault.grantRole(vault.REBALANCER_ROLE(), stand_in)
    with boa.env.prank(stand_in):
        vault.trade(a.address, 10**6, 0, b.address, 0, 0, stand_in, stand_in, b"")
        vault.trade(b.address, 10**6, 0, a.address, 0, 0, stand_in, stand_in, b"")
    assert vault.units() == [0, 0]
    with boa.env.prank(depositor), boa.reverts("vault: empty basket"):
        vault.mint(WAD, [MAX] * 2, depositor)
