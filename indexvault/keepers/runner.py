"""The thin layer between the rebalance decisions and a chain: read a
`Snapshot`, send the `Action`s.

Reads go through `Rpc` batches (two or three HTTP requests a round, under
any provider), so Ape, a Silverback bot and a test all read the same way;
transactions go through Ape's contract objects, signed by the keeper's
account. A round first syncs any component the vault holds less of than
it owes (`IndexVault.sync`, permissionless: a token that changed after
listing), so no bid is priced on units the vault cannot back. Every round
reads the chain again, so a crash, a failed
transaction or another keeper's bid is simply seen at the next round:
nothing is remembered between rounds. A failed fill is logged and left;
the next round decides afresh. `simulate` signs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ape import project
from ape.exceptions import ApeException

from indexvault.constants import UNIT_SCALE, WAD
from indexvault.index import DeployedIndex
from indexvault.keepers import rebalance as decisions
from indexvault.market import pools as market_pools
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function, Rpc, RpcError
from indexvault.network import market_rpc
from indexvault.solvency import SolvencyRow, shortfalls, solvency_rows
from indexvault.units import format_amount

PIPS = 1_000_000
WETH_SYMBOL = "ETH"  # the market's asset whose token is Router02's WETH
Log = Callable[[str], None]
Record = Mapping[str, Any]  # a DeployedIndex, or a plain record

R_AUCTION_START = Function("auction_start()", "uint256")
R_DURATION = Function("auction_duration()", "uint256")
R_START_FACTOR = Function("start_factor()", "uint256")
R_END_FACTOR = Function("end_factor()", "uint256")
R_BAND = Function("band()", "uint256")
R_QUOTE = Function("quote()", "address")
R_TARGETS = Function("targets()", "address[],uint256[]")
R_REMAINING = Function("remaining(address)", "bool,uint256")
V_TRADE_BASIS = Function("trade_basis(address)", "uint256,uint256,uint256")
O_FEED = Function("feed(address)", "(address,uint256,address,uint256,uint256,uint256)")
FEED_LATEST = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")
FEED_DECIMALS = Function("decimals()", "uint8")


def _price(answer: int, feed_decimals: int) -> int:
    """A feed answer as USD 1e18 per whole token, as the oracle adapter scales it."""
    if answer <= 0:
        return 0
    return answer * 10 ** (18 - feed_decimals) if feed_decimals <= 18 else answer // 10 ** (feed_decimals - 18)


def routes(states: list[market_pools.PoolState], quote_symbol: str) -> dict[str, tuple[decisions.Route, ...]]:
    """Each asset's pools against the quote, as the decisions see them, and
    each asset's V2 pair with WETH followed by WETH's V2 pair with the quote
    (one two-hop route, "v2weth")."""
    out: dict[str, list[decisions.Route]] = {}
    weth_quote = next(
        (s for s in states if s.asset.symbol == WETH_SYMBOL and s.pair.symbol == quote_symbol and s.pool.dex == "v2"),
        None,
    )
    for state in states:
        if (
            weth_quote is not None
            and state.pair.symbol == WETH_SYMBOL
            and state.pool.dex == "v2"
            and state.asset.symbol != quote_symbol
        ):
            r0, r1 = state.reserves
            w0, w1 = weth_quote.reserves
            out.setdefault(state.asset.symbol, []).append(
                decisions.Route(
                    "v2weth",
                    state.pool.address,
                    PIPS - (PIPS - state.pool.fee) * (PIPS - weth_quote.pool.fee) // PIPS,
                    state.asset_is_token0,
                    reserves=(r0, r1) if state.asset_is_token0 else (r1, r0),
                    hop=(w0, w1) if weth_quote.asset_is_token0 else (w1, w0),
                )
            )
            continue
        if state.pair.symbol != quote_symbol:
            continue
        if state.pool.dex == "v2":
            r0, r1 = state.reserves
            reserves = (r0, r1) if state.asset_is_token0 else (r1, r0)
            route = decisions.Route("v2", state.pool.address, state.pool.fee, state.asset_is_token0, reserves=reserves)
        else:
            route = decisions.Route(
                "v3",
                state.pool.address,
                state.pool.fee,
                state.asset_is_token0,
                sqrt_x96=state.sqrt_x96,
                liquidity=state.liquidity,
            )
        out.setdefault(state.asset.symbol, []).append(route)
    return {symbol: tuple(r) for symbol, r in out.items()}


def read_snapshot(rpc: Rpc, market: MarketRecord, deployment: Record) -> decisions.Snapshot:
    """Everything `decide` needs, from the chain behind `rpc`: the Rebalancer,
    the vault's units, the feeds the oracle adapter uses, every pool."""
    rebalancer, vault, oracle = deployment["rebalancer"], deployment["vault"], deployment["oracle"]
    (start,), (duration,), (f0,), (f1,), (band,), (quote,), (tokens, targets) = rpc.read(
        [
            (rebalancer, R_AUCTION_START, ()),
            (rebalancer, R_DURATION, ()),
            (rebalancer, R_START_FACTOR, ()),
            (rebalancer, R_END_FACTOR, ()),
            (rebalancer, R_BAND, ()),
            (rebalancer, R_QUOTE, ()),
            (rebalancer, R_TARGETS, ()),
        ]
    )
    block = rpc.block()
    by_token = {a.token.lower(): a for a in market.assets.values()}
    everything = [quote, *tokens]
    calls = [(oracle, O_FEED, (t,)) for t in everything] + [(vault, V_TRADE_BASIS, (t,)) for t in everything]
    calls += [(rebalancer, R_REMAINING, (t,)) for t in tokens] if start else []
    results = rpc.read(calls)
    n = len(everything)
    configs, bases = results[:n], results[n : 2 * n]
    remaining = results[2 * n :] if start else [(False, 0)] * len(tokens)
    feeds = [config[0][0] for config in configs]
    rounds = rpc.read([(f, FEED_LATEST, ()) for f in feeds] + [(f, FEED_DECIMALS, ()) for f in feeds])
    latest, feed_decimals = rounds[:n], [d[0] for d in rounds[n:]]
    prices = [_price(r[1], d) for r, d in zip(latest, feed_decimals)]
    states = market_pools.read(rpc, market)
    quote_asset = by_token[quote.lower()]
    pool_routes = routes(states, quote_asset.symbol)
    eth = market.assets.get("ETH")
    eth_usd = next((s.feed_usd for s in states if eth and s.asset.symbol == "ETH"), Decimal(0))

    components = []
    for i, token in enumerate(tokens, start=1):
        asset = by_token.get(token.lower())
        symbol = asset.symbol if asset else token
        unit, _, _ = bases[i]
        sell, left = remaining[i - 1]
        components.append(
            decisions.Component(
                symbol=symbol,
                token=token,
                decimals=configs[i][0][5],
                target=targets[i - 1],
                unit=unit,
                sell=sell,
                remaining=left,
                price=prices[i],
                updated_at=latest[i][3],
                heartbeat=configs[i][0][1],
                routes=pool_routes.get(symbol, ()),
            )
        )
    q_unit, supply, multiplier = bases[0]
    return decisions.Snapshot(
        timestamp=int(block["timestamp"], 16),
        auction_start=start,
        auction_duration=duration,
        start_factor=f0,
        end_factor=f1,
        band=band,
        quote_symbol=quote_asset.symbol,
        quote=quote,
        quote_decimals=quote_asset.decimals,
        quote_price=prices[0],
        quote_updated_at=latest[0][3],
        quote_heartbeat=configs[0][0][1],
        quote_available=q_unit * supply * multiplier // UNIT_SCALE,
        scale=supply * multiplier,
        components=tuple(components),
        gas_price=int(rpc.call("eth_gasPrice"), 16),
        eth_usd=eth_usd,
    )


