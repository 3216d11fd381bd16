"""`ape run` as a user types it, against the node the README tells them to start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from indexvault.market.node import Anvil, port_in_use  # noqa: F401  (re-exported for the tests)
from indexvault.market.rpc import Rpc

ROOT = Path(__file__).resolve().parents[2]
# Ape's local network (ape-config.yaml): the README has users start a node here.
PORT = 8545
# The README's second node beside the first ("Two local nodes"): `make market-node PORT=8546` and
# `export APE_FOUNDRY_HOST=http://127.0.0.1:8546` in the shell whose commands use it. A module that sets
# `README_PORT = SECOND_PORT` runs there, so the end-to-end tests run on both workers at once.
SECOND_PORT = 8546
_port = PORT  # the port of the running module's node (one module at a time per worker)


def use_port(port: int) -> None:
    """The port `ape_run` and `readme_rpc` talk to, set by the `node` fixture for its module."""
    global _port
    _port = port


def readme_rpc() -> Rpc:
    """JSON-RPC to the running module's README node."""
    return Rpc(f"http://127.0.0.1:{_port}")


def _env(deployments: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "INDEXVAULT_DEPLOYMENTS": str(deployments),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    # Exactly what the README's user has: no provider settings of ours, no warning filters (make's);
    # on the second node, the one setting the README gives for it.
    env.pop("APE_FOUNDRY_HOST", None)
    env.pop("PYTHONWARNINGS", None)
    if _port != PORT:
        env["APE_FOUNDRY_HOST"] = f"http://127.0.0.1:{_port}"
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


def _free(port: int) -> None:
    if port_in_use(port):
        raise RuntimeError(f"something listens on 127.0.0.1:{port}; the end-to-end tests need it free")


def ape_ok(deployments: Path, *args: str) -> str:
    """`ape run ARGS` that must succeed: its output, after checking the exit code and that no traceback
    reached the user."""
    result = ape_run(deployments, *args)
    assert result.returncode == 0, result.stdout
    assert "Traceback" not in result.stdout
    return result.stdout


def readme_node(port: int = PORT) -> Anvil:
    """`make anvil` (`make anvil PORT=8546`): an anvil on 127.0.0.1:`port`."""
    _free(port)
    return Anvil(port)


class MarketNode:
    """`make market-node` (`make market-node PORT=8546`): `ape run market serve` in the background."""

    def __init__(
        self, deployments: Path, date: str = "2024-01-01", port: int = PORT, folder: Path | None = None
    ) -> None:
        _free(port)
        port_args = ["--port", str(port)] if port != PORT else []
        market = ["--from", str(folder)] if folder else ["--date", date]  # `market serve --from FOLDER`
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "ape"), "run", "market", "serve", *market, *port_args],
            cwd=ROOT,
            env=_env(deployments),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while not (deployments / "ethereum-local.json").exists() or not port_in_use(port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"ape run market serve did not start: {self.process.stdout.read()}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
