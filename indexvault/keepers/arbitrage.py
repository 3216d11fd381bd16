"""The index token's market and its arbitrage keeper.

The index token trades in a Uniswap V2 pair against the market's quote
(USDC), seeded at NAV per share (`seed_amounts`, `create_pool`). Other
traders move it; the keeper holds it to NAV:

- `decide(snapshot, settings)` is pure. A share costs, minted from the
  quote through `IndexRouter.mint_from`, NAV x (1 + mint fee) x (1 + the
  routes' cost); redeemed to the quote through `redeem_to` it pays
  NAV x (1 - redeem fee) x (1 - the routes' cost). With the pool's 0.3 %
  fee, the *cost band* is

      lower = NAV (1 - redeem fee)(1 - redeem cost)(1 - 0.3 %)
      upper = NAV (1 + mint fee)(1 + mint cost) / (1 - 0.3 %)

  (NAV in quote per share, from the oracle adapter and the quote's feed;
  the routes' costs from the one-asset quotes). Above `upper` the keeper
  mints and sells into the pool, below `lower` it buys from the pool and
  redeems; inside, nothing. A trade is sized in closed form
  (`amm.v2_amount_to_price`, the constant product with its fee) so that the
  pool's price lands just inside the band's edge (`inside_bps`), where the
  last share traded breaks even: the most profit one trade takes, and the
  pool back in the band. It is made only when its profit, after gas, is at
  least `min_profit_usd`; every decision carries its reason.
- The thin layer (`read_snapshot`, `run_round`, `round_on_network`) reads
  the chain (reserves, NAV per share, fees, the routes' costs quoted by
  `indexvault.oneasset`), decides, re-quotes the routes at the size decided
  and sends one transaction to `contracts/periphery/IndexArbitrage.vy`,
  which mints and sells (or buys and redeems) atomically and reverts
  "arbitrage: unprofitable" below the profit the keeper asks for (its gas
  plus `min_profit_usd`). Nothing is remembered between rounds: a crash or
  a failed transaction is seen at the next round, which reads everything
  again. `simulate` signs nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from indexvault import amm
from indexvault.model import WAD
from indexvault.units import format_amount

BPS = 10_000
V2_POOL_FEE = amm.V2_FEE  # 0.3 %
Kind = Literal["mint_and_sell", "buy_and_redeem"]
Log = Callable[[str], None]


# --- the snapshot ----------------------------------------------------------


def _usd(quote_amount: int, snapshot: Snapshot) -> str:
    """Quote base units in USD at the quote's feed, as a person reads them."""
    usd = Decimal(quote_amount) * snapshot.quote_price / WAD / 10**snapshot.quote_decimals
    return f"{usd:,.2f}"


@dataclass(frozen=True)
class Snapshot:
    """What `decide` needs, read at one block."""

    pool_shares: int  # index tokens (wei) in the pool
    pool_quote: int  # quote base units in the pool
    nav_per_share: int  # oracle adapter, USD 1e18 per whole share (0: the oracle refuses, e.g. a stale feed)
    quote_price: int  # the quote's feed, USD 1e18 per whole quote token
    quote_decimals: int
    mint_fee: int  # the vault's, WAD
    redeem_fee: int  # WAD
    mint_cost: Decimal  # the routes' cost of mint_from against the feeds, a fraction (0.0018 = 18 bps)
    redeem_cost: Decimal  # the same for redeem_to
    gas_price: int  # wei
    eth_usd: Decimal  # to price gas
    quote_balance: int | None = None  # the keeper's quote, base units (None: not a limit)

    @property
    def price(self) -> Fraction:
        """The pool's price: quote base units per share wei."""
        return Fraction(self.pool_quote, self.pool_shares)

    @property
    def nav(self) -> Fraction:
        """NAV per share in quote base units per share wei."""
        return Fraction(self.nav_per_share * 10**self.quote_decimals, self.quote_price * WAD)

    def whole(self, ratio: Fraction) -> Decimal:
        """A price in quote base units per share wei, as whole quote per whole share."""
        return Decimal((ratio * WAD / 10**self.quote_decimals).numerator) / Decimal(
            (ratio * WAD / 10**self.quote_decimals).denominator
        )


