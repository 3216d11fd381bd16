"""Fixtures for the keeper tests: the saved market restored on a fresh node
per module (a tenth of a second), Ape connected to it, and an index launched
on it with the 2024-02-01 targets proposed."""

from __future__ import annotations

import pytest

from indexvault.keepers import runner
from indexvault.market import node as market_node


@pytest.fixture(scope="module")
def node(saved_market):
    anvil = market_node.restore(saved_market)
    yield anvil
    anvil.stop()


SHARES = 1_000  # index tokens the launched index mints (100 USD each)


@pytest.fixture(scope="module")
def ape_node(node, tmp_path_factory):
    """Ape connected to the restored node, deployments recorded in a temporary folder."""
    mp = pytest.MonkeyPatch()
    mp.setenv("INDEXVAULT_DEPLOYMENTS", str(tmp_path_factory.mktemp("deployments")))
    from ape import networks

    with networks.ethereum.local.use_provider("foundry", provider_settings={"host": node.url}):
        yield node
    mp.undo()


@pytest.fixture(scope="module")
def launched(ape_node, market):
    from ape import accounts

    from demos import rebalance as demo
    from indexvault import chain

    keeper = accounts.test_accounts[0]  # also the index's admin and manager here
    record = demo.launch(market, keeper, SHARES, echo=lambda line: None)
    proposal = runner.read_proposal(ape_node.rpc, market, record, "2024-02-01")
    chain.set_missing_feeds(record, keeper, market, proposal.added)
    chain.propose_rebalance(record, keeper, proposal)
    return record, proposal, keeper
