"""Campaigns: a seeded run of the engine on a node restored from a saved
market, and its report (a JSON of what ran and the worst cases found, and a
chart of NAV per share, backing surplus and gas through the campaign).

    with market_node_for("2024-01-01") as (node, record):
        result = run_campaign(node.url, record, vault_ops=100_000, seed=0)
    write_report(result, Path("benchmarks/results/fuzz"))
"""

from __future__ import annotations

import contextlib
import json
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from indexvault.fuzz import arbitrage, engine, oneasset, rebalance
from indexvault.fuzz.backends import AnvilBackend, BoaBackend
from indexvault.market import node as market_node
from indexvault.market import record as market_record

NOT_MEASURED = (
    "not measured: this campaign never opened the index token's pool (the scenario gives the `pool_shock` "
    "and `arbitrage` operations no weight)"
)
OP_DEFINITION = (
    "one call into the vault or its oracle adapter (mint, redeem, share transfer, accrue_fees, set_fees, "
    "nav_per_share), through IndexRouter (mint_from, redeem_to), or a Rebalancer bid into the vault's trade, "
    "by a named actor, followed by the harness's backing check and the engine's checks "
    "against the reference model; market steps (feed posts, pool trades, time) run between them "
    "and are counted apart"
)


@dataclass
class CampaignResult:
    market: str
    backend: str
    seed: int
    assets: list[str]
    vault_ops: int
    steps: int
    seconds: float
    setup_seconds: float
    counts: dict
    worst: dict
    violation: str | None
    nav_series: list = field(default_factory=list)
    surplus_gains: list = field(default_factory=list)
    gas_per_op: list = field(default_factory=list)
    convergence: dict | None = None  # the index token's pool against NAV (indexvault.fuzz.arbitrage)
    pool_series: list = field(default_factory=list)  # per arbitrage round: ops, time, pool before/after, NAV, band
    one_asset: dict | None = None  # mint_from / redeem_to through IndexRouter (indexvault.fuzz.oneasset)
    rebalance: dict | None = None  # proposals and auction bids through the Rebalancer (indexvault.fuzz.rebalance)

    @property
    def ops_per_s(self) -> float:
        return self.vault_ops / self.seconds if self.seconds else 0.0


@contextlib.contextmanager
def market_node_for(
    date: str, port: int | None = None
) -> Iterator[tuple[market_node.Anvil, market_record.MarketRecord]]:
    """A node restored from the saved market of `date` (stopped on exit), and its record."""
    folder = market_node.market_dir(date)
    record = market_record.load(folder / market_node.RECORD_FILE)
    state = folder / market_node.STATE_FILE
    if not state.exists():
        raise market_record.MarketError(f"no saved market in {folder}: build it with `make market`")
    # As market_node.restore, keeping no past states or old blocks' transactions:
    # a campaign mines a block a batch, thousands of them, and never looks back.
    node = market_node.Anvil(
        port,
        [
            "--load-state",
            str(state),
            "--timestamp",
            str(record.timestamp + 1),
            "--prune-history",
            "--transaction-block-keeper",
            "64",
        ],
    )
    try:
        yield node, record
    finally:
        node.stop()


def run_campaign(
    url: str,
    record: market_record.MarketRecord,
    vault_ops: int,
    seed: int = 0,
    backend: str = "anvil",
    scenario: engine.Scenario | None = None,
    progress: Callable[[int], None] = lambda n: None,
) -> CampaignResult:
    """Deploy a fresh vault on the node at `url` and run `vault_ops` vault
    operations; a violation stops the campaign and is reported, not raised."""
    scenario = scenario or engine.Scenario(seed=seed)
    started = time.monotonic()
    chain = AnvilBackend(url) if backend == "anvil" else BoaBackend(url)
    world = engine.World(chain, record, scenario)
    setup = time.monotonic() - started
    violation = None
    started = time.monotonic()
    try:
        engine.run(world, vault_ops, random.Random(seed), progress)
    except engine.Violation as error:
        violation = str(error)
    finally:
        if isinstance(chain, AnvilBackend):
            chain.close()
    return CampaignResult(
        market=str(record.date),
        backend=backend,
        seed=seed,
        assets=list(scenario.assets),
        vault_ops=world.vault_ops,
        steps=world.steps,
        seconds=time.monotonic() - started,
        setup_seconds=setup,
        counts=dict(world.counts),
        worst=world.worst,
        violation=violation,
        nav_series=world.nav_series,
        surplus_gains=world.surplus_gains,
        gas_per_op=world.gas_per_op,
        convergence=arbitrage.convergence(world),
        pool_series=list(world.arb["series"]) if getattr(world, "arb", None) else [],
        one_asset=oneasset.report(world),
        rebalance=rebalance.report(world),
    )


