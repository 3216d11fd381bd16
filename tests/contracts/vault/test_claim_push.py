"""Claims always reach their owner: IndexVault.push_claim, and withdraw_claim
refusing the zero receiver.

Claims arise when a redeemer skips a component whose transfer reverts (a
paused or blocklisting token): its amount is credited to the redeem's
receiver. Finding (issue 10, "Claims always reach their owner"): a receiver
that is a contract with no code to call `withdraw_claim` (a multisig module,
a vesting contract) could never be paid, and `withdraw_claim` sent a claim
to the zero address when asked to, burning it for good with most tokens.
"""

import boa
import pytest

from indexvault.model import WAD, amount_out
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS, deployer, events
from tests.utils.ledger import Ledger

MINTED = 100 * WAD + 17
SHARES = 40 * WAD + 3


@pytest.fixture
def holder():
    """A contract credited a claim, with no code that could withdraw it."""
    return deployer("mocks/InertHolder.vy").deploy()


@pytest.fixture
def claimed(vault, tokens, depositor, holder):
    """Component 1 froze; the depositor redeemed SHARES to the holder contract,
    skipping it, so the holder has a claim on it; then the token moved again."""
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
    tokens[1].set_frozen(True)
    with boa.env.prank(depositor):
        vault.redeem(SHARES, [0, 0, 0], holder.address, 0b010)
    tokens[1].set_frozen(False)
    return vault


def test_push_claim__by_anyone__pays_the_owner_contract_its_whole_claim(
    claimed, tokens, units, holder, attacker, depositor
):
    claim = amount_out(SHARES, units[1], WAD)
    assert claimed.claims(tokens[1].address, holder.address) == claim
    ledger = Ledger(claimed, tokens, holder=holder.address, attacker=attacker, depositor=depositor)
    before = ledger.read()

    with boa.env.prank(attacker):
        paid = claimed.push_claim(tokens[1].address, holder.address)

    (event,) = events(claimed, "ClaimPushed")
    assert (event.token, event.owner, event.caller, event.amount) == (
        tokens[1].address,
        holder.address,
        attacker,
        claim,
    )
    assert paid == claim
    assert ledger.changes(before) == {("holder", 1): claim, ("vault", 1): -claim}
    assert claimed.claims(tokens[1].address, holder.address) == 0
    assert claimed.total_claims(tokens[1].address) == 0


def test_push_claim__twice__reverts_no_claim(claimed, tokens, holder, attacker):
    with boa.env.prank(attacker):
        claimed.push_claim(tokens[1].address, holder.address)
        with boa.reverts("vault: no claim"):
            claimed.push_claim(tokens[1].address, holder.address)


def test_push_claim__owner_without_claim__reverts_no_claim(claimed, tokens, attacker):
    with boa.env.prank(attacker), boa.reverts("vault: no claim"):
        claimed.push_claim(tokens[1].address, attacker)


def test_push_claim__token_still_frozen__reverts_and_keeps_the_claim(claimed, tokens, units, holder, attacker):
    tokens[1].set_frozen(True)
    with boa.env.prank(attacker), boa.reverts("mock: transfers frozen"):
        claimed.push_claim(tokens[1].address, holder.address)
    assert claimed.claims(tokens[1].address, holder.address) == amount_out(SHARES, units[1], WAD)


def test_push_claim__leaves_other_owners_claims(claimed, tokens, units, holder, depositor, attacker):
    tokens[1].set_frozen(True)
    with boa.env.prank(depositor):
        claimed.redeem(WAD, [0, 0, 0], depositor, 0b010)
    tokens[1].set_frozen(False)

    with boa.env.prank(attacker):
        claimed.push_claim(tokens[1].address, holder.address)

    assert claimed.claims(tokens[1].address, depositor) == amount_out(WAD, units[1], WAD)
    assert claimed.total_claims(tokens[1].address) == amount_out(WAD, units[1], WAD)


def test_withdraw_claim__zero_receiver__reverts_and_keeps_the_claim(vault, tokens, units, depositor):
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
    tokens[0].set_frozen(True)
    with boa.env.prank(depositor):
        vault.redeem(SHARES, [0, 0, 0], depositor, 0b001)
    tokens[0].set_frozen(False)

    with boa.env.prank(depositor), boa.reverts("vault: zero receiver"):
        vault.withdraw_claim(tokens[0].address, ZERO_ADDRESS)

    assert vault.claims(tokens[0].address, depositor) == amount_out(SHARES, units[0], WAD)
    assert tokens[0].balanceOf(ZERO_ADDRESS) == 0
