"""One asset in, one asset out, in the fuzz engine: a named actor
("one_asset") mints from USDC and redeems to USDC through
`contracts/periphery/IndexRouter.vy` on the market's Uniswap V2 and V3 pools,
with the bound set to the quote exactly, or one base unit short of it (which
must revert with the router's reason and move nothing).

The quote is `indexvault.oneasset`'s (the one `ape run mint --from` prints),
on the pools as the chain holds them: other traders move those pools, so
each operation first sends the pending batch (when a pending call moves
them), then reads the pools (and QuoterV2 for V3) through the backend, and
quotes for the model's amounts (`amounts_for_mint` / `amounts_for_redeem` at
the campaign's clock).
The router's return value must equal the quote to the base unit.

Checked after every router call (besides the engine's per-step checks,
backing and the surplus among them, which hold for these calls as for any):
- the router holds nothing: a harness step per token it touched (the
  components, USDC, the index token) reads its balance, which must be 0;
- a one-asset round trip (mint from USDC, then at once redeem the same shares
  to USDC, through the same pools) never returns more USDC than it paid;
- the actor's index-token balance equals the model's (with the balances).

The actor is sealed from the in-kind minters (it pays in USDC, not in the
components), so their paid/received accounts stay exact.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from decimal import Decimal

from eth_abi import encode

from indexvault import oneasset as quoting
from indexvault.fuzz import engine
from indexvault.fuzz.engine import DEADLINE, MAX, Action, Operation, Snapshot, Violation, data
from indexvault.market import pools as market_pools
from indexvault.market.rpc import Function, RpcError

ONE_ASSET = "one_asset"  # the actor that mints from and redeems to one asset
ROUTER_CALL_COST = 24  # a router call's weight in a batch: ~1.4M gas against ~60k for a mint in kind
MINT_FROM = Function("mint_from(address,address,uint256,uint256,(uint8,uint24,address[])[],address,uint256)")
REDEEM_TO = Function("redeem_to(address,address,uint256,uint256,(uint8,uint24,address[])[],address,uint256)")
BALANCE_OF = Function("balanceOf(address)", "uint256")
MAX_IN_EXCEEDED = "router: max in exceeded"
MIN_OUT_NOT_MET = "router: min out not met"
ZERO_BALANCE = encode(["uint256"], [0])
# Pending calls that move the market's pools of the basket: the batch is sent before a quote
# only when one is pending (nothing else in a batch touches those pools).
MOVES_POOLS = {"pool_trade", "mint_from", "redeem_to"}


class BackendReader:
    """`Rpc.read` over a fuzz backend's view calls, for `indexvault.market.pools`
    and `indexvault.oneasset.v3_quoter`: a failed call raises RpcError."""

    def __init__(self, backend) -> None:
        self.backend = backend

    def read(self, calls):
        try:
            raw = self.backend.views([(to, bytes.fromhex(fn(*args)[2:])) for to, fn, args in calls])
        except Exception as error:  # noqa: BLE001 - anvil's FuzzError, boa's revert: the quoter's None
            raise RpcError(str(error)) from None
        return [fn.decode(r.hex()) for (_, fn, _), r in zip(calls, raw)]


# ---- decisions: pure --------------------------------------------------------------------------


def _shares(rng: random.Random) -> int:
    """A thousandth of a share to a thousand (0.1 to 100k USD at launch), log-uniform."""
    return int(10 ** rng.uniform(15, 21))


def decide_mint_from(snap: Snapshot, rng: random.Random) -> Action:
    """Mint from USDC: exact bound nine times in ten, one base unit short otherwise;
    one time in four, redeemed to USDC at once (a round trip)."""
    short = rng.random() < 0.1
    return Action("mint_from", ONE_ASSET, (_shares(rng), short, not short and rng.random() < 0.25))


def decide_redeem_to(snap: Snapshot, rng: random.Random) -> Action | None:
    balance = snap.balances.get(ONE_ASSET, 0)
    if balance == 0:
        return None
    shares = balance if rng.random() < 0.2 else rng.randint(min(balance, 10**15), balance)
    return Action("redeem_to", ONE_ASSET, (shares, rng.random() < 0.1))


# ---- set-up and quoting ---------------------------------------------------------------------------


def setup(world: engine.World) -> None:
    """The router on the market's Uniswap routers (`world.index_router`), the
    actor funded with USDC and its approvals; once."""
    if getattr(world, "one", None) is not None:
        return
    world.flush()
    b, record = world.backend, world.record
    usdc = record.assets[record.quote]
    router = world.index_router = b.deploy(
        engine.initcode(
            engine.CONTRACTS / "periphery" / "IndexRouter.vy",
            ["address", "address"],
            [record.uniswap.v2_router, record.uniswap.swap_router],
        )
    )
    world.actors[ONE_ASSET] = b.deploy(
        engine.initcode(engine.FUZZ_CONTRACTS / "FuzzActor.vy", ["address"], [world.harness])
    )
    # A deployment is mined at the node's own clock, which may be ahead of the campaign's.
    world.now = max(world.now, b.timestamp())
    pairs = {p.pair for s in world.symbols for p in record.asset(s).pools} | {record.quote}
    pairs |= {p.pair for s in pairs for p in record.assets[s].pools}
    market = record.model_copy(
        update={"assets": {s: a for s, a in record.assets.items() if s in pairs or s in world.symbols}}
    )
    pair_feeds = {s: v for s, v in market_pools.feed_prices(BackendReader(b), market).items() if s in pairs}
    world.one = {
        "router": router,
        "market": market,
        "pair_feeds": pair_feeds,
        "usdc": usdc.token,
        "paid": 0,
        "received": 0,
        "round_trips": 0,
        "worst_round_trip": None,
        "no_route": 0,
        "cost_bps": [],
    }
    world.plan(None, usdc.token, data(engine.TOKEN_MINT, world.actors[ONE_ASSET], 10 ** (usdc.decimals + 12)), "fund")
    world.plan(ONE_ASSET, usdc.token, data(engine.TOKEN_APPROVE, router, MAX), "fund")
    world.plan(ONE_ASSET, world.vault, data(engine.TOKEN_APPROVE, router, MAX), "fund")
    world.flush()


def _pool_key(dex: int, a: str, b: str, fee: int) -> tuple:
    return dex, frozenset((a.lower(), b.lower())), fee if dex == quoting.V3 else 0


def _pools_of(quote: quoting.Quote) -> set[tuple]:
    """The pools a quote's routes swap through."""
    return {
        _pool_key(r.dex, a, b, r.fee)
        for r in quote.routes
        if r.dex != quoting.DIRECT
        for a, b in zip(r.path, r.path[1:])
    }


