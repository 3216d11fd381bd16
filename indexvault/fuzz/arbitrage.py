"""The index token's market in the fuzz engine: a Uniswap V2 pool of the
campaign's index token against USDC, seeded at NAV, moved by other traders
("pool_shock": up to +-50 % at once), and held to NAV by the arbitrage
keeper ("arbitrage": one round of `indexvault.keepers.arbitrage.decide`, the
same pure decision `ape run keeper arbitrage` and bots/arbitrage.py make).

How a round runs here. The keeper's snapshot is the engine's state: the
pool's reserves as Python tracks them (only these two operations touch the
pool, and V2 is exact integer math, so they are the chain's to the base
unit: every swap's `amountOutMin` is the exact amount expected, and the
reserves are compared with the chain's at every balances check), NAV per
share from the reference model at the posted feed answers (what the oracle
adapter returns, invariant 6), the model's fees. The trade is carried out
through the harness as the keeper's own actor ("arbitrageur") through
IndexRouter, as IndexArbitrage does it on the market: mint from USDC
(`mint_from`, bounded by the quote exactly) and sell into the pool, or buy
from the pool and redeem to USDC (`redeem_to`, bounded by the quote
exactly), each quoted on the market's pools as the chain holds them
(indexvault/fuzz/oneasset.py, which also checks that the router returns the
quote to the base unit and holds nothing afterwards). The band charges the
routes' measured cost (ROUTE_COST, 18 bps each way); the report's profit is
what the router and the pool actually paid, less the gas estimate. Only the
pool's seed is minted in kind. IndexArbitrage's own checks (atomicity,
"arbitrage: unprofitable") are tested on the market in tests/contracts/periphery/arbitrage.

Invariant 7: after each arbitrage round, the pool's price is inside the
cost band around NAV, or the keeper said why not (unprofitable after gas,
no NAV while a feed is stale). Each pool shock opens an episode that the
first round leaving the pool inside the band closes, with the rounds and
blocks (harness transactions) it took; a NAV move (a feed shock) that puts
the pool outside the band opens one too, when the keeper first sees it.
"""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from fractions import Fraction

from eth_abi import decode

from indexvault import amm
from indexvault.fuzz import engine, oneasset
from indexvault.fuzz.engine import DEADLINE, MAX, Action, Operation, Snapshot, Violation, data
from indexvault.keepers import arbitrage as keeper
from indexvault.market.rpc import Function

ARBITRAGEUR = "arbitrageur"  # the keeper's actor
POOL_TRADER = "pool_trader"  # the other traders of the index token
POOL = "pool"  # the pair, as a holder in the model's balances
POOL_DEPTH_USD = Decimal(1_000_000)  # both sides, at NAV
ROUTE_COST = Decimal("0.0018")  # IndexRouter's measured cost each way (README, benchmarks/results/oneasset.json)
GAS_PRICE = 10**9  # 1 gwei
SETTINGS = keeper.Settings(min_profit_usd=Decimal(1))
SERIES_LIMIT = 20_000  # points kept for the chart

GET_PAIR = Function("getPair(address,address)", "address")
GET_RESERVES = Function("getReserves()", "uint112,uint112,uint32")
ADD_LIQUIDITY = Function("addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)")


# ---- decisions: pure --------------------------------------------------------------------------


def decide_pool_shock(snap: Snapshot, rng: random.Random) -> Action:
    """Another trader moves the index token's pool: by up to +-50 %, and by
    exactly +-50 % one time in ten."""
    factor = rng.choice((0.5, 1.5)) if rng.random() < 0.1 else 1 + rng.uniform(-0.5, 0.5)
    return Action("pool_shock", POOL_TRADER, (factor,))


def decide_arbitrage(snap: Snapshot, rng: random.Random) -> Action:
    """A keeper round: its decision is made on the engine's state in `apply`."""
    return Action("arbitrage", ARBITRAGEUR)


def keeper_snapshot(world: engine.World) -> keeper.Snapshot:
    """The keeper's snapshot of the engine's state (see the module's docstring)."""
    state = world.arb
    stale = world.stale_priced()
    return keeper.Snapshot(
        pool_shares=state["reserves"][0],
        pool_quote=state["reserves"][1],
        nav_per_share=0 if stale else world.model_nav_per_share(),
        quote_price=state["quote_price"],
        quote_decimals=state["quote_decimals"],
        mint_fee=world.model.mint_fee,
        redeem_fee=world.model.redeem_fee,
        mint_cost=ROUTE_COST,
        redeem_cost=ROUTE_COST,
        gas_price=GAS_PRICE,
        eth_usd=state["eth_usd"],
    )


