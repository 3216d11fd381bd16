"""The gas benchmark: the index vault against Set Protocol v2 and the floor.

One run on one anvil node deploys three in-kind issuance systems over the
same mock components and measures what a user pays to mint and redeem:

- ``indexvault``: this project's ``IndexVault.vy`` as ``IndexFactory``
  makes it (a minimal proxy over the shared implementation, so every call
  pays the delegatecall), fees zero, its adapter the factory's too;
- ``set-v2``: Set Protocol v2's ``BasicIssuanceModule`` (which has no fees),
  deployed from the npm package's own Hardhat artifacts with its
  ``Controller`` and ``SetTokenCreator``;
- ``floor``: ``contracts/bench/GasFloor.vy``, the least an in-kind index
  can do (one packed slot per component, the token transfers, a balance).

Every system gets the same quantities: one whole index token (1e18) per
mint and redeem, a unit of 1e18 base units per component per index token,
over Set's own ``StandardTokenMock`` (OpenZeppelin ERC-20, 18 decimals) as
components. The components are deployed once; a basket of N uses the first
N of them. Allowances are infinite and set once per (token, spender), so an
allowance never reaches zero and every system pays the same allowance write.

Operations, each a transaction whose receipt's ``gas_used`` is recorded
(the 21,000 intrinsic gas and calldata included):

- ``first_mint``: the user's first mint into a freshly deployed system;
- ``repeat_mint``: the same user minting again;
- ``redeem``: the user redeeming half of the holdings;
- ``nav`` and ``nav_per_share``: ``OracleAdapter``'s reads over the vault
  (one ``MockFeed`` per component), measured as transactions calling the
  view functions, so their numbers include the intrinsic gas too.

Run it with ``python -m benchmarks gas`` (``make bench``): :func:`main` starts
its own anvil through ape-foundry on a random port (port 8545 is left alone),
measures, writes ``benchmarks/results/gas.json`` and ``gas.png`` and prints
the table. The measuring code prints nothing: it takes a ``log`` callback.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from benchmarks import RESULTS, ROOT, BenchError, log
from indexvault.constants import MAX_UINT256, TX_GAS_CAP, WAD, ZERO_ADDRESS

SYSTEMS = ("indexvault", "set-v2", "floor")
OURS, SET, FLOOR = SYSTEMS
ISSUANCE_OPERATIONS = ("first_mint", "repeat_mint", "redeem")
NAV_OPERATIONS = ("nav", "nav_per_share")
DEFAULT_NS = (1, 5, 10, 20, 50, 100)
# The basket sizes at which the vault must stay within TARGET_RATIO of the floor.
TARGET_NS = (10, 20, 50)
TARGET_RATIO = 1.2
BLOCK_GAS_LIMIT = 30_000_000
# TX_GAS_CAP (EIP-7825): no transaction may use more, whatever the block gas limit.

ONE = WAD  # one whole index token, and one whole 18-decimal component
# Each component's initial balance for the user: plenty for every mint.
COMPONENT_SUPPLY = 10**9 * ONE
# The vault's supply cap: its ceiling, IndexVault.MAX_SUPPLY, so the cap never binds.
VAULT_SUPPLY_CAP = 2**100
# Mock feeds: 8 decimals like Chainlink's USD feeds, a day's heartbeat.
FEED_DECIMALS = 8
FEED_HEARTBEAT = 86_400
# Seconds between blocks while measuring. Automining stamps blocks with the
# wall clock, so a mint may or may not land in the vault's deployment second,
# and the vault's `_accrue` skips a cold read of `_fees` (about 105 gas) when
# it does. Fixed steps, as on mainnet, make every run give the same numbers.
BLOCK_INTERVAL = 12

SET_PACKAGE = Path("node_modules/@setprotocol/set-protocol-v2")
SET_ARTIFACTS = {
    "Controller": "artifacts/contracts/protocol/Controller.sol/Controller.json",
    "SetTokenCreator": "artifacts/contracts/protocol/SetTokenCreator.sol/SetTokenCreator.json",
    "BasicIssuanceModule": ("artifacts/contracts/protocol/modules/BasicIssuanceModule.sol/BasicIssuanceModule.json"),
    "SetToken": "artifacts/contracts/protocol/SetToken.sol/SetToken.json",
    "StandardTokenMock": "artifacts/contracts/mocks/StandardTokenMock.sol/StandardTokenMock.json",
}

MEASURED_BY = {
    "first_mint": "receipt gas_used of the user's first mint into a freshly deployed system",
    "repeat_mint": "receipt gas_used of the same user's second mint",
    "redeem": "receipt gas_used of redeeming half of the holdings",
    "nav": "receipt gas_used of a transaction calling the view OracleAdapter.nav()",
    "nav_per_share": "receipt gas_used of a transaction calling the view OracleAdapter.nav_per_share()",
}


class UnlinkedArtifact(BenchError):
    """A Hardhat artifact that cannot be deployed as it is (it needs linked libraries)."""


@dataclass(frozen=True)
class Row:
    """One measurement: `gas` used by `operation` on `system` with `n` components."""

    system: str
    operation: str
    n: int
    gas: int


@dataclass(frozen=True)
class Ratio:
    """The vault's gas over Set's and over the floor's, for one (operation, n)."""

    operation: str
    n: int
    ours: int
    set_v2: int
    floor: int
    ours_over_set: float
    ours_over_floor: float
    meets_target: bool | None  # None where no target applies (n not in TARGET_NS)


