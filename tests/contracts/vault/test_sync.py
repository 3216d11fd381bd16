"""A component that changes after listing: IndexVault.solvency and sync.

Finding (issue 10, "A token that changes after listing"): a component that
later charges the vault a fee on transfer, rebases down, or has part of the
vault's balance seized leaves the vault owing more than it holds, and the
last holders' redemptions revert. the lens's `solvency` shows it per component, and
anyone's `sync(token)` writes the unit down to what the vault holds beyond
its claims, so every holder shares the loss pro rata.
"""

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexvault.model import UNIT_SCALE, WAD, amount_out, synced_unit
from indexvault.solvency import shortfalls, solvency_rows
from tests.utils import MAX, sized
from tests.utils.boa_env import deployer, events, index_lens

FIRST = 60 * WAD + 11  # the depositor's shares
SECOND = 40 * WAD + 7  # the receiver's shares
UNITS = [3 * 10**18 // 2 + 7, 2 * 10**6 + 3]  # the changing token (18 dec), a plain one (6 dec)


@pytest.fixture(scope="module")
def changing():
    return deployer("mocks/ChangingToken.vy").deploy("Changing", "CHG", 18)


@pytest.fixture(scope="module")
def synced_vault(changing, create_token, create_vault, fund, depositor, receiver):
    """A vault over the changing token and a plain one; the depositor holds
    FIRST shares and the receiver SECOND, both minted while it was plain."""
    plain = create_token(6, symbol="PLN")
    tokens = [changing, plain]
    vault = create_vault(tokens, UNITS)
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(FIRST, [MAX] * 2, depositor)
        vault.mint(SECOND, [MAX] * 2, receiver)
    return vault, tokens


def _seize(token, vault, fraction_bps=1_000):
    token.seize(vault.address, token.balanceOf(vault.address) * fraction_bps // 10_000)


def _rebase(token, vault):
    token.rebase(9, 10)


CHANGES = {"seized": _seize, "rebased-down": _rebase}


@pytest.mark.parametrize("change", list(CHANGES))
def test_redeem__after_the_token_lost_balance__last_redeemer_reverts_before_sync(
    synced_vault, depositor, receiver, change
):
    vault, (changing, _) = synced_vault
    CHANGES[change](changing, vault)
    with boa.env.prank(depositor):
        vault.redeem(FIRST, [0, 0], depositor)

    with boa.env.prank(receiver), boa.reverts("mock: insufficient balance"):
        vault.redeem(SECOND, [0, 0], receiver)


@pytest.mark.parametrize("change", list(CHANGES))
def test_sync__after_the_token_lost_balance__every_holder_redeems_pro_rata(
    synced_vault, depositor, receiver, attacker, change
):
    vault, (changing, plain) = synced_vault
    CHANGES[change](changing, vault)
    held = changing.balanceOf(vault.address)
    supply = vault.totalSupply()
    unit = UNITS[0]
    new_unit = held * UNIT_SCALE // (supply * WAD)
    assert new_unit < unit

    with boa.env.prank(attacker):  # anyone may sync
        returned = vault.sync(changing.address)

    (event,) = events(vault, "Synced")
    assert (event.token, event.unit_before, event.unit_after, event.held, event.claims) == (
        changing.address,
        unit,
        new_unit,
        held,
        0,
    )
    assert returned == new_unit
    assert vault.position(0) == (changing.address, new_unit)
    assert vault.position(1) == (plain.address, UNITS[1])  # the other component is untouched

    for holder, shares in ((depositor, FIRST), (receiver, SECOND)):
        before = changing.balanceOf(holder)
        with boa.env.prank(holder):
            vault.redeem(shares, [0, 0], holder)
        paid = changing.balanceOf(holder) - before
        # Each holder's share of what the vault really held, rounded down
        # (less 1 at most: a rebasing token credits shares rounded down).
        assert amount_out(shares, new_unit, WAD) - 1 <= paid <= amount_out(shares, new_unit, WAD)
        assert paid <= held * shares // supply
        assert held * shares // supply - paid <= 1 + shares // WAD
    assert vault.totalSupply() == 0


def test_sync__after_a_fee_on_transfer_charged_the_vault__shares_the_loss(
    synced_vault, depositor, receiver, attacker, fund
):
    """The token charged its sender 5 % on top of every transfer for a while;
    the vault paid it on a third holder's redemption. Then the fee stopped."""
    vault, (changing, plain) = synced_vault
    fund(vault, [changing, plain], attacker)
    with boa.env.prank(attacker):
        vault.mint(10 * WAD, [MAX] * 2, attacker)
    changing.set_sender_fee_bps(500)
    with boa.env.prank(attacker):
        vault.redeem(10 * WAD, [0, 0], attacker)
    changing.set_sender_fee_bps(0)
    with boa.env.anchor():
        with boa.env.prank(depositor):
            vault.redeem(FIRST, [0, 0], depositor)
        with boa.env.prank(receiver), boa.reverts("mock: insufficient balance"):
            vault.redeem(SECOND, [0, 0], receiver)
    held = changing.balanceOf(vault.address)

    vault.sync(changing.address)

    new_unit = vault.position(0)[1]
    assert new_unit == held * UNIT_SCALE // ((FIRST + SECOND) * WAD) < UNITS[0]
    for holder, shares in ((depositor, FIRST), (receiver, SECOND)):
        before = changing.balanceOf(holder)
        with boa.env.prank(holder):
            vault.redeem(shares, [0, 0], holder)
        assert changing.balanceOf(holder) - before == amount_out(shares, new_unit, WAD)


def test_sync__token_that_keeps_charging_the_vault__last_holder_skips_it_and_keeps_a_claim(
    synced_vault, depositor, receiver
):
    """A sender fee that stays on costs the vault more at every transfer out:
    after a sync the last holder's transfer still needs more than is left.
    Redemption is not blocked: the holder skips the component, is paid the
    rest in full and keeps a claim, pushed to it once the fee stops."""
    vault, (changing, plain) = synced_vault
    changing.set_sender_fee_bps(500)
    with boa.env.prank(depositor):
        vault.redeem(FIRST, [0, 0], depositor)
    vault.sync(changing.address)
    unit = vault.position(0)[1]
    with boa.env.prank(receiver), boa.reverts("mock: insufficient balance"):
        vault.redeem(SECOND, [0, 0], receiver)

    with boa.env.prank(receiver):
        vault.redeem(SECOND, [0, 0], receiver, 0b01)

    assert plain.balanceOf(receiver) == amount_out(SECOND, UNITS[1], WAD)
    claim = vault.claims(changing.address, receiver)
    assert claim == amount_out(SECOND, unit, WAD)
    changing.set_sender_fee_bps(0)
    assert vault.push_claim(changing.address, receiver) == claim
    assert changing.balanceOf(receiver) == claim


def test_solvency__shows_the_shortfall_and_sync_closes_it(synced_vault):
    vault, (changing, plain) = synced_vault
    held, owed = index_lens().solvency(vault)
    assert held[0] >= owed[0] and held[1] >= owed[1]
    assert owed == [-(-(FIRST + SECOND) * u * WAD // UNIT_SCALE) for u in UNITS]
    _seize(changing, vault)

    held, owed = index_lens().solvency(vault)
    rows = shortfalls(solvency_rows(vault.components(), held, owed))
    assert [(r.token, r.shortfall) for r in rows] == [(changing.address, owed[0] - held[0])]

    vault.sync(changing.address)

    held, owed = index_lens().solvency(vault)
    assert held[0] >= owed[0]
    assert shortfalls(solvency_rows(vault.components(), held, owed)) == []


def test_sync__healthy_component__changes_nothing(synced_vault, attacker):
    vault, (changing, plain) = synced_vault
    for token, unit in zip((changing, plain), UNITS):
        with boa.env.prank(attacker):
            assert vault.sync(token.address) == unit
        assert events(vault, "Synced") == []
    assert [vault.position(i)[1] for i in range(2)] == UNITS


def test_sync__after_a_donation__never_raises_the_unit(synced_vault, attacker):
    """A donation stays outside the units: were sync to absorb it, a
    donor could raise what a share is worth at will (the first-minter
    inflation lever) and move a rebalancing auction's basis."""
    vault, (changing, plain) = synced_vault
    plain.mint(attacker, 10**12)
    with boa.env.prank(attacker):
        plain.transfer(vault.address, 10**12)
        assert vault.sync(plain.address) == UNITS[1]
    assert events(vault, "Synced") == []
    assert vault.position(1)[1] == UNITS[1]


def test_sync__with_outstanding_claims__pays_claims_first_and_shares_the_rest(synced_vault, depositor, receiver, fund):
    vault, (changing, plain) = synced_vault
    # The plain token freezes; the receiver skips it and keeps a claim.
    plain.set_frozen(True)
    with boa.env.prank(receiver):
        vault.redeem(SECOND // 2, [0, 0], receiver, 0b10)
    plain.set_frozen(False)
    claim = vault.claims(plain.address, receiver)
    assert claim == amount_out(SECOND // 2, UNITS[1], WAD)
    # Then a tenth of the vault's plain balance is taken.
    with boa.env.prank(vault.address):
        plain.transfer(boa.env.generate_address("seizer"), plain.balanceOf(vault.address) // 10)
    held = plain.balanceOf(vault.address)
    supply = vault.totalSupply()

    vault.sync(plain.address)

    new_unit = vault.position(1)[1]
    assert new_unit == synced_unit(UNITS[1], held, claim, supply, WAD) == (held - claim) * UNIT_SCALE // (supply * WAD)
    with boa.env.prank(receiver):
        assert vault.withdraw_claim(plain.address, receiver) == claim
    for holder in (depositor, receiver):
        shares = vault.balanceOf(holder)
        with boa.env.prank(holder):
            vault.redeem(shares, [0, 0], holder)
    assert vault.totalSupply() == 0
    # Everyone was paid; what is left is the unit's rounding, under a base unit a share.
    assert plain.balanceOf(vault.address) <= supply // WAD + 2


def test_sync__balance_below_claims__writes_the_unit_to_zero(synced_vault, receiver):
    vault, (changing, plain) = synced_vault
    changing_unit = vault.position(0)[1]
    plain.set_frozen(True)
    with boa.env.prank(receiver):
        vault.redeem(SECOND, [0, 0], receiver, 0b10)
    plain.set_frozen(False)
    claim = vault.claims(plain.address, receiver)
    with boa.env.prank(vault.address):
        plain.transfer(boa.env.generate_address("seizer"), plain.balanceOf(vault.address) - claim // 2)

    assert vault.sync(plain.address) == 0

    assert vault.position(1) == (plain.address, 0)
    assert vault.position(0)[1] == changing_unit


def test_sync__no_supply__changes_nothing(changing, create_token, create_vault):
    plain = create_token(6, symbol="PLN")
    vault = create_vault([changing, plain], UNITS)
    assert vault.sync(plain.address) == UNITS[1]
    assert events(vault, "Synced") == []


def test_sync__not_a_component__reverts(synced_vault, attacker):
    vault, _ = synced_vault
    with boa.env.prank(attacker), boa.reverts("vault: not a component"):
        vault.sync(attacker)


@settings(max_examples=sized(20, 40), deadline=None)
@given(
    seized_bps=st.integers(min_value=0, max_value=10_000),
    donated=st.integers(min_value=0, max_value=10**20),
)
def test_sync__any_loss__never_raises_a_unit_and_leaves_every_share_paid(synced_vault, seized_bps, donated):
    vault, (changing, plain) = synced_vault
    with boa.env.anchor():
        _seize(changing, vault, seized_bps)
        changing.mint(vault.address, donated)
        held = changing.balanceOf(vault.address)
        supply = vault.totalSupply()

        unit = vault.sync(changing.address)

        assert unit == synced_unit(UNITS[0], held, 0, supply, WAD) <= UNITS[0]
        # After sync the vault holds all that all shares are owed.
        assert held * UNIT_SCALE >= supply * unit * WAD
        held_now, owed = index_lens().solvency(vault)
        assert held_now[0] >= owed[0]
