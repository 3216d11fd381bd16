"""`indexvault.lending.position`, the checks `ape run lend` makes before it sends anything, against the
real Morpho Blue: the most it says one may borrow or withdraw is exactly what Morpho allows (one base
unit more reverts), and each refusal names what the user can do instead."""

from dataclasses import replace

import boa
import pytest

from indexvault.lending import model, position
from tests.utils.morpho import deploy_morpho, market_id, market_params

MAX = 2**256 - 1
PRICE = model.oracle_price(99_987_654_321, 8, 18, 6, 99_990_000, 8)  # a 999.88 USD token, USDC at 0.9999
ORACLE = """
# pragma version ~=0.4.3
price: public(uint256)

@deploy
def __init__(initial: uint256):
    self.price = initial
"""


@pytest.fixture(scope="module")
def market(admin, create_token):
    morpho = deploy_morpho(admin)
    usdc, index = create_token(6, symbol="USDC"), create_token(18, symbol="IDX")
    oracle = boa.loads(ORACLE, PRICE)
    params = market_params(usdc.address, index.address, oracle.address, position.DEFAULT_LLTV)
    morpho.createMarket(params)
    lender, borrower = boa.env.generate_address("lender"), boa.env.generate_address("borrower")
    usdc.mint(lender, 10**12)
    index.mint(borrower, 100 * 10**18)
    for user, token in ((lender, usdc), (borrower, index), (borrower, usdc)):
        with boa.env.prank(user):
            token.approve(morpho.address, MAX)
    with boa.env.prank(lender):
        morpho.supply(params, 10**12, 0, lender, b"")
    with boa.env.prank(borrower):
        morpho.supplyCollateral(params, 3 * 10**18 + 1, borrower, b"")
        morpho.borrow(params, 777_123_457, 0, borrower, borrower)
    return morpho, params, borrower, usdc, index


def snap(morpho, params, borrower, usdc, index) -> position.Snapshot:
    mid = market_id(params)
    return position.Snapshot(
        market=model.Market(params[4], *morpho.market(mid)[:4]),
        position=model.Position(*morpho.position(mid, borrower)),
        price=PRICE,
        nav=99_987_654_321,
        loan_usd=99_990_000,
        collateral_symbol="IDX",
        loan_symbol="USDC",
        collateral_balance=index.balanceOf(borrower),
        loan_balance=usdc.balanceOf(borrower),
    )


def test_max_borrow__is_what_morpho_allows_to_the_base_unit(market):
    morpho, params, borrower, usdc, index = market
    s = snap(*market)
    most = position.max_borrow(s)
    assert 0 < most < model.max_borrow(s.position.collateral, PRICE, params[4])
    shown = s.loans(most)
    assert shown.startswith("1,097.") and shown.endswith(" USDC")
    with pytest.raises(ValueError, match=f"would leave the position unhealthy: the most you can borrow now is {shown}"):
        position.check_borrow(s, most + 1)
    with boa.env.prank(borrower):
        with boa.reverts("insufficient collateral"):
            morpho.borrow(params, most + 1, 0, borrower, borrower)
        morpho.borrow(params, most, 0, borrower, borrower)
    assert position.max_borrow(snap(*market)) == 0


def test_max_withdraw__is_what_morpho_allows_to_the_base_unit(market):
    morpho, params, borrower, usdc, index = market
    s = snap(*market)
    most = position.max_withdraw(s)
    assert 0 < most < s.position.collateral
    with pytest.raises(ValueError, match="would leave the position unhealthy: the most you can withdraw now is"):
        position.check_withdraw(s, most + 1)
    with pytest.raises(ValueError, match=r"you owe 777.123457 USDC: repay it first .* or withdraw at most"):
        position.check_withdraw(s, None)
    with boa.env.prank(borrower):
        with boa.reverts("insufficient collateral"):
            morpho.withdrawCollateral(params, most + 1, borrower, borrower)
        morpho.withdrawCollateral(params, most, borrower, borrower)


def test_repay_all__clears_the_debt_by_shares(market):
    morpho, params, borrower, usdc, index = market
    usdc.mint(borrower, 10**6)  # the borrowed USDC plus a spare one
    s = snap(*market)
    action = position.check_repay(s, None)
    assert action.assets == s.owed == 777_123_457 and action.position.borrow_shares == 0
    assert position.check_repay(s, s.owed) == action  # the whole debt typed as an amount: by shares too
    # Where shares and assets do not divide evenly (after bad debt or interest), repaying the debt's
    # assets would not match its shares: here it reverts; by shares it clears.
    odd = replace(
        s,
        market=replace(s.market, total_borrow_assets=1_000, total_borrow_shares=999_999_000),
        position=replace(s.position, borrow_shares=333_333_333),
    )
    with pytest.raises(ValueError, match="arithmetic underflow"):
        model.repay(odd.position, odd.market, assets=odd.owed)
    assert position.check_repay(odd, odd.owed).position.borrow_shares == 0
    with boa.env.prank(borrower):
        assert tuple(morpho.repay(params, 0, s.position.borrow_shares, borrower, b"")) == (action.assets, action.shares)
    after = snap(*market)
    assert after.position.borrow_shares == 0 and after.health_factor is None
    assert position.check_withdraw(after, None) == 3 * 10**18 + 1


def test_refusals__name_the_limit(market):
    s = snap(*market)
    with pytest.raises(ValueError, match=r"you hold 96.999999999999999999 IDX: cannot supply 98 IDX"):
        position.check_supply(s, 98 * 10**18)
    with pytest.raises(ValueError, match=r"you owe 777.123457 USDC: repay at most that"):
        position.check_repay(s, 777_123_458)
    with pytest.raises(ValueError, match=r"you have 3.000000000000000001 IDX supplied: withdraw at most that"):
        position.check_withdraw(s, 4 * 10**18)
    short = replace(s, loan_balance=10**6)
    with pytest.raises(ValueError, match=r"repaying 777.123457 USDC needs that much; you hold 1 USDC"):
        position.check_repay(short, None)
    thin = model.Market(
        s.market.lltv,
        s.market.total_borrow_assets + 10**6,
        s.market.total_supply_shares,
        s.market.total_borrow_assets,
        s.market.total_borrow_shares,
    )
    dry = replace(s, market=thin)
    with pytest.raises(ValueError, match=r"the market has 1 USDC to lend: the most you can borrow now is 1 USDC"):
        position.check_borrow(dry, 2 * 10**6)


def test_status__liquidation_price_in_usd_and_health(market):
    s = snap(*market)
    d = position.describe(s)
    # Collateral 3 tokens at 999.88 USD; debt 777.12 USDC; LLTV 62.5 %: liquidated near
    # 777.12 / (3 * 0.625) USDC a token, times 0.9999 USD a USDC.
    assert float(d["collateral_usd"]) == pytest.approx(2999.63, abs=0.01)
    assert float(d["liquidation_price_usd"]) == pytest.approx(777.123457 / (3 * 0.625) * 0.9999, rel=1e-6)
    assert float(d["health_factor"]) == pytest.approx(3 * 0.625 * 999.87654321 / 0.9999 / 777.123457, rel=1e-6)
    assert float(d["liquidation_incentive"]) == pytest.approx(1 / (1 - 0.3 * 0.375) - 1, abs=1e-15)
    assert "liquidation at  414.4" in position.render(s)
