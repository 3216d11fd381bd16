"""Fixtures for the lending contracts on the saved market: the arbitrage tests' index (`pooled_index`: WBTC, WETH, ADA,
USDC; its adapter, the IndexRouter and the index token's USDC pool),
Morpho Blue 1.0.0 (the published code) with a market of the index token against USDC at 77 % LLTV priced
by a settable oracle, a lender's USDC in it, a borrower at the LLTV, and the MorphoLiquidator."""

from __future__ import annotations

import boa
import pytest

from indexvault.lending import model
from indexvault.model import WAD
from tests.utils import MAX
from tests.utils import morpho as morpho_utils
from tests.utils.boa_env import deployer

COLLATERAL = 50 * WAD  # the borrower's index tokens
LENT = 1_000_000 * 10**6  # the lender's USDC
LLTV = 770_000_000_000_000_000  # 77 %, one of the LLTVs Morpho's governance enables


def nav_price(oracle) -> int:
    """The adapter's NAV per share as Morpho's price (USDC base units per index wei, 1e36)."""
    return model.oracle_price(oracle.nav_per_share(), 18, 18, 6)


@pytest.fixture
def lending(pooled_index):
    """`env` with Morpho, the market (`params`, `price_oracle`), the lender, the borrower at the LLTV
    (`borrower`, owing `borrowed` USDC) and the liquidator."""
    env = pooled_index  # the arbitrage tests' index (tests/conftest.py)
    owner = boa.env.generate_address("morpho_owner")
    lender, borrower = boa.env.generate_address("lender"), boa.env.generate_address("borrower")
    morpho = morpho_utils.deploy_morpho(owner)
    price = nav_price(env.oracle)
    price_oracle = deployer("mocks/MockMorphoOracle.vy").deploy(price)
    params = morpho_utils.market_params(env.usdc.address, env.vault.address, price_oracle.address, LLTV)
    morpho.createMarket(params)
    env.usdc.mint(lender, LENT)
    with boa.env.prank(lender):
        env.usdc.approve(morpho.address, MAX)
        morpho.supply(params, LENT, 0, lender, b"")
    with boa.env.prank(env.depositor):
        env.vault.transfer(borrower, COLLATERAL)
    borrowed = model.max_borrow(COLLATERAL, price, LLTV)
    with boa.env.prank(borrower):
        env.vault.approve(morpho.address, COLLATERAL)
        morpho.supplyCollateral(params, COLLATERAL, borrower, b"")
        morpho.borrow(params, borrowed, 0, borrower, borrower)
    liquidator = deployer("periphery/MorphoLiquidator.vy").deploy(morpho.address, env.router.address)
    env.morpho, env.params, env.price_oracle, env.price = morpho, params, price_oracle, price
    env.lender, env.borrower, env.borrowed, env.liquidator = lender, borrower, borrowed, liquidator
    return env