def _quote(
    world: engine.World, side: str, amounts: list[int], shares: int, through: set[tuple] | None = None
) -> quoting.Quote | None:
    """The quote on the chain's pools now (the pending batch sent first), through
    only the pools in `through` when given; None when no route can fill it."""
    if any(p.kind in MOVES_POOLS for p in world.pending):
        world.flush()
    reader = BackendReader(world.backend)
    one = world.one
    # Only the basket's pools and the pairs they trade against; the feeds as posted
    # (the campaign moves only its components' feeds: the pairs' are read once).
    feeds = one["pair_feeds"] | {s: Decimal(world.answers[s]) / 10**8 for s in world.symbols}
    states = market_pools.read(reader, one["market"], feeds)
    if through is not None:
        states = [
            s
            for s in states
            if _pool_key(quoting.V2 if s.pool.dex == "v2" else quoting.V3, s.asset.token, s.pair.token, s.pool.fee)
            in through
        ]
    build = quoting.quote_mint if side == "mint" else quoting.quote_redeem
    try:
        return build(
            one["market"],
            states,
            feeds,
            [world.asset_token[s] for s in world.symbols],
            amounts,
            world.record.quote,
            shares,
            _v3_quoter(world, reader, side, amounts),
        )
    except quoting.QuoteError:
        world.one["no_route"] += 1
        return None


