"""IndexVault.__init__: what a deployment stores, and every argument it refuses."""

import boa
import pytest

from indexvault.model import WAD
from tests.utils.boa_env import ZERO_ADDRESS, deployer, events

MAX_UNIT = 2**96 - 1
MAX_SUPPLY = 2**100
CEILING = WAD // 10  # the hard ceiling on every fee maximum
CAP = 10**9 * WAD


@pytest.fixture
def deploy(tokens, units, admin, manager, guardian, fee_recipient):
    """Deploys the vault as the admin, with any argument overridden."""

    def deploy(**overrides):
        args = {
            "tokens": [t.address for t in tokens],
            "units": list(units),
            "fee_recipient": fee_recipient,
            "fees": [0, 0, 0],
            "max_fees": [WAD // 100, WAD // 100, WAD // 20],
            "supply_cap": CAP,
            "admin": admin,
            "manager": manager,
            "guardian": guardian,
        }
        args.update(overrides)
        with boa.env.prank(admin):
            return deployer("IndexVault.vy").deploy(
                "Test Index",
                "TIDX",
                args["tokens"],
                args["units"],
                args["admin"],
                args["manager"],
                args["guardian"],
                args["fee_recipient"],
                args["fees"],
                args["max_fees"],
                args["supply_cap"],
            )

    return deploy


def test_constructor__stores_the_basket_and_settings(deploy, tokens, units, fee_recipient):
    vault = deploy(fees=[1, 2, 3], supply_cap=12 * WAD)

    assert (vault.name(), vault.symbol(), vault.decimals()) == ("Test Index", "TIDX", 18)
    assert vault.components() == [t.address for t in tokens]
    assert vault.component_count() == 3
    assert [vault.position(i) for i in range(3)] == [(t.address, u) for t, u in zip(tokens, units)]
    assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == (1, 2, 3)
    assert (vault.max_mint_fee(), vault.max_redeem_fee(), vault.max_streaming_fee()) == (
        WAD // 100,
        WAD // 100,
        WAD // 20,
    )
    assert vault.supply_cap() == 12 * WAD
    assert vault.fee_recipient() == fee_recipient
    assert vault.multiplier() == WAD
    assert vault.last_fee_accrual() == boa.env.timestamp
    assert vault.mint_paused() is False
    assert vault.totalSupply() == 0
    assert vault.MAX_COMPONENTS() == 128


def test_constructor__emits_the_settings(deploy, fee_recipient):
    vault = deploy(fees=[1, 2, 3], supply_cap=12 * WAD)
    (fees,) = events(vault, "FeesSet")
    (recipient,) = events(vault, "FeeRecipientSet")
    (cap,) = events(vault, "SupplyCapSet")
    assert (fees.mint_fee, fees.redeem_fee, fees.streaming_fee) == (1, 2, 3)
    assert recipient.fee_recipient == fee_recipient
    assert cap.supply_cap == 12 * WAD


def test_constructor__limits_are_inclusive(deploy):
    vault = deploy(
        units=[MAX_UNIT, 1, MAX_UNIT],
        max_fees=[CEILING, CEILING, CEILING],
        fees=[CEILING, CEILING, CEILING],
        supply_cap=MAX_SUPPLY,
    )
    assert vault.units() == [MAX_UNIT, 1, MAX_UNIT]
    assert (vault.max_mint_fee(), vault.max_redeem_fee(), vault.max_streaming_fee()) == (CEILING,) * 3
    assert vault.supply_cap() == MAX_SUPPLY


def test_constructor__no_components__reverts(deploy):
    with boa.reverts("vault: no components"):
        deploy(tokens=[], units=[])


@pytest.mark.parametrize("count", [2, 4])
def test_constructor__units_length_mismatch__reverts(deploy, units, count):
    with boa.reverts("vault: units length mismatch"):
        deploy(units=(list(units) * 2)[:count])


@pytest.mark.parametrize("index", [0, 2])
def test_constructor__zero_token__reverts(deploy, tokens, index):
    addresses = [t.address for t in tokens]
    addresses[index] = ZERO_ADDRESS
    with boa.reverts("vault: zero token"):
        deploy(tokens=addresses)


@pytest.mark.parametrize("index", [0, 2])
def test_constructor__zero_unit__reverts(deploy, units, index):
    bad = list(units)
    bad[index] = 0
    with boa.reverts("vault: zero unit"):
        deploy(units=bad)


@pytest.mark.parametrize("index", [0, 2])
def test_constructor__unit_too_large__reverts(deploy, units, index):
    bad = list(units)
    bad[index] = MAX_UNIT + 1
    with boa.reverts("vault: unit too large"):
        deploy(units=bad)


@pytest.mark.parametrize("order", [(0, 0, 1), (0, 1, 1), (1, 0, 1), (2, 1, 2)])
def test_constructor__duplicate_component__reverts(deploy, tokens, order):
    with boa.reverts("vault: duplicate component"):
        deploy(tokens=[tokens[i].address for i in order])


@pytest.mark.parametrize(
    "index, reason",
    [
        (0, "vault: max mint fee too high"),
        (1, "vault: max redeem fee too high"),
        (2, "vault: max streaming fee too high"),
    ],
)
def test_constructor__max_fee_too_high__reverts(deploy, index, reason):
    max_fees = [CEILING] * 3
    max_fees[index] += 1
    with boa.reverts(reason):
        deploy(max_fees=max_fees)


@pytest.mark.parametrize(
    "index, reason",
    [
        (0, "vault: mint fee above maximum"),
        (1, "vault: redeem fee above maximum"),
        (2, "vault: streaming fee above maximum"),
    ],
)
def test_constructor__fee_above_its_maximum__reverts(deploy, index, reason):
    fees = [WAD // 100, WAD // 100, WAD // 20]
    fees[index] += 1
    with boa.reverts(reason):
        deploy(fees=fees)


def test_constructor__zero_fee_recipient__reverts(deploy):
    with boa.reverts("vault: zero fee recipient"):
        deploy(fee_recipient=ZERO_ADDRESS)


def test_constructor__cap_above_maximum__reverts(deploy):
    with boa.reverts("vault: cap above maximum"):
        deploy(supply_cap=MAX_SUPPLY + 1)


@pytest.mark.parametrize("role", ["admin", "manager", "guardian"])
def test_constructor__zero_role_holder__reverts(deploy, role):
    with boa.reverts(f"vault: zero {role}"):
        deploy(**{role: ZERO_ADDRESS})
