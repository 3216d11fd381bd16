"""A fresh node from the saved market for every market test: restoring takes a
tenth of a second, so no test sees another's trades."""

from __future__ import annotations

import pytest

from indexvault.market import node as market_node


@pytest.fixture
def fresh_node(saved_market):
    anvil = market_node.restore(saved_market)
    yield anvil
    anvil.stop()


@pytest.fixture
def rpc(fresh_node):
    return fresh_node.rpc