def _v3_quoter(world: engine.World, reader: BackendReader, side: str, amounts: list[int]) -> quoting.V3Quote:
    """`indexvault.oneasset.v3_quoter`, with the QuoterV2 answers for each
    component's V3 pool against USDC read in one batch first (and kept: the
    quote asks for each twice, to choose and to apply)."""
    one, market = world.one, world.one["market"]
    usdc = one["usdc"].lower()
    keys = []
    for symbol, amount in zip(world.symbols, amounts):
        token = world.asset_token[symbol].lower()
        for pool in market.asset(symbol).pools:
            if pool.dex == "v3" and pool.pair == market.quote:
                keys.append(
                    (pool.address.lower(), pool.fee)
                    + ((usdc, token) if side == "mint" else (token, usdc))
                    + (amount, side == "mint")
                )
    fn = quoting.QUOTE_EXACT_OUTPUT_SINGLE if side == "mint" else quoting.QUOTE_EXACT_INPUT_SINGLE
    try:
        answers = reader.read(
            [(market.uniswap.quoter, fn, ((a, b, amount, fee, 0),)) for _, fee, a, b, amount, _ in keys]
        )
        known = {k: r[0] for k, r in zip(keys, answers)}
    except RpcError:  # one pool the quoter cannot quote: each is asked alone
        known = {}
    single = quoting.v3_quoter(reader, market)

    def quote(pool: str, fee: int, token_in: str, token_out: str, amount: int, exact_output: bool) -> int | None:
        key = (pool.lower(), fee, token_in.lower(), token_out.lower(), amount, exact_output)
        if key not in known:
            known[key] = single(pool, fee, token_in, token_out, amount, exact_output)
        return known[key]

    return quote


def _router_empty(world: engine.World) -> None:
    """Harness steps: the router's balance of every token it touched is 0."""
    router = world.one["router"]
    for token in [world.asset_token[s] for s in world.symbols] + [world.one["usdc"], world.vault]:
        world.plan(None, token, data(BALANCE_OF, router), "router_empty", expect_out=ZERO_BALANCE)


def _route_args(quote: quoting.Quote) -> list:
    return [tuple(r) for r in quote.route_args()]


# ---- operations -------------------------------------------------------------------------------------


def plan_mint_from(
    world: engine.World, shares: int, short: bool = False, actor: str = ONE_ASSET
) -> quoting.Quote | None:
    """Plans `actor`'s mint from USDC of `shares` to itself; returns its quote (None: no route, or reverts)."""
    setup(world)
    preview = copy.deepcopy(world.model)
    try:
        amounts = preview.mint(actor, shares, world.now)
    except ValueError:  # the supply cap
        return None
    if not all(amounts):
        return None
    quote = _quote(world, "mint", amounts, shares)
    if quote is None:
        return None
    total = quote.total
    one = world.one
    args = (
        world.vault,
        one["usdc"],
        total - 1 if short else total,
        shares,
        _route_args(quote),
        world.actors[actor],
        DEADLINE,
    )
    if not _plan_router(
        world, actor, MINT_FROM, args, total, short, MAX_IN_EXCEEDED, lambda: world.model.mint(actor, shares, world.now)
    ):
        return None
    if actor != ONE_ASSET:
        return quote
    one["paid"] += total
    one["cost_bps"].append(float(quote.cost_bps))
    return quote


def _plan_router(
    world: engine.World,
    actor: str,
    function: Function,
    args: tuple,
    total: int,
    short: bool,
    reason: str,
    apply: Callable[[], object],
) -> bool:
    """Plans one router call `function(*args)` by `actor`: with `short` (its bound one base unit
    past the quote) it must revert with `reason` and nothing changes; otherwise `apply` moves the
    model first and the call must return exactly `total`. Either way the router then holds nothing.
    Returns whether the call goes through."""
    name = function.signature[: function.signature.index("(")]
    if short:
        world.counts[f"{name}_short"] += 1
        expect = {"expect_revert": reason}
    else:
        apply()
        expect = {"expect_out": encode(["uint256"], [total])}
    world.plan(actor, world.one["router"], data(function, *args), name, **expect, cost=ROUTER_CALL_COST)
    _router_empty(world)
    return not short


