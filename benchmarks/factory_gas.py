"""Gas of launching an index: IndexFactory.create_index against Set Protocol
v2's SetTokenCreator.create, at basket sizes 1, 5, 10, 20 and 50.

    python benchmarks/factory_gas.py

Starts anvil on a free port, connects Ape to it, measures (see
indexvault/factory_bench.py for what each number includes), prints a table
and writes benchmarks/results/factory.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks import factory as fb  # noqa: E402
from benchmarks import gas as bench  # noqa: E402
from indexvault.market.node import Anvil  # noqa: E402


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main() -> None:
    started = time.monotonic()
    set_package = ROOT / bench.SET_PACKAGE
    anvil = Anvil()
    try:
        from ape import accounts, networks, project
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)  # no "Confirmed 0x..." line per transaction
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": anvil.url}) as provider:
            run = fb.FactoryBench(project, accounts.test_accounts[0], set_package, log)
            rows = run.run(fb.DEFAULT_NS)
            data = fb.results(rows, provider, set_package, "python benchmarks/factory_gas.py")
    finally:
        anvil.stop()
    out = ROOT / fb.RESULTS
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(data, indent=2) + "\n")
    print(fb.format_table(rows))
    log(f"\nwrote {fb.RESULTS} in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
