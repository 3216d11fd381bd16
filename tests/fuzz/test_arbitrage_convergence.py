"""NAV convergence in the fast fuzz engine: a short seeded campaign on the
saved market with the index token's pool shocked often and the keeper
running often; invariant 7 (inside the cost band after each round, or a
reason) holds, every shock is brought back, and the engine's pool matches the
chain's to the base unit."""

from __future__ import annotations

from indexvault.fuzz import engine
from indexvault.fuzz.campaign import market_node_for, run_campaign, summary

OPS = 3_000


def test_short_campaign__every_pool_shock_converges_inside_the_band(tmp_path):
    weights = dict(engine.DEFAULT_WEIGHTS, pool_shock=10, arbitrage=15)
    with market_node_for("2024-01-01") as (node, record):
        result = run_campaign(
            node.url, record, vault_ops=OPS, seed=11, scenario=engine.Scenario(weights=weights, seed=11)
        )
    assert result.violation is None, result.violation
    c = result.convergence
    assert c["pool_shocks"] > 20 and c["trades"]["mint_and_sell"] > 0 and c["trades"]["buy_and_redeem"] > 0
    assert c["episodes_converged"] >= c["pool_shocks"] // 2
    # One round brings the pool back unless the keeper said why not (gas, a stale feed).
    assert c["rounds_to_converge"]["median"] == 1
    # A trade lands inside the band: 58 bps each way at the scenario's 0.1 % fees, up to ~1.5 % when
    # set_fees raises a fee to its 1 % maximum.
    assert c["largest_gap_after_a_trade"] < 0.0150
    report = summary(result)
    assert report["nav_convergence"]["blocks_histogram"]
    assert result.pool_series
