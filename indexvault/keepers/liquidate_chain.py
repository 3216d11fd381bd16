"""The thin layer between the liquidation decisions and a chain: find the
borrowers, read a `liquidate.Snapshot`, send the `Action`s through
`contracts/periphery/MorphoLiquidator.vy`.

Reads go through `Rpc` batches (or titanoboa's `BoaReader`, which reads
the same calls), so Ape, a Silverback bot, a benchmark and a test read the
same way; transactions go through contract objects (Ape's or titanoboa's:
both take `sender=`). The borrowers are every `onBehalf` of Morpho's
`Borrow` events for the market's id (`eth_getLogs`): a position is never
written anywhere else. Every round reads the chain again, so a crash, a
failed transaction or another keeper's liquidation is simply seen at the
next round: nothing is remembered between rounds (a position already
liquidated reads as healthy or debt-free). Before each send the routes are
quoted again, exactly (the vault's `amounts_for_redeem` of the size, the
V3 pools through the QuoterV2), on the pools as the earlier liquidations of
the round left them; the contract reverts below the floor the decision set,
so a stale decision costs only gas. `simulate` signs nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from eth_abi import encode
from eth_utils import keccak

from indexvault import oneasset
from indexvault.errors import QuoteError
from indexvault.keepers import liquidate as decisions
from indexvault.lending import model
from indexvault.market import pools as market_pools
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function, RpcError
from indexvault.units import format_amount

Log = Callable[[str], None]
ZERO = "0x" + "00" * 20

M_MARKET = Function("market(bytes32)", "uint128,uint128,uint128,uint128,uint128,uint128")
M_POSITION = Function("position(bytes32,address)", "uint256,uint128,uint128")
M_PARAMS = Function("idToMarketParams(bytes32)", "address,address,address,address,uint256")
O_PRICE = Function("price()", "uint256")
V_COMPONENTS = Function("components()", "address[]")
V_AMOUNTS_FOR_REDEEM = Function("amounts_for_redeem(uint256)", "uint256[]")
V_SYMBOL = Function("symbol()", "string")
L_LIQUIDATE = Function(
    "liquidate((address,address,address,address,uint256),address,uint256,uint256,(uint8,uint24,address[])[],uint256)",
    "uint256",
)
DEFAULT_SETTINGS = decisions.Settings()
LIQUIDATED_TOPIC = "0x" + keccak(text="Liquidated(address,address,address,uint256,uint256,uint256)").hex()
# Morpho's Liquidate(id, caller, borrower, repaidAssets, repaidShares, seizedAssets, badDebtAssets, badDebtShares)
MORPHO_LIQUIDATE_TOPIC = (
    "0x" + keccak(text="Liquidate(bytes32,address,address,uint256,uint256,uint256,uint256,uint256)").hex()
)
BORROW_TOPIC = "0x" + keccak(text="Borrow(bytes32,address,address,address,uint256,uint256)").hex()


@dataclass(frozen=True)
class LendingMarket:
    """A Morpho Blue market: where Morpho is and the market's parameters."""

    morpho: str
    loan: str
    collateral: str  # the index vault (its token)
    oracle: str
    irm: str
    lltv: int

    @property
    def params(self) -> tuple:
        return (self.loan, self.collateral, self.oracle, self.irm, self.lltv)

    @property
    def id(self) -> bytes:
        return keccak(encode(["address", "address", "address", "address", "uint256"], list(self.params)))


def lending_market(reader, morpho: str, market_id: bytes) -> LendingMarket:
    """The market of `market_id` as Morpho records it."""
    ((loan, collateral, oracle, irm, lltv),) = reader.read([(morpho, M_PARAMS, (market_id,))])
    if int(collateral, 16) == 0:
        raise QuoteError(f"Morpho {morpho} has no market 0x{market_id.hex()}")
    return LendingMarket(morpho, loan, collateral, oracle, irm, lltv)