@dataclass(frozen=True)
class Fit:
    """A least-squares line `gas = base + per_component * n` over the measured points,
    and the largest n it puts under the block gas limit and under the
    per-transaction cap."""

    system: str
    operation: str
    base: int
    per_component: int
    max_n_under_limit: int
    max_n_under_tx_cap: int
    limit: int = BLOCK_GAS_LIMIT
    tx_cap: int = TX_GAS_CAP
    # The contract's own cap on components, where it has one (None: not known here).
    contract_max_components: int | None = None
    method: str = "fit: least-squares line through the measured points, extrapolated"


@dataclass
class Results:
    """Everything one run produced: metadata, rows, ratios and fits."""

    metadata: dict[str, Any]
    rows: list[Row]
    ratios: list[Ratio] = field(default_factory=list)
    fits: list[Fit] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "metadata": self.metadata,
            "rows": [asdict(row) for row in self.rows],
            "ratios": [asdict(ratio) for ratio in self.ratios],
            "fits": [asdict(fit) for fit in self.fits],
        }


# -- Set Protocol artifacts ---------------------------------------------------


def load_artifact(path: Path):
    """A ``ContractContainer`` from a Hardhat artifact (``hh-sol-artifact-1``).

    Refuses artifacts with link references: their bytecode has library
    placeholders and would need the libraries deployed and linked first.
    """
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    artifact = json.loads(path.read_text())
    name = artifact["contractName"]
    if artifact.get("linkReferences") or artifact.get("deployedLinkReferences"):
        raise UnlinkedArtifact(f"{path}: {name} needs linked libraries, which this benchmark does not deploy")
    contract_type = ContractType.model_validate(
        {
            "contractName": name,
            "sourceId": artifact.get("sourceName"),
            "abi": artifact["abi"],
            "deploymentBytecode": {"bytecode": artifact["bytecode"]},
            "runtimeBytecode": {"bytecode": artifact["deployedBytecode"]},
        }
    )
    return ContractContainer(contract_type)


def load_set_artifacts(package: Path) -> dict[str, Any]:
    """Set Protocol v2's contracts from the npm package at `package`, by name."""
    return {name: load_artifact(package / relative) for name, relative in SET_ARTIFACTS.items()}


def package_version(package: Path) -> str:
    return json.loads((package / "package.json").read_text())["version"]


# -- The three systems ----------------------------------------------------------


class System(Protocol):
    """What the benchmark needs of an issuance system."""

    name: str

    def deploy(self, tokens: Sequence[Any]) -> Any:
        """A fresh instance over `tokens`, one whole token per index token each."""

    def spender(self, instance: Any) -> str:
        """The address that pulls components on mint (what the user approves)."""

    def holder(self, instance: Any) -> str:
        """The address that holds the components."""

    def mint(self, instance: Any, user: Any) -> Any:
        """Mints ONE index token to `user`; returns the receipt."""

    def redeem(self, instance: Any, user: Any) -> Any:
        """Redeems ONE index token of `user`'s; returns the receipt."""

    def balance(self, instance: Any, user: Any) -> int:
        """`user`'s index token balance."""