@dataclass(frozen=True)
class Settings:
    """A keeper's choices."""

    min_profit_usd: Decimal = Decimal(1)  # after gas
    inside_bps: Decimal = Decimal("0.5")  # where a trade leaves the price: this far inside the band's edge
    gas_mint_and_sell: int = 1_800_000  # IndexArbitrage.mint_and_sell: 1,658,800 measured for market10 (10 components)
    gas_buy_and_redeem: int = 1_650_000  # buy_and_redeem: 1,422,040 measured for market10
    slippage: Decimal = Decimal("0.005")  # on the router quote's max_in


@dataclass(frozen=True)
class Band:
    """The cost band around NAV, quote base units per share wei."""

    lower: Fraction
    nav: Fraction
    upper: Fraction


@dataclass(frozen=True)
class Decision:
    """One trade (or none, `kind` None) and why."""

    kind: Kind | None
    reason: str
    band: Band | None = None
    price: Fraction | None = None  # the pool's now
    price_after: Fraction | None = None  # where the trade leaves it
    shares: int = 0  # minted and sold, or bought and redeemed (wei)
    quote_in: int = 0  # mint: estimated cost of the mint; buy: what is paid into the pool
    quote_out: int = 0  # mint: what the pool pays for the shares; buy: the estimated redeem proceeds
    expected_profit: int = 0  # quote base units, before gas
    gas_quote: int = 0  # the gas, in quote base units
    min_profit: int = 0  # quote base units the contract must see, or revert

    @property
    def inside(self) -> bool:
        return self.band is not None and self.price is not None and self.band.lower <= self.price <= self.band.upper

    def line(self, snapshot: Snapshot) -> str:
        if self.band is None:
            return f"skip: {self.reason}"
        prices = (
            f"pool {snapshot.whole(self.price):.4f}, NAV {snapshot.whole(self.band.nav):.4f}, band "
            f"[{snapshot.whole(self.band.lower):.4f}, {snapshot.whole(self.band.upper):.4f}]"
        )
        verb = "skip" if self.kind is None else self.kind.replace("_", " ")
        return f"{verb}: {self.reason} ({prices})"


# --- the decision ------------------------------------------------------------


def band(snapshot: Snapshot) -> Band:
    """The prices between which no round trip through the vault pays."""
    nav = snapshot.nav
    kept = 1 - V2_POOL_FEE
    mint = (1 + Fraction(snapshot.mint_fee, WAD)) * (1 + Fraction(snapshot.mint_cost))
    redeem = (1 - Fraction(snapshot.redeem_fee, WAD)) * (1 - Fraction(snapshot.redeem_cost))
    return Band(lower=nav * redeem * kept, nav=nav, upper=nav * mint / kept)


def _usd_to_quote(usd: Decimal, snapshot: Snapshot) -> int:
    return math.ceil(usd * Decimal(10**snapshot.quote_decimals) * WAD / Decimal(snapshot.quote_price))


