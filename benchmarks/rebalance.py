"""The rebalancing gas benchmark: a keeper's atomic auction fill against a bare
Uniswap V2 swap and Set Protocol v2's GeneralIndexModule.

One anvil node restored from the saved market (``markets/<date>/``), the
market's WBTC and WETH (its Uniswap WETH9) and its WBTC/WETH Uniswap V2 pair.
Three transactions each sell the same ``TRADE`` (1 WBTC) into that pair
for the same WETH (Router02's ``getAmountOut``): (b) and (c) through
Router02's ``swapExactTokensForTokens``, path [WBTC, WETH], (a) with the pair
itself, as the bidder's V2 route does; from the same chain state (an ``evm_snapshot`` taken after
setup, reverted between systems) and at the same block timestamp, so the pair
pays out the same WETH in all three (checked):

- ``bid_fill_gas`` (a): the keeper calls ``RebalanceBidder.fill`` (the
  project's periphery bidder), which bids in ``Rebalancer.bid`` with callback
  data; the Rebalancer prices the bid (two oracle reads), the vault's
  ``trade`` sends the WBTC straight to the pair (the bidder finds it by
  CREATE2) and calls the bidder's ``on_rebalance_bid``, which reads the
  pair's reserves, calls ``pair.swap`` for the WETH and pays the vault (no
  router, no allowance); the vault checks it was paid and moves both units; the bidder sends
  the WETH left over (the profit) to the keeper;
- ``router_swap_gas`` (b): the keeper (an EOA holding WBTC, Router02 approved
  for the maximum once, beforehand) calls ``swapExactTokensForTokens`` itself;
- ``set_gim_trade_gas`` (c): an allowed trader calls Set's
  ``GeneralIndexModule.trade(set, WBTC, minWeth)``; GIM validates the trade,
  sizes it (trade maximum = ``TRADE``), has the SetToken approve Router02 for
  exactly the WBTC and call the router through ``UniswapV2IndexExchangeAdapter``,
  then charges the protocol fee (zero) and rewrites both positions.

Gas is each receipt's ``gas_used``: the 21,000 intrinsic gas and the calldata
included, refunds taken off. Each system is measured twice: its first trade of
the rebalance and a repeat trade ``REPEAT_AFTER`` seconds later (after
GIM's cool-off period). Every account and contract that holds tokens already
holds both (the vault and the SetToken as components, the keeper from earlier
trades), so no measured transfer writes a balance from zero, except where a
contract's design holds nothing between transactions (the bidder).

Run it with ``python -m benchmarks rebalance`` (``make bench-rebalance``):
:func:`main` restores the saved market (``markets/2024-01-01``, built by ``ape
run market build`` if missing) on a free port, connects Ape to it, measures,
prints a table and writes ``bid_fill_gas``, ``router_swap_gas``,
``set_gim_trade_gas`` and ``gas_notes`` into ``benchmarks/results/rebalance.json``,
leaving its other keys. The measuring code prints nothing: it takes a ``log``
callback.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks import RESULTS as RESULTS_DIR
from benchmarks import ROOT, BenchError, log
from benchmarks import gas as bench
from indexvault.constants import MAX_UINT256, WAD, ZERO_ADDRESS
from indexvault.market import node as market_node
from indexvault.market import record as market_record
from indexvault.market import uniswap
from indexvault.market.record import MarketRecord

MARKET_DATE = "2024-01-01"
RESULTS = RESULTS_DIR / "rebalance.json"
COMMAND = "python -m benchmarks rebalance"
KEYS = ("bid_fill_gas", "router_swap_gas", "set_gim_trade_gas", "gas_notes")

# The issue's targets: the fill at most 2x the bare swap, at most half Set's trade.
TARGET_OVER_SWAP = 2.0
TARGET_OVER_SET = 0.5

ONE = WAD
WBTC = 10**8  # one whole WBTC (8 decimals)
TRADE = WBTC  # what every system sells into the pair
SHARES = 100 * ONE  # index tokens (and SetTokens) minted before the rebalance
UNIT_WBTC = WBTC // 10  # 0.1 WBTC per index token (base units per 1e18 shares)
UNIT_WETH = ONE  # 1 WETH per index token
TARGET_WBTC = UNIT_WBTC // 2  # sell half: 5 WBTC remain to sell, more than two trades

# The Rebalancer: 1 h timelock, a 1 h auction whose factor falls from 1.00 to
# 0.90 (band 10 %). The first fill lands FIRST_AT seconds into the auction
# (factor 0.9667), the repeat REPEAT_AFTER seconds later: both well inside the
# feeds' one-day heartbeat.
TIMELOCK = 3_600
DURATION = 3_600
START_FACTOR = ONE
END_FACTOR = 9 * ONE // 10
BAND = ONE // 10
FIRST_AT = 1_200
# GIM's cool-off for WBTC: a repeat trade must wait this long (Set's managers
# set minutes to hours); every system's repeat trade comes this much later.
COOL_OFF = 600
REPEAT_AFTER = COOL_OFF
# The trade reported as each system's number: the repeat (steady state).
HEADLINE = "repeat"

# What the vault's bidder is, and Set's name for its exchange adapter.
BIDDER_SOURCE = Path("contracts/periphery/RebalanceBidder.vy")
VYPER_SOURCES = (
    Path("contracts/IndexVault.vy"),
    Path("contracts/OracleAdapter.vy"),
    Path("contracts/Rebalancer.vy"),
    Path("contracts/mocks/MockToken.vy"),
    BIDDER_SOURCE,
)
V2_ROUTE = 0  # RebalanceBidder.V2
GIM_EXCHANGE = "UniswapV2IndexExchangeAdapter"
GIM_ARTIFACTS = {
    "GeneralIndexModule": "artifacts/contracts/protocol/modules/GeneralIndexModule.sol/GeneralIndexModule.json",
    "IntegrationRegistry": "artifacts/contracts/protocol/IntegrationRegistry.sol/IntegrationRegistry.json",
    GIM_EXCHANGE: (
        "artifacts/contracts/protocol/integration/index-exchange/"
        "UniswapV2IndexExchangeAdapter.sol/UniswapV2IndexExchangeAdapter.json"
    ),
}
# Set's Controller resource id of the IntegrationRegistry (ResourceIdentifier.sol).
INTEGRATION_REGISTRY_RESOURCE_ID = 0

INCLUDES = {
    "bid_fill_gas": (
        "receipt gas_used of the keeper's RebalanceBidder.fill(WBTC, 1e8, quote_limit, True, V2, 0, 1): "
        "21,000 intrinsic + calldata; the bidder's WETH balance reads; Rebalancer.bid (reentrancy lock, proposal "
        "and window checks, vault.trade_basis, two OracleAdapter.price reads of MockFeed, the factor, "
        "the quote in 512-bit mul_div, Bid event); IndexVault.trade (lock, role check, streaming-fee accrual "
        "at zero fees, WBTC transfer straight to the pair, the on_rebalance_bid callback, the paid-check, both "
        "units rewritten); inside the callback the pair's getReserves, pair.swap (WETH to the bidder; no "
        "router, no allowance) and the WETH transfer to the vault; "
        "then the profit (WETH) transfer to the keeper and the Filled event"
    ),
    "router_swap_gas": (
        "receipt gas_used of the keeper EOA's Router02.swapExactTokensForTokens(1e8, exact expected out, "
        "[WBTC, WETH], keeper, deadline): 21,000 intrinsic + calldata, the router, WBTC transferFrom "
        "(allowance set to the maximum beforehand, which MockToken does not decrement), the pair's swap "
        "and WETH transfer to the keeper (who already holds WETH)"
    ),
    "set_gim_trade_gas": (
        "receipt gas_used of an allowed trader's GeneralIndexModule.trade(set, WBTC, exact expected WETH): "
        "21,000 intrinsic + calldata; trader permission, cool-off and external-position checks; the "
        "IntegrationRegistry adapter lookup; sizing from the SetToken's units and supply (trade maximum "
        "1 WBTC); SetToken.invoke approve of Router02 for exactly the WBTC; "
        "UniswapV2IndexExchangeAdapter.getTradeCalldata; SetToken.invoke of Router02."
        "swapExactTokensForTokens; the protocol-fee read (fee 0, nothing paid); both default positions "
        "rewritten through the SetToken's calculateAndEditDefaultPosition; lastTradeTimestamp; "
        "TradeExecuted event"
    ),
}


@dataclass(frozen=True)
class Trade:
    """One measured transaction: its gas and what it did to the pair."""

    system: str
    label: str  # "first" or "repeat"
    gas: int
    wbtc_in: int  # WBTC the pair received
    weth_out: int  # WETH the pair paid out
    router_frame_gas: int | None  # gas of the Router02 call frame nested in the transaction (callTracer)
    block_timestamp: int
    frames: list[str] = field(default_factory=list)  # the call tree with each frame's gas (callTracer)


@dataclass
class Result:
    trades: list[Trade]
    metadata: dict[str, Any] = field(default_factory=dict)

    def gas(self, system: str, label: str = "first") -> int:
        return next(t.gas for t in self.trades if (t.system, t.label) == (system, label))

    def ratios(self, label: str = "first") -> dict[str, float]:
        fill, swap, gim = (self.gas(s, label) for s in ("fill", "swap", "gim"))
        return {"fill_over_swap": round(fill / swap, 4), "fill_over_set_gim": round(fill / gim, 4)}

    def targets(self, label: str = "first") -> dict[str, bool]:
        r = self.ratios(label)
        return {
            f"fill <= {TARGET_OVER_SWAP:g} x swap": r["fill_over_swap"] <= TARGET_OVER_SWAP,
            f"fill <= {TARGET_OVER_SET:g} x Set GIM trade": r["fill_over_set_gim"] <= TARGET_OVER_SET,
        }

    def to_keys(self) -> dict[str, Any]:
        """The four keys this benchmark owns in rebalance.json: the steady-state
        (repeat) trades as the headline numbers, the first trades in the notes."""
        notes = {
            "what": (
                "Gas of selling 1 WBTC into the same Uniswap V2 WBTC/WETH pair three ways, on one anvil node, "
                "from the same state and block timestamp: (a) bid_fill_gas, a keeper's atomic fill of a "
                "Rebalancer auction (RebalanceBidder.fill, swap in the vault's callback); (b) router_swap_gas, "
                "a bare Router02.swapExactTokensForTokens; (c) set_gim_trade_gas, Set v2 "
                "GeneralIndexModule.trade. Each number is a receipt's gas_used (21,000 intrinsic and calldata "
                "included, refunds deducted) of the steady-state trade: each system's second trade of the "
                f"rebalance, {REPEAT_AFTER} s after its first (past GIM's cool-off), so no one-off first-trade "
                "storage write is counted; the first trades are under first_trade."
            ),
            "includes": INCLUDES,
            "ratios": self.ratios(HEADLINE),
            "targets_met": self.targets(HEADLINE),
            "first_trade": {
                "what": (
                    "each system's first trade of the rebalance; GIM's includes writing the component's "
                    "lastTradeTimestamp from zero (17,100 gas more), once per component per SetToken"
                ),
                "bid_fill_gas": self.gas("fill", "first"),
                "router_swap_gas": self.gas("swap", "first"),
                "set_gim_trade_gas": self.gas("gim", "first"),
                "ratios": self.ratios("first"),
                "targets_met": self.targets("first"),
            },
            "router_frame_gas": {
                "what": (
                    "gas used inside the Router02 call frame nested in each headline trade "
                    "(debug_traceTransaction callTracer, before refunds): the swap itself; null for the bare "
                    "swap, whose router frame is the whole transaction; 0 for the fill, which swaps with the "
                    "pair itself"
                ),
                **{key: self._trade(system).router_frame_gas for key, system in _KEY_SYSTEM.items()},
            },
            "call_frames": {
                "what": "each headline trade's call tree, every frame's gas before refunds (callTracer)",
                **{key: self._trade(system).frames for key, system in _KEY_SYSTEM.items()},
            },
            "same_swap": {
                "wbtc_in": self._trade("fill").wbtc_in,
                "weth_out": self._trade("fill").weth_out,
                "check": "the pair received the same WBTC and paid the same WETH in the three first trades "
                "and again in the three repeat trades",
            },
            **self.metadata,
        }
        return {
            "bid_fill_gas": self.gas("fill", HEADLINE),
            "router_swap_gas": self.gas("swap", HEADLINE),
            "set_gim_trade_gas": self.gas("gim", HEADLINE),
            "gas_notes": notes,
        }

    def _trade(self, system: str, label: str = HEADLINE) -> Trade:
        return next(t for t in self.trades if (t.system, t.label) == (system, label))


_KEY_SYSTEM = {"bid_fill_gas": "fill", "router_swap_gas": "swap", "set_gim_trade_gas": "gim"}
SYSTEM_NAMES = {
    "fill": "(a) Rebalancer bid, callback fill",
    "swap": "(b) bare Router02 swap",
    "gim": "(c) Set v2 GIM trade",
}


# -- Contracts ------------------------------------------------------------------------


def _container(name: str, abi: list, bytecode: str | None = None, runtime: str | None = None):
    from ape.contracts import ContractContainer
    from ethpm_types import ContractType

    data: dict[str, Any] = {"contractName": name, "abi": abi}
    if bytecode:
        data["deploymentBytecode"] = {"bytecode": bytecode}
    if runtime:
        data["runtimeBytecode"] = {"bytecode": runtime}
    return ContractContainer(ContractType.model_validate(data))


def compile_vyper(root: Path, sources: tuple[Path, ...] = VYPER_SOURCES) -> dict[str, Any]:
    """``ContractContainer``s compiled by vyper from the working tree now (not
    Ape's build cache), so the numbers are those of the sources as they are."""
    command = [sys.executable, "-m", "vyper", "-p", "contracts", "-f", "combined_json", *map(str, sources)]
    done = subprocess.run(command, cwd=root, capture_output=True, text=True)
    if done.returncode != 0:
        raise BenchError(f"vyper failed on {', '.join(map(str, sources))}:\n{done.stderr.strip()[-2000:]}")
    compiled = json.loads(done.stdout)
    containers = {}
    for source in sources:
        out = compiled[str(source)]
        containers[source.stem] = _container(source.stem, out["abi"], out["bytecode"], out["bytecode_runtime"])
    return containers


def set_artifacts(package: Path) -> dict[str, Any]:
    """Set v2's contracts this benchmark deploys: bench.py's, plus GIM's."""
    artifacts = bench.load_set_artifacts(package)
    artifacts.update({name: bench.load_artifact(package / relative) for name, relative in GIM_ARTIFACTS.items()})
    return artifacts


def _abi_contract(address: str, artifact: str):
    from ape import Contract

    abi = json.loads((uniswap.NODE_MODULES / artifact).read_text())["abi"]
    return Contract(address, abi=abi)


def source_sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- The run ----------------------------------------------------------------------------


class RebalanceGasBench:
    """Sets up the three systems on a connected anvil restored from `record`'s
    market, then measures each system's first and repeat trade."""

    def __init__(
        self,
        record: MarketRecord,
        containers: dict[str, Any],
        set_package: Path,
        deployer: Any,
        keeper: Any,
        log: Callable[[str], None] = lambda message: None,
    ):
        self.record = record
        self.c = containers
        self.set_package = set_package
        self.d = deployer
        self.k = keeper
        self.log = log
        self.artifacts = set_artifacts(set_package)
        btc, eth = record.asset("BTC"), record.asset("ETH")
        self.btc, self.eth = btc, eth
        pools = [p for p in btc.pools if p.dex == "v2" and p.pair == "ETH"]
        if not pools:
            raise BenchError(f"the {record.date} market has no WBTC/WETH Uniswap V2 pair")
        self.pair_address = pools[0].address
        self.wbtc = containers["MockToken"].at(btc.token)
        self.weth = _abi_contract(eth.token, uniswap.ARTIFACTS["WETH9"])
        self.router = _abi_contract(record.uniswap.v2_router, uniswap.ARTIFACTS["UniswapV2Router02"])
        self.pair = _abi_contract(self.pair_address, "@uniswap/v2-core/build/IUniswapV2Pair.json")
        if self.router.factory() != record.uniswap.v2_factory or self.router.WETH() != eth.token:
            raise BenchError("the market's Router02 does not use its factory and WETH")

    # -- setup --

    def setup(self):
        from ape import chain

        d, k = self.d, self.k
        self.log("funding: WETH9 deposits and WBTC mints")
        self.weth.deposit(sender=d, value=2 * SHARES // ONE * UNIT_WETH + ONE)
        self.weth.deposit(sender=k, value=ONE)  # the keeper already holds WETH (earlier trades)
        self.wbtc.mint(d, 2 * SHARES // ONE * UNIT_WBTC, sender=d)
        self.wbtc.mint(k, 10 * TRADE, sender=d)
        self._setup_vault()
        self._setup_set()
        # The keeper's own swap: Router02 approved once, for the maximum.
        self.wbtc.approve(self.router, MAX_UINT256, sender=k)
        self._warm_pair()
        start = self.rebalancer.auction_start()
        self.first_at = start + FIRST_AT
        if chain.pending_timestamp >= self.first_at:
            raise BenchError("setup took longer than the timelock: the first trade's time is already past")

    def _setup_vault(self):
        d, c = self.d, self.c
        self.log("index vault, oracle adapter, Rebalancer and RebalanceBidder")
        tokens = [self.wbtc.address, self.weth.address]
        self.vault = d.deploy(
            c["IndexVault"],
            "Bench rebalance",
            "BREB",
            tokens,
            [UNIT_WBTC, UNIT_WETH],
            d,
            d,
            d,
            d,
            [0, 0, 0],
            [0, 0, 0],
            bench.VAULT_SUPPLY_CAP,
        )
        for token in (self.wbtc, self.weth):
            token.approve(self.vault, MAX_UINT256, sender=d)
        self.vault.mint(SHARES, [MAX_UINT256, MAX_UINT256], d, sender=d)
        self.oracle = d.deploy(c["OracleAdapter"], self.vault, d)
        for asset in (self.btc, self.eth):
            self.oracle.set_feed(asset.token, asset.feed, asset.heartbeat, ZERO_ADDRESS, 0, 0, sender=d)
        self.rebalancer = d.deploy(c["Rebalancer"], self.vault, self.oracle, self.weth.address, TIMELOCK, BAND)
        self.vault.grantRole(self.vault.REBALANCER_ROLE(), self.rebalancer, sender=d)
        self.bidder = d.deploy(
            c["RebalanceBidder"], self.rebalancer, self.router.address, self.record.uniswap.swap_router
        )
        self.rebalancer.propose([self.wbtc.address], [TARGET_WBTC], DURATION, START_FACTOR, END_FACTOR, sender=d)

    def _setup_set(self):
        d, a = self.d, self.artifacts
        self.log("Set v2: Controller, SetTokenCreator, BasicIssuanceModule, IntegrationRegistry, GIM, V2 adapter")
        system = bench.SetSystem(a, d)  # Controller initialized with the creator and BasicIssuanceModule
        controller, creator, issuance = system.controller, system.creator, system.module
        self.gim = d.deploy(a["GeneralIndexModule"], controller, self.weth.address)
        registry = d.deploy(a["IntegrationRegistry"], controller)
        controller.addModule(self.gim, sender=d)
        controller.addResource(registry, INTEGRATION_REGISTRY_RESOURCE_ID, sender=d)
        adapter = d.deploy(a[GIM_EXCHANGE], self.router.address)
        registry.addIntegration(self.gim, GIM_EXCHANGE, adapter, sender=d)

        receipt = creator.create(
            [self.wbtc.address, self.weth.address],
            [UNIT_WBTC, UNIT_WETH],
            [issuance, self.gim],
            d,
            "Bench rebalance set",
            "BRSET",
            sender=d,
        )
        created = receipt.events.filter(creator.SetTokenCreated)
        if len(created) != 1:
            raise BenchError(f"set-v2: expected one SetTokenCreated event, got {len(created)}")
        self.set_token = a["SetToken"].at(created[0]._setToken)
        issuance.initialize(self.set_token, ZERO_ADDRESS, sender=d)
        self.gim.initialize(self.set_token, sender=d)
        for token in (self.wbtc, self.weth):
            token.approve(issuance, MAX_UINT256, sender=d)
        issuance.issue(self.set_token, SHARES, d, sender=d)

        s, wbtc = self.set_token, [self.wbtc.address]
        # Targets for every current component, in the SetToken's order (WETH floats in GIM).
        self.gim.startRebalance(s, [], [], [TARGET_WBTC, UNIT_WETH], s.positionMultiplier(), sender=d)
        self.gim.setTradeMaximums(s, wbtc, [TRADE], sender=d)
        self.gim.setExchanges(s, wbtc, [GIM_EXCHANGE], sender=d)
        self.gim.setCoolOffPeriods(s, wbtc, [COOL_OFF], sender=d)
        self.gim.setTraderStatus(s, [self.k.address], [True], sender=d)

    def _warm_pair(self):
        """One small swap (0.1 WETH for WBTC, by the deployer) at a later second
        than the pair's last update. The saved market's pairs were seeded with
        no time passing, so their price accumulators are still zero and the
        next swap would pay 2 x 17,100 gas to write them from zero, once; a
        live pair (as on mainnet) has them non-zero."""
        d = self.d
        self.weth.approve(self.router, MAX_UINT256, sender=d)
        path = [self.weth.address, self.wbtc.address]
        self.router.swapExactTokensForTokens(ONE // 10, 1, path, d, MAX_UINT256 >> 1, sender=d)
        if self.pair.price0CumulativeLast() == 0 or self.pair.price1CumulativeLast() == 0:
            raise BenchError("the pair's price accumulators are still zero after the warm-up swap")

    # -- measuring --

    def run(self) -> list[Trade]:
        from ape import chain

        self.setup()
        snapshot = chain.snapshot()
        expected = self._expected_out()
        trades = []
        for system, act in (("fill", self._fill), ("swap", self._swap), ("gim", self._gim)):
            for label, at in (("first", self.first_at), ("repeat", self.first_at + REPEAT_AFTER)):
                trades.append(self._measure(system, label, at, act))
            chain.restore(snapshot)
            snapshot = chain.snapshot()
        for label in ("first", "repeat"):
            same = [t for t in trades if t.label == label]
            if len({(t.wbtc_in, t.weth_out) for t in same}) != 1:
                raise BenchError(f"the three {label} trades did not make the same swap: {same}")
        if trades[0].weth_out != expected:
            raise BenchError(f"the first fill got {trades[0].weth_out} WETH from the pair, not {expected}")
        return trades

    def _fill(self, min_out: int):
        # quote_limit: the most WETH the keeper pays the vault, here what the swap yields.
        return self.bidder.fill(self.wbtc.address, TRADE, min_out, True, V2_ROUTE, 0, 1, sender=self.k)

    def _swap(self, min_out: int):
        path = [self.wbtc.address, self.weth.address]
        return self.router.swapExactTokensForTokens(TRADE, min_out, path, self.k, MAX_UINT256 >> 1, sender=self.k)

    def _gim(self, min_out: int):
        return self.gim.trade(self.set_token, self.wbtc.address, min_out, sender=self.k)

    def _expected_out(self) -> int:
        """What the pair pays for TRADE WBTC now (UniswapV2Library.getAmountsOut)."""
        return self.router.getAmountsOut(TRADE, [self.wbtc.address, self.weth.address])[1]

    def _measure(self, system: str, label: str, at: int, act: Callable[[int], Any]) -> Trade:
        from ape import chain

        provider = chain.provider
        min_out = self._expected_out()
        before = self.pair.getReserves()
        holder = {"fill": self.vault.address, "swap": self.k.address, "gim": self.set_token.address}[system]
        held = self.wbtc.balanceOf(holder)
        provider.make_request("evm_setNextBlockTimestamp", [at])
        receipt = act(min_out)
        if receipt.failed:
            raise BenchError(f"{system} {label} trade failed")
        after = self.pair.getReserves()
        weth_is_0 = int(self.weth.address, 16) < int(self.wbtc.address, 16)
        (w0, b0), (w1, b1) = (
            ((before[0], before[1]), (after[0], after[1]))
            if weth_is_0
            else ((before[1], before[0]), (after[1], after[0]))
        )
        if b1 - b0 != TRADE or self.wbtc.balanceOf(holder) != held - TRADE:
            raise BenchError(
                f"{system} {label}: the pair got {b1 - b0} WBTC, the seller lost "
                f"{held - self.wbtc.balanceOf(holder)}; expected {TRADE}"
            )
        block = chain.provider.get_block(receipt.block_number)
        trace = chain.provider.make_request("debug_traceTransaction", [receipt.txn_hash, {"tracer": "callTracer"}])
        trade = Trade(
            system,
            label,
            receipt.gas_used,
            b1 - b0,
            w0 - w1,
            self._router_gas(trace),
            block.timestamp,
            self._frames(trace),
        )
        self.log(f"{system:<5} {label:<6} {trade.gas:>9,} gas")
        return trade

    def _router_gas(self, trace: dict) -> int | None:
        """Gas used inside the Router02 call frame nested in a transaction
        (callTracer; before refunds); None when the router is the transaction's
        own target, whose frame is the whole transaction."""
        router = self.router.address.lower()
        if (trace.get("to") or "").lower() == router:
            return None

        def walk(frame) -> int:
            if (frame.get("to") or "").lower() == router:
                return int(frame["gasUsed"], 16)
            return sum(walk(child) for child in frame.get("calls", []))

        return walk(trace)

    def _labels(self) -> tuple[dict[str, str], dict[str, str]]:
        from eth_utils import function_abi_to_4byte_selector

        named = {
            "bidder": self.bidder,
            "rebalancer": self.rebalancer,
            "vault": self.vault,
            "oracle": self.oracle,
            "router": self.router,
            "pair": self.pair,
            "WBTC": self.wbtc,
            "WETH": self.weth,
            "GIM": self.gim,
            "SetToken": self.set_token,
        }
        addresses = {c.address.lower(): name for name, c in named.items()}
        addresses.update({self.btc.feed.lower(): "BTC feed", self.eth.feed.lower(): "ETH feed"})
        selectors = {}
        abis = (
            [c.contract_type.abi for c in named.values()]
            + [a.contract_type.abi for a in self.artifacts.values()]
            + [c.contract_type.abi for c in self.c.values()]
        )
        for abi in abis:
            for item in abi:
                if item.type == "function":
                    selectors["0x" + function_abi_to_4byte_selector(item.model_dump()).hex()] = item.name
        return addresses, selectors

    def _frames(self, trace: dict) -> list[str]:
        """The call tree: one line per frame, indented, with its gas (before refunds)."""
        if not hasattr(self, "_names"):
            self._names = self._labels()
        addresses, selectors = self._names
        lines = []

        def walk(frame, depth):
            to = (frame.get("to") or "").lower()
            name = addresses.get(to, to[:10])
            method = selectors.get((frame.get("input") or "")[:10], (frame.get("input") or "")[:10])
            kind = frame.get("type", "CALL")
            lines.append(f"{'  ' * depth}{name}.{method} [{kind}] {int(frame['gasUsed'], 16):,}")
            for child in frame.get("calls", []):
                walk(child, depth + 1)

        walk(trace, 0)
        return lines


# -- Metadata and output -------------------------------------------------------------------


def metadata(provider: Any, record: MarketRecord, set_package: Path, pair: str, command: str) -> dict[str, Any]:
    from importlib.metadata import version

    node_info = provider.make_request("anvil_nodeInfo", [])
    return {
        "setup": {
            "market": f"markets/{record.date} restored on a fresh anvil (its WBTC, WETH9, feeds and Uniswap V2)",
            "pair": f"WBTC/WETH Uniswap V2 pair {pair}, Router02 {record.uniswap.v2_router}",
            "trade": "1 WBTC (1e8) sold for WETH; amountOutMin (GIM: _ethQuantityLimit) the exact expected output",
            "state": (
                "one evm_snapshot after setup, reverted between systems; first trades at auction start + "
                f"{FIRST_AT} s, repeats {REPEAT_AFTER} s later (evm_setNextBlockTimestamp), one transaction a block"
            ),
            "index_vault": (
                "IndexVault [WBTC 0.1, WETH 1.0] per share, 100 shares, fees zero; Rebalancer quote WETH, "
                f"timelock {TIMELOCK} s, band 10 %, duration {DURATION} s, factor 1.00 -> 0.90, proposal WBTC "
                "target 0.05 per share (5 WBTC to sell: the fills are partial, no target met)"
            ),
            "bidder": (
                f"{BIDDER_SOURCE} (the project's periphery bidder, sha256 {source_sha256(ROOT / BIDDER_SOURCE)[:16]}), "
                "fill(..., dex=V2, fee=0, min_profit=1), compiled by vyper from the working tree"
            ),
            "set": (
                "SetToken [WBTC 0.1, WETH 1.0] per set, 100 sets issued through BasicIssuanceModule; GIM "
                "startRebalance WBTC target 0.05, setTradeMaximums 1 WBTC, setExchanges "
                f"'{GIM_EXCHANGE}', setCoolOffPeriods {COOL_OFF} s, setTraderStatus(keeper) (anyoneTrade off); "
                "IntegrationRegistry as Controller resource 0; protocol fee 0. Path measured: trade() selling a "
                "component for WETH (isSendTokenFixed, swapExactTokensForTokens), not tradeRemainingWETH"
            ),
            "balances": (
                "steady state: the vault and SetToken hold both tokens, the keeper holds WBTC and WETH; "
                "RebalanceBidder holds nothing between transactions by design (its WBTC and WETH go 0 -> x -> 0 "
                "within the fill) and approves the router for exactly one swap; the keeper's own swap uses a "
                "standing maximum allowance"
            ),
        },
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "node": provider.web3.client_version,
        "hardfork": node_info.get("hardFork"),
        "set_package": f"@setprotocol/set-protocol-v2@{bench.package_version(set_package)}",
        "ape": version("eth-ape"),
        "vyper": version("vyper"),
    }


def merge_json(path: Path, keys: dict[str, Any]) -> dict[str, Any]:
    """Writes `keys` into the JSON object at `path`, keeping every other key
    (another benchmark writes the rest of the file). Read just before writing."""
    unknown = set(keys) - set(KEYS)
    if unknown:
        raise ValueError(f"not this benchmark's keys: {sorted(unknown)}")
    data = json.loads(path.read_text()) if path.exists() and path.read_text().strip() else {}
    if not isinstance(data, dict):
        raise BenchError(f"{path} does not hold a JSON object")
    data.update(keys)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2) + "\n")
    tmp.replace(path)
    return data


def format_table(result: Result) -> str:
    lines = [
        "Selling 1 WBTC into the same Uniswap V2 WBTC/WETH pair (receipt gas_used, intrinsic included)",
        f"{'system':<36} {'first':>9} {'repeat*':>9} {'x swap*':>8} {'router frame*':>14}",
    ]
    swap = result.gas("swap", HEADLINE)
    for system, name in SYSTEM_NAMES.items():
        first, repeat = result.gas(system, "first"), result.gas(system, "repeat")
        frame = result._trade(system).router_frame_gas
        shown = "whole tx" if frame is None else f"{frame:,}" if frame else "no router"
        lines.append(f"{name:<36} {first:>9,} {repeat:>9,} {result.gas(system) / swap:>8.2f} {shown:>14}")
    lines.append(f"* the headline: each system's {HEADLINE} trade (steady state); router frame: callTracer, pre-refund")
    for label in (HEADLINE, "first"):
        r = result.ratios(label)
        ok_swap = "ok" if r["fill_over_swap"] <= TARGET_OVER_SWAP else "MISS"
        ok_set = "ok" if r["fill_over_set_gim"] <= TARGET_OVER_SET else "MISS"
        lines.append(
            f"{label + ':':<8} (a)/(b) = {r['fill_over_swap']:.3f} (target <= {TARGET_OVER_SWAP:g}: {ok_swap})   "
            f"(a)/(c) = {r['fill_over_set_gim']:.3f} (target <= {TARGET_OVER_SET:g}: {ok_set})"
        )
    return "\n".join(lines)


def to_json(result: Result) -> str:
    return json.dumps({"trades": [asdict(t) for t in result.trades], **result.to_keys()}, indent=2)


def main(argv: list[str] | None = None) -> None:
    """``python -m benchmarks rebalance``: measure, print the table, merge the keys into rebalance.json."""
    import argparse

    argparse.ArgumentParser(prog=COMMAND, description=__doc__.splitlines()[0]).parse_args(argv)
    started = time.monotonic()
    folder = market_node.market_dir(MARKET_DATE)
    if not (folder / market_node.STATE_FILE).exists():
        raise SystemExit(f"no saved market in {folder}: build it with `ape run market build --date {MARKET_DATE}`")
    record = market_record.load(folder / market_node.RECORD_FILE)
    log("compiling the vault's contracts with vyper")
    containers = compile_vyper(ROOT)
    set_package = ROOT / bench.SET_PACKAGE

    with market_node.restore(folder) as anvil:
        market_record.check(record, anvil.rpc)
        log(f"market {record.date} restored on {anvil.url}")
        from ape import accounts, networks
        from ape.logging import LogLevel, logger

        logger.set_level(LogLevel.WARNING)  # no "Confirmed 0x..." line per transaction
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": anvil.url}) as provider:
            deployer, keeper = accounts.test_accounts[0], accounts.test_accounts[1]
            run = RebalanceGasBench(record, containers, set_package, deployer, keeper, log=log)
            trades = run.run()
            meta = metadata(provider, record, set_package, run.pair_address, COMMAND)
    result = Result(trades, meta)
    merge_json(RESULTS, result.to_keys())
    print(format_table(result))
    log(f"\nwrote {', '.join(KEYS)} into {RESULTS.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