class VaultSystem:
    """This project's vault as the IndexFactory makes it (a clone of the
    shared implementation, with its timelock and its adapter pricing every
    component), fees zero, the other roles held by the deployer."""

    name = OURS

    def __init__(self, project: Any, deployer: Any, feeds: Sequence[Any]):
        from indexvault import launch

        self.project = project
        self.deployer = deployer
        self.feeds = feeds
        self.adapters: dict[str, str] = {}
        d = deployer
        implementations = [
            getattr(project, name).deploy(*args, sender=d).address for name, args in launch.IMPLEMENTATIONS.items()
        ]
        self.factory = project.IndexFactory.deploy(
            implementations + [ZERO_ADDRESS],  # no Rebalancer
            [0, 0, 0],
            list(launch.DELAY_BOUNDS),
            FEED_HEARTBEAT,
            launch.FACTORY_MAX_BAND,
            d,  # governance: allows feeds, no part of minting
            [],
            ZERO_ADDRESS,
            0,
            launch.FACTORY_VERSION,
            launch.NO_TWAP,
            sender=d,
        )
        self.delay = launch.DEFAULT_DELAY

    def deploy(self, tokens):
        d, n = self.deployer, len(tokens)
        receipt = self.factory.create_index(
            (
                f"Bench index {n}",
                "BIDX",
                [t.address for t in tokens],
                [ONE] * n,
                [(f.address, FEED_HEARTBEAT, ZERO_ADDRESS, 0, 0) for f in self.feeds[:n]],
                d,  # manager
                d,  # guardian
                d,  # fee recipient
                d,  # governor of the index's timelock (the admin)
                [0, 0, 0],  # fees: Set's BasicIssuanceModule charges none
                [0, 0, 0],  # maximum fees
                VAULT_SUPPLY_CAP,
                self.delay,
                ZERO_ADDRESS,
                (ZERO_ADDRESS, 0, ZERO_ADDRESS, 0, 0),
                0,
                0,
            ),
            sender=d,
        )
        created = receipt.events.filter(self.factory.IndexCreated)[0]
        self.adapters[created.vault] = created.adapter
        return self.project.IndexVault.at(created.vault)

    def spender(self, instance):
        return instance.address

    def holder(self, instance):
        return instance.address

    def mint(self, instance, user):
        # The exact amounts as the slippage bound, as a careful client sends them.
        return instance.mint(ONE, instance.amounts_for_mint(ONE), user, sender=user)

    def redeem(self, instance, user):
        return instance.redeem(ONE, instance.amounts_for_redeem(ONE), user, sender=user)

    def balance(self, instance, user):
        return instance.balanceOf(user)


class FloorSystem:
    """``GasFloor.vy``: the least an in-kind index can do."""

    name = FLOOR

    def __init__(self, container: Any, deployer: Any):
        self.container = container
        self.deployer = deployer

    def deploy(self, tokens):
        return self.deployer.deploy(self.container, [t.address for t in tokens], [ONE] * len(tokens))

    def spender(self, instance):
        return instance.address

    def holder(self, instance):
        return instance.address

    def mint(self, instance, user):
        return instance.mint(ONE, sender=user)

    def redeem(self, instance, user):
        return instance.redeem(ONE, sender=user)

    def balance(self, instance, user):
        return instance.balanceOf(user)