def find_borrowers(rpc, lending: LendingMarket, from_block: int = 0) -> list[str]:
    """Everyone who has borrowed in the market (Morpho's `Borrow` events, `onBehalf`), first borrow first."""
    logs = rpc.call(
        "eth_getLogs",
        {
            "address": lending.morpho,
            "fromBlock": hex(from_block),
            "toBlock": "latest",
            "topics": [BORROW_TOPIC, "0x" + lending.id.hex()],
        },
    )
    out: list[str] = []
    for entry in logs:
        who = "0x" + entry["topics"][2][-40:]
        if who not in out:
            out.append(who)
    return out


@dataclass
class Quoting:
    """What a snapshot's redeem quote is built from, kept to quote again before a send."""

    components: list[str]
    reference: int  # index wei whose `amounts_for_redeem` was read
    amounts: list[int]
    token_symbol: str  # the loan token's symbol on chain (USDC)
    states: list = field(default_factory=list)
    feeds: dict = field(default_factory=dict)


def _redeem_quote(market: MarketRecord, q: Quoting) -> decisions.RedeemQuote:
    """Loan base units the router pays for `n` index wei now (`oneasset.sized`: the reference's redeem
    amounts scaled to `n` and the pools' in-range math, no QuoterV2)."""
    return oneasset.sized("redeem", market, q.states, q.feeds, q.components, q.reference, q.amounts, q.token_symbol)


def read_snapshot(
    reader, market: MarketRecord, lending: LendingMarket, borrowers: Sequence[str], gas_price: int = 0
) -> decisions.Snapshot:
    """Morpho's totals, every borrower's position, the oracle's price (None when it reverts: a stale
    NAV) and the redeem quote over the pools as they are now."""
    mid = lending.id
    calls = [
        (lending.morpho, M_MARKET, (mid,)),
        (lending.collateral, V_COMPONENTS, ()),
        (lending.collateral, V_SYMBOL, ()),
    ]
    calls += [(lending.morpho, M_POSITION, (mid, b)) for b in borrowers]
    totals, (components,), (symbol,), *positions = reader.read(calls)
    try:
        ((price,),) = reader.read([(lending.oracle, O_PRICE, ())])
    except RpcError:
        price = None
    state = model.Market(lending.lltv, *totals[:4])
    held = [model.Position(*p) for p in positions]
    reference = max(sum(p.collateral for p in held), 10**18)
    ((amounts,),) = reader.read([(lending.collateral, V_AMOUNTS_FOR_REDEEM, (reference,))])
    feeds = market_pools.feed_prices(reader, market)
    loan = _asset(market, lending.loan)
    quoting = Quoting(
        list(components), reference, list(amounts), loan.token_symbol, market_pools.read(reader, market, feeds), feeds
    )
    return decisions.Snapshot(
        market=state,
        price=price,
        borrowers=tuple(decisions.Borrower(b, p) for b, p in zip(borrowers, held)),
        redeem=_redeem_quote(market, quoting),
        collateral_symbol=symbol,
        collateral_decimals=18,
        loan_symbol=loan.token_symbol,
        loan_decimals=loan.decimals,
        loan_usd=feeds.get(loan.symbol, Decimal(1)),
        gas_price=gas_price,
        eth_usd=feeds.get("ETH", Decimal(0)),
        components=len(components),
    )


def _asset(market: MarketRecord, token: str):
    for asset in market.assets.values():
        if asset.token.lower() == token.lower():
            return asset
    raise QuoteError(f"the loan token {token} is not an asset of the {market.date} market")


def routes_for(reader, market: MarketRecord, lending: LendingMarket, shares: int) -> oneasset.Quote:
    """The router's redeem of `shares` to the loan token now, exact (the vault's amounts, QuoterV2)."""
    ((components,), (amounts,)) = reader.read(
        [(lending.collateral, V_COMPONENTS, ()), (lending.collateral, V_AMOUNTS_FOR_REDEEM, (shares,))]
    )
    feeds = market_pools.feed_prices(reader, market)
    states = market_pools.read(reader, market, feeds)
    symbol = _asset(market, lending.loan).token_symbol
    v3 = oneasset.v3_quoter(reader, market)
    return oneasset.quote_redeem(market, states, feeds, list(components), list(amounts), symbol, shares, v3)


