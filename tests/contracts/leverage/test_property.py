"""LeveragedIndex against its reference model under random sequences of mints, redeems (fees on) and NAV moves,
long and inverse: after every step the position, the supply, the shares and the USDC paid are the model's to
the base unit given the router's swap, and no step lowers the NAV per share of those who did not act (beyond
two base units of equity's rounding). The NAV moves (a settable stand-in for MorphoNavOracle, up to 2 % each
way) leave the pools where they are, so the mints carry a 5 % swap buffer."""

from __future__ import annotations

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexvault.leverage import model
from tests.utils import WAD, sized
from tests.utils.boa_env import deployer
from tests.utils.leverage import INVERSE, LONG, book, swapped

USDC = 10**6
MINT_FEE, REDEEM_FEE = WAD // 1000, WAD // 500

steps = st.lists(
    st.one_of(
        st.tuples(st.just("mint"), st.integers(100 * USDC, 5_000 * USDC)),
        st.tuples(st.just("redeem"), st.integers(1, 100)),  # percent of the minter's shares
        st.tuples(st.just("move"), st.integers(-200, 200)),  # basis points
    ),
    min_size=2,
    max_size=5,
)


@pytest.fixture(scope="module", params=[False, True], ids=["long", "inverse"])
def seeded(request, lev, create_product):
    """A product over a settable NAV, fees on, with a first holder's 2,000 USDC in it."""
    nav = deployer("mocks/MockMorphoOracle.vy").deploy(lev.nav_oracle.price())
    bounds = (INVERSE if request.param else LONG)._replace(swap_buffer=WAD // 20)
    product = create_product(request.param, nav, bounds)
    with boa.env.prank(lev.admin):
        product.contract.set_fees(MINT_FEE, REDEEM_FEE)
    with boa.env.prank(lev.minter):
        product.contract.mint(2_000 * USDC, 0, product.routes_in, boa.env.generate_address("first_holder"))
    return product


@settings(max_examples=sized(6, 24), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_steps__match_the_model_to_the_base_unit(lev, seeded, steps):
    product, c = seeded, seeded.contract
    with boa.env.anchor():
        for kind, amount in steps:
            before = book(lev, product)
            nav_before = before.nav_per_share
            if kind == "move":
                product.nav_oracle.set_price(before.price * (10_000 + amount) // 10_000)
                continue
            usdc_before = lev.usdc.balanceOf(lev.minter)
            if kind == "mint":
                with boa.env.prank(lev.minter):
                    shares = c.mint(amount, 0, product.routes_in, lev.minter)
                expected = model.mint(before, product.bounds, amount, swapped(lev, product), MINT_FEE)
                assert shares == expected.shares
                assert lev.usdc.balanceOf(lev.minter) == usdc_before - amount + expected.refund
                after = expected.book
            else:
                held = c.balanceOf(lev.minter)
                if held == 0:
                    continue
                shares = held * amount // 100 or held
                with boa.env.prank(lev.minter):
                    out = c.redeem(shares, 0, product.routes_out, lev.minter)
                expected = model.redeem(before, shares, swapped(lev, product), REDEEM_FEE)
                assert out == expected.usdc_out == lev.usdc.balanceOf(lev.minter) - usdc_before
                after = expected.book
            assert book(lev, product) == after
            assert c.nav_per_share() == after.nav_per_share
            assert c.leverage() == after.leverage
            # Two base units of equity (the collateral's and the debt's value, each rounded) are the most the
            # holders may lose to rounding; the rest goes their way.
            assert after.nav_per_share + 2 * model.USDC_TO_WAD * WAD // after.supply + 1 >= nav_before
