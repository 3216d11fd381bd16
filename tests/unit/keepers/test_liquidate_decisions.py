"""The liquidation keeper's decisions (`indexvault.keepers.liquidate.decide`), pure: which
positions are under water, how much of each to seize, what it repays and earns, and why not."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from indexvault.keepers import liquidate
from indexvault.lending import model

LLTV = 770_000_000_000_000_000
WAD = 10**18
NAV = model.oracle_price(100 * 10**8, 8, 18, 6)  # 100 USDC an index token
NO_FLOOR = liquidate.Settings(min_profit_usd=Decimal(0))


def book(*loans: tuple[int, int]) -> tuple[model.Market, list[liquidate.Borrower]]:
    """Borrowers of (collateral wei, borrowed USDC base units), in order, as Morpho books their shares."""
    market, borrowers = model.Market(LLTV, total_supply_assets=10**15, total_supply_shares=10**21), []
    for i, (collateral, assets) in enumerate(loans):
        shares = model.to_shares_up(assets, market.total_borrow_assets, market.total_borrow_shares)
        market = model.Market(
            LLTV,
            market.total_supply_assets,
            market.total_supply_shares,
            market.total_borrow_assets + assets,
            market.total_borrow_shares + shares,
        )
        borrowers.append(liquidate.Borrower(f"0x{i + 1:040x}", model.Position(0, shares, collateral)))
    return market, borrowers


def at_nav(shares: int) -> int:
    """Deep pools: the router pays NAV less 0.5 %."""
    return shares * NAV * 995 // 1000 // 10**36


def shallow(depth_usdc: int):
    """A constant-product pool of `depth_usdc` a side (NAV at rest, 0.3 % fee), as V2's getAmountOut."""
    reserve_in = depth_usdc * WAD // (100 * 10**6)

    def quote(shares: int) -> int:
        with_fee = shares * 997
        return with_fee * depth_usdc // (reserve_in * 1000 + with_fee)

    return quote


def snapshot(market, borrowers, price, redeem=at_nav, gas_price=0):
    return liquidate.Snapshot(market, price, tuple(borrowers), redeem, "TIDX", 18, "USDC", 6, Decimal(1), gas_price)


def test_decide__healthy_and_debt_free__skipped_with_their_health():
    market, borrowers = book((10 * WAD, 500 * 10**6), (10 * WAD, 0))
    decision = liquidate.decide(snapshot(market, borrowers, NAV))
    assert decision.actions == ()
    [healthy, free] = decision.skipped
    assert healthy.reason.startswith("healthy, health factor 1.5400")  # 770 / 500
    assert free.reason == "no debt"


def test_decide__under_water_deep_pools__seizes_max_seizable_at_morphos_numbers():
    market, [b] = book((10 * WAD, 770 * 10**6))
    price = NAV * 95 // 100
    [action] = liquidate.decide(snapshot(market, [b], price), NO_FLOOR).actions
    expected = model.liquidate(b.position, market, price, seized=model.max_seizable(b.position, market, price))
    assert action.seized == expected.seized
    assert action.repaid_assets == expected.repaid_assets
    assert action.proceeds == at_nav(action.seized)
    assert action.profit == action.proceeds - expected.repaid_assets > 0
    assert action.bad_debt == 0
    assert "health factor 0.9500" in action.reason and "max seizable" in action.reason


