"""The README's liquidation story as a user types it, on `make market-node`'s node (127.0.0.1:8545):
market10 deployed and minted, its Morpho market opened, a loan at a health factor of 1.03, the
market replayed to 2024-01-03 (the index's NAV -6.5 %), and one `ape run keeper liquidate` round (a
second account, no capital) that repays the whole debt at Morpho's price; a second round finds
nothing to do. `--simulate` signs nothing."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest

from tests.utils.node import ROOT, SECOND_PORT, ape_ok

README_NODE = "market"  # `make market-node`: the saved market on 127.0.0.1:8545 (tests/e2e/conftest.py)
README_PORT = SECOND_PORT  # the README's second node (tests/utils/node.py), beside the 8545 modules


def status(records) -> dict:
    return json.loads(ape_ok(records, "lend", "status", "--json"))


def test_a_loan_under_water_liquidated_by_the_keeper(node, records, rpc):
    ape_ok(records, "deploy", str(ROOT / "examples" / "market10.yaml"), "--yes")
    ape_ok(records, "mint", "--shares", "100")
    ape_ok(records, "lend", "open")
    ape_ok(records, "lend", "supply", "100")
    borrow = (Decimal(status(records)["max_borrow"]) * Decimal("0.97")).quantize(Decimal("0.01"))
    ape_ok(records, "lend", "borrow", str(borrow))
    before = status(records)
    assert Decimal(before["health_factor"]) == pytest.approx(Decimal(1) / Decimal("0.97"), abs=Decimal("0.001"))

    block = rpc.call("eth_blockNumber")
    healthy = ape_ok(records, "keeper", "liquidate", "--simulate")
    assert re.search(r"\[simulate\] skip +0x[0-9a-f]{40}: healthy, health factor 1\.03\d\d", healthy), healthy
    assert "round 1: 1 borrowers, 0 under water, 0 liquidations decided, 0 sent" in healthy
    assert rpc.call("eth_blockNumber") == block

    ape_ok(records, "market", "replay", "--to", "2024-01-03")
    out = ape_ok(records, "keeper", "liquidate", "--account", "TEST::1")
    assert re.search(r"liquidator 0x[0-9a-fA-F]{40} \(deployed once", out), out
    decided = re.search(
        r"liquidate (0x[0-9a-f]{40}): under water \(health factor 0\.9\d+\); seize ([\d.]+) MKT10 \(max seizable\), "
        r"repay ([\d,.]+) USDC; the router pays ([\d,.]+) USDC: profit ([\d,.]+) USD",
        out,
    )
    assert decided, out
    assert Decimal(decided.group(3).replace(",", "")) == pytest.approx(Decimal(before["debt"]), abs=Decimal("0.01"))
    assert re.search(r"liquidated: profit [\d,.]+ USDC, gas [\d,]+", out), out
    assert "round 1: 1 borrowers, 1 under water, 1 liquidations decided, 1 sent" in out

    after = status(records)
    assert Decimal(after["debt"]) == 0
    seized = Decimal(decided.group(2))  # printed to six digits
    assert Decimal(after["collateral"]) == pytest.approx(100 - seized, abs=Decimal("0.001"))

    again = ape_ok(records, "keeper", "liquidate", "--account", "TEST::1")
    assert "deployed once" not in again  # the recorded liquidator
    assert "no debt" in again and "0 liquidations decided" in again
