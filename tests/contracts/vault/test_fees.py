"""Fees: the mint and redeem fees, the streaming fee, accrue_fees, set_fees,
set_fee_recipient and the maxima fixed at deployment."""

import boa
import pytest

from indexvault.model import WAD, YEAR, amount_in, amount_out, fee_on, preview_accrual
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS, events, index_lens
from tests.utils.ledger import Ledger, mint_moves, redeem_moves

MAX_FEES = (WAD // 100, WAD // 100, WAD // 20)  # create_vault's default maxima
MINT_FEE = WAD // 100 - 3  # an odd fee, so the fee's rounding shows
REDEEM_FEE = WAD // 200 + 1
STREAMING_FEE = WAD // 20
SUPPLY = 1_000 * WAD + 1


def _ledger(vault, tokens, depositor, receiver, fee_recipient):
    return Ledger(vault, tokens, depositor=depositor, receiver=receiver, fee_recipient=fee_recipient)


@pytest.fixture
def streaming_vault(create_vault, tokens, units, fund, depositor):
    """A vault with only the streaming fee, SUPPLY shares held by the depositor."""
    vault = create_vault(tokens, units, fees=(0, 0, STREAMING_FEE))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * 3, depositor)
    return vault


# --- mint fee ---------------------------------------------------------------


@pytest.mark.parametrize("shares", [1, WAD, 12_345 * WAD + 999])
def test_mint__fee__charged_as_extra_shares(
    each_basket, create_vault, fund, depositor, receiver, fee_recipient, shares
):
    tokens, units = each_basket
    vault = create_vault(tokens, units, fees=(MINT_FEE, 0, 0))
    fund(vault, tokens, depositor)
    fee = fee_on(shares, MINT_FEE)
    expected = [amount_in(shares + fee, u, WAD) for u in units]
    assert fee > 0
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        returned = vault.mint(shares, expected, receiver)

    (event,) = events(vault, "Mint")
    assert (event.sender, event.receiver, event.shares, event.fee_shares) == (depositor, receiver, shares, fee)
    assert returned == fee
    assert ledger.changes(before) == mint_moves("depositor", expected, "receiver", shares, fee_shares=fee)


def test_mint__fee_rounds_up_to_one_wei(create_vault, tokens, units, fund, depositor, fee_recipient):
    vault = create_vault(tokens, units, fees=(1, 0, 0))  # 1e-18: any mint pays 1 wei
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        assert vault.mint(WAD, [MAX] * 3, depositor) == 1
    assert vault.balanceOf(fee_recipient) == 1


def test_mint__fee_counts_against_the_cap(create_vault, tokens, units, fund, manager, depositor):
    vault = create_vault(tokens, units, fees=(MINT_FEE, 0, 0))
    fund(vault, tokens, depositor)
    shares = 100 * WAD
    with boa.env.prank(manager):
        vault.set_supply_cap(shares + fee_on(shares, MINT_FEE) - 1)
    with boa.env.prank(depositor), boa.reverts("vault: supply cap exceeded"):
        vault.mint(shares, [MAX] * 3, depositor)
    with boa.env.prank(manager):
        vault.set_supply_cap(shares + fee_on(shares, MINT_FEE))
    with boa.env.prank(depositor):
        vault.mint(shares, [MAX] * 3, depositor)
    assert vault.totalSupply() == shares + fee_on(shares, MINT_FEE)


# --- redeem fee -------------------------------------------------------------


@pytest.mark.parametrize("shares", [WAD, 33 * WAD + 5, SUPPLY])
def test_redeem__fee__moved_to_the_fee_recipient(
    each_basket, create_vault, fund, depositor, receiver, fee_recipient, shares
):
    tokens, units = each_basket
    vault = create_vault(tokens, units, fees=(0, REDEEM_FEE, 0))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * len(tokens), depositor)
    fee = fee_on(shares, REDEEM_FEE)
    expected = [amount_out(shares - fee, u, WAD) for u in units]
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        returned = vault.redeem(shares, expected, receiver)

    (event,) = events(vault, "Redeem")
    assert (event.sender, event.receiver, event.shares, event.fee_shares, event.skipped) == (
        depositor,
        receiver,
        shares,
        fee,
        0,
    )
    assert returned == fee
    assert ledger.changes(before) == redeem_moves("depositor", expected, "receiver", shares, fee_shares=fee)


