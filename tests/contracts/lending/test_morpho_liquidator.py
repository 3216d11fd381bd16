"""MorphoLiquidator on the real Morpho Blue 1.0.0 and the real index, router and pools: one call
liquidates a position flash-funded by Morpho's own callback, redeems the seized index tokens to
USDC, repays Morpho and pays the keeper the rest, exactly as the model and the router's quote say."""

from __future__ import annotations

import boa

from indexvault.lending import model
from tests.contracts.lending.conftest import COLLATERAL
from tests.utils import morpho as morpho_utils
from tests.utils.liquidation import redeem_quote


def _drop(lending, bps: int) -> int:
    """The oracle's price `bps` basis points under the NAV; returns it."""
    price = lending.price * (10_000 - bps) // 10_000
    lending.price_oracle.set_price(price)
    return price


def _state(lending):
    return morpho_utils.snapshot(lending.morpho, lending.params, lending.borrower)


def _holds_nothing(lending):
    liq = lending.liquidator.address
    assert lending.vault.balanceOf(liq) == 0
    for symbol, token in lending.tokens.items():
        assert token.balanceOf(liq) == 0, symbol
        assert token.allowance(liq, lending.morpho.address) == 0, symbol
    assert lending.vault.allowance(liq, lending.router.address) == 0


def test_liquidate__underwater__repays_morpho_and_pays_the_keeper_the_rest(lending, keeper):
    price = _drop(lending, 500)  # health factor 0.95
    market, position = _state(lending)
    seized = model.max_seizable(position, market, price)
    expected = model.liquidate(position, market, price, seized=seized)
    quoted = redeem_quote(lending, seized)
    usdc_before = lending.usdc.balanceOf(keeper)
    with boa.env.prank(keeper):
        profit = lending.liquidator.liquidate(lending.params, lending.borrower, seized, 0, quoted.route_args(), 0)
    assert seized < COLLATERAL  # the whole debt repaid before the collateral ran out
    assert expected.position == model.Position(0, 0, COLLATERAL - seized)
    assert _state(lending) == (
        expected.market,
        expected.position,
    )
    assert profit == quoted.total - expected.repaid_assets
    assert lending.usdc.balanceOf(keeper) - usdc_before == profit
    [log] = lending.liquidator.get_logs(include_child_logs=False)  # Morpho's and the tokens' apart
    assert (log.keeper, log.borrower, log.seized, log.repaid, log.profit) == (
        keeper,
        lending.borrower,
        seized,
        expected.repaid_assets,
        profit,
    )
    _holds_nothing(lending)


def test_liquidate__collateral_runs_out__bad_debt_as_the_model_says(lending, keeper):
    price = _drop(lending, 3_000)  # the collateral is worth less than the debt at the incentive
    market, position = _state(lending)
    assert model.max_seizable(position, market, price) == COLLATERAL
    expected = model.liquidate(position, market, price, seized=COLLATERAL)
    quoted = redeem_quote(lending, COLLATERAL)
    with boa.env.prank(keeper):
        profit = lending.liquidator.liquidate(lending.params, lending.borrower, COLLATERAL, 0, quoted.route_args(), 0)
    assert expected.bad_debt_assets > 0
    assert _state(lending) == (
        expected.market,
        model.Position(),
    )
    assert profit == quoted.total - expected.repaid_assets
    _holds_nothing(lending)


def test_liquidate__profit_one_under_the_minimum__reverts_and_moves_nothing(lending, keeper):
    price = _drop(lending, 500)
    market, position = _state(lending)
    seized = model.max_seizable(position, market, price)
    quoted = redeem_quote(lending, seized)
    profit = quoted.total - model.liquidate(position, market, price, seized=seized).repaid_assets
    with boa.env.prank(keeper), boa.reverts("liquidator: profit below minimum"):
        lending.liquidator.liquidate(lending.params, lending.borrower, seized, 0, quoted.route_args(), profit + 1)
    assert _state(lending) == (market, position)
    with boa.env.prank(keeper):  # at exactly the profit it goes through
        assert (
            lending.liquidator.liquidate(lending.params, lending.borrower, seized, 0, quoted.route_args(), profit)
            == profit
        )


def test_liquidate__by_repaid_shares__seizes_what_the_model_says(lending, keeper):
    price = _drop(lending, 500)
    market, position = _state(lending)
    shares = position.borrow_shares // 3
    expected = model.liquidate(position, market, price, repaid_shares=shares)
    quoted = redeem_quote(lending, expected.seized)
    with boa.env.prank(keeper):
        profit = lending.liquidator.liquidate(lending.params, lending.borrower, 0, shares, quoted.route_args(), 0)
    assert profit == quoted.total - expected.repaid_assets
    assert _state(lending) == (
        expected.market,
        expected.position,
    )
    _holds_nothing(lending)


def test_liquidate__healthy_position__reverts_with_morphos_reason(lending, keeper):
    quoted = redeem_quote(lending, COLLATERAL // 2)
    with boa.env.prank(keeper), boa.reverts("position is healthy"):
        lending.liquidator.liquidate(lending.params, lending.borrower, COLLATERAL // 2, 0, quoted.route_args(), 0)


def test_liquidate__stray_tokens__go_to_the_keeper(lending, keeper):
    """Holds nothing after a call: index tokens or USDC sent here by mistake go to the next keeper."""
    price = _drop(lending, 500)
    market, position = _state(lending)
    seized = model.max_seizable(position, market, price)
    stray = 10**6
    lending.usdc.mint(lending.liquidator.address, stray)
    quoted = redeem_quote(lending, seized)
    with boa.env.prank(keeper):
        profit = lending.liquidator.liquidate(lending.params, lending.borrower, seized, 0, quoted.route_args(), 0)
    assert profit == quoted.total - model.liquidate(position, market, price, seized=seized).repaid_assets + stray
    _holds_nothing(lending)