# ---- the pool, set up on first use ------------------------------------------------------------------


def _setup(world: engine.World) -> None:
    """The keeper's and the pool trader's actors, funded; the pool seeded at NAV by the arbitrageur."""
    if getattr(world, "arb", None) is not None:
        return
    world.flush()
    b, record = world.backend, world.record
    usdc = record.assets[record.quote]
    actor_code = engine.initcode(engine.FUZZ_CONTRACTS / "FuzzActor.vy", ["address"], [world.harness])
    for name in (ARBITRAGEUR, POOL_TRADER):
        world.actors[name] = b.deploy(actor_code)
    feeds = [usdc.feed] + ([record.assets["ETH"].feed] if "ETH" in record.assets else [])
    answers = [
        decode(["uint80", "int256", "uint256", "uint256", "uint80"], r)[1]
        for r in b.views([(f, data(engine.FEED_LATEST)) for f in feeds])
    ]
    world.arb = {
        "pool": None,
        "quote": usdc.token,
        "quote_decimals": usdc.decimals,
        "quote_price": answers[0] * 10 ** (18 - usdc.feed_decimals),
        "eth_usd": Decimal(answers[1]) / 10 ** record.assets["ETH"].feed_decimals if len(answers) > 1 else Decimal(0),
        "reserves": (0, 0),
        "rounds": 0,
        "episode": None,
        "episodes": [],
        "series": [],
        "skips": {},
        "trades": {"mint_and_sell": 0, "buy_and_redeem": 0},
        "shocks": 0,
        "worst_after": 0.0,
        "profit_quote": 0,
    }
    router = record.uniswap.v2_router
    for name in (ARBITRAGEUR, POOL_TRADER):
        who = world.actors[name]
        for s in world.symbols:
            world.plan(None, world.asset_token[s], data(engine.TOKEN_MINT, who, 10 ** (world.decimals[s] + 12)), "fund")
            world.plan(name, world.asset_token[s], data(engine.TOKEN_APPROVE, world.vault, MAX), "fund")
        world.plan(None, usdc.token, data(engine.TOKEN_MINT, who, 10 ** (usdc.decimals + 12)), "fund")
        world.plan(name, usdc.token, data(engine.TOKEN_APPROVE, router, MAX), "fund")
        world.plan(name, world.vault, data(engine.TOKEN_APPROVE, router, MAX), "fund")
    # The keeper trades through IndexRouter (indexvault/fuzz/oneasset.py deploys it).
    oneasset.setup(world)
    for token in (usdc.token, world.vault):
        world.plan(ARBITRAGEUR, token, data(engine.TOKEN_APPROVE, world.index_router, MAX), "fund")
    nav = world.model_nav_per_share()
    shares, quote = keeper.seed_amounts(nav, world.arb["quote_price"], usdc.decimals, POOL_DEPTH_USD)
    world.plan_mint(ARBITRAGEUR, shares, ARBITRAGEUR)
    world.plan(
        ARBITRAGEUR,
        router,
        data(ADD_LIQUIDITY, world.vault, usdc.token, shares, quote, shares, quote, world.actors[ARBITRAGEUR], DEADLINE),
        "pool_seed",
    )
    _move_shares(world, ARBITRAGEUR, POOL, shares)
    world.flush()
    (pair,) = decode(["address"], b.view(record.uniswap.v2_factory, data(GET_PAIR, world.vault, usdc.token)))
    world.arb["pool"] = pair
    world.arb["reserves"] = (shares, quote)
    _check_reserves(world)


def _move_shares(world: engine.World, source: str, to: str, shares: int) -> None:
    balances = world.model.balances
    balances[source] = balances.get(source, 0) - shares
    balances[to] = balances.get(to, 0) + shares


def _swap(world: engine.World, actor: str, amount_in: int, shares_in: bool) -> int:
    """Plans an exact-input swap on the index token's pool, with the exact
    output as its minimum; moves the Python reserves. Returns the output."""
    state = world.arb
    x, y = state["reserves"]
    if shares_in:
        out = amm.v2_amount_out(amount_in, x, y)
        state["reserves"] = (x + amount_in, y - out)
        path = [world.vault, state["quote"]]
    else:
        out = amm.v2_amount_out(amount_in, y, x)
        state["reserves"] = (x - out, y + amount_in)
        path = [state["quote"], world.vault]
    world.plan(
        actor,
        world.record.uniswap.v2_router,
        data(engine.V2_SWAP, amount_in, out, path, world.actors[actor], DEADLINE),
        "index_pool_swap",
    )
    return out


