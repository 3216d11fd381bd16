"""The project's benchmarks, outside the product package: each imports
`indexvault` (never the tests), measures one thing and writes its JSON under
`benchmarks/results/`. Run one from the repository root:

    python -m benchmarks KIND [options]     # KIND: python -m benchmarks --help lists them

(`make bench`, `make bench-market`, ... run the same commands.)"""

from __future__ import annotations

import sys
from pathlib import Path

from indexvault.errors import IndexVaultError

ROOT = Path(__file__).resolve().parents[1]  # the repository: contracts/, node_modules/, markets/
RESULTS = ROOT / "benchmarks" / "results"


class BenchError(IndexVaultError, RuntimeError):
    """A benchmark that cannot run as set up; the message says what is missing or wrong."""


def log(message: str) -> None:
    """Progress, to stderr (stdout carries the table)."""
    print(message, file=sys.stderr, flush=True)