class SetSystem:
    """Set Protocol v2: one Controller, SetTokenCreator and BasicIssuanceModule,
    and a new SetToken per basket, created by the creator and initialized on
    the module by its manager (the deployer)."""

    name = SET

    def __init__(self, artifacts: dict[str, Any], deployer: Any):
        self.artifacts = artifacts
        self.deployer = deployer
        d = deployer
        self.controller = d.deploy(artifacts["Controller"], d)  # fee recipient
        self.creator = d.deploy(artifacts["SetTokenCreator"], self.controller)
        self.module = d.deploy(artifacts["BasicIssuanceModule"], self.controller)
        self.controller.initialize([self.creator], [self.module], [], [], sender=d)

    def deploy(self, tokens):
        d = self.deployer
        receipt = self.creator.create(
            [t.address for t in tokens],
            [ONE] * len(tokens),
            [self.module],
            d,  # manager
            f"Bench set {len(tokens)}",
            "BSET",
            sender=d,
        )
        created = receipt.events.filter(self.creator.SetTokenCreated)
        if len(created) != 1:
            raise RuntimeError(f"set-v2: expected one SetTokenCreated event, got {len(created)}")
        set_token = self.artifacts["SetToken"].at(created[0]._setToken)
        self.module.initialize(set_token, ZERO_ADDRESS, sender=d)  # no pre-issue hook
        return set_token

    def spender(self, instance):
        return self.module.address

    def holder(self, instance):
        return instance.address

    def mint(self, instance, user):
        return self.module.issue(instance, ONE, user, sender=user)

    def redeem(self, instance, user):
        return self.module.redeem(instance, ONE, user, sender=user)

    def balance(self, instance, user):
        return instance.balanceOf(user)


# -- The run ----------------------------------------------------------------------


class Benchmark:
    """Deploys the shared components and measures every system for every n."""

    def __init__(
        self,
        project: Any,
        deployer: Any,
        user: Any,
        set_package: Path,
        log: Callable[[str], None] = lambda message: None,
    ):
        self.project = project
        self.deployer = deployer
        self.user = user
        self.log = log
        self.set_artifacts = load_set_artifacts(set_package)
        self._approved: set[tuple[str, str]] = set()
        self.tokens: list[Any] = []
        self.feeds: list[Any] = []
        # Each system's own cap on components, where the contract exposes one.
        self.contract_limits: dict[str, int] = {}

    def run(self, ns: Iterable[int]) -> list[Row]:
        from ape import chain

        ns = sorted(set(ns))
        if not ns or ns[0] < 1:
            raise ValueError("bench: every n must be at least 1")
        provider = chain.provider
        provider.make_request("anvil_setBlockTimestampInterval", [BLOCK_INTERVAL])
        try:
            return self._run(ns)
        finally:
            provider.make_request("anvil_removeBlockTimestampInterval", [])

    def _run(self, ns: list[int]) -> list[Row]:
        self._deploy_components(ns[-1])
        systems: list[System] = [
            VaultSystem(self.project, self.deployer, self.feeds),
            SetSystem(self.set_artifacts, self.deployer),
            FloorSystem(self.project.GasFloor, self.deployer),
        ]
        rows: list[Row] = []
        for n in ns:
            tokens = self.tokens[:n]
            vault = None
            for system in systems:
                instance = system.deploy(tokens)
                self._approve(tokens, system.spender(instance))
                rows += self._measure_issuance(system, instance, tokens)
                if system.name == OURS:
                    vault = instance
                    self.contract_limits[OURS] = vault.MAX_COMPONENTS()
            rows += self._measure_nav(systems[0].adapters[vault.address], tokens)
            self.log(f"n={n:>3}: " + ", ".join(f"{r.system} {r.operation} {r.gas:,}" for r in rows if r.n == n))
        return rows

    def _deploy_components(self, count: int):
        token = self.set_artifacts["StandardTokenMock"]
        feed = self.project.MockFeed
        self.log(f"deploying {count} components (Set's StandardTokenMock) and {count} mock feeds")
        for i in range(count):
            self.tokens.append(self.deployer.deploy(token, self.user, COMPONENT_SUPPLY, f"Component {i}", f"C{i}", 18))
            # Prices 1..count USD, so every component weighs differently in the NAV.
            self.feeds.append(self.deployer.deploy(feed, FEED_DECIMALS, f"C{i} / USD", (i + 1) * 10**FEED_DECIMALS))

    def _approve(self, tokens: Sequence[Any], spender: str):
        for token in tokens:
            if (token.address, spender) not in self._approved:
                token.approve(spender, MAX_UINT256, sender=self.user)
                self._approved.add((token.address, spender))

    def _measure_issuance(self, system: System, instance: Any, tokens: Sequence[Any]) -> list[Row]:
        user, n = self.user, len(tokens)
        if system.balance(instance, user) != 0:
            raise RuntimeError(f"{system.name}: a fresh system must start with no index tokens")
        gas = {}
        for operation, act, expected in (
            ("first_mint", system.mint, ONE),
            ("repeat_mint", system.mint, 2 * ONE),
            ("redeem", system.redeem, ONE),
        ):
            receipt = act(instance, user)
            if receipt.failed:
                raise RuntimeError(f"{system.name}: {operation} with n={n} failed")
            if (got := system.balance(instance, user)) != expected:
                raise RuntimeError(f"{system.name}: after {operation} with n={n}, balance {got} != {expected}")
            gas[operation] = receipt.gas_used
        # The components moved as they should: one whole token of each stays held.
        holder = system.holder(instance)
        for token in (tokens[0], tokens[-1]):
            if (held := token.balanceOf(holder)) != ONE:
                raise RuntimeError(f"{system.name}: holds {held} of {token.address} with n={n}, not {ONE}")
        return [Row(system.name, op, n, g) for op, g in gas.items()]

    def _measure_nav(self, adapter_address: str, tokens: Sequence[Any]) -> list[Row]:
        n = len(tokens)
        # The factory's adapter, every component's feed set at creation.
        adapter = self.project.OracleAdapter.at(adapter_address)
        # One index token holds one of each component, priced 1..n USD.
        expected = n * (n + 1) // 2 * ONE
        rows = []
        for operation in NAV_OPERATIONS:
            read = getattr(adapter, operation)
            if (value := read()) != expected:
                raise RuntimeError(f"oracle: {operation} with n={n} is {value}, expected {expected}")
            receipt = read.transact(sender=self.user)
            rows.append(Row(OURS, operation, n, receipt.gas_used))
        return rows


