"""Rebalancing in the fuzz engine: the project's Rebalancer on the
campaign's vault, its manager proposing new target units, time passing
past the timelock, and a bidder trading the Dutch auctions, with the
reference model following every unit the vault moves.

- Set up on first use (`_setup`): a Rebalancer over the campaign's vault and
  oracle adapter (timelock `TIMELOCK`, band `BAND`), granted REBALANCER_ROLE
  by the harness (the vault's admin and manager), and a bidder actor holding
  every component and approving the vault. The quote is the basket's first
  asset (BTC in the default scenario), so the basket's slots stay fixed and
  the quote's unit floats as sales bring it in and purchases spend it.
- One operation, "rebalance", acts by the auction's phase: with none open
  it proposes new targets for every other component (each unit times 0.5 to
  1.5); while the proposal waits out its timelock it lets time pass to the
  auctions' start (or, one time in five, bids early and expects
  "rebalancer: not started"); while the auctions run it bids a random part
  of what remains of a random component.
- Every bid is predicted by `indexvault.auction_model.bid` on the model's
  units, supply and multiplier after the pending streaming fee, at the
  auction's factor now and the posted feed answers: its quote amount is the
  bid's exact limit and its expected return, the model's units move by it
  (the sold unit rounded up, the bought one down: the vault's favour), and
  what the model says must revert (a stale feed, a bid under one unit step,
  not enough quote) is expected to revert with that reason.
- The engine's checks run after every step as for every other call: full
  backing, the surplus never falling, supply, multiplier and holdings equal
  to the model's, the oracle's NAV. A sealed minter's "never more back than
  paid" is per component, which a change of units makes meaningless, so
  each units change rebases it (`_rebase_sealed`).
"""

from __future__ import annotations

import random

from eth_abi import encode
from eth_utils import keccak

from indexvault import auction_model
from indexvault.fuzz import engine
from indexvault.fuzz.engine import MAX, MINTERS, Action, Operation, Snapshot, data
from indexvault.market.rpc import Function
from indexvault.model import WAD, amount_out, preview_accrual

BIDDER = "rebalance_bidder"
TIMELOCK = 3_600  # the Rebalancer's least
BAND = WAD // 20  # 5 % either side of the oracle
DURATIONS = (3_600, 6 * 3_600, 86_400)
REBALANCER_ROLE = keccak(text="REBALANCER_ROLE")

GRANT_ROLE = Function("grantRole(bytes32,address)")
PROPOSE = Function("propose(address[],uint256[],uint256,uint256,uint256)")
BID = Function("bid(address,uint256,uint256,address)")


# ---- the decision: pure ------------------------------------------------------------------------


def decide_rebalance(snap: Snapshot, rng: random.Random) -> Action:
    """Draws what the step will need; `apply_rebalance` acts on the auction's phase."""
    return Action("rebalance", BIDDER, ("auto", rng.random(), rng.random(), rng.random()))


# ---- set-up ------------------------------------------------------------------------------------


def _setup(world: engine.World) -> None:
    if getattr(world, "rebalance", None) is not None:
        return
    world.flush()
    b = world.backend
    quote = world.symbols[0]
    rebalancer = b.deploy(
        engine.initcode(
            engine.CONTRACTS / "Rebalancer.vy",
            ["address", "address", "address", "uint256", "uint256"],
            [world.vault, world.oracle, world.asset_token[quote], TIMELOCK, BAND],
        )
    )
    world.actors[BIDDER] = b.deploy(
        engine.initcode(engine.FUZZ_CONTRACTS / "FuzzActor.vy", ["address"], [world.harness])
    )
    # A deployment is mined in a block of the node's own time: the campaign's clock may not run behind it.
    world.now = max(world.now, b.timestamp())
    world.rebalance = {
        "rebalancer": rebalancer,
        "quote": quote,
        "start": 0,
        "duration": 0,
        "targets": {},
        "factors": (WAD + BAND, WAD - BAND),
        "proposals": 0,
        "bids": 0,
        "units_moved": 0,
        "expected_reverts": {},
        "met": 0,
    }
    world.plan(None, world.vault, data(GRANT_ROLE, REBALANCER_ROLE, rebalancer), "fund")
    who = world.actors[BIDDER]
    for s in world.symbols:
        world.plan(None, world.asset_token[s], data(engine.TOKEN_MINT, who, 10 ** (world.decimals[s] + 12)), "fund")
        world.plan(BIDDER, world.asset_token[s], data(engine.TOKEN_APPROVE, world.vault, MAX), "fund")
    world.flush()


