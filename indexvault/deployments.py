"""The record of what is deployed where, read by every script.

One JSON file per network, `deployments/<ecosystem>-<network>.json`, holding
the chain id it was written on, each index deployed there by symbol, the
IndexFactory (and its blueprints) if one is deployed, the local market its
node serves, and the steps of any deployment still under way (`pending`).
Local chains start empty each time, so their files are git-ignored and
checked against the chain before use.

A deployment of several transactions records each step as it completes, in
`pending[job]`; re-running the same command resumes from there, and the
index itself is recorded under `indexes` only once it is complete, so a
half-deployed index never looks live.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from indexvault.errors import DeploymentError


def record_path(folder: Path, ecosystem: str, network: str) -> Path:
    return folder / f"{ecosystem}-{network}.json"


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"indexes": {}}
    data = json.loads(path.read_text())
    data.setdefault("indexes", {})
    return data


def _write(path: Path, data: dict[str, Any]) -> None:
    """Write the whole file at once (a temporary file renamed over it), so a
    process killed mid-write leaves the previous record, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(data, indent=2) + "\n")
    temporary.replace(path)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_chain(path: Path, chain_id: int) -> None:
    """Refuse a record written on another chain than the connected one."""
    recorded = _read(path).get("chain_id")
    if recorded is not None and recorded != chain_id:
        raise DeploymentError(
            f"{path} records chain id {recorded}, but the connected chain's id is {chain_id}: "
            "connect to the network it was written for (--network), or move the file away to start a new record"
        )


def chain_id(path: Path) -> int | None:
    """The chain id the record at `path` was written on, if it says."""
    return _read(path).get("chain_id")


def save(path: Path, record: dict[str, Any]) -> None:
    """Add or replace the index `record["symbol"]` in the file at `path`."""
    data = _read(path)
    record = {**record, "deployed_at": _now()}
    data.setdefault("chain_id", record.get("chain_id"))
    data["indexes"][record["symbol"]] = record
    data["latest"] = record["symbol"]
    _write(path, data)


def update_index(path: Path, symbol: str, fields: dict[str, Any]) -> dict[str, Any]:
    """Add `fields` to the recorded index `symbol` (contracts deployed for it later, as its NAV feed
    and lending market), leaving its deployment time and the latest index as they are."""
    data = _read(path)
    if symbol not in data["indexes"]:
        raise DeploymentError(f"no index {symbol!r} in {path}")
    data["indexes"][symbol] = {**data["indexes"][symbol], **fields}
    _write(path, data)
    return data["indexes"][symbol]


def save_market(path: Path, market: dict[str, Any]) -> None:
    """Record the market this network's node serves (see `indexvault.market`)."""
    data = _read(path)
    data.setdefault("chain_id", market.get("chain_id"))
    data["market"] = market
    _write(path, data)


def save_factory(path: Path, factory: dict[str, Any]) -> None:
    """Record this network's IndexFactory: its address, blueprints and bounds."""
    data = _read(path)
    data.setdefault("chain_id", factory.get("chain_id"))
    data["factory"] = {**factory, "deployed_at": _now()}
    _write(path, data)


def load_factory(path: Path) -> dict[str, Any] | None:
    """The IndexFactory recorded for this network, if any."""
    return _read(path).get("factory")


def save_lens(path: Path, address: str, chain_id: int) -> None:
    """Record this network's IndexLens (stateless: one serves every vault)."""
    data = _read(path)
    data.setdefault("chain_id", chain_id)
    data["lens"] = address
    _write(path, data)


def load_lens(path: Path) -> str | None:
    """The IndexLens recorded for this network, if any."""
    return _read(path).get("lens")


def pending(path: Path, job: str | None = None) -> dict[str, Any]:
    """The completed steps of the unfinished deployment `job` (by step name:
    {address?, tx?}), or, without `job`, every unfinished job's."""
    jobs = _read(path).get("pending", {})
    return jobs if job is None else jobs.get(job, {"steps": {}})


def save_step(path: Path, job: str, step: str, result: dict[str, Any], chain_id: int, fingerprint: str = "") -> None:
    """Record that `step` of `job` (started from `fingerprint`) completed,
    with its address and/or transaction."""
    data = _read(path)
    data.setdefault("chain_id", chain_id)
    entry = data.setdefault("pending", {}).setdefault(
        job, {"started_at": _now(), "fingerprint": fingerprint, "steps": {}}
    )
    entry["steps"][step] = result
    _write(path, data)


def finish(path: Path, job: str) -> None:
    """Forget `job`'s steps: it is complete and recorded where it belongs."""
    data = _read(path)
    if data.get("pending", {}).pop(job, None) is not None:
        if not data["pending"]:
            del data["pending"]
        _write(path, data)


def load_market(path: Path) -> dict[str, Any] | None:
    """The market recorded for this network, if any."""
    return _read(path).get("market")


def load_all(path: Path) -> dict[str, dict[str, Any]]:
    """Every complete index recorded at `path`, by symbol."""
    return _read(path)["indexes"]


def load(
    path: Path, symbol: str | None = None, alive: Callable[[dict[str, Any]], bool] | None = None
) -> dict[str, Any]:
    """The record of index `symbol`, or of the latest index deployed. A
    message naming other indexes names only those `alive` says are on the
    connected chain (a local chain's file may outlive the chain)."""
    data = _read(path)
    if not data["indexes"]:
        unfinished = ", ".join(data.get("pending", {}))
        if unfinished:
            raise DeploymentError(
                f"no complete index on this network; unfinished in {path}: {unfinished}: "
                "re-run the same deploy or create-index command to finish it"
            )
        raise DeploymentError(
            f"no index deployed on this network ({path} is empty or missing): run `ape run deploy` first"
        )
    symbol = symbol or data.get("latest")
    if symbol not in data["indexes"]:
        known = [s for s, record in sorted(data["indexes"].items()) if alive is None or alive(record)]
        raise DeploymentError(f"no index {symbol!r} in {path}; deployed on this chain: {', '.join(known) or 'none'}")
    return data["indexes"][symbol]
