"""The arbitrage keeper's chain-facing side: read a `Snapshot`, send the
trade, create the index token's pool; the decisions are
`indexvault.keepers.arbitrage`'s, which is pure.

Reads go through a reader with `read` batches (`indexvault.market.rpc.Rpc`,
or the titanoboa reader of the tests), and a round sends one transaction to
`contracts/periphery/IndexArbitrage.vy` through `Contracts` (Ape or
titanoboa contract objects), which mints and sells (or buys and redeems)
atomically and reverts "arbitrage: unprofitable" below the profit the
keeper asks for (its gas plus `min_profit_usd`). The routes are re-quoted
at the size decided (`indexvault.oneasset`). Nothing is remembered between
rounds: a crash or a failed transaction is seen at the next round, which
reads everything again. `simulate` signs nothing.

The Ape part (`create_pool`, `arbitrage_contract`, `ape_contracts`,
`round_on_network`) takes a `DeployedIndex`; the readers take it or a
plain record (the fast engine and the titanoboa tests have no Ape).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from ape import Contract, project
from ape import chain as ape_chain
from ape.exceptions import ApeException
from eth_utils import to_checksum_address

from indexvault import oneasset
from indexvault.errors import DeploymentError
from indexvault.index import DeployedIndex
from indexvault.keepers.arbitrage import Decision, Settings, Snapshot, decide, seed_amounts, where
from indexvault.market import pools as market_pools
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function, RpcError
from indexvault.model import WAD
from indexvault.network import has_code, market_rpc
from indexvault.oneasset_router import mint_from, quote, router
from indexvault.units import format_amount

Log = Callable[[str], None]
Record = Mapping[str, Any]  # a DeployedIndex, or a plain record where there is no Ape

PAIR_RESERVES = Function("getReserves()", "uint112,uint112,uint32")
PAIR_TOKEN0 = Function("token0()", "address")
O_NAV_PER_SHARE = Function("nav_per_share()", "uint256")
V_MINT_FEE = Function("mint_fee()", "uint256")
V_REDEEM_FEE = Function("redeem_fee()", "uint256")
V_AMOUNTS_FOR_MINT = Function("amounts_for_mint(uint256)", "uint256[]")
V_AMOUNTS_FOR_REDEEM = Function("amounts_for_redeem(uint256)", "uint256[]")
V_COMPONENTS = Function("components()", "address[]")
ERC20_BALANCE = Function("balanceOf(address)", "uint256")
GET_PAIR = Function("getPair(address,address)", "address")


def _quotes(reader, market: MarketRecord, deployment: Record, shares: int, v3: bool = True):
    """The one-asset mint and redeem quotes of `shares` to and from the market's quote, now."""
    vault = deployment["vault"]
    (components,), (mint_amounts,), (redeem_amounts,) = reader.read(
        [
            (vault, V_COMPONENTS, ()),
            (vault, V_AMOUNTS_FOR_MINT, (shares,)),
            (vault, V_AMOUNTS_FOR_REDEEM, (shares,)),
        ]
    )
    feeds = market_pools.feed_prices(reader, market)
    states = market_pools.read(reader, market, feeds)
    quoter = oneasset.v3_quoter(reader, market) if v3 else None
    quote_symbol = market.assets[market.quote].token_symbol
    mint = oneasset.quote_mint(
        market, states, feeds, list(components), list(mint_amounts), quote_symbol, shares, quoter
    )
    redeem = oneasset.quote_redeem(
        market, states, feeds, list(components), list(redeem_amounts), quote_symbol, shares, quoter
    )
    return mint, redeem, feeds


