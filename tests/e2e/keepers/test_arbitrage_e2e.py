"""The README's arbitrage story as a user types it, on `make market-node`'s
node (127.0.0.1:8545): market10 deployed and minted, the index token's pool
created at NAV, a trader's +50 % shock with `ape run market swap`, and one
`ape run keeper arbitrage` round that brings the pool back inside the cost
band. `--simulate` signs nothing, pool creation included."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from tests.utils.node import ROOT, ape_ok, ape_run

# "pool 149.9804, NAV 99.9865, band [99.5868, 100.6349]: above the cost band" (the side only after a
# trade or a swap; a decision gives its reason first)
WHERE = re.compile(r"pool ([\d.]+), NAV ([\d.]+), band \[([\d.]+), ([\d.]+)\](?:: (above|below|inside) the cost band)?")


def where(line: str) -> tuple[Decimal, Decimal, Decimal, Decimal, str | None]:
    match = WHERE.search(line)
    assert match, line
    price, nav, lower, upper = (Decimal(g) for g in match.groups()[:4])
    return price, nav, lower, upper, match.group(5)


def line_after(out: str, prefix: str) -> str:
    lines = [line for line in out.splitlines() if line.strip().startswith(prefix)]
    assert lines, out
    return lines[-1]


README_NODE = "market"  # make market-node (tests/e2e/conftest.py)


def test_shocked_pool_pulled_back_inside_the_band(node, records, rpc):
    ape_ok(records, "deploy", str(ROOT / "examples" / "market10.yaml"), "--yes")
    ape_ok(records, "mint", "--shares", "10")

    # --simulate with --create-pool says what it would do and sends nothing.
    block = rpc.call("eth_blockNumber")
    simulated = ape_ok(records, "keeper", "arbitrage", "--create-pool", "1000000", "--simulate")
    assert re.search(
        r"\[simulate\] would create MKT10's Uniswap V2 pool against USDC at NAV [\d.]+ USD, "
        r"1000000 USD deep: [\d.]+ MKT10 .* and [\d.]+ USDC; signs nothing",
        simulated,
    )
    assert rpc.call("eth_blockNumber") == block
    assert "pool" not in json.loads((records / "ethereum-local.json").read_text())["indexes"]["MKT10"]

    created = ape_ok(records, "keeper", "arbitrage", "--create-pool", "1000000")
    assert re.search(r"pool 0x[0-9a-fA-F]{40}: [\d.]+ MKT10 and [\d.]+ USDC at NAV [\d.]+ USD", created)
    skip = line_after(created, "skip:")
    assert "the pool is inside the cost band" in skip
    price, nav, lower, upper, _ = where(skip)
    assert lower <= price <= upper and abs(price / nav - 1) < Decimal("0.0001")

    ape_ok(records, "market", "fund", "USDC", "1000000")
    shocked = ape_ok(records, "market", "swap", "--sell", "USDC", "--buy", "MKT10", "--move", "50%")
    before = where(line_after(shocked, "before:"))
    after = where(line_after(shocked, "after:"))
    assert before[4] == "inside"
    assert after[4] == "above" and after[0] > after[3]
    assert abs(after[0] / before[0] - Decimal("1.5")) < Decimal("0.001")
    assert re.search(r"MKT10/USDC v2: [\d.]+ -> [\d.]+ USDC per MKT10 \(\+50\.00%\)", shocked)

    # Simulating the round signs nothing either.
    block = rpc.call("eth_blockNumber")
    simulated = ape_ok(records, "keeper", "arbitrage", "--simulate")
    assert "[simulate] mint and sell: the pool is above the band" in simulated
    assert rpc.call("eth_blockNumber") == block

    kept = ape_ok(records, "keeper", "arbitrage")
    assert "mint and sell: the pool is above the band" in kept
    price, nav, lower, upper, side = where(line_after(kept, "done:"))
    assert side == "inside" and lower <= price <= upper
    assert nav == after[1]  # the keeper moved the pool, not NAV

    again = ape_ok(records, "keeper", "arbitrage")
    assert "skip: the pool is inside the cost band: no round trip pays" in again


def test_swap__unknown_token_and_short_balance__clear_messages(node, records):
    unknown = ape_run(records, "market", "swap", "--sell", "USDC", "--buy", "PEPE", "--amount", "1")
    assert unknown.returncode == 1
    assert "'PEPE' is neither an asset of the 2024-01-01 market nor an index deployed here" in unknown.stdout
    short = ape_run(records, "market", "swap", "--sell", "WBTC", "--buy", "USDC", "--amount", "1000000")
    assert short.returncode == 1
    assert "the trade sells 1000000: get them first with `ape run market fund WBTC 1000000`" in short.stdout
    assert "Traceback" not in short.stdout