# -- Analysis ---------------------------------------------------------------------


def _gas(rows: Iterable[Row]) -> dict[tuple[str, str, int], int]:
    return {(r.system, r.operation, r.n): r.gas for r in rows}


def ratios(rows: Sequence[Row]) -> list[Ratio]:
    """The vault over Set and over the floor, for every (operation, n) all three have."""
    gas = _gas(rows)
    result = []
    for operation in ISSUANCE_OPERATIONS:
        for n in sorted({r.n for r in rows if r.operation == operation}):
            try:
                ours, set_v2, floor = (gas[(s, operation, n)] for s in SYSTEMS)
            except KeyError:
                continue
            over_floor = ours / floor
            result.append(
                Ratio(
                    operation=operation,
                    n=n,
                    ours=ours,
                    set_v2=set_v2,
                    floor=floor,
                    ours_over_set=round(ours / set_v2, 4),
                    ours_over_floor=round(over_floor, 4),
                    meets_target=(over_floor <= TARGET_RATIO) if n in TARGET_NS else None,
                )
            )
    return result


def fits(rows: Sequence[Row], limit: int = BLOCK_GAS_LIMIT, contract_limits: dict[str, int] | None = None) -> list[Fit]:
    """A line through each (system, operation)'s points, and the largest n it puts
    under `limit` and under the per-transaction cap."""
    import numpy as np

    contract_limits = contract_limits or {}
    result = []
    pairs = {(r.system, r.operation) for r in rows}
    order = ISSUANCE_OPERATIONS + NAV_OPERATIONS
    for system, operation in sorted(pairs, key=lambda p: (order.index(p[1]), SYSTEMS.index(p[0]))):
        points = sorted((r.n, r.gas) for r in rows if (r.system, r.operation) == (system, operation))
        if len(points) < 2:
            continue
        per_component, base = np.polyfit([p[0] for p in points], [p[1] for p in points], 1)

        def max_n(gas: int, base: float = base, per_component: float = per_component) -> int:
            return int((gas - base) // per_component) if per_component > 0 else -1

        result.append(
            Fit(
                system=system,
                operation=operation,
                base=round(base),
                per_component=round(per_component),
                max_n_under_limit=max_n(limit),
                max_n_under_tx_cap=max_n(TX_GAS_CAP),
                limit=limit,
                contract_max_components=contract_limits.get(system),
            )
        )
    return result


def metadata(provider: Any, set_package: Path, command: str) -> dict[str, Any]:
    """Where and how the numbers were measured."""
    from importlib.metadata import version

    node_info = provider.make_request("anvil_nodeInfo", [])
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "node": provider.web3.client_version,
        "hardfork": node_info.get("hardFork"),
        "chain_id": provider.chain_id,
        "block_gas_limit": provider.web3.eth.get_block("latest")["gasLimit"],
        "set_package": f"@setprotocol/set-protocol-v2@{package_version(set_package)}",
        "set_contracts": "Controller, SetTokenCreator, BasicIssuanceModule (SetToken via create)",
        "components": "Set's StandardTokenMock (OpenZeppelin ERC-20), 18 decimals, infinite allowance",
        "quantities": "1e18 index token per mint and redeem; unit 1e18 base units per component per index token",
        "vault_fees": "zero (Set's BasicIssuanceModule has none)",
        "vault_slippage_bounds": "exact amounts from amounts_for_mint / amounts_for_redeem",
        "gas": "receipt gas_used: includes the 21,000 intrinsic gas and calldata",
        "blocks": f"automined, one transaction a block, {BLOCK_INTERVAL} s apart (anvil_setBlockTimestampInterval)",
        "measured_by": MEASURED_BY,
        "ape": version("eth-ape"),
        "ape_foundry": version("ape-foundry"),
        "vyper": version("vyper"),
        "python": sys.version.split()[0],
    }


