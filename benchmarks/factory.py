"""Gas of launching an index: `IndexFactory.create_index` against Set
Protocol v2's `SetTokenCreator.create`, at the same basket sizes, on one
anvil node over the same tokens.

What each number is: the receipt's `gas_used` (21,000 intrinsic gas and
calldata included) of one creation transaction.

- ``indexvault``: `create_index` makes the index's IndexTimelock,
  IndexVault and OracleAdapter (minimal proxies over one implementation
  each, initialized in the same call), sets one Chainlink-style feed
  per component in the adapter, hands the admin role to the timelock and
  writes the registry entry. No Rebalancer (quote zero).
- ``indexvault_rebalancer``: the same with a Rebalancer (from its
  blueprint, quote the first component, its role granted), its own row.
- ``set-v2``: `SetTokenCreator.create` deploys a SetToken (its full
  bytecode, not a blueprint copy) with the components, units and one module
  (BasicIssuanceModule), and registers it in the Controller. It sets no
  price feed, no timelock; the module's `initialize` is a second
  transaction, measured apart as ``set-v2 initialize``.

The components are Set's own `StandardTokenMock` (18 decimals), deployed
once; a basket of n uses the first n of them, with one `MockFeed` each for
the vault's adapter.

Run it with ``python -m benchmarks factory`` (``make bench-factory``, about
10 s): :func:`main` starts anvil on a free port, connects Ape to it, measures,
prints a table and writes ``benchmarks/results/factory.json``. The measuring
code prints nothing: it takes a ``log`` callback.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import RESULTS as RESULTS_DIR
from benchmarks import ROOT, log
from benchmarks import gas as bench
from indexvault import launch
from indexvault.constants import WAD, ZERO_ADDRESS
from indexvault.market.node import Anvil

DEFAULT_NS = (1, 5, 10, 20, 50)
ONE = WAD
RESULTS = RESULTS_DIR / "factory.json"
COMMAND = "python -m benchmarks factory"


@dataclass(frozen=True)
class Row:
    """Creation gas for a basket of `n` components."""

    n: int
    indexvault: int
    indexvault_rebalancer: int
    set_v2: int
    set_v2_initialize: int

    @property
    def ratio(self) -> float:
        return round(self.indexvault / self.set_v2, 3)


class FactoryBench:
    """Deploys the factory (blueprints and all), Set's Controller,
    SetTokenCreator and BasicIssuanceModule, and the shared components; then
    creates one index of each kind per basket size."""

    def __init__(self, project: Any, deployer: Any, set_package: Path, log: Callable[[str], None] = lambda m: None):
        self.project = project
        self.deployer = deployer
        self.log = log
        self.set_artifacts = bench.load_set_artifacts(set_package)

    def _factory(self):
        d = self.deployer
        addresses = [
            getattr(self.project, name).deploy(*args, sender=d).address for name, args in launch.IMPLEMENTATIONS.items()
        ]
        addresses.append(d.declare(self.project.Rebalancer).contract_address)
        return self.project.IndexFactory.deploy(
            addresses,
            [launch._wad(f) for f in launch.FACTORY_MAX_FEES],
            list(launch.DELAY_BOUNDS),
            launch.FACTORY_MAX_HEARTBEAT,
            launch.FACTORY_MAX_BAND,
            d,  # governance: allows feeds, no part of creation
            [],
            ZERO_ADDRESS,
            0,
            launch.FACTORY_VERSION,
            launch.NO_TWAP,  # no TWAP listing: not part of creation
            sender=d,
        )

    def run(self, ns) -> list[Row]:
        ns = sorted(set(ns))
        d = self.deployer
        factory = self._factory()
        set_system = bench.SetSystem(self.set_artifacts, d)
        self.log(f"deploying {ns[-1]} components (Set's StandardTokenMock) and their feeds")
        tokens, feeds = [], []
        for i in range(ns[-1]):
            tokens.append(
                d.deploy(
                    self.set_artifacts["StandardTokenMock"], d, bench.COMPONENT_SUPPLY, f"Component {i}", f"C{i}", 18
                )
            )
            feeds.append(d.deploy(self.project.MockFeed, bench.FEED_DECIMALS, f"C{i} / USD", (i + 1) * 10**8))
        rows = []
        for n in ns:
            addresses = [t.address for t in tokens[:n]]
            ours = factory.create_index(_params(n, addresses, feeds, d, ZERO_ADDRESS, 0, 0), sender=d)
            created = ours.events.filter(factory.IndexCreated)
            if len(created) != 1 or self.project.IndexVault.at(created[0].vault).components() != addresses:
                raise RuntimeError(f"indexvault: create_index with n={n} did not make the index asked for")
            theirs = set_system.creator.create(
                addresses, [ONE] * n, [set_system.module], d, f"Bench set {n}", "BSET", sender=d
            )
            made = theirs.events.filter(set_system.creator.SetTokenCreated)
            if len(made) != 1:
                raise RuntimeError(f"set-v2: create with n={n} made {len(made)} SetTokens")
            initialize = set_system.module.initialize(made[0]._setToken, ZERO_ADDRESS, sender=d)
            with_rebalancer = factory.create_index(
                _params(n, addresses, feeds, d, addresses[0], launch.DEFAULT_DELAY, launch.FACTORY_MAX_BAND), sender=d
            )
            if with_rebalancer.events.filter(factory.IndexCreated)[0].rebalancer == ZERO_ADDRESS:
                raise RuntimeError(f"indexvault: create_index with n={n} and a quote made no Rebalancer")
            rows.append(Row(n, ours.gas_used, with_rebalancer.gas_used, theirs.gas_used, initialize.gas_used))
            self.log(
                f"n={n:>3}: indexvault {ours.gas_used:,} (with Rebalancer {with_rebalancer.gas_used:,})  "
                f"set-v2 {theirs.gas_used:,} "
                f"(+ initialize {initialize.gas_used:,})"
            )
        return rows


def _params(n: int, addresses: list, feeds: list, d: Any, quote: str, timelock: int, band: int) -> tuple:
    """IndexParams of a bench index of `n` components, every role `d`; a
    Rebalancer when `quote` is not zero."""
    return (
        f"Bench index {n}",
        "BIDX",
        addresses,
        [ONE] * n,
        [(f.address, bench.FEED_HEARTBEAT, ZERO_ADDRESS, 0, 0) for f in feeds[:n]],
        d,
        d,
        d,
        d,  # manager, guardian, fee recipient, governor
        [0, 0, 0],
        [0, 0, 0],
        bench.VAULT_SUPPLY_CAP,
        launch.DEFAULT_DELAY,
        quote,
        (ZERO_ADDRESS, 0, ZERO_ADDRESS, 0, 0),
        timelock,
        band,
    )


def fit(rows: list[Row], system: str) -> dict[str, int]:
    """A least-squares line gas = base + per_component * n."""
    import numpy as np

    per, base = np.polyfit([r.n for r in rows], [getattr(r, system) for r in rows], 1)
    return {"base": round(base), "per_component": round(per)}


def results(rows: list[Row], provider: Any, set_package: Path, command: str) -> dict[str, Any]:
    from importlib.metadata import version

    return {
        "metadata": {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command,
            "node": provider.web3.client_version,
            "hardfork": provider.make_request("anvil_nodeInfo", []).get("hardFork"),
            "set_package": f"@setprotocol/set-protocol-v2@{bench.package_version(set_package)}",
            "gas": "receipt gas_used of one creation transaction (21,000 intrinsic gas and calldata included)",
            "indexvault": "IndexFactory.create_index: IndexTimelock + IndexVault + OracleAdapter as minimal proxies "
            "(EIP-1167) over one implementation each, initialized in the same call, one feed per component set, "
            "admin handed to the timelock, registry entry; no Rebalancer",
            "indexvault_rebalancer": "the same create_index with a Rebalancer (from its ERC-5202 blueprint; quote "
            "the first component, timelock one day, band 10 %) and its role granted",
            "set_v2": "SetTokenCreator.create: a SetToken with the components and BasicIssuanceModule, registered "
            "in the Controller; no price feeds, no timelock",
            "set_v2_initialize": "BasicIssuanceModule.initialize, the second transaction a Set needs before issuing",
            "components": "Set's StandardTokenMock, 18 decimals, unit 1e18 per index token; one MockFeed each",
            "ape": version("eth-ape"),
            "vyper": version("vyper"),
            "python": sys.version.split()[0],
        },
        "rows": [{**asdict(r), "ratio": r.ratio} for r in rows],
        "fits": {system: fit(rows, system) for system in ("indexvault", "indexvault_rebalancer", "set_v2")}
        if len(rows) > 1
        else {},
    }


def format_table(rows: list[Row]) -> str:
    lines = [
        f"{'n':>4} {'IndexFactory.create_index':>26} {'SetTokenCreator.create':>23} {'ours/Set':>9}"
        f" {'Set + initialize':>17} {'with Rebalancer':>16}"
    ]
    for r in rows:
        lines.append(
            f"{r.n:>4} {r.indexvault:>26,} {r.set_v2:>23,} {r.ratio:>9.3f} {r.set_v2 + r.set_v2_initialize:>17,}"
            f" {r.indexvault_rebalancer:>16,}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks factory``: measure, print the table, write factory.json."""
    import argparse

    argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0]).parse_args(argv)
    started = time.monotonic()
    set_package = ROOT / bench.SET_PACKAGE
    anvil = Anvil()
    try:
        from ape import accounts, networks, project
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)  # no "Confirmed 0x..." line per transaction
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": anvil.url}) as provider:
            run = FactoryBench(project, accounts.test_accounts[0], set_package, log)
            rows = run.run(DEFAULT_NS)
            data = results(rows, provider, set_package, COMMAND)
    finally:
        anvil.stop()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(data, indent=2) + "\n")
    print(format_table(rows))
    log(f"\nwrote {RESULTS.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