def plan_redeem_to(
    world: engine.World, shares: int, short: bool = False, through: set[tuple] | None = None, actor: str = ONE_ASSET
) -> int | None:
    """Plans `actor`'s redeem of `shares` to USDC for itself (through only the
    pools `through`, when given); returns what it gets (None: no route, or reverts)."""
    setup(world)
    preview = copy.deepcopy(world.model)
    amounts = preview.redeem(actor, shares, world.now)
    if not all(amounts):
        return None
    quote = _quote(world, "redeem", amounts, shares, through)
    if quote is None:
        return None
    if any(r.dex != quoting.DIRECT and r.amount_out == 0 for r in quote.routes):
        # Dust: a component sells for nothing, and Uniswap V2 reverts such a swap
        # (INSUFFICIENT_OUTPUT_AMOUNT); redeemed in kind, it would not be lost.
        world.counts["redeem_to_dust_skipped"] += 1
        return None
    total = quote.total
    one = world.one
    args = (
        world.vault,
        one["usdc"],
        shares,
        total + 1 if short else total,
        _route_args(quote),
        world.actors[actor],
        DEADLINE,
    )
    if not _plan_router(
        world,
        actor,
        REDEEM_TO,
        args,
        total,
        short,
        MIN_OUT_NOT_MET,
        lambda: world.model.redeem(actor, shares, world.now),
    ):
        return None
    if actor != ONE_ASSET:
        return total
    one["received"] += total
    one["cost_bps"].append(float(quote.cost_bps))
    return total


def apply_mint_from(world: engine.World, a: Action) -> None:
    setup(world)
    shares, short, round_trip = a.args
    bought = plan_mint_from(world, shares, short)
    if bought is None or not round_trip:
        return
    # Sold back at once through the pools it bought in, as they are left by
    # its own swaps: what the vault and the router return can then not exceed
    # what was paid (through other pools it could: that is an arbitrage
    # between the pools, not value from the vault).
    paid = bought.total
    received = plan_redeem_to(world, shares, through=_pools_of(bought))
    if received is None:
        return
    world.one["round_trips"] += 1
    if received > paid:
        raise Violation(
            f"step {world.steps}: a one-asset round trip of {shares} shares paid {paid} USDC and got back {received}"
        )
    shortfall = (paid - received) / paid
    worst = world.one["worst_round_trip"]
    if worst is None or shortfall < worst["shortfall"]:
        world.one["worst_round_trip"] = {
            "shortfall": shortfall,
            "paid": paid,
            "received": received,
            "shares": shares,
            "at_vault_op": world.vault_ops,
        }


def apply_redeem_to(world: engine.World, a: Action) -> None:
    setup(world)
    shares, short = a.args
    plan_redeem_to(world, shares, short)


def _check_actor(world: engine.World) -> None:
    """The actor's index tokens equal the model's."""
    if getattr(world, "one", None) is None:
        return
    raw = world.backend.view(world.vault, data(BALANCE_OF, world.actors[ONE_ASSET]))
    chain, model = int.from_bytes(raw[:32], "big"), world.model.balances.get(ONE_ASSET, 0)
    if chain != model:
        raise Violation(f"after step {world.steps}: {ONE_ASSET} holds {chain} index tokens, the model {model}")


def report(world: engine.World) -> dict | None:
    """What the campaign report says of the one-asset operations; None when none ran."""
    one = getattr(world, "one", None)
    if one is None:
        return None
    costs = sorted(one["cost_bps"])
    dec = world.record.assets[world.record.quote].decimals
    return {
        "router": "contracts/periphery/IndexRouter.vy on the market's Uniswap V2 and V3 pools, USDC in and out",
        "mint_from": world.counts["mint_from"],
        "redeem_to": world.counts["redeem_to"],
        "bound_one_unit_short_reverted": {
            "mint_from": world.counts["mint_from_short"],
            "redeem_to": world.counts["redeem_to_short"],
        },
        "round_trips": one["round_trips"],
        "closest_round_trip": one["worst_round_trip"],
        "skipped_no_route": one["no_route"],
        "usdc_paid": one["paid"] / 10**dec,
        "usdc_received": one["received"] / 10**dec,
        "route_cost_bps_vs_feeds": {
            "median": costs[len(costs) // 2] if costs else None,
            "max": costs[-1] if costs else None,
        },
        "checks": "the router returns the quote to the base unit; it holds nothing after each call; a round "
        "trip returns at most what it paid; a bound one base unit short reverts with the router's reason",
    }


engine.VAULT_CALLS.update({"mint_from", "redeem_to"})
engine.register(Operation("mint_from", decide_mint_from, apply_mint_from))
engine.register(Operation("redeem_to", decide_redeem_to, apply_redeem_to))
engine.PRECOMPILE.append(engine.CONTRACTS / "periphery" / "IndexRouter.vy")
engine.CHECKS.append(_check_actor)
