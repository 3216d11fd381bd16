"""The liquidation keeper's round (`indexvault.keepers.liquidate_chain.run_round`) on the real Morpho,
index, router and pools: every position under water is liquidated at Morpho's numbers, the healthy
ones are left with their reason, and a second round (as after a crash) finds nothing left to do."""

from __future__ import annotations

from decimal import Decimal

import boa

from indexvault.keepers import liquidate, liquidate_chain
from indexvault.lending import model
from tests.contracts.lending.conftest import LLTV
from tests.utils import MAX
from tests.utils import morpho as morpho_utils

NO_FLOOR = liquidate.Settings(min_profit_usd=Decimal(0))


def _borrow(lending, who, collateral, health_bps):
    """`who` deposits `collateral` index tokens and borrows so its health factor is `health_bps` / 1e4."""
    with boa.env.prank(lending.depositor):
        lending.vault.transfer(who, collateral)
    assets = model.max_borrow(collateral, lending.price, LLTV) * 10_000 // health_bps
    with boa.env.prank(who):
        lending.vault.approve(lending.morpho.address, MAX)
        lending.morpho.supplyCollateral(lending.params, collateral, who, b"")
        lending.morpho.borrow(lending.params, assets, 0, who, who)


def _market(lending):
    loan, collateral, oracle, irm, lltv = lending.params
    return liquidate_chain.LendingMarket(lending.morpho.address, loan, collateral, oracle, irm, lltv)


def test_run_round__a_drop__liquidates_those_under_water_and_a_second_round_does_nothing(lending, keeper):
    names = {"b105": 10_500, "b120": 12_000, "b200": 20_000}
    borrowers = [lending.borrower]
    for name, health in names.items():
        who = boa.env.generate_address(name)
        _borrow(lending, who, 20 * 10**18, health)
        borrowers.append(who)
    lending.price_oracle.set_price(lending.price * 88 // 100)  # -12 %: 1.00 and 1.05 go under, 1.20 and 2.00 stay
    contracts = liquidate_chain.Contracts(lending.liquidator, keeper, (boa.BoaError,))
    lines: list[str] = []
    usdc_before = lending.usdc.balanceOf(keeper)
    result = liquidate_chain.run_round(
        lending.reader, lending.market, _market(lending), borrowers, contracts, NO_FLOOR, log=lines.append
    )
    assert [a.borrower for a in result.decision.actions] == [str(borrowers[0]), str(borrowers[1])]
    assert result.liquidated == 2
    assert lending.usdc.balanceOf(keeper) - usdc_before == sum(s.profit for s in result.sent) > 0
    for who in borrowers[:2]:
        market, position = morpho_utils.snapshot(lending.morpho, lending.params, who)
        assert position.borrow_shares == 0  # the whole debt repaid
    for who in borrowers[2:]:
        market, position = morpho_utils.snapshot(lending.morpho, lending.params, who)
        assert model.is_healthy(position, market, lending.price * 88 // 100)
    assert sum(line.startswith("liquidate ") for line in lines) == 2
    assert sum("healthy, health factor" in line for line in lines) == 2

    again = liquidate_chain.run_round(
        lending.reader, lending.market, _market(lending), borrowers, contracts, NO_FLOOR, log=lines.append
    )
    assert again.decision.actions == () and again.sent == []


def test_run_round__simulate__sends_nothing(lending, keeper):
    lending.price_oracle.set_price(lending.price * 9 // 10)
    contracts = liquidate_chain.Contracts(lending.liquidator, keeper, (boa.BoaError,))
    lines: list[str] = []
    result = liquidate_chain.run_round(
        lending.reader,
        lending.market,
        _market(lending),
        [lending.borrower],
        contracts,
        NO_FLOOR,
        simulate=True,
        log=lines.append,
    )
    assert len(result.decision.actions) == 1 and result.sent == []
    assert lines[0].startswith("[simulate] liquidate ")
    _, position = morpho_utils.snapshot(lending.morpho, lending.params, lending.borrower)
    assert position.borrow_shares > 0
