"""Anvil processes: a fresh node for a build, a node restored from a saved
market, and the saved market's files (`markets/<date>/`)."""

from __future__ import annotations

import gzip
import json
import shutil
import socket
import subprocess
import time
from pathlib import Path

from indexvault.market.record import MarketError
from indexvault.market.rpc import Rpc, RpcError

ROOT = Path(__file__).resolve().parents[2]
MARKETS = ROOT / "markets"
STATE_FILE, RECORD_FILE = "state.json", "market.json"
# Big enough for a day of a 60-asset replay in one block, and what anvil's
# own default is on mainnet-like chains.
GAS_LIMIT = 30_000_000


def anvil_binary() -> str:
    found = shutil.which("anvil") or next(iter(ROOT.glob("node_modules/@foundry-rs/anvil-*/bin/anvil")), None)
    if found is None:
        raise MarketError("anvil not found: run `make install` (npm package @foundry-rs/anvil)")
    return str(found)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_in_use(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def market_dir(date: str) -> Path:
    return MARKETS / str(date)


class Anvil:
    """An anvil process on `port` (a free one by default), stopped by `stop()`."""

    def __init__(self, port: int | None = None, args: list[str] = (), quiet: bool = True, wait: float = 30) -> None:
        self.port = port or free_port()
        if port_in_use(self.port):
            raise MarketError(f"something already listens on 127.0.0.1:{self.port}; stop it or pick another port")
        self.url = f"http://127.0.0.1:{self.port}"
        output = subprocess.DEVNULL if quiet else None
        self.process = subprocess.Popen(
            [anvil_binary(), "--port", str(self.port), "--gas-limit", str(GAS_LIMIT), *args],
            stdout=output,
            stderr=output,
        )
        self.rpc = Rpc(self.url)
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise MarketError(f"anvil exited at start (code {self.process.returncode}): {' '.join(args)}")
            try:
                self.rpc.chain_id()
                return
            except RpcError:
                time.sleep(0.05)
        self.stop()
        raise MarketError(f"anvil did not answer on {self.url} within {wait:.0f} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def __enter__(self) -> Anvil:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


def save_state(rpc: Rpc, folder: Path) -> Path:
    """anvil's state dump (what `--dump-state` writes) into `folder/state.json`."""
    dumped = rpc.call("anvil_dumpState")
    raw = bytes.fromhex(dumped.removeprefix("0x"))
    state = gzip.decompress(raw) if raw[:2] == b"\x1f\x8b" else raw
    json.loads(state)  # a dump that is not JSON is not worth keeping
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / STATE_FILE
    path.write_bytes(state)
    return path


def restore(folder: Path, port: int | None = None, quiet: bool = True) -> Anvil:
    """A node started from the market saved in `folder`."""
    state = folder / STATE_FILE
    if not state.exists():
        raise MarketError(f"no saved market in {folder}: build it with `make market`")
    from indexvault.market.record import load

    record = load(folder / RECORD_FILE)
    # Anvil restores the state but takes its clock from the wall; the market's clock goes on from its record.
    return Anvil(port, ["--load-state", str(state), "--timestamp", str(record.timestamp + 1)], quiet=quiet)
