"""The thin layer between the leverage keeper's decisions and a chain: read a `leverage.Snapshot` of
each product (`indexvault.leverage.chain.read`, the pools' quotes both ways, the keeper's role), and
send the decided `rebalance` or `ripcord` with the routes quoted again, exactly (the vault's amounts
for the size, the V3 pools through the QuoterV2), through a sender: `ApeSender` (an Ape account signs;
`ape run keeper leverage` and the bot) or `RpcSender` (a local node's unlocked account signs over
JSON-RPC; the benchmark's restored anvil, which Ape does not carry).

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
from indexvault.market.rpc import Function, RpcError, Tx

Log = Callable[[str], None]
KEEPER_ROLE = keccak(text="KEEPER_ROLE")
HAS_ROLE = Function("hasRole(bytes32,address)", "bool")
V_COMPONENTS = Function("components()", "address[]")
V_FOR_MINT = Function("amounts_for_mint(uint256)", "uint256[]")
V_FOR_REDEEM = Function("amounts_for_redeem(uint256)", "uint256[]")
ROUTES = "(uint8,uint24,address[])[]"
L_REBALANCE = Function(f"rebalance(uint256,uint256,{ROUTES})")
L_RIPCORD = Function(f"ripcord({ROUTES})", "uint256")
REBALANCED = "0x" + keccak(text="Rebalanced(address,bool,uint256,uint256,uint256)").hex()
F_ROUND = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")
F_ROUND_OF = Function("getRoundData(uint80)", "uint80,int256,uint256,uint256,uint80")
F_POKE = Function("poke()", "uint256")
# The most the NavFeed's last recorded round may trail its live one before the round records it (`poke`):
# once the adapter stops answering, the feed carries that round, and LeveragedIndex's unwind is bounded by
# its NAV, so a recorded round days old would anchor the unwind at a NAV days old.
POKE_AFTER = 3_600


def nav_feed_behind(reader, feed: str) -> int:
    """How far (seconds) the NavFeed's live open round is ahead of its last recorded one; 0 when the open
    round is carried (no live answer: nothing to record) or within the same second."""
    ((round_id, _, _, updated_at, answered_in),) = reader.read([(feed, F_ROUND, ())])
    if answered_in != round_id or round_id < 2:
        return 0
    ((_, _, _, recorded_at, _),) = reader.read([(feed, F_ROUND_OF, (round_id - 1,))])
    return max(updated_at - recorded_at, 0)


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


@dataclass(frozen=True)
class Receipt:
    """What a sent trade did: its gas and the Rebalanced event's leverage before and after."""

    gas_used: int
    leverage_before: int
    leverage_after: int


class ApeSender:
    """Sends through Ape, `account` signing; routes quoted through `oneasset_router` (Ape's provider)."""

    def __init__(self, index, account) -> None:
        from ape.exceptions import ApeException

        self.index, self.account, self.keeper = index, account, account.address
        self.errors = (ApeException, QuoteError)

    def routes(self, action: decisions.Action) -> list:
        exact, _ = leverage_quote(self.index, action)
        return exact.route_args()

    def send(self, address: str, action: decisions.Action, routes: list) -> Receipt:
        from ape import project

        contract = project.LeveragedIndex.at(address)
        if action.kind == "ripcord":
            receipt = contract.ripcord(routes, sender=self.account)
        else:
            receipt = contract.rebalance(action.index_amount, action.usdc_limit, routes, sender=self.account)
        event = receipt.decode_logs(contract.Rebalanced)[0]
        return Receipt(receipt.gas_used, event.leverage_before, event.leverage_after)

    def poke(self, feed: str) -> int:
        """NavFeed.poke: records the live round; returns the gas."""
        from ape import project

        return project.NavFeed.at(feed).poke(sender=self.account).gas_used