def read_snapshot(
    reader,
    market,
    deployment: Record,
    gas_price: int,
    keeper: str | None = None,
    probe_shares: int | None = None,
) -> Snapshot:
    """Everything `decide` needs: the pool (`deployment["pool"]`), the oracle
    adapter's NAV per share, the vault's fees, and the routes' costs quoted
    for `probe_shares` (a hundredth of the pool's shares by default)."""
    pool, vault, oracle = deployment["pool"], deployment["vault"], deployment["oracle"]
    (r0, r1, _), (token0,), (mint_fee,), (redeem_fee,) = reader.read(
        [
            (pool, PAIR_RESERVES, ()),
            (pool, PAIR_TOKEN0, ()),
            (vault, V_MINT_FEE, ()),
            (vault, V_REDEEM_FEE, ()),
        ]
    )
    shares_reserve, quote_reserve = (r0, r1) if token0.lower() == vault.lower() else (r1, r0)
    try:
        (nav_per_share,) = reader.read([(oracle, O_NAV_PER_SHARE, ())])[0]
    except RpcError:
        nav_per_share = 0
    quote_asset = market.assets[market.quote]
    probe = probe_shares or max(shares_reserve // 100, WAD)
    mint, redeem, feeds = _quotes(reader, market, deployment, probe)
    balance = None
    if keeper is not None:
        (balance,) = reader.read([(quote_asset.token, ERC20_BALANCE, (keeper,))])[0]
    return Snapshot(
        pool_shares=shares_reserve,
        pool_quote=quote_reserve,
        nav_per_share=nav_per_share,
        quote_price=int(feeds[quote_asset.symbol] * WAD),
        quote_decimals=quote_asset.decimals,
        mint_fee=mint_fee,
        redeem_fee=redeem_fee,
        mint_cost=max(mint.cost / mint.notional, Decimal(0)) if mint.notional else Decimal(0),
        redeem_cost=max(redeem.cost / redeem.notional, Decimal(0)) if redeem.notional else Decimal(0),
        gas_price=gas_price,
        eth_usd=feeds.get("ETH", Decimal(0)),
        quote_balance=balance,
    )


@dataclass
class Contracts:
    """What a round sends through: Ape or titanoboa contract objects (both
    take `sender=`), and the keeper's address."""

    arbitrage: Any
    quote: Any  # the quote token (an ERC-20 ABI)
    vault: Any
    keeper: Any  # an Ape account or an address
    errors: tuple = ()  # the exceptions a failed transaction raises


@dataclass
class Round:
    snapshot: Snapshot
    decision: Decision
    sent: bool = False
    ok: bool = False
    error: str | None = None
    gas_used: int | None = None  # from the receipt (Ape); None under titanoboa
    after: Snapshot | None = None  # read again after the transaction


def run_round(
    reader,
    market,
    deployment: Record,
    contracts: Contracts | None,
    settings: Settings,
    gas_price: int,
    simulate: bool = False,
    log: Log = print,
    deadline: int = 2**63,
) -> Round:
    """One round: read, decide, and (unless `simulate` or nothing pays) send
    the trade to IndexArbitrage with the routes quoted at its size."""
    keeper = None if contracts is None else _address(contracts.keeper)
    snapshot = read_snapshot(reader, market, deployment, gas_price, keeper)
    decision = decide(snapshot, settings)
    result = Round(snapshot, decision)
    log(("[simulate] " if simulate else "") + decision.line(snapshot))
    if simulate or decision.kind is None or contracts is None:
        return result
    mint, redeem, _ = _quotes(reader, market, deployment, decision.shares)
    # `decide` caps a mint by the keeper's quote at the routes' cost of a small
    # probe; a large mint's routes cost more (price impact), so its quote, with
    # the slippage bound, may need more than the keeper holds: scale it down
    # until it fits, rather than send a trade the router must refuse.
    for _ in range(4):
        bound = mint.bound(settings.slippage)
        if decision.kind != "mint_and_sell" or snapshot.quote_balance is None or bound <= snapshot.quote_balance:
            break
        shares = decision.shares * snapshot.quote_balance // bound
        log(
            f"  the mint of {Decimal(decision.shares) / WAD:.6f} shares needs up to "
            f"{format_amount(bound, snapshot.quote_decimals)} of the quote, the keeper holds "
            f"{format_amount(snapshot.quote_balance, snapshot.quote_decimals)}: "
            f"{Decimal(shares) / WAD:.6f} shares instead"
        )
        decision = replace(decision, shares=shares)
        result.decision = decision
        mint, redeem, _ = _quotes(reader, market, deployment, shares)
    arb, sender = contracts.arbitrage, contracts.keeper
    quote_token = market.assets[market.quote].token
    result.sent = True
    try:
        if decision.kind == "mint_and_sell":
            max_in = mint.bound(settings.slippage)
            if snapshot.quote_balance is not None:
                max_in = min(max_in, snapshot.quote_balance)
            if contracts.quote.allowance(keeper, arb.address) < max_in:
                contracts.quote.approve(arb.address, 2**256 - 1, sender=sender)
            sent = arb.mint_and_sell(
                deployment["vault"],
                quote_token,
                max_in,
                decision.shares,
                mint.route_args(),
                decision.min_profit,
                deadline,
                sender=sender,
            )
        else:
            if contracts.quote.allowance(keeper, arb.address) < decision.quote_in:
                contracts.quote.approve(arb.address, 2**256 - 1, sender=sender)
            sent = arb.buy_and_redeem(
                deployment["vault"],
                quote_token,
                decision.quote_in,
                redeem.route_args(),
                decision.min_profit,
                deadline,
                sender=sender,
            )
        result.ok = True
        result.gas_used = getattr(sent, "gas_used", None)
    except contracts.errors as error:
        result.error = getattr(error, "message", None) or str(error).splitlines()[0]
        log(f"{decision.kind} failed: {result.error}; the next round decides again")
        return result
    result.after = read_snapshot(reader, market, deployment, gas_price, keeper)
    gas = f", gas {result.gas_used:,}" if result.gas_used else ""
    log(f"done: {where(result.after)}{gas}")
    return result


def _address(who) -> str:
    return str(getattr(who, "address", who))


# --- Ape: the pool, the contract, a round on the connected network -----------


def plan_pool(reader, market: MarketRecord, record: Record, depth_usd: Decimal) -> tuple[int, int, int]:
    """NAV per share (1e18 USD) now, and the shares (wei) and quote (base
    units) that seed the index token's pool at it, `depth_usd` deep."""
    (nav_per_share,) = reader.read([(record["oracle"], O_NAV_PER_SHARE, ())])[0]
    feeds = market_pools.feed_prices(reader, market)
    quote_asset = market.assets[market.quote]
    shares, quote = seed_amounts(nav_per_share, int(feeds[quote_asset.symbol] * WAD), quote_asset.decimals, depth_usd)
    return nav_per_share, shares, quote


def describe_pool_plan(reader, market: MarketRecord, record: Record, depth_usd: Decimal) -> str:
    """What `create_pool` would do, for `--simulate`: it signs nothing."""
    nav_per_share, shares, quote = plan_pool(reader, market, record, depth_usd)
    quote_asset = market.assets[market.quote]
    return (
        f"would create {record['symbol']}'s Uniswap V2 pool against {quote_asset.token_symbol} at NAV "
        f"{Decimal(nav_per_share) / WAD:.4f} USD, {depth_usd:f} USD deep: {Decimal(shares) / WAD:f} "
        f"{record['symbol']} (minted from {quote_asset.token_symbol} through IndexRouter) and "
        f"{Decimal(quote) / 10**quote_asset.decimals:f} {quote_asset.token_symbol}"
    )


def create_pool(index: DeployedIndex, account, market, depth_usd: Decimal, log: Log = print) -> DeployedIndex:
    """A Uniswap V2 pair of the index token against the market's quote, seeded
    at NAV per share with `depth_usd` (half each side) by `account` (the
    index's deployer): the shares minted from the quote through the
    IndexRouter. The quote comes from `account`'s balance; what it lacks is
    minted if the quote is a mock anyone may mint (a local market's, or a
    testnet index's mock USDC), else refused, saying how much to fund.
    Recorded as `pool` in the index's deployment record; returns the index as now recorded."""
    index = DeployedIndex.of(index)
    rpc = market_rpc()
    quote_asset = market.assets[market.quote]
    nav_per_share, shares, quote_amount = plan_pool(rpc, market, index, depth_usd)
    quoted, _ = quote(index, "mint", quote_asset.token_symbol, Decimal(shares) / WAD)
    max_in = quoted.bound(Decimal("0.005"))
    token = project.MockToken.at(quote_asset.token)
    need, held = max_in + quote_amount, token.balanceOf(account.address)
    if held < need:
        try:
            token.mint(account.address, need - held, sender=account)
        except ApeException:
            unit = quote_asset.token_symbol
            raise DeploymentError(
                f"{account.address} holds {format_amount(held, quote_asset.decimals)} {unit}; the pool and the "
                f"shares minted for it need {format_amount(need, quote_asset.decimals)} {unit}, and {unit} "
                f"({quote_asset.token}) is not a mock this account can mint: fund the account, or pass a "
                "smaller --create-pool"
            ) from None
    mint_from(index, account, market, quoted, max_in, echo=log)
    vault = index.vault
    shares = min(shares, vault.balanceOf(account.address))
    v2_router = Contract(market.uniswap.v2_router, abi=[ROUTER02_ADD_LIQUIDITY_ABI])
    vault.approve(v2_router.address, shares, sender=account)
    token.approve(v2_router.address, quote_amount, sender=account)
    v2_router.addLiquidity(
        vault.address,
        quote_asset.token,
        shares,
        quote_amount,
        shares,
        quote_amount,
        account.address,
        ape_chain.blocks.head.timestamp + 1800,
        sender=account,
    )
    (pool,) = rpc.read([(market.uniswap.v2_factory, GET_PAIR, (vault.address, quote_asset.token))])[0]
    index = index.updated(pool=to_checksum_address(pool))
    log(
        f"  pool {index['pool']}: {Decimal(shares) / WAD:f} {index.symbol} and "
        f"{Decimal(quote_amount) / 10**quote_asset.decimals:f} {quote_asset.token_symbol} at NAV "
        f"{Decimal(nav_per_share) / WAD:.4f} USD"
    )
    return index


ROUTER02_ADD_LIQUIDITY_ABI = {
    "type": "function",
    "name": "addLiquidity",
    "stateMutability": "nonpayable",
    "inputs": [
        {"name": n, "type": t}
        for n, t in (
            ("tokenA", "address"),
            ("tokenB", "address"),
            ("amountADesired", "uint256"),
            ("amountBDesired", "uint256"),
            ("amountAMin", "uint256"),
            ("amountBMin", "uint256"),
            ("to", "address"),
            ("deadline", "uint256"),
        )
    ],
    "outputs": [
        {"name": "amountA", "type": "uint256"},
        {"name": "amountB", "type": "uint256"},
        {"name": "liquidity", "type": "uint256"},
    ],
}


def arbitrage_contract(index: DeployedIndex, account, market, log: Log = print):
    """The network's IndexArbitrage (recorded as `arbitrage`), deployed once
    on the index's IndexRouter and the market's Router02. Returns the contract
    and the index as now recorded."""
    index = DeployedIndex.of(index)
    if index.has("arbitrage") and has_code(index.address("arbitrage")):
        return project.IndexArbitrage.at(index.address("arbitrage")), index
    index_router, index = router(index, account, market, log)
    contract = project.IndexArbitrage.deploy(index_router.address, market.uniswap.v2_router, sender=account)
    log(f"  arbitrage {contract.address} (deployed once for this network)")
    return contract, index.updated(arbitrage=contract.address)


def ape_contracts(index: DeployedIndex, account, market, log: Log = print) -> tuple[Contracts, DeployedIndex]:
    """What a round sends through on the connected chain, signed by `account`; and the index as now recorded."""
    contract, index = arbitrage_contract(index, account, market, log)
    quote_token = project.MockToken.at(market.assets[market.quote].token)
    return Contracts(contract, quote_token, index.vault, account, (ApeException, RpcError)), index


@dataclass
class NetworkKeeper:
    """The keeper bound to one index on the connected network, resolved once (a bot keeps one in its
    state): the index, its market, and the contracts a round sends through (None: simulate)."""

    index: DeployedIndex
    market: MarketRecord
    contracts: Contracts | None
    settings: Settings
    log: Log = print

    @classmethod
    def connect(
        cls, signer=None, index: DeployedIndex | None = None, settings: Settings | None = None, log: Log = print
    ) -> NetworkKeeper:
        """`index` (by default the network's latest) and its market; with a `signer`, the network's
        IndexArbitrage (deployed once, with the IndexRouter, if none is recorded)."""
        index = index or DeployedIndex.load()
        market = index.trading_market(check=False)
        if not index.has("pool"):
            raise DeploymentError(
                f"index {index.symbol} has no pool recorded: create one first "
                "(`ape run keeper arbitrage --create-pool`)"
            )
        contracts = None
        if signer is not None:
            contracts, index = ape_contracts(index, signer, market, log)
        return cls(index, market, contracts, settings or Settings(), log)

    def round(self) -> Round:
        """One round at the chain's state now; simulates, signing nothing, without contracts."""
        rpc = market_rpc()
        gas_price = int(rpc.call("eth_gasPrice"), 16)
        simulate = self.contracts is None
        return run_round(rpc, self.market, self.index, self.contracts, self.settings, gas_price, simulate, self.log)


def round_on_network(
    signer=None, index: DeployedIndex | None = None, settings: Settings | None = None, log: Log = print
) -> Round:
    """One round against `index` (by default the connected network's latest) and its market, as
    `ape run keeper arbitrage` runs it; simulates, signing nothing, without a signer."""
    return NetworkKeeper.connect(signer, index, settings, log).round()