# ---- the auction as the engine sees it ----------------------------------------------------------------


def _basis(world: engine.World) -> tuple[int, int]:
    """Supply and multiplier once the pending streaming fee accrues (the vault's `trade_basis`)."""
    m = world.model
    return preview_accrual(m.supply, m.multiplier, m.streaming_fee, world.now - m.last_accrual)


def remaining(world: engine.World, symbol: str) -> tuple[bool, int]:
    """(the vault sells, token base units left) for a listed component, as `Rebalancer.remaining`."""
    supply, multiplier = _basis(world)
    i = world.symbols.index(symbol)
    return auction_model.remaining(world.model.units[i], world.rebalance["targets"][symbol], supply, multiplier)


def phase(world: engine.World) -> str:
    """ "none" (no proposal, expired, or every target met: a new one may be
    proposed), "pending" (waiting out the timelock) or "running"."""
    state = getattr(world, "rebalance", None)
    if state is None or state["start"] == 0 or world.now > state["start"] + state["duration"]:
        return "none"
    if world.now < state["start"]:
        return "pending"
    return "running" if any(remaining(world, s)[1] for s in state["targets"]) else "none"


def _rebase_sealed(world: engine.World) -> None:
    """After the units change, a sealed minter's "paid" becomes what it has
    received plus what its shares are owed now, fee-free: from here on it
    may get back no more than that plus what it pays in."""
    m = world.model
    for actor in MINTERS:
        owed = [amount_out(m.balances.get(actor, 0), u, m.multiplier) for u in m.units]
        world.paid[actor] = [r + o for r, o in zip(world.received[actor], owed)]


# ---- the steps ----------------------------------------------------------------------------------------


def plan_propose(world: engine.World, factors: list[float], duration: int) -> None:
    """The manager (the harness) proposes each other component's unit times its factor."""
    state = world.rebalance
    symbols = [s for s in world.symbols if s != state["quote"]]
    targets = [
        min(max(1, int(world.model.units[world.symbols.index(s)] * f)), auction_model.MAX_UNIT)
        for s, f in zip(symbols, factors)
    ]
    start_factor, end_factor = state["factors"]
    call = data(PROPOSE, [world.asset_token[s] for s in symbols], targets, duration, start_factor, end_factor)
    if phase(world) != "none":
        world.plan(None, state["rebalancer"], call, "rebalance_propose", expect_revert="rebalancer: rebalance open")
        state["expected_reverts"]["rebalance open"] = state["expected_reverts"].get("rebalance open", 0) + 1
        return
    world.plan(None, state["rebalancer"], call, "rebalance_propose")
    state.update(start=world.now + TIMELOCK, duration=duration, targets=dict(zip(symbols, targets)))
    state["proposals"] += 1


def _expected_failure(world: engine.World, symbol: str) -> str | None:
    state = world.rebalance
    if state["start"] == 0:
        return "rebalancer: no rebalance"
    if world.now < state["start"]:
        return "rebalancer: not started"
    if world.now > state["start"] + state["duration"]:
        return "rebalancer: rebalance expired"
    if symbol not in state["targets"]:
        return "rebalancer: not in rebalance"
    if remaining(world, symbol)[1] == 0:
        return "rebalancer: target met"
    return None