def test_redeem__one_wei_with_fee__all_fee_nothing_paid(
    create_vault, tokens, units, fund, depositor, receiver, fee_recipient
):
    vault = create_vault(tokens, units, fees=(0, REDEEM_FEE, 0))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * 3, depositor)
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        assert vault.redeem(1, [0, 0, 0], depositor) == 1

    assert ledger.changes(before) == {("depositor", "shares"): -1, ("fee_recipient", "shares"): 1}


def test_redeem__by_the_fee_recipient__pays_its_own_fee(
    create_vault, tokens, units, fund, depositor, receiver, fee_recipient
):
    vault = create_vault(tokens, units, fees=(0, REDEEM_FEE, 0))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * 3, depositor)
        vault.transfer(fee_recipient, 10 * WAD)
    fee = fee_on(10 * WAD, REDEEM_FEE)
    expected = [amount_out(10 * WAD - fee, u, WAD) for u in units]
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(fee_recipient):
        vault.redeem(10 * WAD, expected, fee_recipient)

    assert ledger.changes(before) == redeem_moves("fee_recipient", expected, "fee_recipient", 10 * WAD, fee_shares=fee)
    assert vault.balanceOf(fee_recipient) == fee


def test_redeem__more_than_balance_with_fee__reverts(create_vault, tokens, units, fund, depositor, fee_recipient):
    vault = create_vault(tokens, units, fees=(0, REDEEM_FEE, 0))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * 3, depositor)
        with boa.reverts("erc20: burn amount exceeds balance"):
            vault.redeem(SUPPLY + 1, [0, 0, 0], depositor)
    assert vault.balanceOf(depositor) == SUPPLY
    assert vault.balanceOf(fee_recipient) == 0


def test_redeem__without_shares_with_fee__reverts_as_without_fee(create_vault, tokens, units, attacker):
    # Redeeming shares one does not hold is refused with the model's reason
    # (`VaultModel.redeem`), the one the fee-free vault gives, whatever the fee.
    vault = create_vault(tokens, units, fees=(0, REDEEM_FEE, 0))
    with boa.env.prank(attacker), boa.reverts("erc20: burn amount exceeds balance"):
        vault.redeem(WAD, [0, 0, 0], attacker)


# --- streaming fee ----------------------------------------------------------