@dataclass
class Fill:
    """A fill sent: what was decided, and what the chain did."""

    action: decisions.Action
    ok: bool
    error: str | None = None
    quote_amount: int = 0  # from the Rebalancer's Bid event
    amount: int = 0
    profit: int = 0
    gas_used: int = 0


@dataclass
class Round:
    snapshot: decisions.Snapshot
    decision: decisions.Decision
    fills: list[Fill] = field(default_factory=list)
    remaining_after: dict[str, int] | None = None  # the Rebalancer's `remaining` read again after the fills

    @property
    def left(self) -> int:
        """Targets not met after this round's fills (as the Rebalancer counts them, whole unit steps
        included, when they were read again; else as the snapshot and the fills say), dust aside."""
        components = self.snapshot.components
        if self.remaining_after is not None:
            left = [(c, self.remaining_after.get(c.token, 0)) for c in components]
        else:
            filled: dict[str, int] = {}
            for f in self.fills:
                if f.ok:
                    filled[f.action.token] = filled.get(f.action.token, 0) + f.amount
            left = [(c, max(c.remaining - filled.get(c.token, 0), 0)) for c in components]
        return sum(amount > 0 and not decisions.is_dust(c, amount) for c, amount in left)

    @property
    def finished(self) -> str | None:
        """Why no later round can bid: every target met, the auction expired or none is proposed."""
        if self.snapshot.auction_start == 0:
            return "no rebalance proposed"
        if self.snapshot.timestamp > self.snapshot.auction_start + self.snapshot.auction_duration:
            return "the rebalance expired"
        if self.left == 0:
            return "every target met"
        return None


