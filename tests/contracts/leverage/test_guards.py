"""LeveragedIndex's refusals, each by its reason: Morpho's callbacks from a stranger or outside the product's own
call, fees above their maxima, roles, construction bounds; and redemption with no role able to
stop it."""

from __future__ import annotations

import boa
import pytest

from tests.utils import MISSING_ROLE, WAD
from tests.utils.boa_env import deployer
from tests.utils.leverage import LONG

USDC = 10**6


@pytest.fixture
def long(lev, create_product):
    product = create_product(False)
    with boa.env.prank(lev.minter):
        product.contract.mint(1_000 * USDC, 0, product.routes_in, lev.minter)
    return product


@pytest.mark.parametrize("callback", ["onMorphoSupplyCollateral", "onMorphoRepay"])
def test_callback__from_a_stranger__reverts(lev, long, attacker, callback):
    with boa.env.prank(attacker), boa.reverts("lev: not morpho"):
        getattr(long.contract, callback)(10**18, b"")


@pytest.mark.parametrize("callback", ["onMorphoSupplyCollateral", "onMorphoRepay"])
def test_callback__from_morpho_outside_the_products_own_call__reverts(lev, long, callback):
    with boa.env.prank(lev.morpho.address), boa.reverts("lev: not called back"):
        getattr(long.contract, callback)(10**18, b"")


def test_set_fees__above_maxima__revert_and_only_the_admin_sets_them(lev, long, attacker):
    c = long.contract
    with boa.env.prank(lev.admin):
        with boa.reverts("lev: mint fee above maximum"):
            c.set_fees(c.max_mint_fee() + 1, 0)
        with boa.reverts("lev: redeem fee above maximum"):
            c.set_fees(0, c.max_redeem_fee() + 1)
        c.set_fees(c.max_mint_fee(), c.max_redeem_fee())
    assert (c.mint_fee(), c.redeem_fee()) == (WAD // 100, WAD // 100)
    with boa.env.prank(attacker):
        with boa.reverts(MISSING_ROLE):
            c.set_fees(0, 0)
        with boa.reverts(MISSING_ROLE):
            c.set_supply_cap(0)
        with boa.reverts(MISSING_ROLE):
            c.set_fee_recipient(attacker)
    with boa.env.prank(lev.admin), boa.reverts("lev: zero fee recipient"):
        c.set_fee_recipient("0x" + "00" * 20)


def test_redeem__no_role_can_stop_it__revoking_every_role_leaves_it_working(lev, long):
    c = long.contract
    with boa.env.prank(lev.admin):
        c.revokeRole(c.KEEPER_ROLE(), lev.keeper)
        c.revokeRole(c.MANAGER_ROLE(), lev.lev_manager)
        c.set_fees(0, c.max_redeem_fee())
    with boa.env.prank(lev.lev_manager), boa.reverts(MISSING_ROLE):
        c.set_supply_cap(0)
    shares = c.balanceOf(lev.minter)
    with boa.env.prank(lev.minter):
        assert c.redeem(shares, 0, long.routes_out, lev.minter) > 0
    assert c.balanceOf(lev.minter) == 0


def test_mint_and_redeem__zero__revert(lev, long):
    with boa.env.prank(lev.minter):
        with boa.reverts("lev: zero amount"):
            long.contract.mint(0, 0, long.routes_in, lev.minter)
        with boa.reverts("lev: zero amount"):
            long.contract.redeem(0, 0, long.routes_out, lev.minter)
        with boa.reverts("lev: zero receiver"):
            long.contract.mint(USDC, 0, long.routes_in, "0x" + "00" * 20)


def test_mint__swaps_costlier_than_the_buffer__revert(lev, create_product):
    """A route through a pool that costs more than `swap_buffer` (here: no buffer at all) refuses the mint."""
    product = create_product(False, bounds=LONG._replace(swap_buffer=0))
    with boa.env.prank(lev.minter), boa.reverts("router: max in exceeded"):
        product.contract.mint(1_000 * USDC, 0, product.routes_in, lev.minter)


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"low": 0}, "lev: bad bounds"),
        ({"low": 21 * WAD // 10}, "lev: bad bounds"),
        ({"high": 19 * WAD // 10}, "lev: bad bounds"),
        ({"ripcord": 23 * WAD // 10}, "lev: bad bounds"),
        ({"max_slippage": WAD // 20 + 1}, "lev: bad bounds"),
        ({"swap_buffer": WAD // 20 + 1}, "lev: bad bounds"),
    ],
)
def test_deploy__bad_bounds__revert(lev, create_product, change, reason):
    with boa.reverts(reason):
        create_product(False, bounds=LONG._replace(**change))


def test_deploy__fee_maximum_above_ten_percent__reverts(lev, create_product):
    with boa.reverts("lev: fee maximum too high"):
        create_product(False, max_fees=(WAD // 10 + 1, 0))


def test_redeem__leaving_a_dust_supply__reverts_all_or_enough_goes(lev, long):
    """A supply between 0 and MIN_SUPPLY would let a donation to the position inflate the equity per share."""
    c = long.contract
    held = c.balanceOf(lev.minter)
    dust = c.MIN_SUPPLY() - 1
    with boa.env.prank(lev.minter):
        with boa.reverts("lev: dust supply left"):
            c.redeem(held - dust, 0, long.routes_out, lev.minter)
        c.redeem(held - c.MIN_SUPPLY(), 0, long.routes_out, lev.minter)
        c.redeem(c.MIN_SUPPLY(), 0, long.routes_out, lev.minter)
    assert c.totalSupply() == 0


def test_set_fees__admin_is_the_index_timelock__only_after_its_delay(lev, create_product):
    """Behind an IndexTimelock (the index's pattern), a fee change is public for the whole delay first."""
    governor = boa.env.generate_address("governor")
    delay = 2 * 86_400
    timelock = deployer("IndexTimelock.vy").deploy(delay, governor, 86_400, 30 * 86_400)
    product = create_product(False, admin=timelock.address)
    payload = product.contract.set_fees.prepare_calldata(WAD // 200, WAD // 200)
    operation = (product.contract.address, 0, payload, b"\x00" * 32, b"\x00" * 32)
    with boa.env.prank(governor):
        timelock.schedule(*operation, delay)
        with boa.reverts("timelock_controller: operation is not ready"):
            timelock.execute(*operation)
        boa.env.time_travel(seconds=delay)
        timelock.execute(*operation)
    assert (product.contract.mint_fee(), product.contract.redeem_fee()) == (WAD // 200, WAD // 200)
    with boa.env.prank(governor), boa.reverts(MISSING_ROLE):
        product.contract.set_fees(0, 0)
