"""`ape run` as a user types it, against the node the README tells them to start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from indexvault.market.node import Anvil, port_in_use  # noqa: F401  (re-exported for the tests)

ROOT = Path(__file__).resolve().parents[2]
# Ape's local network (ape-config.yaml): the README has users start a node here.
PORT = 8545


def _env(deployments: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "INDEXVAULT_DEPLOYMENTS": str(deployments),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # Exactly what the README's user has: no provider settings of ours, no warning filters (make's).
    env.pop("APE_FOUNDRY_HOST", None)
    env.pop("PYTHONWARNINGS", None)
    return env


def ape_run(deployments: Path, *args: str) -> subprocess.CompletedProcess:
    """`ape run ARGS` from the project root, recording deployments under
    `deployments` (the README's INDEXVAULT_DEPLOYMENTS); stdout and stderr together."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "ape"), "run", *args],
        cwd=ROOT,
        env=_env(deployments),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )


def readme_node() -> Anvil:
    """`make anvil`: an anvil on 127.0.0.1:8545."""
    if port_in_use(PORT):
        raise RuntimeError(f"something listens on 127.0.0.1:{PORT}; the end-to-end tests need it free")
    return Anvil(PORT)


class MarketNode:
    """`make market-node`: `ape run market serve` in the background, on 8545."""

    def __init__(self, deployments: Path, date: str = "2024-01-01") -> None:
        if port_in_use(PORT):
            raise RuntimeError(f"something listens on 127.0.0.1:{PORT}; the end-to-end tests need it free")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "ape"), "run", "market", "serve", "--date", date],
            cwd=ROOT,
            env=_env(deployments),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not (deployments / "ethereum-local.json").exists() or not port_in_use(PORT):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"ape run market serve did not start: {self.process.stdout.read()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
