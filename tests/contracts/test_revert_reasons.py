"""Every revert a user can reach names its reason.

Finding (issue 10, "Every revert a user can reach has a reason"): a feed
that reverted or returned malformed data surfaced the feed's own error (or
none); shares near 2**256 overflowed inside the fee arithmetic with no
reason; a component address without code was accepted. The table below
walks every revert reachable through the vault's and the adapter's entry
points (the admin's included) and checks the exact reason of each.
"""

from types import SimpleNamespace

import boa
import pytest

from indexvault.model import WAD
from tests.utils import MAX, MISSING_ROLE
from tests.utils.boa_env import ZERO_ADDRESS, deployer
from tests.utils.oracle import hex_address

MINTED = 100 * WAD + 17
HEARTBEAT = 86_400


@pytest.fixture(scope="module")
def world(create_basket, create_vault, create_oracle, create_feed, fund, admin, manager, guardian, depositor):
    """A (6, 8, 18) vault with fees, MINTED shares, a claim on component 0 for
    the depositor, an adapter pricing every component, a broken feed, and an
    account holding the rebalancer role (as a Rebalancer contract would)."""
    tokens, units = create_basket()
    vault = create_vault(tokens, units, fees=(WAD // 200, WAD // 200, WAD // 50))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
        tokens[0].set_frozen(True)
        vault.redeem(WAD, [0, 0, 0], depositor, 0b001)
        tokens[0].set_frozen(False)
    oracle = create_oracle(vault)
    feeds = [create_feed(10**8) for _ in tokens]
    with boa.env.prank(admin):
        for token, feed in zip(tokens, feeds):
            oracle.set_feed(token.address, feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    trader = boa.env.generate_address("trader")
    with boa.env.prank(admin):
        vault.grantRole(vault.REBALANCER_ROLE(), trader)
    return SimpleNamespace(
        vault=vault,
        tokens=tokens,
        units=units,
        oracle=oracle,
        feeds=feeds,
        broken=deployer("mocks/BrokenFeed.vy").deploy(),
        no_code=boa.env.generate_address("no code"),
        trader=trader,
        admin=admin,
        manager=manager,
        guardian=guardian,
        depositor=depositor,
        stranger=boa.env.generate_address("stranger"),
    )


def _as(who):
    return boa.env.prank(who)


def _for(kind, token):
    return f"oracle: {kind} for {hex_address(token.address)}"


# --- the vault --------------------------------------------------------------------------


def _deploy(w, tokens, units=None, fees=(0, 0, 0), max_fees=(0, 0, 0), cap=WAD, admin=None, manager=None):
    with _as(w.admin):
        deployer("IndexVault.vy").deploy(
            "Index",
            "IDX",
            tokens,
            units if units is not None else [1] * len(tokens),
            admin or w.admin,
            manager or w.manager,
            w.guardian,
            w.admin,
            list(fees),
            list(max_fees),
            cap,
        )


def _mint(w, shares, who=None, amounts=None):
    with _as(who or w.depositor):
        w.vault.mint(shares, amounts if amounts is not None else [MAX] * 3, who or w.depositor)


def _redeem(w, shares, receiver=None, amounts=None, who=None):
    with _as(who or w.depositor):
        w.vault.redeem(shares, amounts if amounts is not None else [0, 0, 0], receiver or w.depositor)


def _trade(w, amount_out, amount_in, token_in=None):
    with _as(w.trader):
        w.vault.trade(
            w.tokens[0].address,
            amount_out,
            0,
            token_in or w.tokens[1].address,
            amount_in,
            MAX,
            w.trader,
            w.trader,
            b"",
        )


def _seized_trade(w):
    """All of component 0 beyond the depositor's claim seized, then one base unit sold."""
    held = w.tokens[0].balanceOf(w.vault.address)
    with _as(w.vault.address):
        w.tokens[0].transfer(w.stranger, held - w.vault.total_claims(w.tokens[0].address))
    _trade(w, 1, 0)


def _fee_on_transfer_mint(w):
    w.tokens[1].set_transfer_fee_bps(10)
    _mint(w, WAD)


def _paused_mint(w):
    with _as(w.guardian):
        w.vault.set_mint_paused(True)
    _mint(w, WAD)


def _capped_mint(w):
    with _as(w.manager):
        w.vault.set_supply_cap(w.vault.totalSupply())
    _mint(w, WAD)


VAULT_CASES = {
    # deployment (the factory's and anyone's)
    "deploy/no components": (lambda w: _deploy(w, []), "vault: no components"),
    "deploy/units length": (lambda w: _deploy(w, [w.tokens[0].address], [1, 1]), "vault: units length mismatch"),
    "deploy/zero token": (lambda w: _deploy(w, [ZERO_ADDRESS]), "vault: zero token"),
    "deploy/component without code": (lambda w: _deploy(w, [w.no_code]), "vault: component has no code"),
    "deploy/zero unit": (lambda w: _deploy(w, [w.tokens[0].address], [0]), "vault: zero unit"),
    "deploy/unit too large": (lambda w: _deploy(w, [w.tokens[0].address], [2**96]), "vault: unit too large"),
    "deploy/duplicate": (
        lambda w: _deploy(w, [w.tokens[0].address] * 2),
        "vault: duplicate component",
    ),
    "deploy/max mint fee": (
        lambda w: _deploy(w, [w.tokens[0].address], max_fees=(10**17 + 1, 0, 0)),
        "vault: max mint fee too high",
    ),
    "deploy/max redeem fee": (
        lambda w: _deploy(w, [w.tokens[0].address], max_fees=(0, MAX, 0)),
        "vault: max redeem fee too high",
    ),
    "deploy/max streaming fee": (
        lambda w: _deploy(w, [w.tokens[0].address], max_fees=(0, 0, MAX)),
        "vault: max streaming fee too high",
    ),
    "deploy/fee above max": (
        lambda w: _deploy(w, [w.tokens[0].address], fees=(MAX, 0, 0)),
        "vault: mint fee above maximum",
    ),
    "deploy/cap above maximum": (lambda w: _deploy(w, [w.tokens[0].address], cap=MAX), "vault: cap above maximum"),
    "deploy/zero admin": (lambda w: _deploy(w, [w.tokens[0].address], admin=ZERO_ADDRESS), "vault: zero admin"),
    "deploy/zero manager": (
        lambda w: _deploy(w, [w.tokens[0].address], manager=ZERO_ADDRESS),
        "vault: zero manager",
    ),
    # mint
    "mint/zero shares": (lambda w: _mint(w, 0), "vault: zero shares"),
    "mint/shares near 2**256": (lambda w: _mint(w, MAX), "vault: supply cap exceeded"),
    "mint/shares just above MAX_SUPPLY": (lambda w: _mint(w, 2**100 + 1), "vault: supply cap exceeded"),
    "mint/above the cap": (_capped_mint, "vault: supply cap exceeded"),
    "mint/paused": (_paused_mint, "vault: minting paused"),
    "mint/wrong number of amounts": (lambda w: _mint(w, WAD, amounts=[MAX] * 2), "vault: wrong number of amounts"),
    "mint/slippage": (lambda w: _mint(w, WAD, amounts=[MAX, 0, MAX]), "vault: slippage exceeded"),
    "mint/fee-on-transfer component": (_fee_on_transfer_mint, "vault: fee-on-transfer token"),
    "mint/no allowance": (lambda w: _mint(w, WAD, who=w.stranger), "mock: insufficient allowance"),
    "mint/zero receiver": (
        lambda w: w.vault.mint(WAD, [MAX] * 3, ZERO_ADDRESS, sender=w.depositor),
        "erc20: mint to the zero address",
    ),
    # redeem
    "redeem/zero shares": (lambda w: _redeem(w, 0), "vault: zero shares"),
    "redeem/shares near 2**256": (lambda w: _redeem(w, MAX), "erc20: burn amount exceeds balance"),
    "redeem/more than held": (lambda w: _redeem(w, WAD, who=w.stranger), "erc20: burn amount exceeds balance"),
    "redeem/zero receiver": (lambda w: _redeem(w, WAD, receiver=ZERO_ADDRESS), "vault: zero receiver"),
    "redeem/wrong number of amounts": (lambda w: _redeem(w, WAD, amounts=[0]), "vault: wrong number of amounts"),
    "redeem/slippage": (lambda w: _redeem(w, WAD, amounts=[0, MAX, 0]), "vault: slippage exceeded"),
    # claims and sync
    "withdraw_claim/zero receiver": (
        lambda w: w.vault.withdraw_claim(w.tokens[0].address, ZERO_ADDRESS, sender=w.depositor),
        "vault: zero receiver",
    ),
    "withdraw_claim/no claim": (
        lambda w: w.vault.withdraw_claim(w.tokens[1].address, w.depositor, sender=w.depositor),
        "vault: no claim",
    ),
    "push_claim/no claim": (lambda w: w.vault.push_claim(w.tokens[0].address, w.stranger), "vault: no claim"),
    "sync/not a component": (lambda w: w.vault.sync(w.no_code), "vault: not a component"),
    # views
    "amounts_for_mint/shares near 2**256": (lambda w: w.vault.amounts_for_mint(MAX), "vault: supply cap exceeded"),
    "amounts_for_redeem/shares near 2**256": (
        lambda w: w.vault.amounts_for_redeem(MAX),
        "vault: shares above supply",
    ),
    "position/no such component": (lambda w: w.vault.position(3), "vault: no such component"),
    # the index token
    "transfer/more than held": (
        lambda w: w.vault.transfer(w.depositor, 1, sender=w.stranger),
        "erc20: transfer amount exceeds balance",
    ),
    "transfer/to zero": (
        lambda w: w.vault.transfer(ZERO_ADDRESS, 1, sender=w.depositor),
        "erc20: transfer to the zero address",
    ),
    "transferFrom/no allowance": (
        lambda w: w.vault.transferFrom(w.depositor, w.stranger, 1, sender=w.stranger),
        "erc20: insufficient allowance",
    ),
    "permit/expired": (
        lambda w: w.vault.permit(w.depositor, w.stranger, 1, 0, 27, b"\x00" * 32, b"\x00" * 32),
        "erc20: expired deadline",
    ),
    # roles
    "set_fees/not admin": (lambda w: w.vault.set_fees(0, 0, 0, sender=w.stranger), MISSING_ROLE),
    "set_fees/above maximum": (
        lambda w: w.vault.set_fees(0, 0, MAX, sender=w.admin),
        "vault: streaming fee above maximum",
    ),
    "set_fee_recipient/zero": (
        lambda w: w.vault.set_fee_recipient(ZERO_ADDRESS, sender=w.admin),
        "vault: zero fee recipient",
    ),
    "set_supply_cap/above maximum": (
        lambda w: w.vault.set_supply_cap(2**100 + 1, sender=w.manager),
        "vault: cap above maximum",
    ),
    "set_mint_paused/not guardian": (lambda w: w.vault.set_mint_paused(True, sender=w.stranger), MISSING_ROLE),
    # trade (the Rebalancer's; its bidders reach it through bid)
    "trade/not rebalancer": (
        lambda w: w.vault.trade(
            w.tokens[0].address,
            1,
            0,
            w.tokens[1].address,
            1,
            MAX,
            w.stranger,
            w.stranger,
            b"",
            sender=w.stranger,
        ),
        MISSING_ROLE,
    ),
    "trade/amount out near 2**256": (lambda w: _trade(w, MAX, 0), "vault: amount too large"),
    "trade/amount in near 2**256": (lambda w: _trade(w, 0, MAX), "vault: amount too large"),
    "trade/sells more than backed": (lambda w: _trade(w, 10**30, 0), "vault: sells more than backed"),
    "trade/sells claimed balance": (lambda w: _seized_trade(w), "vault: sells claimed balance"),
    "trade/new component without code": (
        lambda w: _trade(w, 10**6, 10**18, token_in=w.no_code),
        "vault: component has no code",
    ),
}


@pytest.mark.parametrize("case", list(VAULT_CASES))
def test_vault__every_reachable_revert__names_its_reason(world, case):
    call, reason = VAULT_CASES[case]
    with boa.reverts(reason):
        call(world)


# --- the oracle adapter -------------------------------------------------------------------


def _broken_feed(w, mode):
    """Component 1 priced by the broken feed in `mode`."""
    w.broken.set_mode(mode)
    with _as(w.admin):
        w.oracle.set_feed(w.tokens[1].address, w.broken.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)


def _not_a_feed(w):
    """Component 1 "priced" by a token: decimals() answers, latestRoundData() does not exist."""
    with _as(w.admin):
        w.oracle.set_feed(w.tokens[1].address, w.tokens[2].address, HEARTBEAT, ZERO_ADDRESS, 0, 0)


def _round(w, round_id, answer, started_at, updated_at, answered_in_round):
    w.feeds[1].set_round(round_id, answer, started_at, updated_at, answered_in_round)


def _sequencer_reverts(w):
    w.broken.set_mode(0)
    with _as(w.admin):
        w.oracle.set_sequencer_feed(w.broken.address, 3_600)


ORACLE_FAILURES = {
    "feed reverts with its own reason": (lambda w: _broken_feed(w, 0), "feed failed"),
    "feed reverts with no data": (lambda w: _broken_feed(w, 1), "feed failed"),
    "feed returns one word": (lambda w: _broken_feed(w, 2), "feed failed"),
    "feed is not a feed": (_not_a_feed, "feed failed"),
    "negative answer": (lambda w: w.feeds[1].set_answer(-1), "bad price"),
    "zero answer": (lambda w: w.feeds[1].set_answer(0), "bad price"),
    "answer near 2**255": (lambda w: w.feeds[1].set_answer(2**255 - 1), "bad price"),
    "answer above MAX_PRICE": (lambda w: w.feeds[1].set_answer(10**28 + 1), "bad price"),
    "round never updated": (lambda w: _round(w, 5, 10**8, 0, 0, 5), "incomplete round"),
    "answered in an earlier round": (
        lambda w: _round(w, 5, 10**8, boa.env.timestamp, boa.env.timestamp, 4),
        "incomplete round",
    ),
    "updated before it started": (
        lambda w: _round(w, 5, 10**8, boa.env.timestamp, boa.env.timestamp - 1, 5),
        "inconsistent round",
    ),
    "updated in the future": (
        lambda w: _round(w, 5, 10**8, boa.env.timestamp, boa.env.timestamp + 1, 5),
        "stale price",
    ),
    "stale": (
        lambda w: _round(w, 5, 10**8, boa.env.timestamp - HEARTBEAT - 1, boa.env.timestamp - HEARTBEAT - 1, 5),
        "stale price",
    ),
    "no feed": (lambda w: w.oracle.remove_feed(w.tokens[1].address, sender=w.admin), "no feed"),
}


def _reads(w):
    return {
        "price": lambda: w.oracle.price(w.tokens[1].address),
        "nav": w.oracle.nav,
        "nav_per_share": w.oracle.nav_per_share,
        "latestRoundData": w.oracle.latestRoundData,
    }


@pytest.mark.parametrize("read", ["price", "nav", "nav_per_share", "latestRoundData"])
@pytest.mark.parametrize("failure", list(ORACLE_FAILURES))
def test_oracle__failing_feed__every_read_names_the_asset_and_the_reason(world, failure, read):
    breaks, kind = ORACLE_FAILURES[failure]
    breaks(world)
    with boa.reverts(_for(kind, world.tokens[1])):
        _reads(world)[read]()


@pytest.mark.parametrize("read", ["price", "nav", "nav_per_share", "latestRoundData"])
def test_oracle__reverting_sequencer_feed__every_read_names_the_reason(world, read):
    _sequencer_reverts(world)
    with boa.reverts("oracle: sequencer feed failed"):
        _reads(world)[read]()


def test_oracle__nav_too_large_to_sum__names_the_asset(create_vault, create_oracle, create_token, create_feed, admin):
    """Two 0-decimal components at the largest unit, a supply at the cap and
    a price at MAX_PRICE: each value fits in 256 bits, their sum does not."""
    tokens = [create_token(0, symbol=f"Z{i}") for i in range(2)]
    vault = create_vault(tokens, [2**96 - 1] * 2, supply_cap=2**100)
    holder = boa.env.generate_address("whale")
    for token in tokens:
        token.mint(holder, 2**137)
        token.approve(vault.address, MAX, sender=holder)
    vault.mint(2**100, [MAX] * 2, holder, sender=holder)
    oracle = create_oracle(vault)
    with boa.env.prank(admin):
        for token in tokens:
            oracle.set_feed(token.address, create_feed(10**36, 18).address, HEARTBEAT, ZERO_ADDRESS, 0, 0)

    with boa.reverts(_for("value overflow", tokens[1])):
        oracle.nav()


ADMIN_CASES = {
    "set_feed/asset without code": (
        lambda w: w.oracle.set_feed(w.no_code, w.feeds[0].address, HEARTBEAT, ZERO_ADDRESS, 0, 0, sender=w.admin),
        "oracle: asset has no code",
    ),
    "set_feed/feed without code": (
        lambda w: w.oracle.set_feed(w.tokens[0].address, w.no_code, HEARTBEAT, ZERO_ADDRESS, 0, 0, sender=w.admin),
        "oracle: feed has no code",
    ),
    "set_feed/secondary without code": (
        lambda w: w.oracle.set_feed(
            w.tokens[0].address, w.feeds[0].address, HEARTBEAT, w.no_code, HEARTBEAT, 100, sender=w.admin
        ),
        "oracle: feed has no code",
    ),
    "set_sequencer_feed/without code": (
        lambda w: w.oracle.set_sequencer_feed(w.no_code, 3_600, sender=w.admin),
        "oracle: feed has no code",
    ),
    "set_feed/not admin": (
        lambda w: w.oracle.set_feed(
            w.tokens[0].address, w.feeds[0].address, HEARTBEAT, ZERO_ADDRESS, 0, 0, sender=w.stranger
        ),
        MISSING_ROLE,
    ),
}


@pytest.mark.parametrize("case", list(ADMIN_CASES))
def test_oracle__admin_reverts__name_their_reason(world, case):
    call, reason = ADMIN_CASES[case]
    with boa.reverts(reason):
        call(world)
