"""The thin layer between the leverage keeper's decisions and a chain: read a `leverage.Snapshot` of
each product (`indexvault.leverage.chain.read`, the pools' quotes both ways, the keeper's role), and
send the decided `rebalance` or `ripcord` through Ape with the routes quoted again, exactly (the
vault's amounts for the size, the V3 pools through the QuoterV2).

Nothing is remembered between rounds: each reads the chain again, so a crash, a failed transaction, or
a step another keeper (or a ripcord puller) made is simply seen at the next round, which decides
afresh from the position as it is. `simulate` signs nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_utils import keccak

from indexvault import oneasset
from indexvault.errors import QuoteError
from indexvault.keepers import leverage as decisions
from indexvault.leverage import chain as leverage
from indexvault.market import pools as market_pools
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function

Log = Callable[[str], None]
KEEPER_ROLE = keccak(text="KEEPER_ROLE")
HAS_ROLE = Function("hasRole(bytes32,address)", "bool")
V_COMPONENTS = Function("components()", "address[]")
V_FOR_MINT = Function("amounts_for_mint(uint256)", "uint256[]")
V_FOR_REDEEM = Function("amounts_for_redeem(uint256)", "uint256[]")


def read_snapshot(reader, market: MarketRecord, index, entry: dict[str, Any], keeper: str | None):
    """The product and the pools' quotes for buying and selling the index now (both in USDC)."""
    state = leverage.read(reader, entry, index.symbol)
    vault = index["vault"]
    reference = max(state.book.collateral if not state.inverse else state.book.debt, 10**18)
    calls = [(vault, V_COMPONENTS, ()), (vault, V_FOR_MINT, (reference,)), (vault, V_FOR_REDEEM, (reference,))]
    if keeper:
        calls.append((entry["address"], HAS_ROLE, (KEEPER_ROLE, keeper)))
    (components,), (for_mint,), (for_redeem,), *role = reader.read(calls)
    feeds = market_pools.feed_prices(reader, market)
    states = market_pools.read(reader, market, feeds)
    symbol = market.assets[market.quote].token_symbol
    quotes = {
        side: oneasset.sized(side, market, states, feeds, list(components), reference, list(amounts), symbol)
        for side, amounts in (("mint", for_mint), ("redeem", for_redeem))
    }
    snapshot = decisions.Snapshot(
        name=f"{state.symbol} ({state.key})",
        book=state.book,
        bounds=state.bounds,
        buy=quotes["mint"],
        sell=quotes["redeem"],
        stale=state.stale,
        unwound=state.unwound,
        nav_age=max(state.timestamp - state.nav_updated_at, 0),
        has_role=bool(role[0][0]) if role else True,
    )
    return state, snapshot


@dataclass
class Sent:
    decision: decisions.Decision
    ok: bool = False
    error: str | None = None
    gas_used: int | None = None
    leverage_after: int | None = None


@dataclass
class Round:
    decisions: list[decisions.Decision] = field(default_factory=list)
    sent: list[Sent] = field(default_factory=list)

    @property
    def acted(self) -> int:
        return sum(s.ok for s in self.sent)


def run_round(
    index,
    market: MarketRecord,
    account,
    settings: decisions.Settings,
    simulate: bool,
    log: Log = print,
    reader=None,
) -> Round:
    """One round over every product of the index: read, decide, log a line each, and (unless `simulate`)
    send each decided trade."""
    from ape import project
    from ape.exceptions import ApeException

    from indexvault.network import market_rpc

    reader = reader or market_rpc()
    result = Round()
    keeper = None if account is None else account.address
    prefix = "[simulate] " if simulate else ""
    for entry in leverage.products_of(index).values():
        _, snapshot = read_snapshot(reader, market, index, entry, keeper)
        decision = decisions.decide(snapshot, settings)
        result.decisions.append(decision)
        log(prefix + decision.line())
        action = decision.action
        if simulate or action is None:
            continue
        sent = Sent(decision)
        result.sent.append(sent)
        contract = project.LeveragedIndex.at(entry["address"])
        try:
            exact, _ = leverage_quote(index, action)
            if action.kind == "ripcord":
                receipt = contract.ripcord(exact.route_args(), sender=account)
            else:
                receipt = contract.rebalance(action.index_amount, action.usdc_limit, exact.route_args(), sender=account)
        except (ApeException, QuoteError) as error:
            sent.error = getattr(error, "message", None) or str(error).splitlines()[0]
            log(f"  {snapshot.name}: failed: {sent.error}; the next round decides again")
            continue
        event = receipt.decode_logs(contract.Rebalanced)[0]
        sent.ok, sent.gas_used, sent.leverage_after = True, receipt.gas_used, event.leverage_after
        log(
            f"  {snapshot.name}: {action.kind} sent: leverage {decisions._lev(event.leverage_before)} -> "
            f"{decisions._lev(event.leverage_after)} (gas {receipt.gas_used:,})"
        )
    return result


def leverage_quote(index, action: decisions.Action):
    """The router's exact quote (QuoterV2) for the action's trade: its routes are what the call sends."""
    from indexvault import oneasset_router

    return oneasset_router.quote(
        index, "mint" if action.buy else "redeem", "USDC", Decimal(action.index_amount) / 10**18
    )


def summary(result: Round) -> str:
    decided = sum(d.action is not None for d in result.decisions)
    return f"{len(result.decisions)} products, {decided} trades decided, {result.acted} sent"


def round_on_network(
    signer=None,
    symbol: str | None = None,
    settings: decisions.Settings | None = None,
    log: Log = print,
) -> Round:
    """One round against the connected network's latest index (or `symbol`), as the bot and `ape run
    keeper leverage` run it; simulates, signing nothing, without a signer."""
    from indexvault.index import DeployedIndex

    index = DeployedIndex.load(symbol)
    return run_round(
        index, index.trading_market(check=False), signer, settings or decisions.Settings(), signer is None, log
    )
