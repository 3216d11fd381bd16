"""An anvil node and `ape run` as a user types it, for the end-to-end tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _anvil_binary() -> str:
    found = shutil.which("anvil") or next(iter(ROOT.glob("node_modules/@foundry-rs/anvil-*/bin/anvil")), None)
    if found is None:
        raise RuntimeError("anvil not found: run `make install` (npm package @foundry-rs/anvil)")
    return str(found)


class Anvil:
    """An anvil process on a free port, stopped by `stop()`."""

    def __init__(self) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}"
        port = self.url.rsplit(":", 1)[1]
        self.process = subprocess.Popen(
            [_anvil_binary(), "--port", port, "--silent"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                request = urllib.request.Request(
                    self.url, data=b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
                    headers={"Content-Type": "application/json"},
                )
                urllib.request.urlopen(request, timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"anvil did not answer on {self.url}")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)


def ape_run(node: Anvil, deployments: Path, *args: str) -> subprocess.CompletedProcess:
    """`ape run ARGS --network ethereum:local:foundry` against `node`, recording
    deployments under `deployments`; output is stdout and stderr together."""
    env = {
        **os.environ,
        "APE_FOUNDRY_HOST": node.url,
        "INDEXVAULT_DEPLOYMENTS": str(deployments),
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    return subprocess.run(
        [str(Path(sys.executable).parent / "ape"), "run", *args, "--network", "ethereum:local:foundry"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300,
    )
