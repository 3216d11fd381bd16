"""IndexVault.redeem: burns shares and pays every component pro rata, rounded down."""

import boa
import pytest

from indexvault.model import WAD, amount_in, amount_out
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS, events
from tests.utils.ledger import Ledger, redeem_moves

MINTED = 100 * WAD + 17


@pytest.fixture
def minted(each_vault, each_basket, depositor):
    """The depositor holds MINTED shares of `each_vault`."""
    with boa.env.prank(depositor):
        each_vault.mint(MINTED, [MAX] * len(each_basket[0]), depositor)
    return each_vault


def _ledger(vault, tokens, depositor, receiver, fee_recipient):
    return Ledger(vault, tokens, depositor=depositor, receiver=receiver, fee_recipient=fee_recipient)


@pytest.mark.parametrize("shares", [WAD + 1, 33 * WAD + 5, MINTED])
def test_redeem__pays_pro_rata_rounded_down(minted, each_basket, depositor, receiver, fee_recipient, shares):
    tokens, units = each_basket
    expected = [amount_out(shares, u, WAD) for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        fee_shares = minted.redeem(shares, expected, depositor)

    (event,) = events(minted, "Redeem")
    assert (event.sender, event.receiver, event.shares, event.fee_shares, event.skipped) == (
        depositor,
        depositor,
        shares,
        0,
        0,
    )
    assert fee_shares == 0
    assert ledger.changes(before) == redeem_moves("depositor", expected, "depositor", shares)


def test_redeem__to_another_receiver(minted, each_basket, depositor, receiver, fee_recipient):
    tokens, units = each_basket
    shares = 9 * WAD + 1
    expected = [amount_out(shares, u, WAD) for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        minted.redeem(shares, expected, receiver)

    (event,) = events(minted, "Redeem")
    assert (event.sender, event.receiver, event.shares) == (depositor, receiver, shares)
    assert ledger.changes(before) == redeem_moves("depositor", expected, "receiver", shares)


def test_redeem__everything__leaves_only_rounding_dust(minted, each_basket, depositor):
    tokens, units = each_basket
    with boa.env.prank(depositor):
        minted.redeem(MINTED, [0] * len(tokens), depositor)
    assert minted.totalSupply() == 0
    # What stays is what mint rounded up minus what redeem rounded down: under
    # one base unit each way.
    dust = [amount_in(MINTED, u, WAD) - amount_out(MINTED, u, WAD) for u in units]
    assert [t.balanceOf(minted.address) for t in tokens] == dust
    assert all(d in (0, 1) for d in dust)


def test_redeem__one_wei__burns_and_pays_nothing(minted, each_basket, depositor, receiver, fee_recipient):
    # Units below 1e18 pay zero for 1 wei; the 18-decimal unit pays 1.
    tokens, units = each_basket
    expected = [u // WAD for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()
    with boa.env.prank(depositor):
        minted.redeem(1, expected, depositor)
    assert ledger.changes(before) == redeem_moves("depositor", expected, "depositor", 1)


def test_redeem__while_minting_paused__succeeds(minted, each_basket, guardian, depositor, receiver, fee_recipient):
    tokens, units = each_basket
    with boa.env.prank(guardian):
        minted.set_mint_paused(True)
    expected = [amount_out(MINTED, u, WAD) for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        minted.redeem(MINTED, expected, depositor)

    assert minted.mint_paused() is True
    assert ledger.changes(before) == redeem_moves("depositor", expected, "depositor", MINTED)


def test_redeem__cap_below_supply__still_succeeds(minted, each_basket, manager, depositor):
    tokens, _ = each_basket
    with boa.env.prank(manager):
        minted.set_supply_cap(0)
    with boa.env.prank(depositor):
        minted.redeem(WAD, [0] * len(tokens), depositor)
    assert minted.totalSupply() == MINTED - WAD


def test_redeem__zero_shares__reverts(minted, each_basket, depositor):
    with boa.env.prank(depositor), boa.reverts("vault: zero shares"):
        minted.redeem(0, [0] * len(each_basket[0]), depositor)


def test_redeem__zero_receiver__reverts(minted, each_basket, depositor):
    with boa.env.prank(depositor), boa.reverts("vault: zero receiver"):
        minted.redeem(WAD, [0] * len(each_basket[0]), ZERO_ADDRESS)


@pytest.mark.parametrize("extra", [-1, 1])
def test_redeem__wrong_number_of_amounts__reverts(minted, each_basket, depositor, extra):
    count = len(each_basket[0]) + extra
    with boa.env.prank(depositor), boa.reverts("vault: wrong number of amounts"):
        minted.redeem(WAD, [0] * count, depositor)


def test_redeem__slippage__reverts(minted, each_basket, depositor, receiver, fee_recipient):
    tokens, units = each_basket
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()
    for index in range(len(tokens)):
        too_much = [amount_out(WAD, u, WAD) for u in units]
        too_much[index] += 1
        with boa.env.prank(depositor), boa.reverts("vault: slippage exceeded"):
            minted.redeem(WAD, too_much, depositor)
    assert ledger.changes(before) == {}


def test_redeem__more_than_balance__reverts(minted, each_basket, depositor):
    with boa.env.prank(depositor), boa.reverts("erc20: burn amount exceeds balance"):
        minted.redeem(MINTED + 1, [0] * len(each_basket[0]), depositor)


def test_redeem__without_shares__reverts(minted, each_basket, attacker):
    with boa.env.prank(attacker), boa.reverts("erc20: burn amount exceeds balance"):
        minted.redeem(1, [0] * len(each_basket[0]), attacker)


def test_redeem__after_transfer__new_holder_redeems(minted, each_basket, depositor, receiver, fee_recipient):
    tokens, units = each_basket
    with boa.env.prank(depositor):
        minted.transfer(receiver, 4 * WAD)
    expected = [amount_out(4 * WAD, u, WAD) for u in units]
    ledger = _ledger(minted, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(receiver):
        minted.redeem(4 * WAD, expected, receiver)

    assert ledger.changes(before) == redeem_moves("receiver", expected, "receiver", 4 * WAD)
