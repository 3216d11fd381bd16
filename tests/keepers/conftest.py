"""Fixtures for the keeper tests: the saved market restored on a fresh node
(a tenth of a second), and titanoboa forking it, so the bidder swaps through
the real Uniswap V2 and V3 contracts and pools of the market."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from indexvault.market import node as market_node
from indexvault.market import record as market_record

DATE = "2024-01-01"


@pytest.fixture(scope="session")
def saved_market() -> Path:
    folder = market_node.market_dir(DATE)
    if not (folder / market_node.STATE_FILE).exists():  # `make test` builds it first; plain pytest may not have
        ape = Path(sys.executable).parent / "ape"
        subprocess.run([str(ape), "run", "market", "build", "--date", DATE], cwd=market_node.ROOT, check=True)
    return folder


@pytest.fixture(scope="session")
def market(saved_market) -> market_record.MarketRecord:
    return market_record.load(saved_market / market_node.RECORD_FILE)


@pytest.fixture(scope="module")
def node(saved_market):
    anvil = market_node.restore(saved_market)
    yield anvil
    anvil.stop()
