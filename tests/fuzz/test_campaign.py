"""A seeded campaign of the fast engine on the saved market, every invariant
checked after every step: 10,000 vault operations in `make test` (about 20 s),
100,000 in `make test-long`; `make fuzz FUZZ_OPS=N` runs longer ones, and
FUZZ_OPS=N sets this test's."""

from __future__ import annotations

import os
import random

from indexvault.fuzz import engine
from indexvault.fuzz.backends import AnvilBackend, BoaBackend
from indexvault.fuzz.campaign import run_campaign
from tests.utils import sized

OPS = int(os.environ.get("FUZZ_OPS", sized(6_000, 100_000)))


def test_campaign_of_vault_operations(market_node, capsys):
    node, record = market_node
    result = run_campaign(node.url, record, vault_ops=OPS, seed=2024)
    with capsys.disabled():
        print(
            f"\nfuzz: {result.vault_ops:,} vault operations in {result.seconds:.1f} s "
            f"({result.ops_per_s:,.0f}/s, {result.steps:,} steps with market moves; "
            f"setup {result.setup_seconds:.1f} s); "
            f"rebalancing: {result.rebalance['proposals']} proposals, {result.rebalance['bids']} bids"
        )
    assert result.violation is None, result.violation
    assert result.vault_ops >= OPS
    assert result.counts["nav_stale"] > 0 and result.counts["pool_trade"] > 0 and result.counts["set_fees"] > 0
    # Rebalancing ran: proposals, bids held to the auction model, targets met, and refusals with their reasons.
    rebalanced = result.rebalance
    assert rebalanced["proposals"] > 0 and rebalanced["bids"] > 0 and rebalanced["targets_met_by_a_bid"] > 0
    assert rebalanced["expected_reverts"].get("not started", 0) > 0


def test_the_same_decisions_run_on_boa_and_anvil(market_node):
    """One seed, both backends: the same actions, the same checks, the same model at the end."""
    node, record = market_node
    import boa

    models = []
    with boa.swap_env(boa.Env()):
        world = engine.World(BoaBackend(node.url), record, engine.Scenario(seed=7))
        engine.run(world, 60, random.Random(7))
        models.append((world.model.supply, world.model.multiplier, world.model.holdings, dict(world.counts)))
    anvil = AnvilBackend(node.url)
    try:
        world = engine.World(anvil, record, engine.Scenario(seed=7))
        engine.run(world, 60, random.Random(7))
        models.append((world.model.supply, world.model.multiplier, world.model.holdings, dict(world.counts)))
    finally:
        anvil.close()
    assert models[0] == models[1]
