"""Fixtures for the leveraged and inverse index tokens (contracts/periphery/LeveragedIndex.vy) on the saved
market: the arbitrage tests' index (`pooled_index`: WBTC, WETH, ADA, USDC, its adapter and the IndexRouter),
its NavFeed and MorphoNavOracle (and the inverting MorphoInverseNavOracle), Morpho Blue 1.0.0 with a market
for each direction (index collateral against a USDC loan; USDC collateral against an index loan), lent to,
and `create_product` deploying either token over a given NAV oracle."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from indexvault.keepers import arbitrage_runner
from tests.utils import MAX, WAD, ZERO_ADDRESS
from tests.utils import morpho as morpho_utils
from tests.utils.boa_env import deployer
from tests.utils.leverage import INVERSE, LONG

LLTV = 770_000_000_000_000_000  # 77 %
WEEK = 7 * 86_400
LENT_USDC = 2_000_000 * 10**6
LENT_INDEX = 400 * WAD  # the depositor's index tokens lent to the inverse market (about 40k USD)
MAX_FEES = (WAD // 100, WAD // 100)
SUPPLY_CAP = 10**9 * WAD
ROUTE_PROBE = 10 * WAD  # index tokens the routes are quoted for


@pytest.fixture(scope="module")
def lev(pooled_index):
    """`pooled_index` with its NavFeed, MorphoNavOracle (index priced in USDC at 1 USD), the inverting oracle,
    Morpho and the lenders' money, the routes both ways, and the product's actors."""
    env = pooled_index
    nav_feed = deployer("NavFeed.vy").deploy(env.oracle.address, 0)
    nav_oracle = deployer("periphery/MorphoNavOracle.vy").deploy(
        nav_feed.address, WEEK, ZERO_ADDRESS, 0, env.vault.address, env.usdc.address
    )
    morpho = morpho_utils.deploy_morpho(boa.env.generate_address("morpho_owner"))
    lender = boa.env.generate_address("lender")
    env.usdc.mint(lender, LENT_USDC)
    with boa.env.prank(env.depositor):
        env.vault.transfer(lender, LENT_INDEX)
    with boa.env.prank(lender):
        env.usdc.approve(morpho.address, MAX)
        env.vault.approve(morpho.address, MAX)
    mint_quote, redeem_quote, _ = arbitrage_runner._quotes(env.reader, env.market, env.deployment, ROUTE_PROBE)
    env.nav_feed, env.nav_oracle, env.morpho, env.lender = nav_feed, nav_oracle, morpho, lender
    env.buy_routes, env.sell_routes = mint_quote.route_args(), redeem_quote.route_args()
    env.admin = boa.env.generate_address("lev_admin")
    env.lev_manager = boa.env.generate_address("lev_manager")
    env.keeper = boa.env.generate_address("lev_keeper")
    env.fee_recipient = boa.env.generate_address("lev_fees")
    env.minter = boa.env.generate_address("minter")
    env.usdc.mint(env.minter, 10_000_000 * 10**6)
    return env


def open_market(lev, inverse: bool, nav_oracle) -> tuple:
    """The Morpho market of the direction over `nav_oracle` (inverted for the inverse), lent to."""
    if inverse:
        oracle = deployer("periphery/MorphoInverseNavOracle.vy").deploy(nav_oracle.address)
        params = morpho_utils.market_params(lev.vault.address, lev.usdc.address, oracle.address, LLTV)
    else:
        params = morpho_utils.market_params(lev.usdc.address, lev.vault.address, nav_oracle.address, LLTV)
    lev.morpho.createMarket(params)
    with boa.env.prank(lev.lender):
        lev.morpho.supply(params, LENT_INDEX if inverse else LENT_USDC, 0, lev.lender, b"")
    return params


@pytest.fixture(scope="module")
def create_product(lev):
    """`create(inverse, nav_oracle=None, bounds=None, **kw)`: a product over its own market; `nav_oracle` defaults
    to the real MorphoNavOracle (pass a MockMorphoOracle to move the price), `admin` to `lev.admin`."""

    def create(inverse: bool, nav_oracle=None, bounds=None, supply_cap=SUPPLY_CAP, max_fees=MAX_FEES, admin=None):
        nav_oracle = nav_oracle or lev.nav_oracle
        params = open_market(lev, inverse, nav_oracle)
        bounds = bounds or (INVERSE if inverse else LONG)
        product = deployer("periphery/LeveragedIndex.vy").deploy(
            "Index -1x" if inverse else "Index 2x",
            "IDXI" if inverse else "IDX2X",
            lev.morpho.address,
            params,
            nav_oracle.address,
            lev.router.address,
            inverse,
            tuple(bounds),
            admin or lev.admin,
            lev.lev_manager,
            lev.keeper,
            lev.fee_recipient,
            list(max_fees),
            supply_cap,
        )
        with boa.env.prank(lev.minter):
            lev.usdc.approve(product.address, MAX)
        return SimpleNamespace(
            contract=product,
            params=params,
            inverse=inverse,
            bounds=bounds,
            nav_oracle=nav_oracle,
            routes_in=lev.sell_routes if inverse else lev.buy_routes,  # mint: inverse sells the index
            routes_out=lev.buy_routes if inverse else lev.sell_routes,
            delever_routes=lev.buy_routes if inverse else lev.sell_routes,
            lever_routes=lev.sell_routes if inverse else lev.buy_routes,
        )

    return create


@pytest.fixture(scope="module")
def mock_nav(lev):
    """A settable MorphoNavOracle stand-in at the real oracle's price now."""
    return deployer("mocks/MockMorphoOracle.vy").deploy(lev.nav_oracle.price())