def _amount(snapshot: decisions.Snapshot, token: str, amount: int) -> str:
    component = next((c for c in snapshot.components if c.token == token), None)
    if component is None:
        return f"{amount} base units"
    return f"{format_amount(amount, component.decimals)} {component.symbol}"


def fill_line(snapshot: decisions.Snapshot, fill: Fill) -> str:
    """A fill as a person reads it: whole tokens, the quote in whole units and USD, the gas."""
    s, quote = snapshot, format_amount(fill.quote_amount, snapshot.quote_decimals)
    usd = Decimal(fill.profit) * s.quote_price / WAD / 10**s.quote_decimals
    return (
        f"{'sold' if fill.action.sell else 'bought'} {_amount(s, fill.action.token, fill.amount)} "
        f"for {quote} {s.quote_symbol}, keeper profit {usd:,.2f} USD, gas {fill.gas_used:,}"
    )


def summary(result: Round) -> str:
    """One line for a round: what was filled (whole tokens, USD), or why nothing was."""
    s = result.snapshot
    total = len(s.components)
    if s.auction_start and s.timestamp >= s.auction_start:
        factor = f"factor {s.factor / WAD:.4f}, "
    else:
        factor = ""
    done = [f for f in result.fills if f.ok]
    failed = len(result.fills) - len(done)
    if done:
        profit = sum(Decimal(f.profit) for f in done) * s.quote_price / WAD / 10**s.quote_decimals
        trades = ", ".join(
            f"{'sold' if f.action.sell else 'bought'} {_amount(s, f.action.token, f.amount)}" for f in done
        )
        text = f"{factor}{len(done)} bid(s): {trades}; keeper profit {profit:,.2f} USD"
    elif result.decision.actions and not result.fills:
        text = f"{factor}{len(result.decision.actions)} bid(s) would pay (simulated)"
    else:
        first = result.decision.skipped[0] if result.decision.skipped else None
        if first is not None and first.symbol == "*":
            return first.reason
        text = f"{factor}no bid pays yet"
    if failed:
        text += f"; {failed} failed (the next round decides again)"
    if result.left == 0:
        return f"{text}; every target met" if done else "every target met"
    return f"{text}; {result.left} of {total} targets left"


def run_round(
    rpc: Rpc,
    market: MarketRecord,
    deployment: Record,
    account,
    settings: decisions.Settings,
    simulate: bool = False,
    log: Log = print,
    verbose: bool = True,
) -> Round:
    """One round: read, decide, and (unless `simulate`) fill every bid decided,
    logging each decision and each outcome (`verbose`; else only what failed:
    `summary` says the rest in one line). A fill that fails is logged and
    not retried: the next round reads the chain and decides again."""
    short = read_shortfalls(rpc, deployment)
    known = {c["token"].lower(): c for c in deployment["components"]}
    for row in short:  # a component that changed after listing: share the loss before pricing anything
        c = known.get(row.token.lower(), {"symbol": row.token, "decimals": 0})
        log(
            f"{'[simulate] ' if simulate else ''}sync {c['symbol']}: the vault holds "
            f"{format_amount(row.held, c['decimals'])} {c['symbol']}, owes {format_amount(row.owed, c['decimals'])} "
            f"({row.shortfall_bps} bps short)"
        )
    if short and not simulate:
        vault = project.IndexVault.at(deployment["vault"])
        for row in short:
            vault.sync(row.token, sender=account)
    snapshot = read_snapshot(rpc, market, deployment)
    decision = decisions.decide(snapshot, settings)
    result = Round(snapshot, decision)
    if verbose or simulate:
        for line in decision.lines():
            log(("[simulate] " if simulate else "") + line)
    if simulate or not decision.actions:
        return result
    bidder = project.RebalanceBidder.at(deployment["bidder"])
    rebalancer = project.Rebalancer.at(deployment["rebalancer"])
    for action in decision.actions:
        try:
            receipt = bidder.fill(
                action.token,
                action.amount,
                action.quote_limit,
                action.sell,
                action.dex_id,
                action.fee,
                action.min_profit,
                sender=account,
            )
        except (ApeException, RpcError) as error:
            message = getattr(error, "message", None) or str(error).splitlines()[0]
            log(f"fill {action.symbol} failed: {message}; the next round decides again")
            result.fills.append(Fill(action, False, message))
            continue
        bid = next(iter(receipt.decode_logs(rebalancer.Bid)), None)
        filled = next(iter(receipt.decode_logs(bidder.Filled)), None)
        fill = Fill(
            action,
            True,
            quote_amount=bid.quote_amount if bid else 0,
            amount=bid.amount if bid else 0,
            profit=filled.profit if filled else 0,
            gas_used=receipt.gas_used,
        )
        if verbose:
            log(fill_line(result.snapshot, fill))
        result.fills.append(fill)
    if any(f.ok for f in result.fills):
        tokens = [c.token for c in snapshot.components]
        after = rpc.read([(deployment["rebalancer"], R_REMAINING, (t,)) for t in tokens])
        result.remaining_after = {t: left for t, (_, left) in zip(tokens, after)}
    return result


