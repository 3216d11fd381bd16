"""The deployments record: a message names only the indexes on the connected chain."""

import pytest

from indexvault import deployments


def test_load__unknown_symbol__names_only_indexes_on_this_chain(tmp_path):
    path = tmp_path / "ethereum-local.json"
    for symbol, vault in (("OLD", "0x" + "01" * 20), ("DCI", "0x" + "02" * 20)):
        deployments.save(path, {"symbol": symbol, "vault": vault, "chain_id": 31337})
    on_chain = {"0x" + "02" * 20}  # OLD is from an earlier run of the local chain

    with pytest.raises(deployments.DeploymentError, match=r"no index 'MAJ' in .*; deployed on this chain: DCI$"):
        deployments.load(path, "MAJ", alive=lambda record: record["vault"] in on_chain)
    with pytest.raises(deployments.DeploymentError, match=r"deployed on this chain: none$"):
        deployments.load(path, "MAJ", alive=lambda record: False)


def test_update_index__adds_fields_keeps_the_latest_and_deployment_time(tmp_path):
    path = tmp_path / "ethereum-local.json"
    deployments.save(path, {"symbol": "ONE", "vault": "0x1"})
    deployments.save(path, {"symbol": "TWO", "vault": "0x2"})
    deployed_at = deployments.load(path, "ONE")["deployed_at"]
    updated = deployments.update_index(path, "ONE", {"nav_feed": "0xf", "lending": {"oracle": "0xo"}})
    assert updated == deployments.load(path, "ONE")
    assert (updated["nav_feed"], updated["lending"], updated["deployed_at"]) == ("0xf", {"oracle": "0xo"}, deployed_at)
    assert deployments.load(path)["symbol"] == "TWO"  # still the latest
    with pytest.raises(deployments.DeploymentError, match="no index 'THREE'"):
        deployments.update_index(path, "THREE", {})
