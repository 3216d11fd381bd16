"""Market benchmark: build a 20-asset market, restore it from its saved
state, replay a month, and write benchmarks/results/market.json.

    make bench-market        # python -m benchmarks market

Each phase is timed on its own fresh anvil, in this process, with the same
package code `ape run market build|serve|replay` uses. Restoring is timed from
starting anvil with the saved state to the node answering with the record
checked against it (what a test, keeper or fuzz campaign waits for).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import RESULTS as RESULTS_DIR
from indexvault.chain import project_bytecode
from indexvault.market import build as market_build
from indexvault.market import node as market_node
from indexvault.market import record as market_record
from indexvault.market import replay as market_replay

DATE, SIZE, END = "2024-01-01", 20, "2024-02-01"
OUT = RESULTS_DIR / "market.json"


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(prog="python -m benchmarks market", description=__doc__.splitlines()[0]).parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        started = time.monotonic()
        plan = market_build.plan(DATE, SIZE)
        with market_node.Anvil(args=["--timestamp", str(market_build.genesis_timestamp(plan.date))]) as anvil:
            record = market_build.build(anvil.rpc, plan, project_bytecode)
            market_node.save_state(anvil.rpc, folder)
        market_record.save(record, folder / market_node.RECORD_FILE)
        build_s = time.monotonic() - started
        print(f"build {build_s:.2f} s", file=sys.stderr)

        started = time.monotonic()
        with market_node.restore(folder) as node:
            market_record.check(record, node.rpc)
            restore_s = time.monotonic() - started
            print(f"restore {restore_s:.2f} s", file=sys.stderr)
            updated, report = market_replay.replay(node.rpc, record, END)
            print(f"replay {report.seconds:.2f} s", file=sys.stderr)

    pools = sum(len(a.pools) for a in record.assets.values())
    results = {
        "assets": len(plan.symbols),
        "tokens": len(record.assets),
        "pools": pools,
        "pools_v3": sum(p.dex == "v3" for a in record.assets.values() for p in a.pools),
        "build_s": round(build_s, 3),
        "restore_s": round(restore_s, 3),
        "replay_days": report.days,
        "replay_steps": len(report.steps),
        "replay_trades": report.trades,
        "replay_s": round(report.seconds, 3),
        "max_pool_feed_gap": float(report.max_gap),
        "worst_pool": report.worst_pool,
        "date": DATE,
        "replay_end": END,
        "depth_rule": record.depth_rule,
        "command": "make bench-market (python -m benchmarks market)",
        "machine": f"{platform.machine()}, {platform.python_version()}",
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
