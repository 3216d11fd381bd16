"""The testnet rehearsal: the README's real-network commands on anvil with Sepolia's chain id.

Starts anvil with Sepolia's chain id (11155111, a block a second) as a
stand-in for Sepolia, and runs the README's real-network commands against
it, each as a user types it, with `SEPOLIA_RPC_URL` pointing at the node and
Ape's data folder (the keystore) in a temporary directory, so ~/.ape is never
touched:

1. `ape accounts import --use-mnemonic rehearsal` (the test mnemonic; the
   passphrase typed in, then given to every command in
   APE_ACCOUNTS_rehearsal_PASSPHRASE, so nothing prompts);
2. `ape run create-index`, killed once its first step is recorded; `status`
   shows it incomplete; the same command again resumes it;
3. `ape run mint`, `ape run redeem`;
4. `ape run timelock queue` a fee change, the delay waited out by moving
   the node's clock (the only thing done to the node directly), then
   `ape run timelock execute`; `status` shows the new fees.

Stops anvil and removes the temporary directory at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click

from indexvault.market.node import Anvil

ROOT = Path(__file__).resolve().parents[1]  # the repository: commands run from it
MNEMONIC = "test test test test test test test test test test test junk"  # Ape's and anvil's test mnemonic
ALIAS = "rehearsal"
# A test passphrase for a throwaway keystore in a temporary folder.
PASSPHRASE = "rehearsal-only-passphrase-1"
INDEX_FILE = "examples/second.yaml"
SEPOLIA_CHAIN_ID = 11155111
DELAY = 3_600
NETWORK = ("--network", "ethereum:sepolia:node", "--account", ALIAS)
# Ape's progress bars and warnings about what the rehearsal does on purpose
# (a simple test passphrase typed through a pipe, an unlocked test account).
NOISE = (
    "Confirmations (",
    "it/s]",
    "Using cached key",
    "Danger! This account",
    "Passphrase complexity",
    "warn(",
    "GetPassWarning",
    "fallback_getpass",
    "Password input may be echoed",
)


class Rehearsal:
    def __init__(self, folder: Path, anvil: Anvil):
        self.anvil = anvil
        self.records = folder / "deployments"
        self.env = {
            **os.environ,
            "SEPOLIA_RPC_URL": anvil.url,
            "APE_DATA_FOLDER": str(folder / "ape"),
            f"APE_ACCOUNTS_{ALIAS}_PASSPHRASE": PASSPHRASE,
            "INDEXVAULT_DEPLOYMENTS": str(self.records),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.env.pop("APE_FOUNDRY_HOST", None)

    def _command(self, args: tuple[str, ...]) -> list[str]:
        return [str(Path(sys.executable).parent / "ape"), *args]

    def _show(self, output: str) -> None:
        for line in output.splitlines():
            if line.strip() and not any(noise in line for noise in NOISE) and not line.startswith("INFO:"):
                click.echo(f"    {line}")

    def run(self, *args: str, stdin: str | None = None) -> str:
        click.echo(f"$ ape {' '.join(args)}")
        result = subprocess.run(
            self._command(args),
            cwd=ROOT,
            env=self.env,
            input=stdin,
            text=True,
            timeout=300,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # no terminal: Ape's hidden prompts read the piped stdin
        )
        self._show(result.stdout)
        if result.returncode != 0:
            raise click.ClickException(f"`ape {' '.join(args)}` failed (exit {result.returncode})")
        return result.stdout

    def cut_off(self, *args: str) -> str:
        """Runs a deploying command and kills it once its first step is recorded."""
        click.echo(f"$ ape {' '.join(args)}    # killed once its first step is recorded")
        path = self.records / "ethereum-sepolia.json"
        process = subprocess.Popen(
            self._command(args),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            pending = json.loads(path.read_text()).get("pending", {}) if path.exists() else {}
            steps = [step for job in pending.values() for step in job["steps"]]
            if steps:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException("the command ended before its first step was recorded")
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        click.echo(f"    killed after: {', '.join(steps)}")
        return steps[0]

    def advance(self, seconds: int) -> None:
        click.echo(f"# the timelock's delay: the node's clock moves {seconds:,} s on")
        self.anvil.rpc.call("evm_increaseTime", seconds)
        self.anvil.rpc.mine()


def rehearse() -> None:
    """Runs the rehearsal; raises `click.ClickException` naming the command that failed."""
    started = time.monotonic()
    anvil = Anvil(args=["--chain-id", str(SEPOLIA_CHAIN_ID), "--block-time", "1"])
    try:
        with tempfile.TemporaryDirectory(prefix="rehearsal-") as folder:
            click.echo(
                f"# anvil with chain id {SEPOLIA_CHAIN_ID} on {anvil.url} stands in for Sepolia; "
                f"SEPOLIA_RPC_URL={anvil.url}, Ape's data folder in {folder}"
            )
            r = Rehearsal(Path(folder), anvil)
            r.run("accounts", "import", "--use-mnemonic", ALIAS, stdin=f"{MNEMONIC}\n{PASSPHRASE}\n{PASSPHRASE}\n")
            create = ("run", "create-index", INDEX_FILE, "--delay", str(DELAY), *NETWORK, "--yes")
            r.cut_off(*create)
            r.run("run", "status", "--network", "ethereum:sepolia:node")
            r.run(*create)
            r.run("run", "mint", "--shares", "2", *NETWORK)
            r.run("run", "redeem", "--shares", "1", *NETWORK)
            fees = ("--mint", "0.003", "--redeem", "0.002", "--streaming", "0.01")
            r.run("run", "timelock", "queue", *fees, *NETWORK)
            r.advance(DELAY + 1)
            r.run("run", "timelock", "execute", *fees, *NETWORK)
            r.run("run", "status", "--network", "ethereum:sepolia:node")
    finally:
        anvil.stop()
    click.echo(f"Rehearsal passed in {time.monotonic() - started:.0f} s")
