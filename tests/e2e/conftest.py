"""The end-to-end tests' node and deployment records, defined once for every module.

`node` is the node the README tells a user to start, where it puts it (127.0.0.1:8545): `make anvil`'s
empty anvil, or `make market-node`'s saved market (`ape run market serve`) for a module that sets
`README_NODE = "market"`; on the README's second node (127.0.0.1:8546, `APE_FOUNDRY_HOST` set for the
commands) for a module that sets `README_PORT = SECOND_PORT`. Every module on one port runs on one xdist
worker (tests/conftest.py)."""

from __future__ import annotations

import pytest

from tests.utils.node import PORT, MarketNode, readme_node, readme_rpc, use_port


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    """The module's INDEXVAULT_DEPLOYMENTS folder."""
    return tmp_path_factory.mktemp("deployments")


@pytest.fixture(scope="module")
def node(request, records):
    kind = getattr(request.module, "README_NODE", "anvil")
    port = getattr(request.module, "README_PORT", PORT)
    use_port(port)
    started = MarketNode(records, port=port) if kind == "market" else readme_node(port)
    yield started
    started.stop()
    use_port(PORT)


@pytest.fixture(scope="module")
def rpc(node):
    """JSON-RPC to the module's README node."""
    return readme_rpc()
