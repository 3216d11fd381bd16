"""Launching indexes through the IndexFactory as a user does, on the README's
node (`make anvil`): `ape run create-index`, `status` with the factory's
registry, the plan and its confirmation, a deploy cut off and resumed, and
a record written on another chain refused."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pytest

from indexvault.chain import fingerprint
from indexvault.market.rpc import Function
from tests.utils import LONG, REBALANCER_ROLE
from tests.utils.node import ROOT, SECOND_PORT, _env, ape_run, readme_rpc

DEMO = ROOT / "examples" / "demo.yaml"
R_TIMELOCK = Function("timelock()", "uint256")
R_QUOTE = Function("quote()", "address")
V_HAS_ROLE = Function("hasRole(bytes32,address)", "bool")
SECOND = ROOT / "examples" / "second.yaml"

README_PORT = SECOND_PORT  # the README's second node (tests/utils/node.py), beside the 8545 modules


def read(records: Path) -> dict:
    return json.loads((records / "ethereum-local.json").read_text())


def status(records: Path, *args: str) -> dict:
    result = ape_run(records, "status", "--json", *args)
    assert result.returncode == 0, result.stdout
    return json.loads(result.stdout[result.stdout.index("{") :])


@pytest.fixture(scope="module")
def two_indexes(node, records):
    """The README's path: two indexes through one factory (the first run deploys it)."""
    first = ape_run(records, "create-index", str(DEMO), "--yes")
    assert first.returncode == 0, first.stdout
    factory = read(records)["factory"]["address"]
    second = ape_run(records, "create-index", str(SECOND), "--yes")
    assert second.returncode == 0, second.stdout
    return first.stdout, second.stdout, factory


def test_create_index__plan_then_factory_then_index(two_indexes, records):
    first, second, factory = two_indexes
    for text in (
        "implementation IndexVault",
        "blueprint Rebalancer",
        "IndexFactory",
        "create_index (5 components)",
        "a new IndexTimelock, delay 86,400 s",
        "mint           0.1% (max 1%)",
        "cost at the current gas price",
    ):
        assert text in first
    # The second launch reuses the recorded factory: no implementation or blueprint, one create (estimated).
    assert "blueprint" not in second and "implementation " not in second
    assert f"through the IndexFactory at {factory}" in second
    data = read(records)
    assert data["chain_id"] == 31337
    assert data["factory"]["address"] == factory
    assert "pending" not in data
    assert [data["indexes"][s]["index_id"] for s in ("DCI", "MAJ")] == [0, 1]


def test_status__lists_the_registry_with_each_nav(two_indexes, records):
    data = read(records)
    shown = status(records)
    assert shown["chain_id"] == 31337
    registry = shown["registry"]
    assert [r["symbol"] for r in registry] == ["DCI", "MAJ"]
    assert [r["adapter"] for r in registry] == [data["indexes"]["DCI"]["oracle"], data["indexes"]["MAJ"]["oracle"]]
    assert {r["creator"] for r in registry} == {"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"}
    assert [r["version"] for r in registry] == [1, 1]
    # initial_nav_per_share of each file, through each adapter's AggregatorV3 feed.
    assert Decimal(registry[0]["nav_per_share"]) == pytest.approx(Decimal(100), rel=Decimal("0.0001"))
    assert Decimal(registry[1]["nav_per_share"]) == pytest.approx(Decimal(50), rel=Decimal("0.0001"))
    # Mock feeds deployed with each index are on no allowlist; MAJ's Rebalancer waits as long as its admin.
    assert [r["feeds"] for r in registry] == ["custom feeds: you trust the creator"] * 2
    assert [r["notice"] for r in registry] == [86_400, 86_400]
    table = ape_run(records, "status")
    assert "IndexFactory" in table.stdout and "2 indexes" in table.stdout
    assert table.stdout.count("custom feeds: you trust the creator") == 2


def test_create_index__rebalance_section__its_rebalancer_made_by_the_factory(two_indexes, records):
    """second.yaml has a `rebalance:` section: create-index passed it to the factory (it passed the zero
    address before, whatever the README said)."""
    maj = read(records)["indexes"]["MAJ"]
    assert maj["quote_symbol"] == "USDC" and maj["auction"] == 86_400
    rpc = readme_rpc()
    (timelock,), (quote,) = rpc.read([(maj["rebalancer"], R_TIMELOCK, ()), (maj["rebalancer"], R_QUOTE, ())])
    assert timelock == 86_400 and quote.lower() == maj["quote"].lower()


def test_add_rebalancer__factory_index__queued_in_its_timelock_then_executed(two_indexes, records, node):
    """An index made without one takes a Rebalancer through its timelock: one command, run again after the
    delay. Before, no command deployed one ("deploy one first (indexvault.chain.deploy_rebalancer)")."""
    args = ("keeper", "add-rebalancer", "--index", "DCI", "--quote", "USDC")
    short = ape_run(records, *args, "--timelock", "3600")
    assert short.returncode == 1
    assert "--timelock: 3600 s is shorter than DCI's admin delay (86400 s)" in short.stdout
    queued = ape_run(records, *args)
    assert queued.returncode == 0, queued.stdout
    assert "its role is queued in DCI's timelock: run this command again from unix time" in queued.stdout
    pending = read(records)["indexes"]["DCI"]["pending_rebalancer"]["address"]
    early = ape_run(records, *args)
    assert early.returncode == 1 and "not ready: DCI: Rebalancer" in early.stdout
    node.rpc.call("evm_increaseTime", 86_401)
    node.rpc.call("evm_mine")
    done = ape_run(records, *args)
    assert done.returncode == 0, done.stdout
    assert f"rebalancer {pending} now holds DCI's REBALANCER_ROLE" in done.stdout
    dci = read(records)["indexes"]["DCI"]
    assert dci["rebalancer"] == pending and "pending_rebalancer" not in dci
    (granted,) = readme_rpc().read([(dci["vault"], V_HAS_ROLE, (REBALANCER_ROLE, pending))])[0]
    assert granted is True