# -- Output -----------------------------------------------------------------------


def write_json(path: Path, results: Results):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results.to_json(), indent=2) + "\n")


def format_table(results: Results) -> str:
    """The issuance table with ratios, the NAV reads, and the fits of the largest n."""
    lines = [
        f"{'operation':<12} {'n':>4} {'indexvault':>11} {'set-v2':>11} {'floor':>11}"
        f" {'ours/set':>9} {'ours/floor':>11}  target",
    ]
    for r in results.ratios:
        target = "" if r.meets_target is None else ("ok" if r.meets_target else f"MISS (>{TARGET_RATIO})")
        lines.append(
            f"{r.operation:<12} {r.n:>4} {r.ours:>11,} {r.set_v2:>11,} {r.floor:>11,}"
            f" {r.ours_over_set:>9.3f} {r.ours_over_floor:>11.3f}  {target}"
        )
    nav = sorted((r for r in results.rows if r.operation in NAV_OPERATIONS), key=lambda r: (r.operation, r.n))
    if nav:
        lines += ["", "NAV reads (OracleAdapter over the vault; gas_used of a transaction calling the view)"]
        lines.append(f"{'operation':<14} {'n':>4} {'gas':>11}")
        lines += [f"{r.operation:<14} {r.n:>4} {r.gas:>11,}" for r in nav]
    if results.fits:
        lines += [
            "",
            f"Largest n under {BLOCK_GAS_LIMIT:,} gas, and under EIP-7825's {TX_GAS_CAP:,} per-transaction cap"
            " (a FIT: least-squares line through the measured points, extrapolated)",
        ]
        lines.append(
            f"{'operation':<14} {'system':<11} {'base':>9} {'per comp.':>10} {'n<30M':>7} {'n<2^24':>7}  contract cap"
        )
        lines += [
            f"{f.operation:<14} {f.system:<11} {f.base:>9,} {f.per_component:>10,} {f.max_n_under_limit:>7,}"
            f" {f.max_n_under_tx_cap:>7,}"
            + (f"  {f.contract_max_components} components" if f.contract_max_components else "")
            for f in results.fits
        ]
    return "\n".join(lines)


