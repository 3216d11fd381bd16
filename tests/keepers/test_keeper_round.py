"""One keeper round end to end on a node restored from the saved market,
through Ape as `ape run keeper rebalance` drives it: an index launched on the
2024-01-01 weights, the 2024-02-01 targets proposed (LINK added, MATIC
removed), the timelock passed, and a round fills bids that move units
toward their targets."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indexvault.keepers import rebalance as decisions
from indexvault.keepers import runner

def test_keeper_round__before_the_timelock__waits(ape_node, market, launched):
    record, _, keeper = launched
    result = runner.run_round(ape_node.rpc, market, record, keeper, decisions.Settings(), log=lambda line: None)
    assert result.fills == []
    [skip] = result.decision.skipped
    assert skip.symbol == "*" and "(timelock)" in skip.reason


def test_keeper_round__after_the_timelock__fills_toward_targets(ape_node, market, launched):
    record, proposal, keeper = launched
    assert proposal.added == ("LINK",) and proposal.removed == ("MATIC",)
    rpc = ape_node.rpc
    # Past the timelock and eight hours into the auction: factor 1.01 - 0.06 * 8/24 = 0.99.
    rpc.call("evm_increaseTime", 3_600 + 8 * 3_600)
    rpc.mine()
    before = runner.read_snapshot(rpc, market, record)
    assert before.factor < 10**18
    settings = decisions.Settings(min_profit_usd=Decimal("0.1"))

    simulated = runner.run_round(rpc, market, record, None, settings, simulate=True, log=lambda l: None)
    assert simulated.fills == [] and simulated.decision.actions
    assert runner.read_snapshot(rpc, market, record).components == before.components  # nothing signed

    result = runner.run_round(rpc, market, record, keeper, settings, log=lambda line: None)
    filled = [f for f in result.fills if f.ok]
    assert filled, result.decision.lines()
    after = {c.symbol: c for c in runner.read_snapshot(rpc, market, record).components}
    for fill in filled:
        c0 = next(c for c in before.components if c.symbol == fill.action.symbol)
        c1 = after[c0.symbol]
        assert c1.remaining < c0.remaining  # closer to target
        assert abs(c1.unit - c1.target) < abs(c0.unit - c0.target)
        assert fill.profit >= fill.action.min_profit
    # Sales came first in the round.
    sides = [f.action.sell for f in result.fills]
    assert sides == sorted(sides, reverse=True)


def test_round_on_network__simulates_without_a_signer(ape_node, market, launched):
    """What the Silverback bot (bots/rebalance.py) runs each block; without a signer it signs nothing."""
    from indexvault.keepers import runner

    result = runner.round_on_network(None, log=lambda line: None)
    assert result.fills == []