@dataclass
class Contracts:
    """What a round sends through: the MorphoLiquidator (an Ape or titanoboa contract) and the keeper."""

    liquidator: Any
    keeper: Any  # an Ape account or an address
    errors: tuple = ()  # the exceptions a failed transaction raises


@dataclass(frozen=True)
class Liquidation:
    """What one liquidation did, from its receipt's logs."""

    borrower: str
    seized: int
    repaid_assets: int
    bad_debt_assets: int
    profit: int


@dataclass
class RpcReceipt:
    """A MorphoLiquidator transaction sent through `Rpc`: its gas and what Morpho and the liquidator logged."""

    gas_used: int
    liquidation: Liquidation

    @property
    def events(self) -> list:  # as `run_round` reads an Ape receipt's
        return [_Event("Liquidated", self.liquidation.profit)]


@dataclass(frozen=True)
class _Event:
    event_name: str
    profit: int


class RpcLiquidator:
    """A MorphoLiquidator behind `Rpc` (a local node's unlocked accounts sign), for the market tooling
    and the benchmarks: `liquidate(..., sender=)` as Ape's and titanoboa's contracts take it."""

    def __init__(self, rpc, address: str) -> None:
        self.rpc, self.address = rpc, address

    def liquidate(self, params, borrower, seized, repaid_shares, routes, min_profit, sender) -> RpcReceipt:
        from indexvault.market.rpc import Tx

        data = L_LIQUIDATE(tuple(params), borrower, seized, repaid_shares, [tuple(r) for r in routes], min_profit)
        [receipt] = self.rpc.transact([Tx(sender, self.address, data, f"liquidate {borrower}", gas=5_000_000)])
        return RpcReceipt(int(receipt["gasUsed"], 16), liquidation_from_logs(receipt["logs"]))


def liquidation_from_logs(logs: list[dict[str, Any]]) -> Liquidation:
    """Morpho's Liquidate and the liquidator's Liquidated logs of one receipt, read."""
    morpho = next(e for e in logs if e["topics"][0] == MORPHO_LIQUIDATE_TOPIC)
    mine = next(e for e in logs if e["topics"][0] == LIQUIDATED_TOPIC)
    words = bytes.fromhex(morpho["data"].removeprefix("0x"))
    repaid, _, seized, bad, _ = (int.from_bytes(words[i : i + 32], "big") for i in range(0, 160, 32))
    profit = int.from_bytes(bytes.fromhex(mine["data"].removeprefix("0x"))[64:96], "big")
    return Liquidation("0x" + morpho["topics"][3][-40:], seized, repaid, bad, profit)


@dataclass
class Sent:
    action: decisions.Action
    ok: bool = False
    error: str | None = None
    profit: int | None = None  # loan base units, from the return value (titanoboa) or the event (Ape)
    gas_used: int | None = None  # from the receipt (Ape, Rpc)
    receipt: Any = None  # what the send returned


@dataclass
class Round:
    snapshot: decisions.Snapshot
    decision: decisions.Decision
    sent: list[Sent] = field(default_factory=list)

    @property
    def liquidated(self) -> int:
        return sum(s.ok for s in self.sent)


def run_round(
    reader,
    market: MarketRecord,
    lending: LendingMarket,
    borrowers: Sequence[str],
    contracts: Contracts | None,
    settings: decisions.Settings = DEFAULT_SETTINGS,
    gas_price: int = 0,
    simulate: bool = False,
    log: Log = print,
) -> Round:
    """One round: read, decide, log a line per borrower, and (unless `simulate`) send each liquidation."""
    snapshot = read_snapshot(reader, market, lending, borrowers, gas_price)
    decision = decisions.decide(snapshot, settings)
    result = Round(snapshot, decision)
    prefix = "[simulate] " if simulate or contracts is None else ""
    for line in decision.lines():
        log(prefix + line)
    if simulate or contracts is None:
        return result
    for action in decision.actions:
        sent = Sent(action)
        result.sent.append(sent)
        try:
            quoted = routes_for(reader, market, lending, action.seized)
            tx = contracts.liquidator.liquidate(
                lending.params,
                action.borrower,
                0 if action.repaid_shares else action.seized,
                action.repaid_shares,
                quoted.route_args(),
                action.min_profit,
                sender=contracts.keeper,
            )
        except (*contracts.errors, QuoteError) as error:
            sent.error = getattr(error, "message", None) or str(error).splitlines()[0]
            log(f"  {action.borrower}: failed: {sent.error}; the next round decides again")
            continue
        sent.ok, sent.receipt = True, tx
        if isinstance(tx, int):  # titanoboa returns the profit
            sent.profit = tx
        else:
            sent.gas_used = getattr(tx, "gas_used", None)
            events = getattr(tx, "events", None) or []
            sent.profit = next((e.profit for e in events if getattr(e, "event_name", "") == "Liquidated"), None)
        gas = f", gas {sent.gas_used:,}" if sent.gas_used else ""
        profit = "" if sent.profit is None else f": profit {format_amount(sent.profit, snapshot.loan_decimals)}"
        log(f"  {action.borrower}: liquidated{profit} {snapshot.loan_symbol}{gas}")
    return result


