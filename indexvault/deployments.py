"""The record of what is deployed where, read by every script.

One JSON file per network, `deployments/<ecosystem>-<network>.json`, holding
each index deployed there by symbol, and the local market its node serves. Local chains start empty each time, so
their files are git-ignored and checked against the chain before use.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any


class DeploymentError(LookupError):
    """No usable deployment: the message says what to run."""


def record_path(folder: Path, ecosystem: str, network: str) -> Path:
    return folder / f"{ecosystem}-{network}.json"


def _read(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"indexes": {}}
    return json.loads(path.read_text())


def save(path: Path, record: dict[str, Any]) -> None:
    """Add or replace the index `record["symbol"]` in the file at `path`."""
    data = _read(path)
    record = {**record, "deployed_at": datetime.now(timezone.utc).isoformat(timespec="seconds")}
    data["indexes"][record["symbol"]] = record
    data["latest"] = record["symbol"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def save_market(path: Path, market: dict[str, Any]) -> None:
    """Record the market this network's node serves (see `indexvault.market`)."""
    data = _read(path)
    data["market"] = market
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def load_market(path: Path) -> dict[str, Any] | None:
    """The market recorded for this network, if any."""
    return _read(path).get("market")


def load(path: Path, symbol: str | None = None) -> dict[str, Any]:
    """The record of index `symbol`, or of the latest index deployed."""
    data = _read(path)
    if not data["indexes"]:
        raise DeploymentError(f"no index deployed on this network ({path} is empty or missing): run `ape run deploy` first")
    symbol = symbol or data.get("latest")
    if symbol not in data["indexes"]:
        known = ", ".join(sorted(data["indexes"]))
        raise DeploymentError(f"no index {symbol!r} in {path}; deployed here: {known}")
    return data["indexes"][symbol]
