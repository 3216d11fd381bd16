"""Fixtures shared by every test folder that runs on the saved market:
the saved market itself, and titanoboa forking a node restored from it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import boa
import pytest

from indexvault.market import node as market_node
from indexvault.market import record as market_record
from tests.utils import node as node_utils
from tests.utils.boa_fork import BoaReader

MARKET_DATE = "2024-01-01"


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    """`make test` runs on two workers (pytest-xdist, `--dist loadgroup`). The end-to-end tests run
    the README's commands against a node where the README puts it, 127.0.0.1:8545, so every test
    of a module that uses `tests.utils.node` goes to one worker, one after another."""
    for item in items:
        module = getattr(item, "module", None)
        if module and any(
            getattr(value, "__module__", None) == "tests.utils.node" or value is node_utils
            for value in vars(module).values()
        ):
            item.add_marker(pytest.mark.xdist_group("readme-node-8545"))


@pytest.fixture(scope="session")
def saved_market() -> Path:
    """The saved 2024-01-01 market: `make test` builds it first; plain pytest builds it here if missing."""
    folder = market_node.market_dir(MARKET_DATE)
    if not (folder / market_node.STATE_FILE).exists():
        ape = Path(sys.executable).parent / "ape"
        subprocess.run([str(ape), "run", "market", "build", "--date", MARKET_DATE], cwd=market_node.ROOT, check=True)
    return folder


@pytest.fixture(scope="session")
def market(saved_market) -> market_record.MarketRecord:
    return market_record.load(saved_market / market_node.RECORD_FILE)


@pytest.fixture
def forked(saved_market):
    """Titanoboa forking a node freshly restored from the saved market (no disk
    cache: every restored node has the same block numbers but its own state)."""
    anvil = market_node.restore(saved_market)
    try:
        with boa.fork(anvil.url, block_identifier="latest", cache_dir=None):
            yield
    finally:
        anvil.stop()


@pytest.fixture
def reader(forked):
    return BoaReader()