def summary(result: CampaignResult) -> dict:
    """The report's JSON: what ran, how fast, the worst cases, what is not measured yet."""
    gains = sorted(result.surplus_gains)
    navs = [n for _, _, n in result.nav_series]
    return {
        "market": result.market,
        "backend": result.backend,
        "seed": result.seed,
        "assets": result.assets,
        "vault_ops": result.vault_ops,
        "steps": result.steps,
        "seconds": round(result.seconds, 2),
        "setup_seconds": round(result.setup_seconds, 2),
        "ops_per_s": round(result.ops_per_s, 1),
        "op": OP_DEFINITION,
        "counts": result.counts,
        "violation": result.violation,
        "invariants": [
            line.strip() for line in engine.__doc__.split("after every step")[1].splitlines()[1:] if line.strip()
        ],
        "worst_cases": result.worst,
        "rounding_kept_by_vault_usd": {
            "total": sum(gains),
            "max_per_op": gains[-1] if gains else 0.0,
            "median_per_op": gains[len(gains) // 2] if gains else 0.0,
        },
        "nav_per_share_usd": {
            "reads": len(navs),
            "min": min(navs) / 1e18 if navs else None,
            "max": max(navs) / 1e18 if navs else None,
            "last": navs[-1] / 1e18 if navs else None,
        },
        "gas_per_op_batch_average": {
            "min": min(result.gas_per_op, default=0),
            "max": max(result.gas_per_op, default=0),
        },
        "nav_convergence": result.convergence or NOT_MEASURED,
        "one_asset": result.one_asset or "not measured: no mint_from or redeem_to ran",
        "rebalance": result.rebalance or "not measured: the scenario gives `rebalance` no weight",
    }


def write_report(result: CampaignResult, folder: Path) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    json_path = folder / "campaign.json"
    json_path.write_text(json.dumps(summary(result), indent=2, default=str) + "\n")
    return json_path, plot(result, folder / "campaign.png")


def plot(result: CampaignResult, path: Path) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, left, right, pool, conv) = plt.subplots(
        5, 1, figsize=(10, 17), gridspec_kw={"height_ratios": [3, 2, 2, 3, 2]}
    )
    if result.nav_series:
        ops, _, navs = zip(*result.nav_series)
        top.plot(ops, [n / 1e18 for n in navs], lw=0.8)
    top.set_xlabel("vault operations")
    top.set_ylabel("NAV per share (USD, oracle adapter)")
    top.set_title(
        f"Fuzz campaign: {result.vault_ops:,} vault operations on the {result.market} market "
        f"({', '.join(result.assets)}), seed {result.seed}"
        + (" - VIOLATION" if result.violation else ", no violation"),
        fontsize=9,
    )
    gains = [g for g in result.surplus_gains if g > 0]
    if gains:
        import numpy as np

        left.hist(gains, bins=np.logspace(np.log10(min(gains)), np.log10(max(gains)), 50), log=True)
        left.set_xscale("log")
    left.set_xlabel("backing surplus a mint or redeem leaves in the vault (USD, rounding in the vault's favour)")
    left.set_ylabel("operations")
    if result.gas_per_op:
        right.hist(result.gas_per_op, bins=40)
    right.set_xlabel("gas per call, batch average (vault call + harness checks)")
    right.set_ylabel("batches")
    _plot_convergence(result, pool, conv)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def _plot_convergence(result: CampaignResult, pool, conv) -> None:
    """The index token's pool price against NAV and its cost band, per
    arbitrage round (before and after it), and how long each move took to
    bring back inside the band."""
    if result.pool_series:
        ops, _, before, after, nav, lower, upper = zip(*result.pool_series)
        pool.fill_between(ops, lower, upper, step="post", alpha=0.25, color="tab:green", label="cost band")
        pool.plot(ops, nav, lw=0.8, color="black", label="NAV per share (oracle adapter)")
        pool.scatter(ops, before, s=4, color="tab:red", label="pool price before a keeper round")
        pool.scatter(ops, after, s=4, color="tab:blue", label="pool price after it")
        pool.set_yscale("log")
        pool.legend(fontsize=7, loc="upper left")
    pool.set_xlabel("vault operations")
    pool.set_ylabel("index token (USDC per share)")
    pool.set_title("The index token's Uniswap V2 pool against NAV: pool shocks and the arbitrage keeper", fontsize=9)
    episodes = (result.convergence or {}).get("worst_episodes") is not None
    if episodes and result.convergence["episodes_converged"]:
        blocks = result.convergence["blocks_histogram"]
        conv.bar([int(k) for k in blocks], list(blocks.values()), width=0.8, log=True)
    conv.set_xlabel("blocks (harness transactions) from a pool shock or NAV move until the pool is back in the band")
    conv.set_ylabel("episodes")


def as_dict(result: CampaignResult) -> dict:
    return asdict(result)
