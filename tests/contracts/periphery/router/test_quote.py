"""The package's quotes against what the chain does: per route, the pool
of a USDC route takes (pays) exactly the quoted USDC; V3's in-range math
agrees with QuoterV2; routes through a shared pool are quoted in order."""

from __future__ import annotations

from decimal import Decimal

import boa
import pytest

from indexvault import oneasset
from indexvault.market.pools import read as read_pools
from indexvault.model import WAD
from tests.utils import DEADLINE
from tests.utils.market_vault import fund
from tests.utils.oneasset import quote


def _first_pools(router_index, routes):
    """Each swapping route's first pool (the one that takes or pays USDC) and
    what all the routes starting there should move of USDC in it."""
    states = read_pools(router_index.reader, router_index.market)
    expected = {}
    for route in routes:
        tokens = {route.path[0].lower(), route.path[1].lower()}
        dex = "v2" if route.dex == oneasset.V2 else "v3"
        pool = next(
            s.pool.address
            for s in states
            if s.pool.dex == dex and {s.asset.token.lower(), s.pair.token.lower()} == tokens
        )
        usdc = route.amount_in if route.path[0] == router_index.market.assets["USDC"].token else route.amount_out
        moved, count = expected.get(pool, (0, 0))
        expected[pool] = (moved + usdc, count + 1)
    return expected


@pytest.mark.parametrize("dexes", [("v2",), ("v3",), ("v2", "v3")])
@pytest.mark.parametrize("shares", [WAD, 100 * WAD])
def test_quote_mint__each_route_s_pool_takes_the_quoted_usdc(router_index, minter, shares, dexes):
    quoted = quote(router_index, "mint", "USDC", shares, dexes=dexes)
    swaps = [r for r in quoted.routes if r.dex != oneasset.DIRECT]
    assert {oneasset.DEX_NAMES[r.dex] for r in swaps} <= set(dexes)
    usdc = router_index.tokens["USDC"]
    expected = _first_pools(router_index, swaps)
    before = {p: usdc.balanceOf(p) for p in expected}
    max_in = quoted.total + 10
    fund(router_index.tokens, router_index.market, "USDC", minter, max_in)
    with boa.env.prank(minter):
        usdc.approve(router_index.router.address, max_in)
        spent = router_index.router.mint_from(
            router_index.vault.address, quoted.token, max_in, shares, quoted.route_args(), minter, DEADLINE
        )
    for pool, (moved, count) in expected.items():  # within one base unit per route
        assert abs(usdc.balanceOf(pool) - before[pool] - moved) <= count, pool
    assert spent == quoted.total


@pytest.mark.parametrize("dexes", [("v2",), ("v2", "v3")])
def test_quote_redeem__each_route_s_pool_pays_the_quoted_usdc(router_index, depositor, dexes):
    shares = 50 * WAD
    quoted = quote(router_index, "redeem", "USDC", shares, dexes=dexes)
    swaps = [r for r in quoted.routes if r.dex != oneasset.DIRECT]
    usdc = router_index.tokens["USDC"]
    expected = _first_pools(router_index, [r for r in swaps if r.hops == 1])
    before = {p: usdc.balanceOf(p) for p in expected}
    with boa.env.prank(depositor):
        router_index.vault.approve(router_index.router.address, shares)
        received = router_index.router.redeem_to(
            router_index.vault.address, quoted.token, shares, 0, quoted.route_args(), depositor, DEADLINE
        )
    for pool, (moved, count) in expected.items():
        assert abs(before[pool] - usdc.balanceOf(pool) - moved) <= count, pool
    assert received == quoted.total


@pytest.mark.parametrize("side", ["mint", "redeem"])
def test_quote__v3_in_range_math_equals_quoter_v2(router_index, side):
    with_quoter = quote(router_index, side, "USDC", 100 * WAD)
    math_only = quote(router_index, side, "USDC", 100 * WAD, use_quoter=False)
    v3 = [(a, b) for a, b in zip(with_quoter.routes, math_only.routes) if a.dex == oneasset.V3]
    assert v3
    for a, b in v3:
        assert (a.amount_in, a.amount_out) == (b.amount_in, b.amount_out), a.label


def test_quote__impact_and_fee_against_the_feeds(router_index):
    quoted = quote(router_index, "mint", "USDC", WAD)
    for r in quoted.routes:
        if r.dex == oneasset.DIRECT:
            assert r.impact("mint") == 0 and r.fee_fraction == 0
        else:  # a small trade at pools seeded at the feeds: the fee and almost nothing more
            assert r.fee_fraction <= r.impact("mint") + Decimal("0.0001")
            assert r.impact("mint") < r.fee_fraction + Decimal("0.001"), r.label
    assert 0 < quoted.cost_bps < 30


def test_quote__unknown_asset__named(router_index):
    with pytest.raises(oneasset.QuoteError, match="'PEPE' is not an asset of the 2024-01-01 market"):
        quote(router_index, "mint", "PEPE", WAD)
