"""MorphoLiquidator's guards, which need no market: the callback only from Morpho and only inside its own
`liquidate`, no re-entry while liquidating, no zero addresses."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from tests.utils.boa_env import ZERO_ADDRESS, deployer


@pytest.fixture(scope="module")
def bare():
    """A liquidator on a Morpho and a router that are bare addresses: for the guards, no fork needed."""
    morpho, router = boa.env.generate_address("morpho"), boa.env.generate_address("router")
    liquidator = deployer("periphery/MorphoLiquidator.vy").deploy(morpho, router)
    return SimpleNamespace(liquidator=liquidator, morpho=morpho, router=router)


def test_on_morpho_liquidate__not_from_morpho__reverts(bare, attacker):
    with boa.env.prank(attacker), boa.reverts("liquidator: not morpho"):
        bare.liquidator.onMorphoLiquidate(1, b"\x00" * 128)


def test_on_morpho_liquidate__from_morpho_outside_a_liquidation__reverts(bare):
    """Morpho calls back whoever called it: only this contract's own `liquidate` opens the callback."""
    with boa.env.prank(bare.morpho), boa.reverts("liquidator: not liquidating"):
        bare.liquidator.onMorphoLiquidate(1, b"\x00" * 128)


def test_init__zero_addresses__revert(bare):
    liquidator = deployer("periphery/MorphoLiquidator.vy")
    with boa.reverts("liquidator: zero morpho"):
        liquidator.deploy(ZERO_ADDRESS, bare.router)
    with boa.reverts("liquidator: zero router"):
        liquidator.deploy(bare.morpho, ZERO_ADDRESS)


REENTERING_MORPHO = """
# pragma version ~=0.4.3
struct MarketParams:
    loanToken: address
    collateralToken: address
    oracle: address
    irm: address
    lltv: uint256
struct Route:
    dex: uint8
    fee: uint24
    path: DynArray[address, 3]
interface ILiquidator:
    def liquidate(
        p: MarketParams, b: address, s: uint256, r: uint256, routes: DynArray[Route, 32], m: uint256
    ) -> uint256: nonpayable
@external
def liquidate(p: MarketParams, b: address, s: uint256, r: uint256, data: Bytes[8384]) -> (uint256, uint256):
    extcall ILiquidator(msg.sender).liquidate(p, b, s, r, [], 0)
    return 0, 0
"""


def test_liquidate__reentered_while_liquidating__reverts(bare, attacker):
    """A hook re-entering `liquidate` mid-callback (where the proceeds sit) is refused: here a Morpho
    stand-in calls back into it."""
    morpho = boa.loads(REENTERING_MORPHO)
    liquidator = deployer("periphery/MorphoLiquidator.vy").deploy(morpho.address, bare.router)
    params = (bare.router, bare.router, bare.router, ZERO_ADDRESS, 0)  # never read before the re-entry
    with boa.env.prank(attacker), boa.reverts("liquidator: reentrant call"):
        liquidator.liquidate(params, attacker, 1, 0, [], 0)
