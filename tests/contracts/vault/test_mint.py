"""IndexVault.mint: pulls every component pro rata, rounded up, and mints shares."""

import boa
import pytest

from indexvault.model import WAD, amount_in, amount_out
from tests.utils.boa_env import FEE_ON_TRANSFER, PLAIN, ZERO_ADDRESS, events
from tests.utils.ledger import Ledger, mint_moves

# One wei, one share and a tail, many shares and a tail: rounding shows in each.
SHARES = [1, WAD + 1, 12_345 * WAD + 999]


def _ledger(vault, tokens, depositor, receiver, fee_recipient):
    return Ledger(vault, tokens, depositor=depositor, receiver=receiver, fee_recipient=fee_recipient)


@pytest.mark.parametrize("shares", SHARES)
def test_mint__pulls_pro_rata_rounded_up(each_vault, each_basket, depositor, receiver, fee_recipient, shares):
    vault = each_vault
    tokens, units = each_basket
    expected = [amount_in(shares, u, WAD) for u in units]
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        fee_shares = vault.mint(shares, expected, depositor)

    (event,) = events(vault, "Mint")
    assert (event.sender, event.receiver, event.shares, event.fee_shares) == (depositor, depositor, shares, 0)
    assert fee_shares == 0
    assert ledger.changes(before) == mint_moves("depositor", expected, "depositor", shares)