def summary(result: Round) -> str:
    under = len(result.decision.actions) + sum("under water" in s.reason for s in result.decision.skipped)
    return (
        f"{len(result.snapshot.borrowers)} borrowers, {under} under water, "
        f"{len(result.decision.actions)} liquidations decided, {result.liquidated} sent"
    )


# --- Ape: the contract, a round on the connected network ---------------------


def record_market(reader, record: dict[str, Any], market: MarketRecord) -> LendingMarket:
    """The index's Morpho market from its deployment record (`lending`, as `ape run lend open` writes
    it: Morpho and the market id, whose parameters Morpho returns; or the parameters themselves)."""
    from indexvault.deployments import DeploymentError

    entry = record.get("lending")
    if not entry:
        raise DeploymentError(f"index {record['symbol']} has no Morpho market recorded: `ape run lend open` first")
    morpho = entry.get("morpho") or (market.lending.morpho if market.lending else None)
    if "market_id" in entry:
        return lending_market(reader, morpho, bytes.fromhex(entry["market_id"].removeprefix("0x")))
    return LendingMarket(
        morpho,
        entry["loan_token"],
        record["vault"],
        entry["oracle"],
        entry.get("irm", "0x" + "00" * 20),
        int(entry["lltv"]),
    )


def ensure_liquidator(record: dict[str, Any], account, market: MarketRecord, lending: LendingMarket, log: Log = print):
    """The network's MorphoLiquidator (recorded as `liquidator`), deployed once on Morpho and the index's
    IndexRouter (anyone may use it: it holds nothing and has no owner). Returns (contract, record)."""
    from ape import chain as ape_chain
    from ape import project

    from indexvault import chain, deployments, oneasset_router

    address = record.get("liquidator")
    if address and ape_chain.provider.get_code(address):
        return project.MorphoLiquidator.at(address), record
    router, index = oneasset_router.router(record, account, market, log)
    record = index.record
    contract = project.MorphoLiquidator.deploy(lending.morpho, router.address, sender=account)
    log(f"  liquidator {contract.address} (deployed once for this network, on Morpho and the IndexRouter)")
    record = deployments.update_index(chain.record_file(), record["symbol"], {"liquidator": contract.address})
    return contract, record


def round_on_network(
    signer=None, symbol: str | None = None, settings: decisions.Settings | None = None, log: Log = print
) -> Round:
    """One round against the connected network's latest index (or `symbol`) and its Morpho market, as
    the bot and `ape run keeper liquidate` run it; simulates, signing nothing, without a signer."""
    from ape.exceptions import ApeException

    from indexvault.chain import load_deployment, market_rpc, trading_market

    record, rpc = load_deployment(symbol), market_rpc()
    market = trading_market(record, check=False)
    lending = record_market(rpc, record, market)
    contracts = None
    if signer is not None:
        liquidator, record = ensure_liquidator(record, signer, market, lending, log)
        contracts = Contracts(liquidator, signer, (ApeException, RpcError))
    return run_round(
        rpc,
        market,
        lending,
        find_borrowers(rpc, lending),
        contracts,
        settings or decisions.Settings(),
        int(rpc.call("eth_gasPrice"), 16),
        simulate=signer is None,
        log=log,
    )
