"""Roles: who may set fees, the fee recipient, the supply cap and the mint pause."""

import boa
import pytest
from eth_utils import keccak

from indexvault.model import WAD
from tests.utils import ADMIN_ROLE, MANAGER_ROLE, MAX, MISSING_ROLE
from tests.utils.boa_env import events

GUARDIAN_ROLE = keccak(text="GUARDIAN_ROLE")
ACTORS = ["admin", "manager", "guardian", "fee_recipient", "depositor", "attacker"]


@pytest.fixture(scope="module")
def launcher():
    """An account that deploys the vault on the admin's behalf."""
    return boa.env.generate_address("launcher")


def _others(*allowed):
    return [a for a in ACTORS if a not in allowed]


# --- constructor grants ------------------------------------------------------


def test_roles__constants(vault):
    assert vault.DEFAULT_ADMIN_ROLE() == ADMIN_ROLE
    assert vault.MANAGER_ROLE() == MANAGER_ROLE
    assert vault.GUARDIAN_ROLE() == GUARDIAN_ROLE
    assert vault.getRoleAdmin(MANAGER_ROLE) == ADMIN_ROLE
    assert vault.getRoleAdmin(GUARDIAN_ROLE) == ADMIN_ROLE


@pytest.mark.parametrize("actor", ACTORS)
def test_constructor__grants_each_role_to_its_holder_only(vault, actors, actor):
    account = actors[actor]
    assert vault.hasRole(ADMIN_ROLE, account) == (actor == "admin")
    assert vault.hasRole(MANAGER_ROLE, account) == (actor == "manager")
    assert vault.hasRole(GUARDIAN_ROLE, account) == (actor == "guardian")


def test_constructor__deployer_other_than_admin__loses_admin(create_vault, launcher, tokens, units, admin):
    vault = create_vault(tokens, units, sender=launcher)
    (revoked,) = events(vault, "RoleRevoked")
    assert (revoked.role, revoked.account, revoked.sender) == (ADMIN_ROLE, launcher, launcher)
    assert vault.hasRole(ADMIN_ROLE, launcher) is False
    assert vault.hasRole(ADMIN_ROLE, admin) is True
    assert vault.hasRole(MANAGER_ROLE, launcher) is False
    assert vault.hasRole(GUARDIAN_ROLE, launcher) is False
    with boa.env.prank(launcher), boa.reverts(MISSING_ROLE):
        vault.set_fees(1, 1, 1)
    with boa.env.prank(launcher), boa.reverts(MISSING_ROLE):
        vault.grantRole(ADMIN_ROLE, launcher)


# --- set_fees and set_fee_recipient: admin only --------------------------------


@pytest.mark.parametrize("actor", _others("admin"))
def test_set_fees__not_admin__reverts(vault, actors, actor):
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        vault.set_fees(1, 1, 1)
    assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == (0, 0, 0)


def test_set_fees__admin__succeeds(vault, admin):
    with boa.env.prank(admin):
        vault.set_fees(1, 2, 3)
    assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == (1, 2, 3)


@pytest.mark.parametrize("actor", _others("admin"))
def test_set_fee_recipient__not_admin__reverts(vault, actors, actor, fee_recipient, attacker):
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        vault.set_fee_recipient(attacker)
    assert vault.fee_recipient() == fee_recipient


def test_set_fee_recipient__admin__succeeds(vault, admin, receiver):
    with boa.env.prank(admin):
        vault.set_fee_recipient(receiver)
    assert vault.fee_recipient() == receiver


# --- set_supply_cap: manager only ---------------------------------------------


@pytest.mark.parametrize("actor", _others("manager"))
def test_set_supply_cap__not_manager__reverts(vault, actors, actor):
    cap = vault.supply_cap()
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        vault.set_supply_cap(0)
    assert vault.supply_cap() == cap


@pytest.mark.parametrize("cap", [0, 123 * WAD, 2**100])
def test_set_supply_cap__manager__sets_and_emits(vault, manager, cap):
    with boa.env.prank(manager):
        vault.set_supply_cap(cap)
    (event,) = events(vault, "SupplyCapSet")
    assert event.supply_cap == cap
    assert vault.supply_cap() == cap


def test_set_supply_cap__above_maximum__reverts(vault, manager):
    assert vault.MAX_SUPPLY() == 2**100
    with boa.env.prank(manager), boa.reverts("vault: cap above maximum"):
        vault.set_supply_cap(2**100 + 1)
    assert vault.supply_cap() == 10**9 * WAD


def test_set_supply_cap__below_supply__stops_minting(vault, manager, depositor):
    with boa.env.prank(depositor):
        vault.mint(10 * WAD, [MAX] * 3, depositor)
    with boa.env.prank(manager):
        vault.set_supply_cap(5 * WAD)
    with boa.env.prank(depositor), boa.reverts("vault: supply cap exceeded"):
        vault.mint(1, [MAX] * 3, depositor)


# --- set_mint_paused: guardian only -------------------------------------------


@pytest.mark.parametrize("actor", _others("guardian"))
def test_set_mint_paused__not_guardian__reverts(vault, actors, actor):
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        vault.set_mint_paused(True)
    assert vault.mint_paused() is False


def test_set_mint_paused__guardian__pauses_and_resumes(vault, guardian):
    with boa.env.prank(guardian):
        vault.set_mint_paused(True)
        (paused,) = events(vault, "MintPausedSet")
        assert paused.paused is True
        assert vault.mint_paused() is True

        vault.set_mint_paused(False)
        (resumed,) = events(vault, "MintPausedSet")
        assert resumed.paused is False
        assert vault.mint_paused() is False


def test_set_mint_paused__keeps_the_rest_of_the_state(vault, guardian, depositor):
    with boa.env.prank(depositor):
        vault.mint(WAD, [MAX] * 3, depositor)
    state = (vault.multiplier(), vault.last_fee_accrual(), vault.component_count(), vault.units())
    with boa.env.prank(guardian):
        vault.set_mint_paused(True)
    assert (vault.multiplier(), vault.last_fee_accrual(), vault.component_count(), vault.units()) == state


# --- granting and revoking ----------------------------------------------------


def test_grant_role__admin_grants_and_revokes_manager(vault, admin, receiver):
    with boa.env.prank(admin):
        vault.grantRole(MANAGER_ROLE, receiver)
    with boa.env.prank(receiver):
        vault.set_supply_cap(7 * WAD)
    assert vault.supply_cap() == 7 * WAD

    with boa.env.prank(admin):
        vault.revokeRole(MANAGER_ROLE, receiver)
    with boa.env.prank(receiver), boa.reverts(MISSING_ROLE):
        vault.set_supply_cap(8 * WAD)


@pytest.mark.parametrize("actor", _others("admin"))
def test_grant_role__not_admin__reverts(vault, actors, actor, attacker):
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        vault.grantRole(GUARDIAN_ROLE, attacker)
    assert vault.hasRole(GUARDIAN_ROLE, attacker) is False