def test_mint__one_wei_is_never_free(each_vault, each_basket, depositor):
    # 1 wei of a share is worth at most a fraction of a base unit more than
    # `unit // 1e18`; rounding up makes the minter pay the whole unit.
    tokens, units = each_basket
    expected = [-(-u // WAD) for u in units]
    assert all(a >= 1 for a in expected)
    with boa.env.prank(depositor):
        each_vault.mint(1, expected, depositor)
    assert [t.balanceOf(each_vault.address) for t in tokens] == expected
    assert each_vault.balanceOf(depositor) == 1


def test_mint__to_another_receiver(each_vault, each_basket, depositor, receiver, fee_recipient):
    vault = each_vault
    tokens, units = each_basket
    shares = 7 * WAD + 3
    expected = [amount_in(shares, u, WAD) for u in units]
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        vault.mint(shares, expected, receiver)

    (event,) = events(vault, "Mint")
    assert (event.sender, event.receiver, event.shares, event.fee_shares) == (depositor, receiver, shares, 0)
    assert ledger.changes(before) == mint_moves("depositor", expected, "receiver", shares)


def test_mint__twice_adds_up(each_vault, each_basket, depositor):
    vault = each_vault
    tokens, units = each_basket
    with boa.env.prank(depositor):
        vault.mint(3 * WAD, [2**256 - 1] * len(tokens), depositor)
        vault.mint(5 * WAD + 1, [2**256 - 1] * len(tokens), depositor)
    assert vault.totalSupply() == vault.balanceOf(depositor) == 8 * WAD + 1
    assert [t.balanceOf(vault.address) for t in tokens] == [
        amount_in(3 * WAD, u, WAD) + amount_in(5 * WAD + 1, u, WAD) for u in units
    ]


def test_mint__zero_shares__reverts(vault, depositor):
    with boa.env.prank(depositor), boa.reverts("vault: zero shares"):
        vault.mint(0, [0, 0, 0], depositor)


@pytest.mark.parametrize("count", [0, 2, 4])
def test_mint__wrong_number_of_amounts__reverts(vault, depositor, count):
    with boa.env.prank(depositor), boa.reverts("vault: wrong number of amounts"):
        vault.mint(WAD, [2**256 - 1] * count, depositor)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_mint__slippage__reverts(vault, tokens, units, depositor, index):
    expected = [amount_in(WAD, u, WAD) for u in units]
    too_little = list(expected)
    too_little[index] -= 1
    balances = [t.balanceOf(depositor) for t in tokens]

    with boa.env.prank(depositor), boa.reverts("vault: slippage exceeded"):
        vault.mint(WAD, too_little, depositor)

    assert [t.balanceOf(depositor) for t in tokens] == balances
    assert vault.totalSupply() == 0


def test_mint__exact_max_amounts__succeeds(vault, units, depositor):
    expected = [amount_in(WAD, u, WAD) for u in units]
    with boa.env.prank(depositor):
        vault.mint(WAD, expected, depositor)
    assert vault.balanceOf(depositor) == WAD


def test_mint__paused__reverts(vault, guardian, depositor):
    with boa.env.prank(guardian):
        vault.set_mint_paused(True)
    with boa.env.prank(depositor), boa.reverts("vault: minting paused"):
        vault.mint(WAD, [2**256 - 1] * 3, depositor)
    assert vault.totalSupply() == 0


def test_mint__unpaused__succeeds_again(vault, guardian, depositor):
    with boa.env.prank(guardian):
        vault.set_mint_paused(True)
        vault.set_mint_paused(False)
    with boa.env.prank(depositor):
        vault.mint(WAD, [2**256 - 1] * 3, depositor)
    assert vault.balanceOf(depositor) == WAD


def test_mint__up_to_the_cap__succeeds_and_past_it__reverts(vault, manager, depositor):
    with boa.env.prank(manager):
        vault.set_supply_cap(5 * WAD)
    with boa.env.prank(depositor):
        vault.mint(5 * WAD - 1, [2**256 - 1] * 3, depositor)
        with boa.reverts("vault: supply cap exceeded"):
            vault.mint(2, [2**256 - 1] * 3, depositor)
        vault.mint(1, [2**256 - 1] * 3, depositor)
    assert vault.totalSupply() == 5 * WAD


def test_mint__zero_receiver__reverts(vault, depositor):
    with boa.env.prank(depositor), boa.reverts("erc20: mint to the zero address"):
        vault.mint(WAD, [2**256 - 1] * 3, ZERO_ADDRESS)


def test_mint__without_allowance__reverts(vault, tokens, depositor):
    with boa.env.prank(depositor):
        tokens[1].approve(vault.address, 0)
    with boa.env.prank(depositor), boa.reverts("mock: insufficient allowance"):
        vault.mint(WAD, [2**256 - 1] * 3, depositor)


@pytest.mark.parametrize("index", [0, 1, 2])
def test_mint__fee_on_transfer_component__reverts_and_nothing_moves(
    create_basket, create_vault, fund, depositor, receiver, fee_recipient, index
):
    quirks = [PLAIN, PLAIN, PLAIN]
    quirks[index] = FEE_ON_TRANSFER
    tokens, units = create_basket((6, 8, 18), quirks)
    vault = create_vault(tokens, units)
    fund(vault, tokens, depositor)
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor), boa.reverts("vault: fee-on-transfer token"):
        vault.mint(WAD, [2**256 - 1] * 3, depositor)

    assert ledger.changes(before) == {}


def test_mint__largest_unit_at_the_largest_cap__does_not_overflow(create_token, create_vault, fund, depositor):
    # shares * unit * multiplier stays below 2**256 at the extremes the
    # constructor and the cap allow, through a year of streaming fee too.
    max_unit, max_supply = 2**96 - 1, 2**100
    token = create_token(18)
    vault = create_vault([token], [max_unit], fees=(0, 0, WAD // 20), supply_cap=max_supply)
    token.mint(depositor, 2**200)
    with boa.env.prank(depositor):
        token.approve(vault.address, 2**256 - 1)
        vault.mint(max_supply, [2**256 - 1], depositor)
    assert token.balanceOf(vault.address) == amount_in(max_supply, max_unit, WAD)

    boa.env.time_travel(seconds=365 * 86_400)
    vault.accrue_fees()
    assert vault.totalSupply() > max_supply  # the streaming fee is not capped
    multiplier = vault.multiplier()
    with boa.env.prank(depositor):
        vault.redeem(max_supply, [0], depositor)
    assert token.balanceOf(vault.address) == amount_in(max_supply, max_unit, WAD) - amount_out(
        max_supply, max_unit, multiplier
    )
