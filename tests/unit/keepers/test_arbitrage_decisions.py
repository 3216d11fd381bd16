"""The arbitrage keeper's decisions on hand-built snapshots: a pool of an
index token (NAV 100 USD) against USDC, fees 0.1 % each way, the routes'
cost 18 bps each way (the router's measured cost), gas 1 gwei at ETH 2,000."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from indexvault import amm
from indexvault.keepers.arbitrage import Settings, Snapshot, band, decide, seed_amounts
from indexvault.model import WAD

NAV = 100 * WAD
USDC = 10**6
SETTINGS = Settings(min_profit_usd=Decimal(1))


def snapshot(price_over_nav: Fraction, depth_usd: int = 1_000_000, **changes) -> Snapshot:
    """A pool holding `depth_usd` in all, priced at NAV x `price_over_nav`."""
    shares, quote = seed_amounts(NAV, WAD, 6, Decimal(depth_usd))
    # The same constant product k, at the new price: x' = sqrt(k / p), y' = k / x'.
    k, p = shares * quote, Fraction(quote, shares) * price_over_nav
    x = math.isqrt(k * p.denominator // p.numerator)
    snap = Snapshot(
        pool_shares=x,
        pool_quote=k // x,
        nav_per_share=NAV,
        quote_price=WAD,
        quote_decimals=6,
        mint_fee=WAD // 1000,
        redeem_fee=WAD // 1000,
        mint_cost=Decimal("0.0018"),
        redeem_cost=Decimal("0.0018"),
        gas_price=10**9,
        eth_usd=Decimal(2000),
    )
    return replace(snap, **changes)


def test_band__is_nav_with_fees_routes_and_the_pool_fee():
    b = band(snapshot(Fraction(1)))
    nav = Fraction(100 * USDC, WAD)
    assert b.nav == nav
    assert b.upper == nav * Fraction(1001, 1000) * (1 + Fraction(Decimal("0.0018"))) / Fraction(997, 1000)
    assert b.lower == nav * Fraction(999, 1000) * (1 - Fraction(Decimal("0.0018"))) * Fraction(997, 1000)
    # About 58 bps each way.
    assert 0.0057 < float(b.upper / nav - 1) < 0.0059 and 0.0057 < float(1 - b.lower / nav) < 0.0059


def test_decide__above_the_band__mints_and_sells_into_the_band():
    snap = snapshot(Fraction(3, 2))  # a trader bought: the pool 50 % over NAV
    d = decide(snap, SETTINGS)
    assert d.kind == "mint_and_sell" and "above the band" in d.reason
    out = amm.v2_amount_out(d.shares, snap.pool_shares, snap.pool_quote)
    after = Fraction(snap.pool_quote - out, snap.pool_shares + d.shares)
    assert after == d.price_after
    assert d.band.lower <= after <= d.band.upper
    assert float(d.band.upper / after - 1) < 1e-4  # at the edge: the last share traded breaks even
    assert d.expected_profit > d.min_profit > d.gas_quote > 0


def test_decide__below_the_band__buys_and_redeems_into_the_band():
    snap = snapshot(Fraction(1, 2))
    d = decide(snap, SETTINGS)
    assert d.kind == "buy_and_redeem" and "below the band" in d.reason
    shares = amm.v2_amount_out(d.quote_in, snap.pool_quote, snap.pool_shares)
    assert shares == d.shares
    after = Fraction(snap.pool_quote + d.quote_in, snap.pool_shares - shares)
    assert d.band.lower <= after <= d.band.upper
    assert float(1 - d.band.lower / after) < 1e-4
    assert d.expected_profit > d.min_profit


def test_decide__inside_the_band__does_nothing_and_says_why():
    d = decide(snapshot(Fraction(1003, 1000)), SETTINGS)
    assert d.kind is None and "inside the cost band" in d.reason
    assert d.inside


def test_decide__just_outside_the_band__unprofitable_after_gas__does_nothing():
    # 1 % over the band's edge on a 1M USD pool: about 12 USD of profit, against 1.8M gas at 100 gwei (360 USD).
    b = band(snapshot(Fraction(1)))
    snap = snapshot(b.upper / b.nav * Fraction(101, 100), gas_price=100 * 10**9)
    d = decide(snap, SETTINGS)
    assert d.kind is None and "unprofitable after gas" in d.reason
    assert 0 < d.expected_profit < d.gas_quote
    # In USD, as a person reads it, never in the quote's base units.
    assert re.search(r"profit \d+\.\d\d < gas \d{3}\.\d\d \+ min profit \d+ USD", d.reason), d.reason
    assert "base units" not in d.reason
    # The same move at 1 gwei pays.
    assert decide(replace(snap, gas_price=10**9), Settings(min_profit_usd=Decimal(0))).kind == "mint_and_sell"


def test_decide__stale_oracle_or_empty_pool__does_nothing_and_says_why():
    assert "no NAV" in decide(snapshot(Fraction(2), nav_per_share=0)).reason
    assert "empty" in decide(snapshot(Fraction(2), pool_shares=0)).reason


def test_decide__capital_caps_the_trade_and_says_so():
    snap = snapshot(Fraction(3, 2), quote_balance=10_000 * USDC)
    d = decide(snap, SETTINGS)
    assert d.kind == "mint_and_sell" and "capped" in d.reason
    assert d.quote_in <= 10_000 * USDC
    assert d.price_after > d.band.upper  # a partial move: the next round goes on


def test_seed_amounts__price_the_pool_at_nav():
    shares, quote = seed_amounts(NAV, WAD, 6, Decimal(1_000_000))
    assert quote == 500_000 * USDC and shares == 5_000 * WAD
