"""LeveragedIndex mint and redeem, long (2x) and inverse (-1x), on the saved market's pools and the real Morpho
Blue, valued at the real NavFeed through MorphoNavOracle (and MorphoInverseNavOracle for the inverse market):
leverage at target after a mint, the model to the base unit given the router's swaps, the round trip's cost
against the router's own round trip of the same exposure, gas, and nothing left behind."""

from __future__ import annotations

import boa
import pytest

from indexvault.leverage import model
from tests.utils import WAD
from tests.utils.boa_env import deployer
from tests.utils.leverage import assert_holds_nothing, book, gas, swapped

USDC = 10**6
CAPITAL = 10_000 * USDC
MAX_EXTRA_COST_BPS = 25  # the issue's bound over the pools' own cost


@pytest.fixture(params=[False, True], ids=["long", "inverse"])
def product(request, create_product):
    return create_product(request.param)


def _mint(lev, product, usdc_in, min_shares=0):
    with boa.env.prank(lev.minter):
        return product.contract.mint(usdc_in, min_shares, product.routes_in, lev.minter)


def _redeem(lev, product, shares, min_out=0):
    with boa.env.prank(lev.minter):
        return product.contract.redeem(shares, min_out, product.routes_out, lev.minter)


def _router_round_trip(lev, index_amount) -> int:
    """USDC lost buying `index_amount` of the index through the router and selling it back (an anchor: undone)."""
    trader = boa.env.generate_address("reference_trader")
    lev.usdc.mint(trader, 10**12)
    with boa.env.anchor(), boa.env.prank(trader):
        lev.usdc.approve(lev.router.address, 10**12)
        lev.vault.approve(lev.router.address, index_amount)
        spent = lev.router.mint_from(
            lev.vault.address, lev.usdc.address, 10**12, index_amount, lev.buy_routes, trader, 2**63
        )
        got = lev.router.redeem_to(lev.vault.address, lev.usdc.address, index_amount, 0, lev.sell_routes, trader, 2**63)
    return spent - got


def test_mint_then_redeem__at_target__within_the_pools_cost_plus_25_bps__nothing_left(lev, product):
    bounds = product.bounds
    start = lev.usdc.balanceOf(lev.minter)
    shares = _mint(lev, product, CAPITAL)
    mint_gas = gas(product)
    after_mint = book(lev, product)
    paid = start - lev.usdc.balanceOf(lev.minter)

    assert product.contract.leverage() == after_mint.leverage
    assert abs(after_mint.leverage - bounds.target) <= WAD // 10**9  # at the NAV, within the sizing's floors
    assert product.contract.nav_per_share() == WAD  # the first mint: 1 USD a share
    assert shares == after_mint.equity * model.USDC_TO_WAD == product.contract.balanceOf(lev.minter)
    assert_holds_nothing(lev, product)
    exposure_index = after_mint.collateral if not product.inverse else after_mint.debt

    out = _redeem(lev, product, shares)
    redeem_gas = gas(product)
    assert lev.usdc.balanceOf(lev.minter) == start - paid + out
    assert product.contract.position() == (0, 0) and product.contract.totalSupply() == 0
    assert_holds_nothing(lev, product)

    cost = paid - out
    reference = _router_round_trip(lev, exposure_index)  # the pools' (and the index's fees') own cost
    cost_bps = cost * 10_000 / paid
    extra_bps = (cost - reference) * 10_000 / paid
    print(
        f"\n{'inverse' if product.inverse else 'long'}: paid {paid / USDC:,.2f} USDC, got {out / USDC:,.2f}: "
        f"round trip {cost_bps:.1f} bps of capital, the router's round trip of the same exposure "
        f"{reference * 10_000 / paid:.1f} bps, extra {extra_bps:.1f} bps; gas mint {mint_gas:,} redeem {redeem_gas:,}"
    )
    assert extra_bps <= MAX_EXTRA_COST_BPS


