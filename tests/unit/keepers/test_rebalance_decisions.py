"""The rebalance keeper's decisions on hand-built snapshots: no chain."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

import pytest

from indexvault import amm, auction_model
from indexvault.keepers import rebalance as k
from indexvault.model import UNIT_SCALE, WAD

NOW = 1_706_832_000
USD = 10**6  # the quote's base units
# A V2 pool of an 18-decimal token at 10 USD holding 1 M USD a side.
TOKEN_RESERVE, QUOTE_RESERVE = 100_000 * WAD, 1_000_000 * USD
# 1,000 shares at multiplier 1: one unit step is 1,000 base units of any token.
STEP = 1_000
SCALE = STEP * UNIT_SCALE


def v2(reserves=(TOKEN_RESERVE, QUOTE_RESERVE)) -> k.Route:
    return k.Route("v2", "0xpool", 3000, True, reserves=reserves)


def v3(price=Fraction(10 * USD, WAD), liquidity=10**20) -> k.Route:
    # The token is token0: sqrt of quote base units per token base unit.
    return k.Route("v3", "0xv3", 500, True, sqrt_x96=amm.sqrt_price_x96(price), liquidity=liquidity)


def component(symbol="TKN", sell=True, remaining=1_000 * WAD, routes=None, updated_at=NOW - 60) -> k.Component:
    return k.Component(
        symbol,
        f"0x{symbol}",
        18,
        target=0,
        unit=1,
        sell=sell,
        remaining=remaining,
        price=10 * WAD,
        updated_at=updated_at,
        heartbeat=86_400,
        routes=(v2(),) if routes is None else routes,
    )


def snapshot(
    *components, factor=Decimal("0.99"), quote_available=10**6 * USD, timestamp=NOW, scale=SCALE
) -> k.Snapshot:
    f = int(factor * WAD)
    return k.Snapshot(
        timestamp=timestamp,
        auction_start=NOW - 600,
        auction_duration=86_400,
        start_factor=f,
        end_factor=f,
        band=WAD // 10,
        quote_symbol="USDC",
        quote="0xUSDC",
        quote_decimals=6,
        quote_price=WAD,
        quote_updated_at=NOW - 60,
        quote_heartbeat=86_400,
        quote_available=quote_available,
        scale=scale,
        components=components,
        gas_price=10**9,
        eth_usd=Decimal(2000),
    )


def test_decide__sells_before_buys():
    s = snapshot(component("BUY", sell=False), component("SELL", sell=True))
    decision = k.decide(s)
    assert [a.symbol for a in decision.actions] == ["SELL", "BUY"]
    assert [a.sell for a in decision.actions] == [True, False]


def test_decide__buy_without_quote__waits_with_reason():
    decision = k.decide(snapshot(component("BUY", sell=False), quote_available=0))
    assert decision.actions == ()
    assert decision.skipped == (
        k.Skip("BUY", "buy waits for quote: the vault holds 0.00 USDC (sales bring it in first)"),
    )


def test_decide__buy__never_spends_more_quote_than_the_vault_holds():
    [action] = k.decide(snapshot(component("BUY", sell=False), quote_available=500 * USD)).actions
    assert action.quote_limit <= 500 * USD


@pytest.mark.parametrize("cap_bps", [5, 20, 50])
def test_decide__size__keeps_impact_under_cap(cap_bps):
    settings = k.Settings(max_impact_bps=cap_bps)
    [action] = k.decide(snapshot(component(remaining=10**6 * WAD)), settings).actions
    out, after = k.sell_into(v2(), action.amount)
    assert abs(after / k.mid(v2()) - 1) * 10_000 <= cap_bps
    # The largest such amount: a bit more breaks the cap.
    _, worse = k.sell_into(v2(), action.amount * 101 // 100)
    assert abs(worse / k.mid(v2()) - 1) * 10_000 > cap_bps
    assert out == amm.v2_amount_out(action.amount, *v2().reserves)  # V2 exact


def test_decide__size__stops_where_the_pool_meets_the_auction():
    """At factor 0.99 a 0.3 % pool pays more than the auction asks only until
    its price has fallen about 0.7 %: well before a 200 bps cap."""
    settings = k.Settings(max_impact_bps=200)
    [action] = k.decide(snapshot(component(remaining=10**6 * WAD)), settings).actions
    _, after = k.sell_into(v2(), action.amount)
    asked = Fraction(99 * 10 * USD, 100 * WAD)
    assert after * Fraction(997, 1000) >= asked
    assert 65 < abs(after / k.mid(v2()) - 1) * 10_000 < 71
    _, beyond = k.sell_into(v2(), action.amount * 101 // 100)
    assert beyond * Fraction(997, 1000) < asked


@pytest.mark.parametrize("sell", [True, False])
def test_decide__bids_whole_unit_steps_at_the_rebalancers_quote(sell):
    """The keeper's amount and quote are the Rebalancer's: whole steps of the token and of the quote
    (here 1,000 base units each), so the profit it decides on is the one the bid makes."""
    [action] = k.decide(snapshot(component(sell=sell, remaining=10**6 * WAD))).actions
    assert action.amount % STEP == 0 and action.quote_limit % STEP == 0
    raw = auction_model.quote_amount(action.amount, 10 * WAD, WAD, 18, 6, action.factor, sell)
    assert action.quote_limit == auction_model.whole_step_quote(raw, SCALE, sell)
    assert action.quote_limit != raw  # the snap moved it: the raw quote is not whole steps here


@pytest.mark.parametrize("sell", [True, False])
def test_decide__limit_slack__widens_only_the_limit_against_the_bidder(sell):
    """For a TWAP, which moves by the next block: the limit is the auction's quote plus the slack for
    a sale (the most the bidder pays), minus it for a purchase (the least it takes); the amount and the
    profit it decides on are the slack-free ones."""
    snap = snapshot(component(sell=sell, remaining=10**6 * WAD))
    [exact] = k.decide(snap).actions
    [slacked] = k.decide(snap, k.Settings(limit_slack_bps=20)).actions
    assert (slacked.amount, slacked.expected_profit) == (exact.amount, exact.expected_profit)
    widened = exact.quote_limit * 20 // 10_000
    assert slacked.quote_limit == exact.quote_limit + (widened if sell else -widened)


def test_decide__under_one_unit_step__no_bid_with_reason():
    """A supply whose unit step is 1,000 tokens (10**21 base units), more than the ~251 tokens the
    pool takes before it meets the auction: the bid would revert, so none is made."""
    decision = k.decide(snapshot(component(remaining=10**8 * WAD), scale=10**21 * UNIT_SCALE))
    assert decision.actions == ()
    [skip] = decision.skipped
    assert skip.reason.endswith("is under one unit step (1,000.00 TKN at this supply)")


def test_decide__takes_at_most_what_remains():
    [action] = k.decide(snapshot(component(remaining=100 * WAD))).actions
    assert action.amount == 100 * WAD


def test_decide__no_bid_above_the_pools_price():
    """Factor 1.0: the vault asks the oracle price; a 0.3 % pool at the oracle cannot pay it."""
    decision = k.decide(snapshot(component(), factor=Decimal("1.0")))
    assert decision.actions == ()
    [skip] = decision.skipped
    assert skip.symbol == "TKN" and "not better than the auction (factor 1.0000)" in skip.reason


def test_decide__unprofitable_after_gas__no_bid_with_reason():
    """Profitable before gas, not after: 10 USD of profit cannot pay 1000 gwei."""
    s = dataclasses.replace(snapshot(component(remaining=100 * WAD), factor=Decimal("0.995")), gas_price=10**12)
    decision = k.decide(s)
    assert decision.actions == ()
    [skip] = decision.skipped
    assert "unprofitable" in skip.reason and "gas" in skip.reason


def test_decide__profitable__min_profit_covers_gas():
    [action] = k.decide(snapshot(component())).actions
    gas_quote = action.gas_usd * USD
    assert action.min_profit >= gas_quote
    assert action.expected_profit >= action.min_profit + USD  # plus the 1 USD minimum


def test_decide__stale_oracle__no_bid_with_reason():
    decision = k.decide(snapshot(component(updated_at=NOW - 90_000)))
    assert decision.actions == ()
    assert decision.skipped == (
        k.Skip("TKN", "stale oracle: price 90000 s old, the limit is 86400 s; the bid would revert"),
    )


def test_decide__stale_quote_oracle__no_bid_at_all():
    s = dataclasses.replace(snapshot(component()), quote_updated_at=NOW - 90_000)
    decision = k.decide(s)
    assert decision.actions == () and decision.skipped[0].symbol == "USDC"
    assert decision.skipped[0].reason.startswith("stale oracle")


@pytest.mark.parametrize(
    ("timestamp", "reason"),
    [
        (NOW - 700, "auctions open in 1 min 40 s (the Rebalancer's timelock)"),
        (NOW + 86_000, "the rebalance expired"),
    ],
)
def test_decide__outside_the_auction__no_bid(timestamp, reason):
    decision = k.decide(snapshot(component(), timestamp=timestamp))
    assert decision == k.Decision((), (k.Skip("*", reason),))


def test_decide__target_met__skipped():
    assert k.decide(snapshot(component(remaining=0))).skipped == (k.Skip("TKN", "target met"),)


def test_decide__dust_left__met_below_a_cent_and_bid_from_a_cent():
    """At 10 USD a token, 0.000999... TKN (just under a cent) is dust no bid pays for: the target counts as
    met (market10's walk once waited a whole auction on 1,008 wei of AVAX); a cent's worth is still bid
    for when it pays, and with no oracle price nothing is called dust."""
    under = WAD // 1_000 - 1
    assert k.decide(snapshot(component(remaining=under))).skipped == (
        k.Skip("TKN", "target met but for dust (999,999,999,999,999 base units, under 0.01 USD)"),
    )
    assert not k.is_dust(component(), WAD // 1_000) and k.is_dust(component(), under)
    assert not k.is_dust(replace(component(), price=0), 1)


def test_decide__deepest_pool_first_then_the_next():
    routes = (v2(), v3(liquidity=10**18))  # V3 the deeper; the 50 bps cap leaves some for V2
    actions = k.decide(snapshot(component(remaining=10**6 * WAD, routes=routes))).actions
    assert [a.dex for a in actions] == ["v3", "v2"]


@pytest.mark.parametrize("amount", [WAD, 100 * WAD, 1_000 * WAD])
def test_v3_in_range_math__round_trip_is_close(amount):
    """Selling then buying back the same amount costs about two fees."""
    route = v3(liquidity=10**22)
    out, _ = k.sell_into(route, amount)
    paid, _ = k.buy_from(route, amount)
    assert out < amount * 10 * USD // WAD < paid
    assert Fraction(paid - out, amount * 10 * USD // WAD) < Fraction(2, 1000) + Fraction(2 * amount, 10**22 // 10**6)


def test_propose__february_targets_over_the_market():
    prices = {
        s: Decimal(10) for s in ("BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "AVAX", "DOGE", "DOT", "MATIC", "LINK")
    }
    tokens = {s: f"0x{s}" for s in [*prices, "USDC", "LTC"]}
    decimals = {s: 18 for s in tokens}
    held = ["BTC", "ETH", "BNB", "SOL", "XRP", "ADA", "AVAX", "DOGE", "DOT", "MATIC"]
    p = k.propose("2024-02-01", tokens, decimals, prices, Decimal(100), held, "USDC")
    assert p.added == ("LINK",) and p.removed == ("MATIC",)
    assert p.symbols[-1] == "MATIC" and p.targets[-1] == 0
    assert len(p.tokens) == 11
    # BTC capped at 25 %, sized on 99.5 % of the NAV (the rest stays in quote for the auctions' cost).
    assert p.targets[p.symbols.index("BTC")] == int(Decimal("0.25") * Decimal("99.5") / 10 * WAD)
    assert p.args[2:] == (86_400, WAD + WAD // 100, WAD - WAD // 20)


# --- two hops through WETH, break-even bids, several pools a round -------------------------------

WETH_RESERVE = 500 * WAD  # the token/WETH pair: 100,000 TKN against 500 WETH (2,000 USD each): 10 USD a token
ETH_USDC = (10_000 * WAD, 20_000_000 * USD)  # the WETH/USDC pair: 2,000 USD a WETH


def v2weth() -> k.Route:
    return k.Route("v2weth", "0xtknweth", 5991, True, reserves=(TOKEN_RESERVE, WETH_RESERVE), hop=ETH_USDC)


def test_v2weth__sell_is_router_getAmountsOut_hop_by_hop():
    amount = 50 * WAD
    weth = amm.v2_amount_out(amount, TOKEN_RESERVE, WETH_RESERVE)
    out, after = k.sell_into(v2weth(), amount)
    assert out == amm.v2_amount_out(weth, *ETH_USDC)
    assert after < k.mid(v2weth()) == Fraction(10 * USD, WAD)


def test_v2weth__buy_is_router_getAmountsIn_from_the_last_hop():
    amount = 50 * WAD
    weth_in = amm.v2_amount_in(amount, WETH_RESERVE, TOKEN_RESERVE)
    paid, after = k.buy_from(v2weth(), amount)
    assert paid == amm.v2_amount_in(weth_in, ETH_USDC[1], ETH_USDC[0])
    assert after > k.mid(v2weth())
    # Two fees both ways (about 1.2 %) and the impact on the 1 M USD token/WETH pair.
    out, _ = k.sell_into(v2weth(), amount)
    assert Fraction(118, 10_000) < Fraction(paid - out, amount * 10 * USD // WAD) < Fraction(135, 10_000)


def test_decide__v2weth__only_when_the_auction_pays_two_fees():
    """At factor 0.99 the two hops (0.6 % in fees) can still pay; at 0.995 they cannot."""
    c = component(remaining=10**6 * WAD, routes=(v2weth(),))
    [action] = k.decide(snapshot(c, factor=Decimal("0.99"))).actions
    assert action.dex == "v2weth" and action.dex_id == 2
    assert k.decide(snapshot(c, factor=Decimal("0.995"))).actions == ()


def test_decide__break_even__bids_once_the_profit_pays_the_gas():
    """min_profit_usd 0: the floor is the gas x (1 + gas_margin) only, so a bid
    too small for 1 USD of profit on top still goes."""
    gas_usd = Decimal(230_000 * 10**9) / Decimal(10**18) * 2000  # 0.46 USD
    s = snapshot(component(remaining=60 * WAD), factor=Decimal("0.995"))  # 600 USD at 20 bps: ~1.2 USD
    assert k.decide(s, k.Settings(min_profit_usd=Decimal(1))).actions == ()
    [action] = k.decide(s, k.Settings(min_profit_usd=Decimal(0))).actions
    assert action.expected_profit >= k._quote_units(s, gas_usd * Decimal("1.1"))
    assert action.min_profit == k._quote_units(s, gas_usd)


def test_decide__several_pools_of_a_token__each_to_break_even():
    """A large sale takes every pool that pays, each down to where its
    marginal price after its fee meets the auction's: the combined depth."""
    routes = (v2(), v3(liquidity=10**18), v2weth())
    settings = k.Settings(max_impact_bps=500, min_profit_usd=Decimal(0))
    actions = k.decide(
        snapshot(component(remaining=10**6 * WAD, routes=routes), factor=Decimal("0.99")), settings
    ).actions
    assert {a.dex for a in actions} == {"v2", "v3", "v2weth"}
    asked = Fraction(99 * 10 * USD, 100 * WAD)
    for a in actions:
        route = next(r for r in routes if r.dex == a.dex)
        keep = Fraction(k.PIPS - route.fee, k.PIPS)
        _, after = k.sell_into(route, a.amount)
        assert after * keep >= asked  # still pays the auction
        _, beyond = k.sell_into(route, a.amount * 101 // 100)
        assert beyond * keep < asked  # and no more
    total = sum(a.amount for a in actions)
    assert total > max(a.amount for a in actions) * 1.05


def test_routes__two_hops_from_the_weth_pair_and_the_weth_quote_pair():
    from types import SimpleNamespace as NS

    from indexvault.keepers import runner

    usdc, eth, tkn = NS(symbol="USDC"), NS(symbol="ETH"), NS(symbol="TKN")
    states = [
        NS(
            asset=eth,
            pair=usdc,
            pool=NS(dex="v2", address="0xethusdc", fee=3000),
            asset_is_token0=False,
            reserves=(ETH_USDC[1], ETH_USDC[0]),
            sqrt_x96=None,
            liquidity=None,
        ),
        NS(
            asset=tkn,
            pair=eth,
            pool=NS(dex="v2", address="0xtknweth", fee=3000),
            asset_is_token0=True,
            reserves=(TOKEN_RESERVE, WETH_RESERVE),
            sqrt_x96=None,
            liquidity=None,
        ),
    ]
    routes = runner.routes(states, "USDC")
    assert routes["TKN"] == (v2weth(),)
    assert routes["ETH"][0].reserves == ETH_USDC and routes["ETH"][0].dex == "v2"


def test_curve_for__from_the_oracle_to_ten_thirds_of_the_fee_below_within_the_band():
    from demos import rebalance as demo

    assert demo.curve_for(3000) == (WAD, WAD - WAD // 100)
    assert demo.curve_for(30_000) == (WAD, WAD - WAD // 20)  # clamped to the 5 % band


def test_decide__buy__leaves_a_margin_for_the_next_blocks_factor():
    """A round that could spend all the quote leaves 1 bps of it: the bid lands
    a block later at a slightly lower factor, when the same amount costs more."""
    [action] = k.decide(snapshot(component("BUY", sell=False), quote_available=500 * USD)).actions
    assert action.quote_limit <= 500 * USD * 9_999 // 10_000
    assert action.quote_limit > 500 * USD * 9_990 // 10_000
