"""One asset in, one asset out in the fast engine: IndexRouter's mint_from and
redeem_to by a named actor, each bound set to its quote exactly (or one base
unit short, which must revert with the router's reason), the router holding
nothing after each call, round trips returning at most what they paid, and
the arbitrage keeper trading through the router (indexvault/fuzz/oneasset.py)."""

from __future__ import annotations

import pytest

from indexvault.fuzz import engine, oneasset
from indexvault.fuzz.backends import AnvilBackend
from indexvault.fuzz.campaign import run_campaign
from indexvault.fuzz.engine import Action


def test_a_campaign_heavy_in_one_asset_operations_holds(market_node):
    node, record = market_node
    scenario = engine.Scenario(seed=5)
    scenario.weights.update({"mint_from": 15, "redeem_to": 15, "arbitrage": 4, "pool_shock": 2})
    result = run_campaign(node.url, record, vault_ops=1_500, seed=5, scenario=scenario)
    assert result.violation is None, result.violation
    counts, one = result.counts, result.one_asset
    assert counts["mint_from_short"] > 0 and counts["redeem_to_short"] > 0
    assert one["round_trips"] > 0 and one["closest_round_trip"]["shortfall"] > 0
    # Seven tokens checked empty after every router call (five components, USDC, the index token).
    assert counts["router_empty"] == 7 * (counts["mint_from"] + counts["redeem_to"])
    assert result.convergence["trades"]["mint_and_sell"] + result.convergence["trades"]["buy_and_redeem"] > 0


@pytest.mark.parametrize("reason", ["router: min out not met", "router: transfer failed"])
def test_a_wrong_revert_reason_is_caught(market_node, monkeypatch, reason):
    """The checks bite: a bound one base unit short must revert with the router's own reason."""
    node, record = market_node
    anvil = AnvilBackend(node.url)
    try:
        world = engine.World(anvil, record, engine.Scenario(seed=1))
        monkeypatch.setattr(oneasset, "MAX_IN_EXCEEDED", reason)
        oneasset.apply_mint_from(world, Action("mint_from", oneasset.ONE_ASSET, (10**20, True, False)))
        with pytest.raises(engine.Violation, match="expected a revert"):
            world.flush()
    finally:
        anvil.close()


def test_the_router_returns_its_quote_to_the_base_unit(market_node):
    """A mint from USDC and a redeem to USDC, each checked against its quote; a quote one unit
    off (a model one base unit wrong) is caught."""
    node, record = market_node
    anvil = AnvilBackend(node.url)
    try:
        world = engine.World(anvil, record, engine.Scenario(seed=2))
        quote = oneasset.plan_mint_from(world, 3 * 10**18)
        assert quote is not None and quote.total > 0
        got = oneasset.plan_redeem_to(world, 10**18)
        assert got is not None and got > 0
        world.flush()
        world.check_balances()
        assert world.model.balances[oneasset.ONE_ASSET] == 2 * 10**18
        # Now a mint whose expected return is one base unit off.
        quote = oneasset.plan_mint_from(world, 10**18)
        wrong = world.pending[-8]
        assert wrong.kind == "mint_from"
        wrong.expect_out = (int.from_bytes(wrong.expect_out, "big") + 1).to_bytes(32, "big")
        with pytest.raises(engine.Violation, match="the model says"):
            world.flush()
    finally:
        anvil.close()