O_NAV_PER_SHARE = Function("nav_per_share()", "uint256")
V_COMPONENTS = Function("components()", "address[]")
L_SOLVENCY = Function("solvency(address)", "uint256[],uint256[]")
V_BACKING = Function("backing()", "uint256[]")


def read_shortfalls(rpc: Rpc, deployment: Record) -> list[SolvencyRow]:
    """The components the vault holds less of than it owes (`IndexLens.solvency`) whose unit a
    `sync` would lower, worst first: one whose shares are owed nothing (unit 0, or no supply) and
    whose claims outgrow the balance has nothing to write down, so no sync is sent for it."""
    vault = deployment["vault"]
    (tokens,), (held, owed), (backing,) = rpc.read(
        [(vault, V_COMPONENTS, ()), (deployment["lens"], L_SOLVENCY, (vault,)), (vault, V_BACKING, ())]
    )
    return [row for row in shortfalls(solvency_rows(tokens, held, owed)) if backing[row.index] > 0]


def read_proposal(
    rpc: Rpc,
    market: MarketRecord,
    deployment: Record,
    date: str,
    top: int = 10,
    cap: Decimal = Decimal("0.25"),
    duration: int = 86_400,
    **curve: int,
) -> decisions.Proposal:
    """The proposal of `date`'s targets for the index, priced now: every
    market asset's feed and the oracle adapter's NAV per share."""
    assets = list(market.assets.values())
    prices = market_pools.feed_prices(rpc, market)
    (nav_per_share,) = rpc.read([(deployment["oracle"], O_NAV_PER_SHARE, ())])[0]
    held = []
    for component in deployment["components"]:
        asset = market.by_token_symbol(component["symbol"])
        held.append(asset.symbol if asset else component["symbol"])
    return decisions.propose(
        date,
        {a.symbol: a.token for a in assets},
        {a.symbol: a.decimals for a in assets},
        prices,
        Decimal(nav_per_share) / Decimal(10**18),
        held,
        market.quote,
        top=top,
        cap=cap,
        duration=duration,
        **curve,
    )


@dataclass
class NetworkKeeper:
    """The rebalance keeper bound to one index on the connected network, resolved once (a bot keeps
    one in its state): the index, its market, the signer (None: simulate) and its settings."""

    index: DeployedIndex
    market: MarketRecord
    signer: Any = None
    settings: decisions.Settings = field(default_factory=decisions.Settings)
    log: Log = print

    @classmethod
    def connect(
        cls,
        signer=None,
        index: DeployedIndex | None = None,
        settings: decisions.Settings | None = None,
        log: Log = print,
    ) -> NetworkKeeper:
        """`index` (by default the network's latest) and the market it trades on."""
        index = index or DeployedIndex.load()
        return cls(index, index.trading_market(check=False), signer, settings or decisions.Settings(), log)

    def round(self) -> Round:
        """One round at the chain's state now; simulates, signing nothing, without a signer."""
        simulate = self.signer is None
        return run_round(market_rpc(), self.market, self.index, self.signer, self.settings, simulate, self.log)


def round_on_network(
    signer=None,
    index: DeployedIndex | None = None,
    settings: decisions.Settings | None = None,
    log: Callable[[str], None] = print,
) -> Round:
    """One round against `index` (by default the connected network's latest) and its market, as
    `ape run keeper rebalance` runs it; simulates, signing nothing, without a signer."""
    return NetworkKeeper.connect(signer, index, settings, log).round()