def plan_bid(world: engine.World, symbol: str, fraction: float) -> None:
    """The bidder takes `fraction` of what remains of `symbol` (at least one
    base unit), bounded by the model's quote amount exactly."""
    state, m = world.rebalance, world.model
    rebalancer, bidder = state["rebalancer"], world.actors[BIDDER]
    token = world.asset_token[symbol]
    reason = _expected_failure(world, symbol)
    amount = 1
    result = None
    if reason is None:
        sell, left = remaining(world, symbol)
        amount = left if fraction >= 1 else max(1, int(left * fraction))  # all of it exactly, not via a float
        supply, multiplier = _basis(world)
        try:
            auction_model.whole_step_take(min(amount, left), left, supply * multiplier, sell)
        except ValueError as error:
            reason = str(error)
    if reason is None:
        stale = world.snapshot().stale()
        for s in (symbol, state["quote"]):
            if s in stale:
                reason = f"oracle: stale price for {world.asset_token[s].lower()}"
                break
    if reason is None:
        i, q = world.symbols.index(symbol), world.symbols.index(state["quote"])
        factor = auction_model.factor(world.now, state["start"], state["duration"], *state["factors"], BAND)
        try:
            result = auction_model.bid(
                unit=m.units[i],
                target=state["targets"][symbol],
                quote_unit=m.units[q],
                supply=supply,
                multiplier=multiplier,
                amount=amount,
                price=world.answers[symbol] * engine.FEED_SCALE,
                quote_price=world.answers[state["quote"]] * engine.FEED_SCALE,
                decimals=world.decimals[symbol],
                quote_decimals=world.decimals[state["quote"]],
                sale_factor=factor,
            )
        except ValueError as error:
            reason = str(error)
    if result is None:
        world.plan(BIDDER, rebalancer, data(BID, token, amount, 0, bidder), "rebalance_bid", expect_revert=reason)
        key = reason.split(" for ")[0].removeprefix("rebalancer: ").removeprefix("oracle: ")
        state["expected_reverts"][key] = state["expected_reverts"].get(key, 0) + 1
        return
    # The vault's trade accrues the streaming fee first, then moves both units and the tokens.
    m.accrue(world.now)
    m.units[i], m.units[q] = result.unit, result.quote_unit
    if result.sell:
        m.holdings[i] -= result.take
        m.holdings[q] += result.quote_amount
    else:
        m.holdings[q] -= result.quote_amount
        m.holdings[i] += result.take
    world.plan(
        BIDDER,
        rebalancer,
        data(BID, token, amount, result.quote_amount, bidder),
        "rebalance_bid",
        expect_out=encode(["uint256"], [result.quote_amount]),
    )
    state["bids"] += 1
    if result.unit == state["targets"][symbol]:
        state["met"] += 1
    _rebase_sealed(world)


def apply_rebalance(world: engine.World, a: Action) -> None:
    _setup(world)
    kind, *draws = a.args
    state = world.rebalance
    if kind == "auto":
        now = phase(world)
        r1, r2, r3 = draws
        if now == "none":
            kind, rng = "propose", random.Random(r2)
            draws = [[rng.uniform(0.5, 1.5) for _ in world.symbols[1:]], DURATIONS[int(r3 * len(DURATIONS))]]
        elif now == "pending" and r1 >= 0.2:
            kind, draws = "wait", [int(r2 * 600)]
        else:
            listed = [s for s in state["targets"] if remaining(world, s)[1]] or list(state["targets"])
            kind, draws = "bid", [listed[int(r2 * len(listed))], 1.0 if r3 < 0.1 else r3]
    if kind == "propose":
        plan_propose(world, *draws)
    elif kind == "wait":  # past the timelock: to the auctions' start and up to `seconds` more
        world.flush()
        world.now = max(world.now, state["start"] + draws[0])
    else:
        plan_bid(world, *draws)


engine.register(Operation("rebalance", decide_rebalance, apply_rebalance))
engine.PRECOMPILE.append(engine.CONTRACTS / "Rebalancer.vy")


def report(world: engine.World) -> dict | None:
    """What the campaign's report says of rebalancing; None when it never ran."""
    state = getattr(world, "rebalance", None)
    if state is None:
        return None
    return {
        "quote": state["quote"],
        "timelock_s": TIMELOCK,
        "band": BAND / WAD,
        "proposals": state["proposals"],
        "bids": state["bids"],
        "targets_met_by_a_bid": state["met"],
        "expected_reverts": state["expected_reverts"],
        "checked": "every bid's quote amount, return and units against indexvault.auction_model, integer "
        "for integer; the engine's invariants after every bid",
    }