@pytest.mark.parametrize("elapsed", [1, 86_400, YEAR // 2, YEAR, 3 * YEAR])
def test_accrue_fees__mints_the_streaming_fee_and_lowers_the_multiplier(
    streaming_vault, tokens, depositor, receiver, fee_recipient, elapsed
):
    vault = streaming_vault
    # At most one year accrues per call, whatever the time elapsed.
    new_supply, multiplier = preview_accrual(SUPPLY, WAD, STREAMING_FEE, elapsed)
    assert new_supply > SUPPLY and multiplier < WAD
    boa.env.time_travel(seconds=elapsed)
    assert index_lens().total_supply_after_accrual(vault) == new_supply
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    vault.accrue_fees()

    (event,) = events(vault, "FeesAccrued")
    assert (event.fee_shares, event.multiplier) == (new_supply - SUPPLY, multiplier)
    assert ledger.changes(before) == {
        ("fee_recipient", "shares"): new_supply - SUPPLY,
        ("index", "totalSupply"): new_supply - SUPPLY,
    }
    assert vault.multiplier() == multiplier
    assert vault.last_fee_accrual() == boa.env.timestamp


def test_accrue_fees__caps_one_call_at_a_year(streaming_vault):
    boa.env.time_travel(seconds=5 * YEAR)
    streaming_vault.accrue_fees()
    one_year = preview_accrual(SUPPLY, WAD, STREAMING_FEE, YEAR)
    assert (streaming_vault.totalSupply(), streaming_vault.multiplier()) == one_year


def test_accrue_fees__twice_in_a_block__second_is_a_no_op(streaming_vault):
    boa.env.time_travel(seconds=86_400)
    streaming_vault.accrue_fees()
    supply, multiplier = streaming_vault.totalSupply(), streaming_vault.multiplier()

    streaming_vault.accrue_fees()

    assert events(streaming_vault, "FeesAccrued") == []
    assert (streaming_vault.totalSupply(), streaming_vault.multiplier()) == (supply, multiplier)


def test_accrue_fees__in_steps__matches_the_model(streaming_vault):
    supply, multiplier = SUPPLY, WAD
    for elapsed in (3_600, 86_400, 7 * 86_400, 1):
        boa.env.time_travel(seconds=elapsed)
        streaming_vault.accrue_fees()
        supply, multiplier = preview_accrual(supply, multiplier, STREAMING_FEE, elapsed)
        assert (streaming_vault.totalSupply(), streaming_vault.multiplier()) == (supply, multiplier)


def test_accrue_fees__no_supply__moves_the_clock_only(create_vault, tokens, units, fee_recipient):
    vault = create_vault(tokens, units, fees=(0, 0, STREAMING_FEE))
    boa.env.time_travel(seconds=YEAR)

    vault.accrue_fees()

    assert events(vault, "FeesAccrued") == []
    assert (vault.totalSupply(), vault.balanceOf(fee_recipient), vault.multiplier()) == (0, 0, WAD)
    assert vault.last_fee_accrual() == boa.env.timestamp


def test_accrue_fees__no_rate__writes_nothing(vault, depositor):
    deployed_at = vault.last_fee_accrual()
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * 3, depositor)
    boa.env.time_travel(seconds=YEAR)

    vault.accrue_fees()

    assert events(vault, "FeesAccrued") == []
    assert (vault.totalSupply(), vault.multiplier(), vault.last_fee_accrual()) == (SUPPLY, WAD, deployed_at)


def test_accrue_fees__keeps_every_share_backed(streaming_vault, tokens, units):
    for _ in range(3):
        boa.env.time_travel(seconds=YEAR // 3 + 11)
        streaming_vault.accrue_fees()
    supply, multiplier = streaming_vault.totalSupply(), streaming_vault.multiplier()
    for token, unit in zip(tokens, units):
        assert token.balanceOf(streaming_vault.address) * 10**36 >= supply * unit * multiplier


def test_mint__after_time_passes__accrues_first_and_prices_at_the_new_multiplier(
    streaming_vault, tokens, units, depositor, receiver, fee_recipient
):
    vault = streaming_vault
    boa.env.time_travel(seconds=30 * 86_400)
    new_supply, multiplier = preview_accrual(SUPPLY, WAD, STREAMING_FEE, 30 * 86_400)
    shares = 10 * WAD + 1
    expected = [amount_in(shares, u, multiplier) for u in units]
    assert vault.amounts_for_mint(shares) == expected
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        vault.mint(shares, expected, receiver)

    (accrued,) = events(vault, "FeesAccrued")
    assert (accrued.fee_shares, accrued.multiplier) == (new_supply - SUPPLY, multiplier)
    moves = mint_moves("depositor", expected, "receiver", shares, fee_shares=new_supply - SUPPLY)
    assert ledger.changes(before) == moves


def test_redeem__after_time_passes__pays_at_the_new_multiplier(
    streaming_vault, tokens, units, depositor, receiver, fee_recipient
):
    vault = streaming_vault
    boa.env.time_travel(seconds=YEAR)
    new_supply, multiplier = preview_accrual(SUPPLY, WAD, STREAMING_FEE, YEAR)
    # A year at 5 %: the holder's share of the basket is 95 %.
    assert multiplier == WAD * 95 // 100
    expected = [amount_out(SUPPLY, u, multiplier) for u in units]
    ledger = _ledger(vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        vault.redeem(SUPPLY, expected, depositor)

    moves = redeem_moves("depositor", expected, "depositor", SUPPLY, fee_shares=new_supply - SUPPLY)
    assert ledger.changes(before) == moves
    # The fee recipient's shares are worth the rest.
    assert vault.amounts_for_redeem(vault.balanceOf(fee_recipient)) == [
        amount_out(new_supply - SUPPLY, u, multiplier) for u in units
    ]


# --- set_fees ---------------------------------------------------------------


def test_set_fees__sets_the_fees_and_emits(vault, admin):
    with boa.env.prank(admin):
        vault.set_fees(MINT_FEE, REDEEM_FEE, STREAMING_FEE)
    (event,) = events(vault, "FeesSet")
    assert (event.mint_fee, event.redeem_fee, event.streaming_fee) == (MINT_FEE, REDEEM_FEE, STREAMING_FEE)
    assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == (MINT_FEE, REDEEM_FEE, STREAMING_FEE)


def test_set_fees__at_the_maxima__succeeds(vault, admin):
    with boa.env.prank(admin):
        vault.set_fees(*MAX_FEES)
    assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == MAX_FEES


@pytest.mark.parametrize(
    "index, reason",
    [
        (0, "vault: mint fee above maximum"),
        (1, "vault: redeem fee above maximum"),
        (2, "vault: streaming fee above maximum"),
    ],
)
def test_set_fees__above_a_maximum__reverts(vault, admin, index, reason):
    fees = list(MAX_FEES)
    fees[index] += 1
    with boa.env.prank(admin), boa.reverts(reason):
        vault.set_fees(*fees)
    assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == (0, 0, 0)


def test_set_fees__accrues_at_the_old_rate_then_restarts_the_clock(streaming_vault, admin):
    vault = streaming_vault
    boa.env.time_travel(seconds=30 * 86_400)
    supply, multiplier = preview_accrual(SUPPLY, WAD, STREAMING_FEE, 30 * 86_400)

    with boa.env.prank(admin):
        vault.set_fees(0, 0, WAD // 100)

    (accrued,) = events(vault, "FeesAccrued")
    assert (accrued.fee_shares, accrued.multiplier) == (supply - SUPPLY, multiplier)
    assert vault.last_fee_accrual() == boa.env.timestamp

    boa.env.time_travel(seconds=86_400)
    vault.accrue_fees()
    assert (vault.totalSupply(), vault.multiplier()) == preview_accrual(supply, multiplier, WAD // 100, 86_400)


def test_set_fees__from_no_rate__charges_nothing_for_the_past(vault, admin, depositor):
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * 3, depositor)
    boa.env.time_travel(seconds=YEAR)

    with boa.env.prank(admin):
        vault.set_fees(0, 0, STREAMING_FEE)
    vault.accrue_fees()
    assert (vault.totalSupply(), vault.multiplier()) == (SUPPLY, WAD)

    boa.env.time_travel(seconds=86_400)
    vault.accrue_fees()
    assert (vault.totalSupply(), vault.multiplier()) == preview_accrual(SUPPLY, WAD, STREAMING_FEE, 86_400)


def test_max_fees__are_the_deployment_maxima(create_vault, tokens, units):
    vault = create_vault(tokens, units, max_fees=(WAD // 10, 3, WAD // 10 - 1))
    assert (vault.max_mint_fee(), vault.max_redeem_fee(), vault.max_streaming_fee()) == (WAD // 10, 3, WAD // 10 - 1)


# --- set_fee_recipient ------------------------------------------------------


def test_set_fee_recipient__accrues_to_the_old_recipient_first(streaming_vault, admin, fee_recipient, receiver):
    vault = streaming_vault
    boa.env.time_travel(seconds=YEAR // 2)
    supply, multiplier = preview_accrual(SUPPLY, WAD, STREAMING_FEE, YEAR // 2)

    with boa.env.prank(admin):
        vault.set_fee_recipient(receiver)

    (event,) = events(vault, "FeeRecipientSet")
    assert event.fee_recipient == receiver
    assert vault.fee_recipient() == receiver
    assert vault.balanceOf(fee_recipient) == supply - SUPPLY
    assert vault.balanceOf(receiver) == 0

    boa.env.time_travel(seconds=86_400)
    vault.accrue_fees()
    later, _ = preview_accrual(supply, multiplier, STREAMING_FEE, 86_400)
    assert vault.balanceOf(receiver) == later - supply
    assert vault.balanceOf(fee_recipient) == supply - SUPPLY


def test_set_fee_recipient__zero__reverts(vault, admin, fee_recipient):
    with boa.env.prank(admin), boa.reverts("vault: zero fee recipient"):
        vault.set_fee_recipient(ZERO_ADDRESS)
    assert vault.fee_recipient() == fee_recipient