def plot(path: Path, results: Results):
    """Gas against n for the three systems (top), and the vault's ratios (bottom)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    gas = _gas(results.rows)
    styles = {OURS: ("tab:blue", "o"), SET: ("tab:red", "s"), FLOOR: ("tab:gray", "^")}
    fig, axes = plt.subplots(2, 3, figsize=(15, 8.5), sharex=True)
    lowest = min([r.ours_over_set for r in results.ratios] + [1.0])
    highest = max([r.ours_over_floor for r in results.ratios] + [TARGET_RATIO])
    for col, operation in enumerate(ISSUANCE_OPERATIONS):
        ax = axes[0][col]
        for system in SYSTEMS:
            ns = sorted(n for (s, op, n) in gas if (s, op) == (system, operation))
            color, marker = styles[system]
            ax.plot(ns, [gas[(system, operation, n)] / 1e6 for n in ns], marker=marker, color=color, label=system)
        ax.set_title(operation.replace("_", " "))
        ax.set_ylabel("gas (millions)")
        ax.grid(True, alpha=0.3)
        ax.legend()

        ax = axes[1][col]
        rs = [r for r in results.ratios if r.operation == operation]
        ax.plot(
            [r.n for r in rs], [r.ours_over_set for r in rs], marker="s", color="tab:red", label="indexvault / set-v2"
        )
        ax.plot(
            [r.n for r in rs], [r.ours_over_floor for r in rs], marker="^", color="tab:gray", label="indexvault / floor"
        )
        ax.axhline(TARGET_RATIO, color="tab:green", linestyle="--", label=f"target {TARGET_RATIO}x floor")
        ax.axhline(1.0, color="black", linewidth=0.8)
        ax.set_xlabel("components (n)")
        ax.set_ylabel("gas ratio")
        ax.set_ylim(lowest - 0.05, highest + 0.05)
        ax.grid(True, alpha=0.3)
        ax.legend()
    meta = results.metadata
    fig.suptitle(f"In-kind mint and redeem gas: {meta.get('node')}, {meta.get('set_package')}, {meta.get('date')}")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def analyse(rows: list[Row], meta: dict[str, Any], contract_limits: dict[str, int] | None = None) -> Results:
    """Rows in a fixed order (system, operation, n), with their ratios and fits."""
    order = ISSUANCE_OPERATIONS + NAV_OPERATIONS
    rows = sorted(rows, key=lambda r: (SYSTEMS.index(r.system), order.index(r.operation), r.n))
    return Results(metadata=meta, rows=rows, ratios=ratios(rows), fits=fits(rows, contract_limits=contract_limits))


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks gas [--n N ...] [--out DIR]``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks gas", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n",
        dest="ns",
        type=int,
        action="append",
        choices=range(1, 129),
        metavar="N",
        help=f"a basket size to measure, 1 to 128 (repeat the option; default {' '.join(map(str, DEFAULT_NS))})",
    )
    parser.add_argument("--out", type=Path, default=RESULTS, help="directory for gas.json and gas.png")
    args = parser.parse_args(argv)
    ns = tuple(args.ns or DEFAULT_NS)
    out = args.out if args.out.is_absolute() else ROOT / args.out
    command = " ".join(["python -m benchmarks gas", *(argv if argv is not None else sys.argv[2:])])

    from ape import accounts, networks, project
    from ape.logging import LogLevel, logger

    logger.set_level(LogLevel.WARNING)  # a thousand "Confirmed 0x..." lines would bury the table
    started = time.monotonic()
    set_package = ROOT / SET_PACKAGE
    # "auto": ape-foundry starts anvil on a random port and stops it at the end.
    with networks.ethereum.local.use_provider("foundry", provider_settings={"host": "auto"}) as provider:
        client = provider.web3.client_version
        if "anvil" not in client.lower():
            raise SystemExit(f"the benchmark runs on anvil, not {client}")
        deployer, user = accounts.test_accounts[0], accounts.test_accounts[1]
        run = Benchmark(project, deployer, user, set_package, log=log)
        rows = run.run(ns)
        results = analyse(rows, metadata(provider, set_package, command), run.contract_limits)
    write_json(out / "gas.json", results)
    plot(out / "gas.png", results)
    print(format_table(results))
    log(f"\nwrote {out / 'gas.json'} and {out / 'gas.png'} in {time.monotonic() - started:.0f} s")
