"""The attacks on a lender taking the index as collateral, on the saved market: the arbitrage tests'
index (WBTC, WETH, ADA, USDC; its adapter, the IndexRouter and the index token's USDC pool, imported
rather than built again), its NavFeed and a MorphoNavOracle over it (the loan token at 1 USD), Morpho
Blue 1.0.0 with a market of the index token against USDC at 77 % LLTV, a lender's USDC in it, a borrower
at a health factor of 1.01, and the MorphoLiquidator."""

from __future__ import annotations

import boa
import pytest

from indexvault.lending import model
from tests.utils import MAX, ZERO_ADDRESS
from tests.utils import morpho as morpho_utils
from tests.utils.boa_env import deployer

LLTV = 770 * 10**15
LENT = 10_000_000 * 10**6
COLLATERAL = 100 * 10**18
DAY = 86_400


@pytest.fixture
def attacker(forked):
    return boa.env.generate_address("attacker")


@pytest.fixture
def lender_market(pooled_index, attacker):
    """`env` with `nav_feed`, `morpho_oracle`, `morpho`, `params`, `borrower` (HF 1.01) and `liquidator`;
    the attacker holds index tokens and USDC."""
    env = pooled_index  # the arbitrage tests' index (tests/conftest.py)
    nav_feed = deployer("NavFeed.vy").deploy(env.oracle.address, 0)
    oracle = deployer("periphery/MorphoNavOracle.vy").deploy(
        nav_feed.address, DAY, ZERO_ADDRESS, 0, env.vault.address, env.usdc.address
    )
    morpho = morpho_utils.deploy_morpho(boa.env.generate_address("morpho_owner"))
    params = morpho_utils.market_params(env.usdc.address, env.vault.address, oracle.address, LLTV)
    morpho.createMarket(params)
    lender, borrower = boa.env.generate_address("lender"), boa.env.generate_address("borrower")
    env.usdc.mint(lender, LENT)
    with boa.env.prank(lender):
        env.usdc.approve(morpho.address, MAX)
        morpho.supply(params, LENT, 0, lender, b"")
    with boa.env.prank(env.depositor):
        env.vault.transfer(borrower, COLLATERAL)
        env.vault.transfer(attacker, 500 * 10**18)
    price = oracle.price()
    with boa.env.prank(borrower):
        env.vault.approve(morpho.address, MAX)
        morpho.supplyCollateral(params, COLLATERAL, borrower, b"")
        morpho.borrow(params, model.max_borrow(COLLATERAL, price, LLTV) * 100 // 101, 0, borrower, borrower)
    env.usdc.mint(attacker, 10_000_000 * 10**6)
    with boa.env.prank(attacker):
        env.vault.approve(morpho.address, MAX)
        env.usdc.approve(morpho.address, MAX)
    env.nav_feed, env.morpho_oracle, env.morpho, env.params, env.borrower = nav_feed, oracle, morpho, params, borrower
    env.liquidator = deployer("periphery/MorphoLiquidator.vy").deploy(morpho.address, env.router.address)
    return env