def test_created_index__admin_is_the_timelock(two_indexes, records):
    # The creator is not the vault's admin: a direct fee change reverts, through the timelock it waits.
    queued = ape_run(
        records, "timelock", "queue", "--index", "MAJ", "--mint", "0.003", "--redeem", "0.002", "--streaming", "0.01"
    )
    assert queued.returncode == 0, queued.stdout
    assert "Queued MAJ: fees mint 0.3%" in queued.stdout
    early = ape_run(
        records, "timelock", "execute", "--index", "MAJ", "--mint", "0.003", "--redeem", "0.002", "--streaming", "0.01"
    )
    assert early.returncode == 1
    assert (
        "not ready: MAJ: fees mint 0.3%, redeem 0.2%, streaming 1% a year can be executed in 86,400 s" in early.stdout
    )
    assert Decimal(status(records, "--index", "MAJ")["fees"]["mint"]) == Decimal("0.002")


@pytest.mark.skipif(not LONG, reason="a run cut off and resumed (about 15 s each): make test-long")
def test_create_index__cut_off_after_sending__adopts_the_index_instead_of_making_another(two_indexes, records):
    # As a run killed between sending create_index and recording it leaves the file: MAJ's mocks and the
    # registry's length before the send recorded as done, MAJ itself not recorded.
    data = read(records)
    made = data["indexes"].pop("MAJ")
    steps = {}
    for component in made["components"]:
        steps[f"mock {component['symbol']} token"] = {"address": component["token"], "tx": None}
        steps[f"mock {component['symbol']} feed"] = {"address": component["feed"], "tx": None}
    steps["create sent"] = {"index_count": 1}
    data["pending"] = {"create MAJ": {"started_at": "", "fingerprint": fingerprint(SECOND), "steps": steps}}
    data["latest"] = "DCI"
    (records / "ethereum-local.json").write_text(json.dumps(data))

    resumed = ape_run(records, "create-index", str(SECOND), "--yes")
    assert resumed.returncode == 0, resumed.stdout
    assert "found MAJ in the factory's registry (index 1)" in resumed.stdout
    after = read(records)
    assert after["indexes"]["MAJ"]["vault"] == made["vault"]
    assert "pending" not in after
    assert [r["symbol"] for r in status(records)["registry"]] == ["DCI", "MAJ"]


def test_create_index__declined__sends_nothing(node, tmp_path):
    result = subprocess.run(
        [str(Path(sys.executable).parent / "ape"), "run", "create-index", str(DEMO)],
        cwd=ROOT,
        env=_env(tmp_path),
        input="n\n",
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    # Three implementations (proxies' code), the Rebalancer's blueprint, the factory's governance
    # timelock, the factory, the lens, and a token and a feed for each of the five mocks.
    assert "Send these 17 transactions? [y/N]" in result.stdout
    assert "Error: nothing sent" in result.stdout
    assert not (tmp_path / "ethereum-local.json").exists()


@pytest.mark.skipif(not LONG, reason="a run cut off and resumed (about 15 s each): make test-long")
def test_deploy__cut_off_midway__resumes_and_is_not_live_before(node, tmp_path):
    path = tmp_path / "ethereum-local.json"
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "ape"), "run", "deploy", str(DEMO), "--yes"],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while not (
        path.exists()
        and len(json.loads(path.read_text()).get("pending", {}).get("deploy DCI", {}).get("steps", {})) >= 3
    ):
        assert process.poll() is None and time.monotonic() < deadline, "deploy ended before it could be cut off"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done = json.loads(path.read_text())["pending"]["deploy DCI"]["steps"]
    assert "mock WBTC token" in done and not json.loads(path.read_text())["indexes"]

    shown = status(tmp_path)
    assert list(shown["incomplete"]) == ["deploy DCI"]
    assert "INCOMPLETE, not live: deploy DCI" in ape_run(tmp_path, "status").stdout
    assert "unfinished in" in ape_run(tmp_path, "mint", "--shares", "1").stdout

    resumed = ape_run(tmp_path, "deploy", str(DEMO), "--yes")
    assert resumed.returncode == 0, resumed.stdout
    assert f"resuming deploy DCI: {len(done)} step(s) already done" in resumed.stdout
    assert "mock WBTC token                    done (recorded), skipped" in resumed.stdout
    data = json.loads(path.read_text())
    assert "pending" not in data
    # The resumed deploy reuses what was made before the cut.
    assert data["indexes"]["DCI"]["components"][0]["token"] == done["mock WBTC token"]["address"]
    minted = ape_run(tmp_path, "mint", "--shares", "1")
    assert minted.returncode == 0, minted.stdout


def test_record_of_another_chain__refused(node, tmp_path):
    (tmp_path / "ethereum-local.json").write_text(json.dumps({"chain_id": 11155111, "indexes": {}}))
    result = ape_run(tmp_path, "status")
    assert result.returncode == 1
    assert "records chain id 11155111, but the connected chain's id is 31337" in result.stdout
    assert "Traceback" not in result.stdout