def decide(snapshot: Snapshot, settings: Settings = Settings()) -> Decision:
    """What to do now, with the reason: mint and sell above the band, buy
    and redeem below it, nothing inside it or when the trade would not pay
    its gas and `min_profit_usd`."""
    if snapshot.pool_shares == 0 or snapshot.pool_quote == 0:
        return Decision(None, "the index token's pool is empty")
    if snapshot.nav_per_share == 0 or snapshot.quote_price == 0:
        return Decision(None, "the oracle gives no NAV now (a stale or missing feed)")
    b, price = band(snapshot), snapshot.price
    inside = Fraction(BPS * 100 - int(settings.inside_bps * 100), BPS * 100)
    gas_usd = Decimal(snapshot.gas_price) * snapshot.eth_usd / Decimal(WAD)
    if b.lower <= price <= b.upper:
        return Decision(None, "the pool is inside the cost band: no round trip pays", b, price, price)
    if snapshot.quote_balance == 0:
        return Decision(
            None, "the pool is outside the band but the keeper holds no quote to trade with", b, price, price
        )
    if price > b.upper:
        kind: Kind = "mint_and_sell"
        target = b.upper * inside
        shares = amm.v2_amount_to_price(snapshot.pool_shares, snapshot.pool_quote, target)
        cost_per_share = b.upper * (1 - V2_POOL_FEE)  # NAV with the mint fee and the routes' cost
        out = amm.v2_amount_out(shares, snapshot.pool_shares, snapshot.pool_quote)
        cost = math.ceil(shares * cost_per_share)
        if snapshot.quote_balance is not None and cost > snapshot.quote_balance:
            shares = int(shares * Fraction(snapshot.quote_balance, cost))
            out = amm.v2_amount_out(shares, snapshot.pool_shares, snapshot.pool_quote)
            cost = math.ceil(shares * cost_per_share)
        after = Fraction(snapshot.pool_quote - out, snapshot.pool_shares + shares)
        quote_in, quote_out, gas = cost, out, settings.gas_mint_and_sell
    else:
        kind = "buy_and_redeem"
        target = 1 / (b.lower / inside)  # shares per quote after the purchase
        paid = amm.v2_amount_to_price(snapshot.pool_quote, snapshot.pool_shares, target)
        if snapshot.quote_balance is not None and paid > snapshot.quote_balance:
            paid = snapshot.quote_balance
        shares = amm.v2_amount_out(paid, snapshot.pool_quote, snapshot.pool_shares)
        proceeds = int(shares * b.lower / (1 - V2_POOL_FEE))  # NAV less the redeem fee and the routes' cost
        after = Fraction(snapshot.pool_quote + paid, snapshot.pool_shares - shares)
        quote_in, quote_out, gas = paid, proceeds, settings.gas_buy_and_redeem
    gas_usd *= gas
    gas_quote = _usd_to_quote(gas_usd, snapshot)
    floor = gas_quote + _usd_to_quote(settings.min_profit_usd, snapshot)
    profit = quote_out - quote_in
    side = "above" if kind == "mint_and_sell" else "below"
    capped = (
        " (capped by the keeper's quote)"
        if snapshot.quote_balance is not None and quote_in >= snapshot.quote_balance
        else ""
    )
    if shares == 0 or profit < floor:
        return Decision(
            None,
            f"the pool is {side} the band but the trade is unprofitable after gas: profit "
            f"{_usd(profit, snapshot)} < gas {_usd(gas_quote, snapshot)} + min profit "
            f"{settings.min_profit_usd} USD{capped}",
            b,
            price,
            price,
            shares,
            quote_in,
            quote_out,
            profit,
            gas_quote,
            floor,
        )
    verb = "mint and sell" if kind == "mint_and_sell" else "buy and redeem"
    return Decision(
        kind,
        f"the pool is {side} the band: {verb} {Decimal(shares) / WAD:.6f} shares for a profit "
        f"of {_usd(profit, snapshot)} USD (gas {_usd(gas_quote, snapshot)} USD){capped}",
        b,
        price,
        after,
        shares,
        quote_in,
        quote_out,
        profit,
        gas_quote,
        floor,
    )


# --- the pool ----------------------------------------------------------------


def seed_amounts(nav_per_share: int, quote_price: int, quote_decimals: int, depth_usd: Decimal) -> tuple[int, int]:
    """Shares (wei) and quote (base units) that price the pool at NAV per
    share and hold `depth_usd` in all, half on each side."""
    half = depth_usd / 2
    shares = int(half * WAD * WAD / Decimal(nav_per_share))
    quote = shares * nav_per_share * 10**quote_decimals // (quote_price * WAD)
    return shares, quote


# --- the thin layer ----------------------------------------------------------

from indexvault.market.rpc import Function, RpcError  # noqa: E402

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