def _check_reserves(world: engine.World) -> None:
    """The chain's reserves of the index token's pool equal the engine's."""
    state = getattr(world, "arb", None)
    if state is None or state["pool"] is None:
        return
    r0, r1, _ = decode(["uint112", "uint112", "uint32"], world.backend.view(state["pool"], data(GET_RESERVES)))
    chain = (r0, r1) if int(world.vault, 16) < int(state["quote"], 16) else (r1, r0)
    if chain != state["reserves"]:
        raise Violation(
            f"after step {world.steps}: the index token's pool holds {chain} (shares, USDC) on chain, "
            f"the engine {state['reserves']}"
        )


# ---- operations -------------------------------------------------------------------------------------


def _ratio(snap: keeper.Snapshot, price: Fraction) -> float:
    return float(price / snap.nav) if snap.nav_per_share else float("nan")


def apply_pool_shock(world: engine.World, a: Action) -> None:
    _setup(world)
    state = world.arb
    factor = Fraction(a.args[0]).limit_denominator(10**6)
    x, y = state["reserves"]
    if factor > 1:  # buy shares with USDC until the price is `factor` times
        paid = amm.v2_amount_to_price(y, x, Fraction(x, y) / factor)
        if paid == 0:
            return
        world.plan(None, state["quote"], data(engine.TOKEN_MINT, world.actors[POOL_TRADER], paid), "fund")
        got = _swap(world, POOL_TRADER, paid, shares_in=False)
        _move_shares(world, POOL, POOL_TRADER, got)
    else:  # sell shares, minted in kind first when the trader has too few
        sold = amm.v2_amount_to_price(x, y, Fraction(y, x) * factor)
        if sold == 0:
            return
        short = sold - world.model.balances.get(POOL_TRADER, 0)
        if short > 0:
            world.plan_mint(POOL_TRADER, short, POOL_TRADER)
        _swap(world, POOL_TRADER, sold, shares_in=True)
        _move_shares(world, POOL_TRADER, POOL, sold)
    state["shocks"] += 1
    if state["episode"] is None:
        state["episode"] = {
            "cause": "pool shock",
            "factor": float(factor),
            "batches": world.batches,
            "rounds": state["rounds"],
            "vault_ops": world.vault_ops,
            "now": world.now,
        }


def apply_arbitrage(world: engine.World, a: Action) -> None:
    _setup(world)
    state = world.arb
    snap = keeper_snapshot(world)
    decision = keeper.decide(snap, SETTINGS)
    state["rounds"] += 1
    before = snap.price
    if decision.band is not None and not decision.inside and state["episode"] is None:
        state["episode"] = {
            "cause": "NAV move",
            "factor": _ratio(snap, before),
            "batches": world.batches,
            "rounds": state["rounds"] - 1,
            "vault_ops": world.vault_ops,
            "now": world.now,
        }
    if decision.kind == "mint_and_sell":
        # Mint from USDC through IndexRouter (bound: the quote, exactly), then sell into the pool.
        bought = oneasset.plan_mint_from(world, decision.shares, actor=ARBITRAGEUR)
        if bought is None:
            decision = replace(
                decision,
                kind=None,
                reason=f"no route: the router cannot buy the components of {decision.shares} shares",
            )
        else:
            got = _swap(world, ARBITRAGEUR, decision.shares, shares_in=True)
            _move_shares(world, ARBITRAGEUR, POOL, decision.shares)
            state["trades"]["mint_and_sell"] += 1
            state["profit_quote"] += got - bought.total - decision.gas_quote
    elif decision.kind == "buy_and_redeem":
        got = _swap(world, ARBITRAGEUR, decision.quote_in, shares_in=False)
        if got != decision.shares:
            raise Violation(
                f"the keeper expected {decision.shares} shares for {decision.quote_in} USDC, the pool pays {got}"
            )
        _move_shares(world, POOL, ARBITRAGEUR, got)
        # Redeem to USDC through IndexRouter (bound: the quote, exactly); dust it cannot sell stays shares.
        back = oneasset.plan_redeem_to(world, got, actor=ARBITRAGEUR)
        state["trades"]["buy_and_redeem"] += 1
        state["profit_quote"] += (back or 0) - decision.quote_in - decision.gas_quote
    if decision.kind is not None:
        world.counts["arbitrage_trade"] += 1
    after_snap = replace(snap, pool_shares=state["reserves"][0], pool_quote=state["reserves"][1])
    after = after_snap.price
    inside = decision.band is not None and decision.band.lower <= after <= decision.band.upper
    if decision.kind is not None:
        state["worst_after"] = max(state["worst_after"], abs(_ratio(snap, after) - 1))
    elif decision.band is not None and not inside:
        state["worst_left"] = max(state.get("worst_left", 0.0), abs(_ratio(snap, after) - 1))
    # Invariant 7: inside the band after the round, or a reason why not.
    if not inside:
        reason = decision.reason
        if decision.kind is not None or not ("unprofitable" in reason or "no NAV" in reason or "no route" in reason):
            raise Violation(
                f"step {world.steps} (arbitrage round {state['rounds']}): the pool is at "
                f"{_ratio(snap, after):.6f} x NAV after the round, outside the band, and the keeper "
                f"said: {reason}"
            )
        key = (
            "unprofitable after gas"
            if "unprofitable" in reason
            else "no route for the router"
            if "no route" in reason
            else "no NAV (a stale feed)"
        )
        state["skips"][key] = state["skips"].get(key, 0) + 1
    elif decision.kind is None:
        state["skips"]["inside the band"] = state["skips"].get("inside the band", 0) + 1
    if len(state["series"]) < SERIES_LIMIT and decision.band is not None:
        b = decision.band
        state["series"].append(
            (
                world.vault_ops,
                world.now,
                float(snap.whole(before)),
                float(snap.whole(after)),
                float(snap.whole(b.nav)),
                float(snap.whole(b.lower)),
                float(snap.whole(b.upper)),
            )
        )
    episode = state["episode"]
    if inside and episode is not None:
        state["episodes"].append(
            {
                **episode,
                "rounds_to_converge": state["rounds"] - episode["rounds"],
                # Harness transactions (blocks on anvil) between the shock's and this round's: 0 is a back-run.
                "blocks_to_converge": world.batches - episode["batches"],
                "seconds_to_converge": world.now - episode["now"],
                "at_vault_op": world.vault_ops,
            }
        )
        state["episode"] = None


