"""IndexVault.redeem with a `skip` bitmask, and IndexVault.withdraw_claim.

A component whose transfers revert (paused or blocklisting token) must not
block redemption: the redeemer skips it and keeps a claim on it.
"""

import boa
import pytest

from indexvault.model import UNIT_SCALE, WAD, amount_out
from tests.utils import MAX
from tests.utils.boa_env import events
from tests.utils.ledger import Ledger, redeem_moves

MINTED = 100 * WAD + 17
SHARES = 40 * WAD + 3


@pytest.fixture
def minted(vault, depositor):
    """The depositor holds MINTED shares of the (6, 8, 18) vault."""
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
    return vault


def _ledger(vault, tokens, depositor, receiver, fee_recipient):
    return Ledger(vault, tokens, depositor=depositor, receiver=receiver, fee_recipient=fee_recipient)


@pytest.mark.parametrize("frozen", [0, 1, 2])
def test_redeem__frozen_component__reverts_and_nothing_moves(
    minted, tokens, depositor, receiver, fee_recipient, frozen
):
    tokens[frozen].set_frozen(True)
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor), boa.reverts("mock: transfers frozen"):
        minted.redeem(SHARES, [0, 0, 0], depositor)

    assert ledger.changes(before) == {}


@pytest.mark.parametrize("frozen", [0, 1, 2])
def test_redeem__skip_frozen_component__credits_a_claim(
    minted, tokens, units, depositor, receiver, fee_recipient, frozen
):
    tokens[frozen].set_frozen(True)
    skip = 1 << frozen
    expected = [amount_out(SHARES, u, WAD) for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        minted.redeem(SHARES, expected, receiver, skip)

    (credited,) = events(minted, "ClaimCredited")
    (redeemed,) = events(minted, "Redeem")
    assert (credited.token, credited.owner, credited.amount) == (tokens[frozen].address, receiver, expected[frozen])
    assert (redeemed.sender, redeemed.receiver, redeemed.shares, redeemed.skipped) == (
        depositor,
        receiver,
        SHARES,
        skip,
    )
    assert ledger.changes(before) == redeem_moves("depositor", expected, "receiver", SHARES, skip=skip)
    assert minted.claims(tokens[frozen].address, receiver) == expected[frozen]
    assert minted.claims(tokens[frozen].address, depositor) == 0
    assert minted.total_claims(tokens[frozen].address) == expected[frozen]
    for i in range(3):
        if i != frozen:
            assert minted.total_claims(tokens[i].address) == 0


def test_redeem__skip_every_component__only_claims(minted, tokens, units, depositor, receiver, fee_recipient):
    expected = [amount_out(SHARES, u, WAD) for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        minted.redeem(SHARES, [0, 0, 0], depositor, 0b111)

    credited = events(minted, "ClaimCredited")
    assert [(e.token, e.owner, e.amount) for e in credited] == [
        (t.address, depositor, a) for t, a in zip(tokens, expected)
    ]
    assert ledger.changes(before) == redeem_moves("depositor", expected, "depositor", SHARES, skip=0b111)
    assert [minted.claims(t.address, depositor) for t in tokens] == expected


def test_redeem__skip_bits_beyond_the_basket__are_ignored(minted, tokens, units, depositor, receiver, fee_recipient):
    expected = [amount_out(SHARES, u, WAD) for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        minted.redeem(SHARES, expected, depositor, 1 << 3)

    assert events(minted, "ClaimCredited") == []
    assert ledger.changes(before) == redeem_moves("depositor", expected, "depositor", SHARES)


def test_redeem__skipped_claim_below_minimum__reverts(minted, tokens, units, depositor):
    tokens[1].set_frozen(True)
    minimum = [amount_out(SHARES, u, WAD) for u in units]
    minimum[1] += 1
    with boa.env.prank(depositor), boa.reverts("vault: slippage exceeded"):
        minted.redeem(SHARES, minimum, depositor, 0b010)
    assert minted.claims(tokens[1].address, depositor) == 0


def test_claims__accumulate_per_owner_and_in_total(minted, tokens, units, depositor, receiver):
    tokens[2].set_frozen(True)
    first, second, third = 10 * WAD + 1, 5 * WAD + 7, 3 * WAD
    with boa.env.prank(depositor):
        minted.redeem(first, [0, 0, 0], receiver, 0b100)
        minted.redeem(second, [0, 0, 0], receiver, 0b100)
        minted.redeem(third, [0, 0, 0], depositor, 0b100)

    token = tokens[2].address
    to_receiver = amount_out(first, units[2], WAD) + amount_out(second, units[2], WAD)
    to_depositor = amount_out(third, units[2], WAD)
    assert minted.claims(token, receiver) == to_receiver
    assert minted.claims(token, depositor) == to_depositor
    assert minted.total_claims(token) == to_receiver + to_depositor


def test_claims__stay_backed(minted, tokens, units, depositor):
    # The vault keeps what it owes claimants on top of what it owes shares.
    tokens[0].set_frozen(True)
    with boa.env.prank(depositor):
        minted.redeem(SHARES, [0, 0, 0], depositor, 0b001)
    tokens[0].set_frozen(False)
    supply = minted.totalSupply()
    for token, unit in zip(tokens, units):
        held = token.balanceOf(minted.address) - minted.total_claims(token.address)
        assert held * UNIT_SCALE >= supply * unit * minted.multiplier()


def test_withdraw_claim__after_unfreezing__pays_the_claim(minted, tokens, units, depositor, receiver, fee_recipient):
    tokens[1].set_frozen(True)
    with boa.env.prank(depositor):
        minted.redeem(SHARES, [0, 0, 0], depositor, 0b010)
    tokens[1].set_frozen(False)
    claim = amount_out(SHARES, units[1], WAD)
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        paid = minted.withdraw_claim(tokens[1].address, receiver)

    (event,) = events(minted, "ClaimWithdrawn")
    assert (event.token, event.owner, event.receiver, event.amount) == (
        tokens[1].address,
        depositor,
        receiver,
        claim,
    )
    assert paid == claim
    assert ledger.changes(before) == {("receiver", 1): claim, ("vault", 1): -claim}
    assert minted.claims(tokens[1].address, depositor) == 0
    assert minted.total_claims(tokens[1].address) == 0


def test_withdraw_claim__leaves_other_owners_claims(minted, tokens, units, depositor, receiver):
    tokens[0].set_frozen(True)
    with boa.env.prank(depositor):
        minted.redeem(SHARES, [0, 0, 0], depositor, 0b001)
        minted.redeem(WAD, [0, 0, 0], receiver, 0b001)
    tokens[0].set_frozen(False)

    with boa.env.prank(receiver):
        minted.withdraw_claim(tokens[0].address, receiver)

    assert minted.claims(tokens[0].address, receiver) == 0
    assert minted.claims(tokens[0].address, depositor) == amount_out(SHARES, units[0], WAD)
    assert minted.total_claims(tokens[0].address) == amount_out(SHARES, units[0], WAD)


def test_withdraw_claim__still_frozen__reverts_and_keeps_the_claim(minted, tokens, units, depositor):
    tokens[1].set_frozen(True)
    with boa.env.prank(depositor):
        minted.redeem(SHARES, [0, 0, 0], depositor, 0b010)
        with boa.reverts("mock: transfers frozen"):
            minted.withdraw_claim(tokens[1].address, depositor)
    assert minted.claims(tokens[1].address, depositor) == amount_out(SHARES, units[1], WAD)


def test_withdraw_claim__no_claim__reverts(minted, tokens, depositor):
    with boa.env.prank(depositor), boa.reverts("vault: no claim"):
        minted.withdraw_claim(tokens[0].address, depositor)


def test_withdraw_claim__twice__reverts(minted, tokens, depositor):
    tokens[0].set_frozen(True)
    with boa.env.prank(depositor):
        minted.redeem(SHARES, [0, 0, 0], depositor, 0b001)
    tokens[0].set_frozen(False)
    with boa.env.prank(depositor):
        minted.withdraw_claim(tokens[0].address, depositor)
        with boa.reverts("vault: no claim"):
            minted.withdraw_claim(tokens[0].address, depositor)


def test_withdraw_claim__someone_elses_claim__reverts(minted, tokens, units, depositor, attacker):
    tokens[0].set_frozen(True)
    with boa.env.prank(depositor):
        minted.redeem(SHARES, [0, 0, 0], depositor, 0b001)
    tokens[0].set_frozen(False)
    with boa.env.prank(attacker), boa.reverts("vault: no claim"):
        minted.withdraw_claim(tokens[0].address, attacker)
    assert minted.claims(tokens[0].address, depositor) == amount_out(SHARES, units[0], WAD)
