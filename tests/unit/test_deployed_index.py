"""DeployedIndex without a chain: the record's fields as a mapping, a clear error for what is not
recorded, and `updated` writing over what the file holds (never the components as read from the vault)."""

import json

import pytest

from indexvault import deployments, index
from indexvault.index import DeployedIndex

WBTC = {"symbol": "WBTC", "token": "0x" + "11" * 20, "decimals": 8, "feed": "0x" + "21" * 20}
LINK = {"symbol": "LINK", "token": "0x" + "12" * 20, "decimals": 18, "feed": "0x" + "22" * 20}
RECORD = {"symbol": "DCI", "name": "Demo", "vault": "0x" + "01" * 20, "oracle": "0x" + "02" * 20, "chain_id": 31337}


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """DCI recorded with WBTC alone, in a file the index writes to instead of the network's."""
    path = tmp_path / "ethereum-local.json"
    deployments.save(path, {**RECORD, "components": [WBTC], "pending_rebalancer": {"address": "0x" + "03" * 20}})
    monkeypatch.setattr(index, "record_file", lambda: path)
    return path


def test_mapping__reads_the_record_fields_and_the_named_accessors():
    dci = DeployedIndex({**RECORD, "components": [WBTC, LINK]})
    assert (dci["vault"], dci.symbol, dci.name, "pool" in dci) == (RECORD["vault"], "DCI", "Demo", False)
    assert dci.address("oracle") == RECORD["oracle"]
    assert dci.component("LINK") == LINK
    assert DeployedIndex.of(dci) is dci and DeployedIndex.of(RECORD) == DeployedIndex(RECORD)


def test_missing__names_the_index_and_what_it_lacks():
    dci = DeployedIndex({**RECORD, "components": [WBTC]})
    with pytest.raises(deployments.DeploymentError, match=r"^index DCI has no rebalancer recorded$"):
        dci.address("rebalancer")
    with pytest.raises(ValueError, match=r"^SOL: not a component of DCI \(WBTC\)$"):
        dci.component("SOL")


def test_updated__writes_over_the_stored_entry_and_drops_what_it_is_told(recorded):
    current = DeployedIndex({**RECORD, "components": [WBTC, LINK]})  # LINK appended by a rebalance
    updated = current.updated(drop=("pending_rebalancer",), rebalancer="0x" + "03" * 20)

    stored = json.loads(recorded.read_text())["indexes"]["DCI"]
    assert stored["rebalancer"] == "0x" + "03" * 20 and "pending_rebalancer" not in stored
    assert stored["components"] == [WBTC]  # as recorded: the current ones are read from the vault at each load
    assert updated.components == [WBTC, LINK] and updated.address("rebalancer") == "0x" + "03" * 20