engine.register(Operation("pool_shock", decide_pool_shock, apply_pool_shock))
engine.register(Operation("arbitrage", decide_arbitrage, apply_arbitrage))
engine.CHECKS.append(_check_reserves)


# ---- the report ---------------------------------------------------------------------------------------


def _histogram(values: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def convergence(world: engine.World) -> dict | None:
    """What the report says of NAV convergence; None when the pool never opened."""
    state = getattr(world, "arb", None)
    if state is None:
        return None
    episodes = state["episodes"]
    rounds = sorted(e["rounds_to_converge"] for e in episodes)
    blocks = sorted(e["blocks_to_converge"] for e in episodes)

    def stats(values):
        if not values:
            return {}
        return {
            "min": values[0],
            "median": values[len(values) // 2],
            "p95": values[int(len(values) * 0.95)],
            "max": values[-1],
            "mean": sum(values) / len(values),
        }

    worst = sorted(episodes, key=lambda e: (e["blocks_to_converge"], e["rounds_to_converge"]), reverse=True)[:5]
    return {
        "pool": {"depth_usd": float(POOL_DEPTH_USD), "seeded_at": "NAV per share", "dex": "Uniswap V2, 0.3 %"},
        "cost_band": (
            f"NAV (1 - redeem fee)(1 - {ROUTE_COST:.2%} routes)(1 - 0.3 % pool) to "
            f"NAV (1 + mint fee)(1 + {ROUTE_COST:.2%} routes) / (1 - 0.3 % pool); gas at "
            f"{GAS_PRICE / 1e9:g} gwei, min profit {SETTINGS.min_profit_usd} USD after gas"
        ),
        "execution": (
            "through IndexRouter by the keeper's actor in the fuzz harness: mint_from USDC and sell "
            "into the pool, or buy from the pool and redeem_to USDC, each bounded by its quote on the "
            "market's pools exactly; the band charges the router's measured route cost"
        ),
        "rounds": state["rounds"],
        "trades": state["trades"],
        "pool_shocks": state["shocks"],
        "skips": state["skips"],
        "episodes_converged": len(episodes),
        "episode_open_at_end": state["episode"],
        "rounds_to_converge": stats(rounds),
        "blocks_to_converge": stats(blocks),
        "rounds_histogram": _histogram(rounds),
        "blocks_histogram": _histogram(blocks),
        "worst_episodes": worst,
        "largest_gap_after_a_trade": state["worst_after"],
        "largest_gap_left_as_unprofitable_after_gas": state.get("worst_left", 0.0),
        "keeper_profit_usd_after_gas_estimate": state["profit_quote"] / 10 ** state["quote_decimals"],
        "invariant": "after each arbitrage round the pool's price is inside the cost band around NAV, or the "
        "keeper said why not (unprofitable after gas, no NAV while a feed is stale)",
    }
