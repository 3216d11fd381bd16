"""Demos: whole stories run end to end on a local market, outside the product
package. Each is a module the `ape run` commands in scripts/ call (the rebalance
demo: `ape run rebalance_demo`, `make rebalance-demo`); the tests reuse their
set-up (tests/e2e/keepers)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def on_own_node(folder: Path, prefix: str, echo: Callable[[str], None]) -> Iterator[tuple]:
    """The saved market in `folder` restored on a free port with Ape connected to it, its deployments
    in a temporary folder of their own (never the user's INDEXVAULT_DEPLOYMENTS: the demo's node is
    not the one that folder records): (rpc, market record, Ape's first test account). The node stops
    on the way out."""
    os.environ["INDEXVAULT_DEPLOYMENTS"] = tempfile.mkdtemp(prefix=prefix)
    from ape import accounts, networks

    from indexvault.market import node as market_node
    from indexvault.market import record as market_record

    market = market_record.load(folder / market_node.RECORD_FILE)
    anvil = market_node.restore(folder)
    echo(f"market of {market.date} restored on {anvil.url}")
    try:
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": anvil.url}):
            yield anvil.rpc, market, accounts.test_accounts[0]
    finally:
        anvil.stop()