class RpcSender:
    """Sends over `Rpc`, the node's unlocked `keeper` signing; routes quoted exactly over the same `Rpc`
    (`exact_quote`)."""

    def __init__(self, rpc, market: MarketRecord, vault: str, keeper: str) -> None:
        self.rpc, self.market, self.vault, self.keeper = rpc, market, vault, keeper
        self.errors = (RpcError, QuoteError)

    def routes(self, action: decisions.Action) -> list:
        quoted = exact_quote(self.rpc, self.market, self.vault, action.buy, action.index_amount)
        return [tuple(r) for r in quoted.route_args()]

    def send(self, address: str, action: decisions.Action, routes: list) -> Receipt:
        if action.kind == "ripcord":
            data = L_RIPCORD(routes)
        else:
            data = L_REBALANCE(action.index_amount, action.usdc_limit, routes)
        [receipt] = self.rpc.transact([Tx(self.keeper, address, data, action.kind, gas=6_000_000)])
        event = next(e for e in receipt["logs"] if e["topics"][0] == REBALANCED)
        words = bytes.fromhex(event["data"].removeprefix("0x"))
        before, after = (int.from_bytes(words[i : i + 32], "big") for i in (64, 96))
        return Receipt(int(receipt["gasUsed"], 16), before, after)

    def poke(self, feed: str) -> int:
        """NavFeed.poke: records the live round; returns the gas."""
        [receipt] = self.rpc.transact([Tx(self.keeper, feed, F_POKE(), "poke", gas=3_000_000)])
        return int(receipt["gasUsed"], 16)


def exact_quote(rpc, market: MarketRecord, vault: str, buy: bool, amount: int) -> oneasset.Quote:
    """The router's trade of `amount` index wei for USDC now, exact (the vault's amounts, QuoterV2):
    buy mints the index from USDC, sell redeems it to USDC."""
    fn = V_FOR_MINT if buy else V_FOR_REDEEM
    (components,), (amounts,) = rpc.read([(vault, V_COMPONENTS, ()), (vault, fn, (amount,))])
    feeds = market_pools.feed_prices(rpc, market)
    states = market_pools.read(rpc, market, feeds)
    build = oneasset.quote_mint if buy else oneasset.quote_redeem
    symbol = market.assets[market.quote].token_symbol
    return build(
        market, states, feeds, list(components), list(amounts), symbol, amount, oneasset.v3_quoter(rpc, market)
    )


@dataclass
class Sent:
    decision: decisions.Decision
    ok: bool = False
    error: str | None = None
    gas_used: int | None = None
    leverage_after: int | None = None
    kind: str | None = None  # "rebalance" or "ripcord"


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
    sender: ApeSender | RpcSender | None = None,
    entries: list[dict[str, Any]] | None = None,
) -> Round:
    """One round over the index's products (or `entries`): read, decide, log a line each, and (unless
    `simulate`) send each decided trade through `sender` (default: Ape, `account` signing)."""
    from indexvault.network import market_rpc

    reader = reader or market_rpc()
    result = Round()
    if sender is None and account is not None:
        sender = ApeSender(index, account)
    keeper = None if sender is None else sender.keeper
    prefix = "[simulate] " if simulate else ""
    entries = entries or list(leverage.products_of(index).values())
    if entries and not simulate and hasattr(sender, "poke"):
        _poke_nav_feed(reader, sender, entries[0]["index_nav_feed"], log)
    for entry in entries:
        _, snapshot = read_snapshot(reader, market, index, entry, keeper)
        decision = decisions.decide(snapshot, settings)
        result.decisions.append(decision)
        log(prefix + decision.line())
        action = decision.action
        if simulate or sender is None or action is None:
            continue
        sent = Sent(decision, kind=action.kind)
        result.sent.append(sent)
        try:
            receipt = sender.send(entry["address"], action, sender.routes(action))
        except sender.errors as error:
            sent.error = getattr(error, "message", None) or str(error).splitlines()[0]
            log(f"  {snapshot.name}: failed: {sent.error}; the next round decides again")
            continue
        sent.ok, sent.gas_used, sent.leverage_after = True, receipt.gas_used, receipt.leverage_after
        log(
            f"  {snapshot.name}: {action.kind} sent: leverage {decisions._lev(receipt.leverage_before)} -> "
            f"{decisions._lev(receipt.leverage_after)} (gas {receipt.gas_used:,})"
        )
    return result


def _poke_nav_feed(reader, sender, feed: str, log: Log) -> None:
    """Records the index NavFeed's live round when the last recorded one trails it by more than POKE_AFTER,
    so that a NAV carried once the adapter stops answering is at most about that old (the unwind's anchor)."""
    behind = nav_feed_behind(reader, feed)
    if behind <= POKE_AFTER:
        return
    try:
        gas = sender.poke(feed)
    except sender.errors as error:
        log(f"  NavFeed poke failed: {getattr(error, 'message', None) or str(error).splitlines()[0]}")
        return
    log(f"NavFeed poked: its last recorded round was {behind:,} s behind the live one (gas {gas:,})")


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