def test_decide__collateral_runs_out__seizes_all_and_reports_the_bad_debt():
    market, [b] = book((10 * WAD, 770 * 10**6))
    price = NAV * 60 // 100
    [action] = liquidate.decide(snapshot(market, [b], price, redeem=lambda n: n * price // 10**36), NO_FLOOR).actions
    expected = model.liquidate(b.position, market, price, seized=10 * WAD)
    assert action.seized == 10 * WAD
    assert action.bad_debt == expected.bad_debt_assets > 0
    assert "bad debt" in action.reason


def test_decide__shallow_pools__the_largest_size_that_still_pays():
    market, [b] = book((1_000 * WAD, 77_000 * 10**6))
    price = NAV * 97 // 100
    pools = shallow(200_000 * 10**6)
    s = snapshot(market, [b], price, redeem=pools)
    floor = 10 * 10**6
    [action] = liquidate.decide(s, liquidate.Settings(min_profit_usd=Decimal(10))).actions
    most = model.max_seizable(b.position, market, price)

    def profit(n):
        return pools(n) - model.liquidate(b.position, market, price, seized=n).repaid_assets

    assert action.seized < most and profit(most) < floor
    assert profit(action.seized) == action.profit >= floor > profit(action.seized + 1)
    assert action.min_profit == floor
    assert "the most the pools take at a profit" in action.reason


def test_decide__pools_below_the_oracle__unprofitable_skip_says_why():
    market, [b] = book((10 * WAD, 770 * 10**6))
    price = NAV * 99 // 100
    s = snapshot(market, [b], price, redeem=lambda n: n * price * 90 // 100 // 10**36)
    decision = liquidate.decide(s, liquidate.Settings(min_profit_usd=Decimal(1)))
    assert decision.actions == ()
    [skip] = decision.skipped
    assert "unprofitable" in skip.reason and "floor 1.00 USD" in skip.reason


def test_decide__gas_counts_in_the_floor():
    market, [b] = book((10 * WAD, 770 * 10**6))
    price = NAV * 995 // 1000
    s = snapshot(market, [b], price, gas_price=10**12)  # 1,000 gwei, ETH at 2,000 USD, five components:
    s = replace(s, eth_usd=Decimal(2_000), components=5)  # 0.9M gas = 1,800 USD
    assert liquidate.gas(s, NO_FLOOR) == 900_000
    assert liquidate.floor(s, NO_FLOOR) == 1_980 * 10**6  # x 1.1
    decision = liquidate.decide(s, NO_FLOOR)
    assert decision.actions == () and "gas 1800.00 USD x 1.1" in decision.skipped[0].reason


def test_decide__two_positions__the_second_quoted_on_what_the_first_left():
    market, borrowers = book((1_000 * WAD, 77_000 * 10**6), (500 * WAD, 38_000 * 10**6))
    price = NAV * 90 // 100
    pools = shallow(2_000_000 * 10**6)
    first, second = liquidate.decide(snapshot(market, borrowers, price, redeem=pools), NO_FLOOR).actions
    assert first.borrower == borrowers[0].address  # the worse health first
    after = model.liquidate(borrowers[0].position, market, price, seized=first.seized).market
    assert (
        second.repaid_assets == model.liquidate(borrowers[1].position, after, price, seized=second.seized).repaid_assets
    )
    assert second.proceeds == pools(first.seized + second.seized) - pools(first.seized)


def test_decide__no_oracle_price__nothing():
    market, borrowers = book((10 * WAD, 770 * 10**6))
    decision = liquidate.decide(snapshot(market, borrowers, None))
    assert decision.actions == () and "no price" in decision.skipped[0].reason


@settings(max_examples=60, deadline=None)
@given(
    collateral=st.integers(WAD // 100, 10**6 * WAD),
    ltv_bps=st.integers(1, 10_000),
    drop_bps=st.integers(0, 9_000),
    depth=st.integers(10**9, 10**13),
)
def test_decide__any_position__sends_only_what_morpho_accepts_and_pays(collateral, ltv_bps, drop_bps, depth):
    """Whatever it sends, Morpho accepts at that price (the model raises where Morpho reverts) and the
    quoted profit is at least the floor it asks the contract for."""
    assets = model.max_borrow(collateral, NAV, LLTV) * ltv_bps // 10_000
    market, [b] = book((collateral, assets))
    price = NAV * (10_000 - drop_bps) // 10_000
    decision = liquidate.decide(snapshot(market, [b], price, redeem=shallow(depth)), NO_FLOOR)
    for action in decision.actions:
        assert not model.is_healthy(b.position, market, price)
        done = model.liquidate(b.position, market, price, seized=action.seized)
        assert action.seized <= model.max_seizable(b.position, market, price)
        assert action.repaid_assets == done.repaid_assets
        assert action.profit >= action.min_profit
    if not decision.actions:
        assert decision.skipped[0].reason.startswith(("healthy", "no debt", "under water"))


def test_decide__large_position_in_shallow_pools__a_few_hundred_quotes():
    """A position of 850,641 index tokens, 36 % down, pools too shallow to take it whole: the search for
    the most profitable size and then the largest that pays asks the pools 356 quotes, not one per size left
    over (the search once stopped after a fixed number of steps and tried ~10^7 sizes one by one: two
    minutes, found when this module's property test drew such a position)."""
    collateral = 850_640_718_432_569_186_879_866
    market, [b] = book((collateral, model.max_borrow(collateral, NAV, LLTV)))
    pools, quotes = shallow(7_880_302_144_961), []

    def counted(shares: int) -> int:
        quotes.append(shares)
        return pools(shares)

    price = NAV * (10_000 - 3_632) // 10_000
    decision = liquidate.decide(snapshot(market, [b], price, redeem=counted), NO_FLOOR)
    [action] = decision.actions
    assert action.seized < model.max_seizable(b.position, market, price)  # the pools, not Morpho, set the size
    assert action.profit >= 0 and len(quotes) < 400


def test_decide__whole_debt_repaid__sent_as_the_borrow_shares():
    """Under water with collateral to spare: the action repays every borrow share (Morpho then seizes at its
    price when the call lands, so a NAV that moved since the snapshot leaves no debt behind); with bad debt
    (the collateral runs out) it names the collateral instead."""
    market, [b] = book((100 * WAD, model.max_borrow(100 * WAD, NAV, LLTV)))
    [action] = liquidate.decide(snapshot(market, [b], NAV * 97 // 100), NO_FLOOR).actions
    assert action.repaid_shares == b.position.borrow_shares
    assert model.liquidate(b.position, market, NAV * 97 // 100, repaid_shares=action.repaid_shares).seized == (
        action.seized
    )
    [crashed] = liquidate.decide(snapshot(market, [b], NAV // 2), NO_FLOOR).actions
    assert crashed.repaid_shares == 0 and crashed.bad_debt > 0
