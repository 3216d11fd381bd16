"""A node restored from the saved market per test module, and the fuzz world on it."""

from __future__ import annotations

import pytest

from indexvault.fuzz.campaign import market_node_for

DATE = "2024-01-01"


@pytest.fixture(scope="module")
def market_node():
    """(node, record): the saved market restored on a free port, stopped after the module."""
    with market_node_for(DATE) as (node, record):
        yield node, record
