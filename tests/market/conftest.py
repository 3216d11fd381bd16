"""A fresh node from the saved market for every test: restoring takes a
tenth of a second, so no test sees another's trades."""

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


@pytest.fixture
def node(saved_market):
    anvil = market_node.restore(saved_market)
    yield anvil
    anvil.stop()


@pytest.fixture
def rpc(node):
    return node.rpc
