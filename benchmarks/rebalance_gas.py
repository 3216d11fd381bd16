"""Rebalancing gas: a keeper's atomic auction fill against a bare Uniswap V2
swap and Set Protocol v2's GeneralIndexModule trade, through the same pair.

    python benchmarks/rebalance_gas.py            # the lead's `make bench-rebalance`

Restores the saved market (markets/2024-01-01, built by `ape run market
build` if missing) on a free port, connects Ape to it, sets up the index
vault with its Rebalancer and RebalanceBidder and a Set v2 SetToken with
GeneralIndexModule, measures the three trades (see
indexvault/rebalance_bench.py for exactly what each number includes), prints
a table and writes bid_fill_gas, router_swap_gas, set_gim_trade_gas and
gas_notes into benchmarks/results/rebalance.json, leaving its other keys.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import gas as bench  # noqa: E402
from benchmarks import rebalance as rb  # noqa: E402
from indexvault.market import node as market_node  # noqa: E402
from indexvault.market import record as market_record  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    started = time.monotonic()
    folder = market_node.market_dir(rb.MARKET_DATE)
    if not (folder / market_node.STATE_FILE).exists():
        raise SystemExit(f"no saved market in {folder}: build it with `ape run market build --date {rb.MARKET_DATE}`")
    record = market_record.load(folder / market_node.RECORD_FILE)
    log("compiling the vault's contracts with vyper")
    containers = rb.compile_vyper(ROOT)
    set_package = ROOT / bench.SET_PACKAGE

    with market_node.restore(folder) as anvil:
        market_record.check(record, anvil.rpc)
        log(f"market {record.date} restored on {anvil.url}")
        from ape import accounts, networks
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)  # no "Confirmed 0x..." line per transaction
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": anvil.url}) as provider:
            deployer, keeper = accounts.test_accounts[0], accounts.test_accounts[1]
            run = rb.RebalanceGasBench(record, containers, set_package, deployer, keeper, log=log)
            trades = run.run()
            meta = rb.metadata(provider, record, set_package, run.pair_address, "python benchmarks/rebalance_gas.py")
    result = rb.Result(trades, meta)
    rb.merge_json(rb.RESULTS, result.to_keys())
    print(rb.format_table(result))
    log(f"\nwrote {', '.join(rb.KEYS)} into {rb.RESULTS.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
