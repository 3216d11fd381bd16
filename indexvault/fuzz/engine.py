"""The fast fuzz engine: the project's IndexVault and OracleAdapter over N
assets of a saved market, driven by named actors, price shocks, pool trades,
stale feeds and fee accrual, and held after every step to the reference
model (`indexvault.model.VaultModel`) and to the vault's promises.

Shape (DESIGN.md: decisions are pure functions over a snapshot):
- `Snapshot`: what a decision may look at (the model's balances and fees,
  feed answers and when they were posted, the clock), frozen.
- `Operation`: a `decide(snapshot, rng) -> Action | None` that is a pure
  function, and an `apply(world, action)` that plans the action's calls
  and moves the model. `OPERATIONS` holds the built-in ones; a keeper plugs
  in with `register(Operation(...))`: `indexvault.fuzz.arbitrage` fills the
  arbitrage slot (`ARBITRAGE`) and adds the index token's pool shocks.
- `World`: the deployed contracts, the model, and the pending batch. Calls
  run through the harness (`contracts/FuzzHarness.vy`) on a backend
  (`indexvault.fuzz.backends`), which logs the vault's supply, multiplier
  and holdings after every call; `World.flush` checks each of those steps.

Invariants checked after every step (a `Violation` names the step):
1. every share fully backed: for each component, held >= owed (the
   harness's own check, and again here from the logged numbers);
2. the vault's surplus (held - owed) per component never falls: no
   sequence of user actions takes value from the other holders;
3. supply, multiplier and holdings equal the model's, integer for integer
   (fees included); every holder's index-token balance at each batch's end;
4. each call succeeded or reverted as the model says (with its reason);
   mint pulls and redeem pays exactly the model's amounts (the slippage
   bounds are set to them, so one base unit more reverts);
5. a sealed actor (who mints and redeems, and never receives shares from
   anyone else) never gets back more of any component than it paid, at any
   interleaving; a mint followed at once by a redeem of the same shares
   returns at most what it paid;
6. the oracle adapter's NAV per share equals the model's units at the
   posted feed answers, and reverts "oracle: stale price" when a feed is
   older than its heartbeat;
7. after each arbitrage round, the index token's pool price is inside the
   cost band around NAV, or the keeper said why not (unprofitable after
   gas, no NAV while a feed is stale, no route), and the pool's reserves
   equal the engine's to the base unit (indexvault/fuzz/arbitrage.py);
8. one asset in, one asset out through IndexRouter (mint_from, redeem_to;
   indexvault/fuzz/oneasset.py): the router returns its quote to the base
   unit, a bound one base unit short reverts with the router's reason, the
   router holds nothing after each call, and a round trip through the same
   pools returns at most what it paid;
9. rebalancing through the Rebalancer (indexvault/fuzz/rebalance.py): each
   bid pays or gets exactly `indexvault.auction_model`'s quote amount (its
   limit is that amount, to the base unit), the units move as the model's
   (the sold one rounded up, the bought one down), and a bid the model
   refuses (not started, a stale feed, under one unit step, not enough
   quote) reverts with that reason; 1 to 3 hold through every bid.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

from eth_abi import decode, encode

from indexvault import history
from indexvault.constants import MAX_UINT256
from indexvault.errors import Violation
from indexvault.fuzz.backends import ZERO, Backend, Call, FuzzError, StepResult
from indexvault.market import uniswap as uni
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function
from indexvault.model import (
    UNIT_SCALE,
    VAULT_CONSTRUCTOR_TYPES,
    WAD,
    VaultModel,
    amount_out,
    fee_on,
    preview_accrual,
)
from indexvault.units import units_from_weights

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = ROOT / "contracts"
FUZZ_CONTRACTS = Path(__file__).resolve().parent / "contracts"

# Who acts. Minters are sealed: no one sends them index tokens, so what
# each got back can be held to what it paid. The holder takes transfers.
MINTERS = ("depositor", "whale", "attacker")
HOLDER = "holder"
TRADER = "trader"
FEE_RECIPIENT = "fee_recipient"
ACTORS = MINTERS + (HOLDER, TRADER, FEE_RECIPIENT)
REDEEMERS = MINTERS + (HOLDER, FEE_RECIPIENT)

MAX = MAX_UINT256
DEADLINE = 2**63
FEED_SCALE = 10**10  # 8-decimal feed answers to the adapter's 1e18
MAX_FEES = (WAD // 100, WAD // 100, WAD // 10)
# Calls per harness transaction: a five-component mint with its checks is
# about 75k gas; a batch stays well under EIP-7825's 16.7M.
BATCH = 128

# Calls.
VAULT_MINT = Function("mint(uint256,uint256[],address)")
VAULT_REDEEM = Function("redeem(uint256,uint256[],address,uint256)")
VAULT_TRANSFER = Function("transfer(address,uint256)")
VAULT_ACCRUE = Function("accrue_fees()")
VAULT_SET_FEES = Function("set_fees(uint256,uint256,uint256)")
VAULT_BALANCE = uni.ERC20_BALANCE
ORACLE_NAV_PER_SHARE = Function("nav_per_share()", "uint256")
ORACLE_SET_FEED = Function("set_feed(address,address,uint256,address,uint256,uint256)")
# The market's own encoders for its tokens and feeds.
TOKEN_MINT = uni.MOCK_MINT
TOKEN_APPROVE = uni.ERC20_APPROVE
FEED_LATEST = uni.FEED_LATEST
HARNESS_SET_VAULT = Function("set_vault(address)")
V2_SWAP = Function("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)")
ERROR_SELECTOR = bytes.fromhex("08c379a0")


def data(fn: Function, *args) -> bytes:
    return fn.selector + encode(fn.inputs, list(args))


def revert_reason(out: bytes) -> str:
    if out[:4] == ERROR_SELECTOR:
        return decode(["string"], out[4:])[0]
    return out.hex() or "(no reason)"


# ---- compiling -------------------------------------------------------------------------


@cache
def _deployer(path: str):
    import boa
    from boa.interpret import set_search_paths

    set_search_paths([str(CONTRACTS)])
    return boa.load_partial(path)


def initcode(path: Path, types: Sequence[str] = (), args: Sequence = ()) -> bytes:
    """Creation bytecode of a Vyper contract with its constructor arguments."""
    return bytes(_deployer(str(path)).compiler_data.bytecode) + encode(list(types), list(args))


# ---- the scenario -------------------------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """What a campaign runs: which assets, at what launch NAV and fees, which
    operations how often, from which seed."""

    assets: tuple[str, ...] = ("BTC", "BNB", "SOL", "XRP", "ADA")
    initial_nav_per_share: Decimal = Decimal(100)
    fees: tuple[int, int, int] = (WAD // 1000, WAD // 1000, WAD // 50)
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    seed: int = 0
    returns_from: str = "2023-01-01"  # real daily returns drawn from here to the market's day


DEFAULT_WEIGHTS = {
    "mint": 24,
    "redeem": 22,
    "round_trip": 8,
    "transfer": 4,
    "accrue": 5,
    "set_fees": 1,
    "nav": 8,
    "shock": 6,
    "feed_update": 4,
    "pool_trade": 12,
    "time": 4,
    # The index token's pool (indexvault/fuzz/arbitrage.py): other traders move it, the keeper brings it back
    # through IndexRouter (each router trade sends the pending batch and reads the pools to quote: ~30 ms).
    "pool_shock": 1,
    "arbitrage": 2,
    # One asset in, one asset out through IndexRouter (indexvault/fuzz/oneasset.py): rare, for the same reason.
    "mint_from": 0.05,
    "redeem_to": 0.05,
    # Rebalancing (indexvault/fuzz/rebalance.py): proposals, the timelock passing, auction bids.
    "rebalance": 3,
}
# Operations that call the vault or its oracle adapter: what "vault operations" counts.
VAULT_CALLS = {"mint", "redeem", "transfer", "accrue", "set_fees", "nav", "rebalance_bid"}


@dataclass(frozen=True)
class Action:
    kind: str
    actor: str | None = None
    args: tuple = ()


@dataclass(frozen=True)
class Snapshot:
    """What decisions see: the model's state now, and the market's feeds."""

    now: int
    symbols: tuple[str, ...]
    balances: dict[str, int]
    supply: int
    fees: tuple[int, int, int]
    answers: dict[str, int]  # 8-decimal feed answers
    posted_at: dict[str, int]
    heartbeat: dict[str, int]
    returns: dict[str, tuple[float, ...]]  # real daily returns per asset
    initial_answers: dict[str, int]  # the market's feed answers when the campaign started

    def stale(self) -> list[str]:
        return [s for s in self.symbols if self.now - self.posted_at[s] > self.heartbeat[s]]


# ---- decisions: pure functions of a snapshot and a random source ---------------------------------


def _shares(rng: random.Random) -> int:
    """Dust to a thousand whole index tokens, log-uniform."""
    return max(1, int(10 ** rng.uniform(0, 21)))


def decide_mint(snap: Snapshot, rng: random.Random) -> Action:
    receiver = rng.choice(MINTERS) if rng.random() < 0.9 else HOLDER
    actor = rng.choice(MINTERS)
    return Action("mint", actor, (_shares(rng), actor if receiver in MINTERS else receiver))


def decide_redeem(snap: Snapshot, rng: random.Random) -> Action | None:
    owners = [a for a in REDEEMERS if snap.balances.get(a, 0) > 0]
    if not owners:
        return None
    owner = rng.choice(owners)
    balance = snap.balances[owner]
    shares = balance if rng.random() < 0.2 else rng.randint(1, balance)
    return Action("redeem", owner, (shares,))


def decide_round_trip(snap: Snapshot, rng: random.Random) -> Action:
    return Action("round_trip", rng.choice(MINTERS), (_shares(rng),))


def decide_transfer(snap: Snapshot, rng: random.Random) -> Action | None:
    owners = [a for a in MINTERS + (FEE_RECIPIENT,) if snap.balances.get(a, 0) > 0]
    if not owners:
        return None
    owner = rng.choice(owners)
    return Action("transfer", owner, (rng.randint(1, snap.balances[owner]),))


def decide_accrue(snap: Snapshot, rng: random.Random) -> Action:
    return Action("accrue", rng.choice(ACTORS))


def decide_set_fees(snap: Snapshot, rng: random.Random) -> Action:
    return Action("set_fees", None, tuple(rng.choice((0, m // 10, m)) for m in MAX_FEES))


def decide_nav(snap: Snapshot, rng: random.Random) -> Action:
    return Action("nav", rng.choice(ACTORS))


def decide_shock(snap: Snapshot, rng: random.Random) -> Action:
    """One asset's price moves by a real daily return, or by +-50 % at once."""
    symbol = rng.choice(snap.symbols)
    move = rng.choice((-0.5, 0.5)) if rng.random() < 0.1 else rng.choice(snap.returns[symbol])
    # Within a thousandfold of the market's price either way, so pool trades stay inside uint112 reserves.
    anchor = snap.initial_answers[symbol]
    answer = min(max(int(snap.answers[symbol] * (1 + move)), anchor // 1000, 1), anchor * 1000)
    return Action("shock", None, (symbol, answer))


def decide_feed_update(snap: Snapshot, rng: random.Random) -> Action | None:
    """Keepers post every feed older than its heartbeat again (or one at random)."""
    stale = snap.stale()
    return Action("feed_update", None, tuple(stale) if stale else (rng.choice(snap.symbols),))


def decide_pool_trade(snap: Snapshot, rng: random.Random) -> Action:
    """Another trader buys or sells an asset on its V2 pool against USDC."""
    symbol = rng.choice(snap.symbols)
    usd = 10 ** rng.uniform(2, 5.5)  # 100 USD to 300k USD
    return Action("pool_trade", TRADER, (symbol, rng.random() < 0.5, usd))


def decide_time(snap: Snapshot, rng: random.Random) -> Action:
    """Mostly minutes to hours; sometimes past the feeds' heartbeat."""
    seconds = rng.randint(1, 3_600) if rng.random() < 0.7 else rng.randint(86_400, 3 * 86_400)
    return Action("time", None, (seconds,))


# ---- operations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One kind of step: a pure decision, and how it is carried out."""

    name: str
    decide: Callable[[Snapshot, random.Random], Action | None]
    apply: Callable[[World, Action], None]


def _apply_mint(world: World, a: Action) -> None:
    shares, receiver = a.args
    world.plan_mint(a.actor, shares, receiver)


def _apply_redeem(world: World, a: Action) -> None:
    world.plan_redeem(a.actor, a.args[0], a.actor)


def _apply_round_trip(world: World, a: Action) -> None:
    paid = world.plan_mint(a.actor, a.args[0], a.actor)
    received = world.plan_redeem(a.actor, a.args[0], a.actor)
    if any(r > p for r, p in zip(received, paid)):
        raise Violation(f"round trip of {a.args[0]} shares by {a.actor} paid {paid}, got back {received}")
    world.track_round_trip(paid, received)


def _apply_transfer(world: World, a: Action) -> None:
    world.plan_transfer(a.actor, HOLDER, a.args[0])


def _apply_accrue(world: World, a: Action) -> None:
    world.model.accrue(world.now)
    world.plan(a.actor, world.vault, data(VAULT_ACCRUE), "accrue")


def _apply_set_fees(world: World, a: Action) -> None:
    world.model.accrue(world.now)
    world.model.mint_fee, world.model.redeem_fee, world.model.streaming_fee = a.args
    world.model.last_accrual = world.now
    world.plan(None, world.vault, data(VAULT_SET_FEES, *a.args), "set_fees")


def _apply_nav(world: World, a: Action) -> None:
    stale = world.stale_priced()
    if stale:
        world.plan(
            a.actor,
            world.oracle,
            data(ORACLE_NAV_PER_SHARE),
            "nav",
            expect_revert=f"oracle: stale price for {world.asset_token[stale[0]].lower()}",
        )
        world.counts["nav_stale"] += 1
        return
    expected = world.model_nav_per_share()
    world.plan(a.actor, world.oracle, data(ORACLE_NAV_PER_SHARE), "nav", expect_out=encode(["uint256"], [expected]))
    world.nav_series.append((world.vault_ops, world.now, expected))


def _apply_shock(world: World, a: Action) -> None:
    symbol, answer = a.args
    world.post_answer(symbol, answer)


def _apply_feed_update(world: World, a: Action) -> None:
    for symbol in a.args:
        world.post_answer(symbol, world.answers[symbol])


def _apply_pool_trade(world: World, a: Action) -> None:
    symbol, buy, usd = a.args
    usdc = world.record.assets[world.record.quote]
    token = world.asset_token[symbol]
    if buy:
        amount, path = int(usd * 10**usdc.decimals), [usdc.token, token]
    else:
        price = world.answers[symbol] / 10**8
        amount, path = int(usd / price * 10 ** world.decimals[symbol]), [token, usdc.token]
    # The trader mints what it sells (the market's tokens are mocks), so it never runs dry.
    world.plan(None, path[0], data(TOKEN_MINT, world.actors[TRADER], max(amount, 1)), "fund")
    world.plan(
        TRADER,
        world.record.uniswap.v2_router,
        data(V2_SWAP, max(amount, 1), 0, path, world.actors[TRADER], DEADLINE),
        "pool_trade",
    )


def _apply_time(world: World, a: Action) -> None:
    world.flush()
    world.now += a.args[0]


def _keeper_slot(snap: Snapshot, rng: random.Random) -> Action | None:
    """The arbitrage keeper's slot: its decision holds the index token's pool
    price at NAV. `indexvault.fuzz.arbitrage` (imported at the end of this
    module) replaces this operation with `register(Operation("arbitrage", ...))`,
    planning its calls with `World.plan`, `plan_mint` and `plan_redeem`."""
    return None


FUZZ_ROUND = 2**40  # the round every fuzzed answer is posted in, past any the market's replay reached
SETUP_WINDOW = 600  # seconds from the vault's deployment to the campaign's first operation
ARBITRAGE = Operation("arbitrage", _keeper_slot, lambda world, action: None)

OPERATIONS: dict[str, Operation] = {
    op.name: op
    for op in (
        Operation("mint", decide_mint, _apply_mint),
        Operation("redeem", decide_redeem, _apply_redeem),
        Operation("round_trip", decide_round_trip, _apply_round_trip),
        Operation("transfer", decide_transfer, _apply_transfer),
        Operation("accrue", decide_accrue, _apply_accrue),
        Operation("set_fees", decide_set_fees, _apply_set_fees),
        Operation("nav", decide_nav, _apply_nav),
        Operation("shock", decide_shock, _apply_shock),
        Operation("feed_update", decide_feed_update, _apply_feed_update),
        Operation("pool_trade", decide_pool_trade, _apply_pool_trade),
        Operation("time", decide_time, _apply_time),
        ARBITRAGE,
    )
}


def register(operation: Operation) -> None:
    """Add or replace an operation (a keeper's, say); give it a weight in the Scenario."""
    OPERATIONS[operation.name] = operation


# Contracts an operation deploys on first use: compiled when a World is made,
# so a campaign's timed run never waits for the compiler.
PRECOMPILE: list[Path] = []

# Checks run with the balances check (at least every BATCH steps, and at the
# end), after a flush: `check(world)` raises a Violation. Operations that keep
# state of their own beside the model (the index token's pool) add theirs.
CHECKS: list[Callable[[World], None]] = []


def choose(snap: Snapshot, rng: random.Random, weights: dict[str, float]) -> Action | None:
    """The next action: an operation drawn by weight, then its own decision."""
    names = [n for n, w in weights.items() if w > 0 and n in OPERATIONS]
    name = rng.choices(names, weights=[weights[n] for n in names])[0]
    return OPERATIONS[name].decide(snap, rng)


# ---- the world ---------------------------------------------------------------------------------


@dataclass
class Planned:
    call: Call
    kind: str
    expected: tuple[int, int, tuple[int, ...]]  # supply, multiplier, holdings after the call
    expect_revert: str | None = None
    expect_out: bytes | None = None
    units: tuple[int, ...] = ()  # the model's units after the call (a rebalance bid moves them)


class World:
    """The contracts of one campaign on one backend, the model they are held to, and the checks."""

    def __init__(
        self, backend: Backend, record: MarketRecord, scenario: Scenario = Scenario(), batch: int = BATCH
    ) -> None:
        self.backend, self.record, self.scenario, self.batch = backend, record, scenario, batch
        self.symbols = tuple(scenario.assets)
        self.asset_token = {s: record.asset(s).token for s in self.symbols}
        self.decimals = {s: record.asset(s).decimals for s in self.symbols}
        self.heartbeat = {s: record.asset(s).heartbeat for s in self.symbols}
        self.pending: list[Planned] = []
        self.pending_cost = 0
        self.counts: Counter = Counter()
        self.vault_ops = 0
        self.steps = 0
        self.nav_series: list[tuple[int, int, int]] = []  # (vault ops, time, NAV per share 1e18)
        self.worst: dict = {"min_backing_margin": None, "min_round_trip_shortfall": None}
        self.gas_per_op: list[float] = []  # anvil: each batch's gas over its calls
        self.surplus_gains: list[float] = []  # per vault op, vault's surplus gain in USD (rounding kept)
        self.paid = {a: [0] * len(self.symbols) for a in MINTERS}
        self.received = {a: [0] * len(self.symbols) for a in MINTERS}
        self.returns = _daily_returns(self.symbols, scenario.returns_from, str(record.day))
        for path in PRECOMPILE:
            _deployer(str(path))
        self._deploy()

    # -- set-up --
    def _deploy(self) -> None:
        b = self.backend
        self.harness = b.deploy(initcode(FUZZ_CONTRACTS / "FuzzHarness.vy"))
        actor_code = initcode(FUZZ_CONTRACTS / "FuzzActor.vy", ["address"], [self.harness])
        self.actors = {name: b.deploy(actor_code) for name in ACTORS}
        rounds = [
            decode(["uint80", "int256", "uint256", "uint256", "uint80"], r)
            for r in b.views([(self.record.asset(s).feed, data(FEED_LATEST)) for s in self.symbols])
        ]
        self.answers = {s: r[1] for s, r in zip(self.symbols, rounds)}
        self.posted_at = {s: r[3] for s, r in zip(self.symbols, rounds)}
        self.initial_answers = dict(self.answers)
        n = len(self.symbols)
        self.units = units_from_weights(
            [Decimal(1) / n] * n,
            [Decimal(self.answers[s]) / 10**8 for s in self.symbols],
            [self.decimals[s] for s in self.symbols],
            self.scenario.initial_nav_per_share,
        )
        h = self.harness
        self.vault = b.deploy(
            initcode(
                CONTRACTS / "IndexVault.vy",
                list(VAULT_CONSTRUCTOR_TYPES),
                [
                    "Fuzz Index",
                    "FUZZ",
                    [self.asset_token[s] for s in self.symbols],
                    self.units,
                    h,
                    h,
                    h,
                    self.actors[FEE_RECIPIENT],
                    list(self.scenario.fees),
                    list(MAX_FEES),
                    2**100,
                ],
            )
        )
        self.oracle = b.deploy(initcode(CONTRACTS / "OracleAdapter.vy", ["address", "address"], [self.vault, h]))
        b.transact(h, data(HARNESS_SET_VAULT, self.vault))
        # The campaign's clock starts a fixed time after the vault's deployment, whatever the set-up took
        # in wall-clock seconds (anvil mines it at the wall clock, boa's fork does not move): the same
        # seed then accrues the same streaming fee on every backend.
        self.now = max(b.timestamp() + 1, self._deploy_time() + SETUP_WINDOW)
        self.model = VaultModel(
            units=list(self.units),
            mint_fee=self.scenario.fees[0],
            redeem_fee=self.scenario.fees[1],
            streaming_fee=self.scenario.fees[2],
            supply_cap=2**100,
            last_accrual=self._deploy_time(),
        )
        # Fund and approve: every minter and the trader get a trillion whole tokens of each asset.
        quote = self.record.assets[self.record.quote]
        calls = [
            Call(
                ZERO,
                self.oracle,
                data(ORACLE_SET_FEED, self.asset_token[s], self.record.asset(s).feed, self.heartbeat[s], ZERO, 0, 0),
            )
            for s in self.symbols
        ]
        for name in MINTERS + (TRADER,):
            spender = self.vault if name != TRADER else self.record.uniswap.v2_router
            for token, dec in [(self.asset_token[s], self.decimals[s]) for s in self.symbols] + (
                [(quote.token, quote.decimals)] if name == TRADER else []
            ):
                calls.append(Call(ZERO, token, data(TOKEN_MINT, self.actors[name], 10 ** (dec + 12))))
                calls.append(Call(self.actors[name], token, data(TOKEN_APPROVE, spender, MAX)))
        steps = b.run(h, calls, self.now)
        bad = [revert_reason(s.out) for s in steps if not s.ok]
        if bad:
            raise FuzzError(f"setting up the campaign failed: {bad[0]}")
        self.surplus = [0] * len(self.symbols)

    def _deploy_time(self) -> int:
        # The vault's fee clock starts at its deployment block.
        return decode(["uint256"], self.backend.view(self.vault, data(Function("last_fee_accrual()"))))[0]

    # -- saving and restoring the Python side (the chain side is the backend's: boa's anchor) --
    _FIXED = ("backend", "record", "scenario", "returns", "batch")

    def save(self) -> dict:
        import copy

        return copy.deepcopy({k: v for k, v in self.__dict__.items() if k not in self._FIXED})

    def restore(self, saved: dict) -> None:
        """Back to `saved`, dropping what operations set up since (a Rebalancer,
        the index token's pool): the chain they were on is rewound with it."""
        import copy

        for key in [k for k in self.__dict__ if k not in self._FIXED and k not in saved]:
            del self.__dict__[key]
        self.__dict__.update(copy.deepcopy(saved))

    # -- snapshot --
    def snapshot(self) -> Snapshot:
        return Snapshot(
            now=self.now,
            symbols=self.symbols,
            balances=dict(self.model.balances),
            supply=self.model.supply,
            fees=(self.model.mint_fee, self.model.redeem_fee, self.model.streaming_fee),
            answers=dict(self.answers),
            posted_at=dict(self.posted_at),
            heartbeat=self.heartbeat,
            returns=self.returns,
            initial_answers=self.initial_answers,
        )

    # -- planning: each moves the model and queues the call with what must follow --
    def plan(
        self,
        actor: str | None,
        target: str,
        calldata: bytes,
        kind: str,
        expect_revert: str | None = None,
        expect_out: bytes | None = None,
        cost: int = 1,
    ) -> None:
        """Queue a call; `cost` is what it counts towards the batch's size (gas:
        a call through IndexRouter's five routes weighs about twenty mints)."""
        m = self.model
        self.pending.append(
            Planned(
                Call(self.actors[actor] if actor else ZERO, target, calldata),
                kind,
                (m.supply, m.multiplier, tuple(m.holdings)),
                expect_revert,
                expect_out,
                tuple(m.units),
            )
        )
        self.counts[kind] += 1
        if kind in VAULT_CALLS:
            self.vault_ops += 1
        self.pending_cost += cost
        if len(self.pending) >= self.batch or self.pending_cost >= self.batch:
            self.flush()

    def plan_mint(self, actor: str, shares: int, receiver: str) -> list[int]:
        amounts = self.model.mint(receiver, shares, self.now)
        fee = fee_on(shares, self.model.mint_fee)
        if actor in self.paid:
            self.paid[actor] = [p + x for p, x in zip(self.paid[actor], amounts)]
        self.plan(
            actor,
            self.vault,
            data(VAULT_MINT, shares, amounts, self.actors[receiver]),
            "mint",
            expect_out=encode(["uint256"], [fee]),
        )
        return amounts

    def plan_redeem(self, owner: str, shares: int, receiver: str) -> list[int]:
        fee = fee_on(shares, self.model.redeem_fee)
        amounts = self.model.redeem(owner, shares, self.now)
        if receiver in self.received:
            self.received[receiver] = [r + x for r, x in zip(self.received[receiver], amounts)]
            if receiver == owner and any(r > p for r, p in zip(self.received[owner], self.paid[owner])):
                raise Violation(
                    f"{owner} got back more than it paid: paid {self.paid[owner]}, received {self.received[owner]}"
                )
        self.plan(
            owner,
            self.vault,
            data(VAULT_REDEEM, shares, amounts, self.actors[receiver], 0),
            "redeem",
            expect_out=encode(["uint256"], [fee]),
        )
        return amounts

    def plan_transfer(self, owner: str, to: str, shares: int) -> None:
        self.model.balances[owner] -= shares
        self.model.balances[to] = self.model.balances.get(to, 0) + shares
        self.plan(
            owner,
            self.vault,
            data(VAULT_TRANSFER, self.actors[to], shares),
            "transfer",
            expect_out=encode(["bool"], [True]),
        )

    def post_answer(self, symbol: str, answer: int) -> None:
        self.answers[symbol] = answer
        self.posted_at[symbol] = self.now
        asset = self.record.asset(symbol)
        if asset.aggregator:
            # Every answer overwrites one round. Chainlink's mock keeps each round in three new
            # storage slots, and anvil rebuilds its state root from every slot each block: over
            # 24,000 posts an empty block went from 6 to 78 ms and a campaign from ~520 to ~260
            # operations a second. The adapter reads only the latest round, so nothing it checks
            # changes.
            post = data(uni.AGGREGATOR_UPDATE_ROUND, FUZZ_ROUND, answer, self.now, self.now)
            self.plan(None, asset.aggregator, post, "feed")
        else:
            to, post = asset.poster
            self.plan(None, to, data(post, answer), "feed")

    def track_round_trip(self, paid: list[int], received: list[int]) -> None:
        """Keeps the round trip that came closest to a profit: the smallest
        shortfall (paid - received) / paid over its components."""
        shortfall = min(((p - r) / p for r, p in zip(received, paid) if p), default=1.0)
        worst = self.worst["min_round_trip_shortfall"]
        if worst is None or shortfall < worst["shortfall"]:
            self.worst["min_round_trip_shortfall"] = {
                "shortfall": shortfall,
                "paid": paid,
                "received": received,
                "at_vault_op": self.vault_ops,
            }

    # -- what the model says --
    def stale_priced(self) -> list[str]:
        """Stale feeds the oracle adapter's NAV reads: a component whose
        amount per share is 0 (a rebalance took its unit to 0, or below one
        base unit a share) is worth 0 unpriced, so its feed may be stale."""
        m = self.model
        _, multiplier = preview_accrual(m.supply, m.multiplier, m.streaming_fee, self.now - m.last_accrual)
        stale = self.snapshot().stale()
        return [s for s, u in zip(self.symbols, m.units) if s in stale and amount_out(WAD, u, multiplier)]

    def model_nav_per_share(self) -> int:
        m = self.model
        _, multiplier = preview_accrual(m.supply, m.multiplier, m.streaming_fee, self.now - m.last_accrual)
        return sum(
            amount_out(WAD, u, multiplier) * self.answers[s] * FEED_SCALE // 10 ** self.decimals[s]
            for s, u in zip(self.symbols, m.units)
        )

    # -- running and checking --
    def step(self, rng: random.Random) -> Action | None:
        action = choose(self.snapshot(), rng, self.scenario.weights)
        if action is not None:
            OPERATIONS[action.kind].apply(self, action)
        return action

    def flush(self) -> None:
        if not self.pending:
            return
        planned, self.pending = self.pending, []
        self.pending_cost = 0
        steps = self.backend.run(self.harness, [p.call for p in planned], self.now)
        self.batches += 1
        if getattr(self.backend, "last_gas", None):
            self.gas_per_op.append(self.backend.last_gas / len(planned))
        if len(steps) != len(planned):
            raise FuzzError(f"the harness logged {len(steps)} steps for {len(planned)} calls")
        for p, s in zip(planned, steps):
            self._check(p, s)
            self.steps += 1
        # Balances at least once every BATCH steps, whatever the backend's batch size.
        if self.steps - self._balances_checked_at >= BATCH:
            self.check_balances()

    def _check(self, p: Planned, s: StepResult) -> None:
        where = f"step {self.steps} ({p.kind}, vault op {self.vault_ops})"
        if p.expect_revert is not None:
            if s.ok or p.expect_revert not in revert_reason(s.out):
                raise Violation(
                    f"{where}: expected a revert '{p.expect_revert}', got ok={s.ok} "
                    f"{revert_reason(s.out) if not s.ok else s.out.hex()}"
                )
        elif not s.ok:
            raise Violation(f"{where}: reverted: {revert_reason(s.out)}")
        elif p.expect_out is not None and s.out != p.expect_out:
            raise Violation(f"{where}: returned {s.out.hex()}, the model says {p.expect_out.hex()}")
        if not s.backed:
            raise Violation(f"{where}: the harness found a share not fully backed: {s}")
        supply, multiplier, holdings = p.expected
        if (s.supply, s.multiplier, s.holdings) != (supply, multiplier, holdings):
            raise Violation(
                f"{where}: chain (supply {s.supply}, multiplier {s.multiplier}, holdings {s.holdings}) "
                f"!= model (supply {supply}, multiplier {multiplier}, holdings {holdings})"
            )
        usd_gain = 0.0
        for i, (sym, unit, held) in enumerate(zip(self.symbols, p.units, s.holdings)):
            surplus = held * UNIT_SCALE - s.supply * unit * s.multiplier
            if surplus < 0:
                raise Violation(f"{where}: {sym} held {held} < owed {s.supply * unit * s.multiplier / UNIT_SCALE}")
            if surplus < self.surplus[i]:
                raise Violation(
                    f"{where}: the vault's {sym} surplus fell from {self.surplus[i]} to {surplus} "
                    "(value left the other holders)"
                )
            usd_gain += (surplus - self.surplus[i]) / UNIT_SCALE * self.answers[sym] / 1e8 / 10 ** self.decimals[sym]
            self.surplus[i] = surplus
            owed = s.supply * unit * s.multiplier
            if owed:
                margin = (held * UNIT_SCALE - owed) / owed
                worst = self.worst["min_backing_margin"]
                if worst is None or margin < worst["margin"]:
                    self.worst["min_backing_margin"] = {
                        "margin": margin,
                        "asset": sym,
                        "held": held,
                        "owed": owed / UNIT_SCALE,
                        "step": self.steps,
                    }
        if p.kind in ("mint", "redeem"):
            self.surplus_gains.append(usd_gain)

    _balances_checked_at = 0
    batches = 0  # harness transactions sent: blocks, on the anvil backend

    def check_balances(self) -> None:
        self._balances_checked_at = self.steps
        names = [a for a in ACTORS if a != TRADER]
        raw = self.backend.views([(self.vault, data(VAULT_BALANCE, self.actors[a])) for a in names])
        for name, r in zip(names, raw):
            chain, model = decode(["uint256"], r)[0], self.model.balances.get(name, 0)
            if chain != model:
                raise Violation(f"after step {self.steps}: {name} holds {chain} index tokens, the model {model}")
        for check in CHECKS:
            check(self)


def _daily_returns(symbols: Sequence[str], start: str, end: str) -> dict[str, tuple[float, ...]]:
    out = {}
    for s in symbols:
        try:
            closes = history.closes(s, start, end)
        except history.DataError:
            closes = history.closes(s, str(dt.date.fromisoformat(end) - dt.timedelta(days=31)), end)
        out[s] = tuple(float(b / a - 1) for a, b in zip(closes, closes[1:]))
    return out


def run(world: World, vault_ops: int, rng: random.Random, progress: Callable[[int], None] = lambda n: None) -> World:
    """Steps `world` until it has made `vault_ops` vault operations; checks the last batch too."""
    while world.vault_ops < vault_ops:
        world.step(rng)
        progress(world.vault_ops)
    world.flush()
    world.check_balances()
    return world