def _quotes(reader, market, deployment: dict[str, Any], shares: int, v3: bool = True):
    """The one-asset mint and redeem quotes of `shares` to and from the market's quote, now."""
    from indexvault import oneasset
    from indexvault.market import pools as market_pools

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
    deployment: dict[str, Any],
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


def where(snapshot: Snapshot) -> str:
    """The pool against NAV and the cost band, in whole quote per share: what
    a keeper round prints after its trade, and `ape run market swap` on an
    index token's pool."""
    if snapshot.pool_shares == 0 or snapshot.pool_quote == 0:
        return "the pool is empty"
    price = f"pool {snapshot.whole(snapshot.price):.4f}"
    if snapshot.nav_per_share == 0 or snapshot.quote_price == 0:
        return f"{price}; the oracle gives no NAV now (a stale or missing feed)"
    b = band(snapshot)
    side = "above" if snapshot.price > b.upper else "below" if snapshot.price < b.lower else "inside"
    return (
        f"{price}, NAV {snapshot.whole(b.nav):.4f}, band [{snapshot.whole(b.lower):.4f}, "
        f"{snapshot.whole(b.upper):.4f}]: {side} the cost band"
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
    deployment: dict[str, Any],
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


def plan_pool(reader, market, record: dict[str, Any], depth_usd: Decimal) -> tuple[int, int, int]:
    """NAV per share (1e18 USD) now, and the shares (wei) and quote (base
    units) that seed the index token's pool at it, `depth_usd` deep."""
    from indexvault.market import pools as market_pools

    (nav_per_share,) = reader.read([(record["oracle"], O_NAV_PER_SHARE, ())])[0]
    feeds = market_pools.feed_prices(reader, market)
    quote_asset = market.assets[market.quote]
    shares, quote = seed_amounts(nav_per_share, int(feeds[quote_asset.symbol] * WAD), quote_asset.decimals, depth_usd)
    return nav_per_share, shares, quote


def describe_pool_plan(reader, market, record: dict[str, Any], depth_usd: Decimal) -> str:
    """What `create_pool` would do, for `--simulate`: it signs nothing."""
    nav_per_share, shares, quote = plan_pool(reader, market, record, depth_usd)
    quote_asset = market.assets[market.quote]
    return (
        f"would create {record['symbol']}'s Uniswap V2 pool against {quote_asset.token_symbol} at NAV "
        f"{Decimal(nav_per_share) / WAD:.4f} USD, {depth_usd:f} USD deep: {Decimal(shares) / WAD:f} "
        f"{record['symbol']} (minted from {quote_asset.token_symbol} through IndexRouter) and "
        f"{Decimal(quote) / 10**quote_asset.decimals:f} {quote_asset.token_symbol}"
    )


def create_pool(record: dict[str, Any], account, market, depth_usd: Decimal, log: Log = print) -> dict[str, Any]:
    """A Uniswap V2 pair of the index token against the market's quote, seeded
    at NAV per share with `depth_usd` (half each side) by `account` (the
    index's deployer): the shares minted from the quote through the
    IndexRouter. The quote comes from `account`'s balance; what it lacks is
    minted if the quote is a mock anyone may mint (a local market's, or a
    testnet index's mock USDC), else refused, saying how much to fund.
    Recorded as `pool` in the index's deployment record."""
    from ape import Contract, project
    from ape import chain as ape_chain
    from ape.exceptions import ApeException
    from eth_utils import to_checksum_address

    from indexvault import chain, deployments, oneasset
    from indexvault.units import format_amount

    rpc = chain.market_rpc()
    quote_asset = market.assets[market.quote]
    nav_per_share, shares, quote_amount = plan_pool(rpc, market, record, depth_usd)
    quoted, _ = oneasset.quote(record, "mint", quote_asset.token_symbol, Decimal(shares) / WAD)
    max_in = quoted.bound(Decimal("0.005"))
    token = project.MockToken.at(quote_asset.token)
    need, held = max_in + quote_amount, token.balanceOf(account.address)
    if held < need:
        try:
            token.mint(account.address, need - held, sender=account)
        except ApeException:
            unit = quote_asset.token_symbol
            raise deployments.DeploymentError(
                f"{account.address} holds {format_amount(held, quote_asset.decimals)} {unit}; the pool and the "
                f"shares minted for it need {format_amount(need, quote_asset.decimals)} {unit}, and {unit} "
                f"({quote_asset.token}) is not a mock this account can mint: fund the account, or pass a "
                "smaller --create-pool"
            ) from None
    oneasset.mint_from(record, account, market, quoted, max_in, echo=log)
    vault = project.IndexVault.at(record["vault"])
    shares = min(shares, vault.balanceOf(account.address))
    router = Contract(market.uniswap.v2_router, abi=[ROUTER02_ADD_LIQUIDITY_ABI])
    vault.approve(router.address, shares, sender=account)
    token.approve(router.address, quote_amount, sender=account)
    router.addLiquidity(
        record["vault"],
        quote_asset.token,
        shares,
        quote_amount,
        shares,
        quote_amount,
        account.address,
        ape_chain.blocks.head.timestamp + 1800,
        sender=account,
    )
    (pool,) = rpc.read([(market.uniswap.v2_factory, GET_PAIR, (record["vault"], quote_asset.token))])[0]
    pool = to_checksum_address(pool)
    record = deployments.load(chain.record_file(), record["symbol"])
    record = {k: v for k, v in record.items() if k != "deployed_at"} | {"pool": pool}
    deployments.save(chain.record_file(), record)
    log(
        f"  pool {pool}: {Decimal(shares) / WAD:f} {record['symbol']} and "
        f"{Decimal(quote_amount) / 10**quote_asset.decimals:f} {quote_asset.token_symbol} at NAV "
        f"{Decimal(nav_per_share) / WAD:.4f} USD"
    )
    return record


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


def arbitrage_contract(record: dict[str, Any], account, market, log: Log = print):
    """The network's IndexArbitrage (recorded as `arbitrage`), deployed once
    on the index's IndexRouter and the market's Router02."""
    from ape import chain as ape_chain
    from ape import project

    from indexvault import chain, deployments, oneasset

    address = record.get("arbitrage")
    if address and ape_chain.provider.get_code(address):
        return project.IndexArbitrage.at(address), record
    index_router, record = oneasset.router(record, account, market, log)
    contract = project.IndexArbitrage.deploy(index_router.address, market.uniswap.v2_router, sender=account)
    log(f"  arbitrage {contract.address} (deployed once for this network)")
    record = {k: v for k, v in record.items() if k != "deployed_at"} | {"arbitrage": contract.address}
    deployments.save(chain.record_file(), record)
    return contract, record


def ape_contracts(record: dict[str, Any], account, market, log: Log = print) -> tuple[Contracts, dict[str, Any]]:
    from ape import project
    from ape.exceptions import ApeException

    contract, record = arbitrage_contract(record, account, market, log)
    quote = project.MockToken.at(market.assets[market.quote].token)
    return Contracts(contract, quote, project.IndexVault.at(record["vault"]), account, (ApeException, RpcError)), record


def round_on_network(
    signer=None, symbol: str | None = None, settings: Settings | None = None, log: Log = print
) -> Round:
    """One round against the connected network's latest index (or `symbol`)
    and its market, as the bot and `ape run keeper arbitrage` run it;
    simulates, signing nothing, without a signer."""
    from indexvault.chain import load_deployment, market_rpc, trading_market
    from indexvault.deployments import DeploymentError

    record, rpc = load_deployment(symbol), market_rpc()
    market = trading_market(record, check=False)
    if "pool" not in record:
        raise DeploymentError(
            f"index {record['symbol']} has no pool recorded: create one first "
            "(`ape run keeper arbitrage --create-pool`)"
        )
    contracts = None
    if signer is not None:
        contracts, record = ape_contracts(record, signer, market, log)
    return run_round(
        rpc,
        market,
        record,
        contracts,
        settings or Settings(),
        int(rpc.call("eth_gasPrice"), 16),
        simulate=signer is None,
        log=log,
    )