def test_second_mint_and_a_redeem__match_the_model_to_the_base_unit(lev, product):
    with boa.env.prank(lev.admin):
        product.contract.set_fees(WAD // 1000, WAD // 500)  # 0.1 % mint, 0.2 % redeem
    _mint(lev, product, CAPITAL)
    before = book(lev, product)
    usdc_before = lev.usdc.balanceOf(lev.minter)
    fees_before = product.contract.balanceOf(lev.fee_recipient)

    shares = _mint(lev, product, 3_000 * USDC)

    expected = model.mint(before, product.bounds, 3_000 * USDC, swapped(lev, product), WAD // 1000)
    assert shares == expected.shares
    assert product.contract.balanceOf(lev.fee_recipient) - fees_before == expected.fee_shares
    assert lev.usdc.balanceOf(lev.minter) == usdc_before - 3_000 * USDC + expected.refund
    assert book(lev, product) == expected.book
    assert product.contract.nav_per_share() == expected.book.nav_per_share
    assert product.contract.leverage() == expected.book.leverage
    assert product.contract.equity_usd() == expected.book.equity * model.USDC_TO_WAD

    before, usdc_before = book(lev, product), lev.usdc.balanceOf(lev.minter)
    out = _redeem(lev, product, shares)
    redeemed = model.redeem(before, shares, swapped(lev, product), WAD // 500)
    assert out == redeemed.usdc_out == lev.usdc.balanceOf(lev.minter) - usdc_before
    assert book(lev, product) == redeemed.book
    assert_holds_nothing(lev, product)


def test_mint__min_shares_one_above__reverts(lev, product):
    with boa.env.anchor():
        shares = _mint(lev, product, CAPITAL)
    with boa.reverts("lev: min shares not met"):
        _mint(lev, product, CAPITAL, shares + 1)
    assert _mint(lev, product, CAPITAL, shares) == shares


def test_redeem__min_out_one_above__reverts(lev, product):
    shares = _mint(lev, product, CAPITAL)
    with boa.env.anchor():
        out = _redeem(lev, product, shares)
    with boa.reverts("lev: min out not met"):
        _redeem(lev, product, shares, out + 1)
    assert _redeem(lev, product, shares, out) == out


def test_mint__above_the_supply_cap__reverts(lev, product):
    with boa.env.prank(lev.lev_manager):
        product.contract.set_supply_cap(1_000 * WAD)
    with boa.reverts("lev: supply cap exceeded"):
        _mint(lev, product, CAPITAL)


def test_redeem__supply_cap_below_supply__still_redeems(lev, product):
    shares = _mint(lev, product, CAPITAL)
    with boa.env.prank(lev.lev_manager):
        product.contract.set_supply_cap(0)
    assert _redeem(lev, product, shares) > 0


def test_stale_nav__mint_refused__the_last_holder_still_redeems_all_but_a_partial_redeem_waits(lev, product):
    """A stale NAV stops minting (the product values at it) and, through Morpho's own health check on
    withdrawing collateral, every redemption that leaves debt behind; the redemption itself never reads the
    NAV, so the position's last holder (all the debt repaid, Morpho checks nothing) exits."""
    shares = _mint(lev, product, CAPITAL)
    boa.env.time_travel(seconds=8 * 86_400)  # past MorphoNavOracle's one-week maximum age
    with boa.reverts("navoracle: stale nav"):
        _mint(lev, product, CAPITAL)
    with boa.reverts("navoracle: stale nav"):
        _redeem(lev, product, shares // 2)
    assert _redeem(lev, product, shares) > 0
    assert product.contract.position() == (0, 0)


def test_nav_feed__the_products_nav_at_8_decimals_with_the_index_feeds_times(lev, product):
    _mint(lev, product, CAPITAL)
    feed = deployer("periphery/LeveragedNavFeed.vy").deploy(product.contract.address, lev.nav_feed.address)
    round_id, answer, started, updated, answered = feed.latestRoundData()
    assert answer == product.contract.nav_per_share() // 10**10 > 0
    assert (round_id, started, updated, answered) == tuple(lev.nav_feed.latestRoundData()[i] for i in (0, 2, 3, 4))
    assert feed.decimals() == 8
    assert feed.description() == f"{product.contract.symbol()} / USD NAV per share"
