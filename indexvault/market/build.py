"""Build a market on an anvil node: one token and one Chainlink feed (Chainlink's
own EACAggregatorProxy in front of its MockV3Aggregator) per asset of a snapshot's
universe, Uniswap V2 and V3 from their npm bytecode, and pools seeded at the
day's close with depth from real 24 h volumes.

The depth rule (DEPTH_RULE says it in words):
- every asset has a V2 pool against USDC holding 0.5 % of its 24 h volume
  (both sides together, in USD), at least 500k USD;
- every asset also has a V3 pool against USDC (0.05 % fee for BTC and ETH,
  0.3 % for the others) holding as much again: three
  quarters in a position from 20 % below to 20 % above the price, a quarter
  over the full range (so the pool has liquidity at every price, as real
  pools do, and an arbitrage never swaps through an empty range);
- assets that real markets pair with WETH (`weth_pool` in assets.yaml) have a
  V2 pool against WETH holding 0.25 % of their 24 h volume, at least 250k USD.

Long-tail assets (`plan(..., twap_only=[...])`) get no Chainlink feed and no V2
pool: only their V3 pool against USDC, all of it over the full range, whose time-weighted average price
(`contracts/TwapFeed.vy`) is then their only price on chain. The universe is the
top `size` by market cap, or the assets named (`plan(..., assets=[...])`).

Every V3 pool's observation ring is grown to `OBSERVATIONS` slots at build, so the
replay's arbitrage writes a TWAP history a 30-minute window can be read from.

Morpho Blue 1.0.0 (compiled unmodified from its npm sources, `indexvault.market.lending`) is
deployed beside Uniswap, owned by the market maker, with the zero-rate IRM and mainnet's LLTVs
enabled: `ape run lend open` creates an index's market there.

Everything is sent through `Rpc` batches from anvil's unlocked dev account 9
(the market maker), which also holds a thousand times each pool's tokens to
arbitrage with. Account 0, the user's default, is left untouched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from eth_utils import to_checksum_address

from indexvault import amm, history, solidity
from indexvault.market import uniswap as uni
from indexvault.market.lending import deploy_morpho
from indexvault.market.record import Asset, MarketError, MarketRecord, Pool, Uniswap
from indexvault.market.rpc import Rpc, Tx
from indexvault.market.uniswap import AGGREGATOR_UPDATE

FEED_DECIMALS = 8
HEARTBEAT = 86_400
MAKER_INDEX = 9  # anvil's dev account 9
MAKER_ETH = 10**12 * 10**18
INVENTORY = 1000  # the maker holds this many times each pool's tokens
V2_SHARE, V2_FLOOR = Decimal("0.005"), Decimal(500_000)
V3_SHARE, V3_RANGE = Decimal("0.005"), Decimal("0.2")
V3_CONCENTRATED = Decimal("0.75")  # of a V3 pool's value at +-20 %; the rest full range
WETH_SHARE, WETH_FLOOR = Decimal("0.0025"), Decimal(250_000)
V3_FEES = {"BTC": 500, "ETH": 500}
# Observation slots per V3 pool. A pool writes one observation per block it trades in, and a
# window reads back to the newest observation older than itself: a 30-minute TWAP needs a slot per
# block that traded the pool in the last 30 minutes, plus one. The replay at its finest (a step a
# minute) writes 30; the rest is room for the trades between steps (keepers, users, routes).
OBSERVATIONS = 100
TWAP_WINDOW = 1800  # the window OBSERVATIONS is sized for, seconds
V3_DEFAULT_FEE = 3000
DEADLINE = 2**63
DEPTH_RULE = (
    "V2 vs USDC: 0.5% of 24h volume (min 500k USD); V3 vs USDC: 0.5% of 24h volume (min 500k USD), "
    "3/4 at +-20% and 1/4 full range; V2 vs WETH where real markets have it: 0.25% of 24h volume (min 250k USD)"
)

Log = Callable[[str], None]


def close_timestamp(day: dt.date) -> int:
    """Block time at which a day's close is posted: its last second, UTC."""
    return int(dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=dt.UTC).timestamp())


def genesis_timestamp(day: dt.date) -> int:
    """A genesis block an hour before the day's close, for the build's blocks."""
    return close_timestamp(day) - 3600


@dataclass(frozen=True)
class Plan:
    """What a build will deploy, from the data alone (no chain)."""

    date: dt.date
    listings: tuple[history.Listing, ...]
    prices: dict[str, Decimal]  # USD close on `date`, per symbol, quote included
    twap_only: frozenset[str] = frozenset()  # long-tail assets: no Chainlink feed, no V2 pool, only V3

    @property
    def symbols(self) -> list[str]:
        return [listing.symbol for listing in self.listings]


def plan(
    date: str | dt.date,
    size: int = 20,
    history_days: int = 31,
    assets: Sequence[str] | None = None,
    twap_only: Collection[str] = (),
) -> Plan:
    """The universe and its prices, checked before anything is deployed: the `size` largest
    assets by market cap on `date`, or exactly `assets` (data symbols, in that order; `size` is
    then ignored), each with a daily close for `history_days` days. `twap_only` names assets of
    the universe that get no Chainlink feed and no V2 pool, only their V3 pool against USDC."""
    try:
        date = history.parse_date(date)
        quote = history.quote_symbol()
        if assets is None:
            if not 1 <= size <= 60:
                raise MarketError(f"size: {size} assets asked for; a market holds 1 to 60")
            listings = tuple(history.universe(date, size, history_days))
        else:
            listings = tuple(_named_listings(date, list(assets), quote, history_days))
        prices = {s: history.close(s, date) for s in [quote, *[l.symbol for l in listings]]}
    except history.DataError as error:
        raise MarketError(str(error)) from None
    symbols = [l.symbol for l in listings]
    unknown = [s for s in twap_only if s not in symbols]
    if unknown:
        raise MarketError(
            f"twap-only: {', '.join(unknown)} not in the market's assets ({', '.join(symbols)}); "
            "a long-tail asset must be one of them"
        )
    if history.weth_symbol() in twap_only:
        raise MarketError(f"twap-only: {history.weth_symbol()} is WETH, which the market's WETH pools are priced from")
    return Plan(date, listings, prices, frozenset(twap_only))


def _named_listings(date: dt.date, assets: list[str], quote: str, history_days: int) -> list[history.Listing]:
    """The snapshot's listing of each named asset, or one with no market cap or volume (its pools
    then get the depth floor) for an asset the snapshot's top 60 does not have."""
    if not 1 <= len(assets) <= 60:
        raise MarketError(f"assets: {len(assets)} named; a market holds 1 to 60")
    repeated = sorted({s for s in assets if assets.count(s) > 1})
    if repeated:
        raise MarketError(f"assets: {', '.join(repeated)} named twice")
    if quote in assets:
        raise MarketError(f"assets: {quote} is the market's quote, always there; leave it out")
    listed = {l.symbol: l for l in history.snapshot(date, top=None)}
    end = date + dt.timedelta(days=history_days)
    out = []
    for symbol in assets:
        history.closes(symbol, date, end)  # names the first missing day
        info = history.token_info(symbol)
        unlisted = history.Listing(date, 0, symbol, info.name, Decimal(0), Decimal(0), Decimal(0))
        out.append(listed.get(symbol, unlisted))
    return out


def _to_units(usd: Decimal, price: Decimal, decimals: int) -> int:
    return int(usd / price * Decimal(10**decimals))


def deploy_uniswap(rpc: Rpc, maker: str) -> Uniswap:
    """WETH9, Uniswap V2 (factory, Router02) and V3 (factory, SwapRouter, QuoterV2, position manager)
    from their npm bytecode, deployed by `maker` (an unlocked account); their addresses."""
    weth, v2_factory, v3_factory = rpc.deploy_all(
        [
            (maker, uni.bytecode("WETH9"), "WETH9", (), ()),
            (maker, uni.bytecode("UniswapV2Factory"), "UniswapV2Factory", ("address",), (maker,)),
            (maker, uni.bytecode("UniswapV3Factory"), "UniswapV3Factory", (), ()),
        ]
    )
    both = ("address", "address")
    v2_router, swap_router, quoter, position_manager = rpc.deploy_all(
        [
            (maker, uni.bytecode("UniswapV2Router02"), "UniswapV2Router02", both, (v2_factory, weth)),
            (maker, uni.bytecode("SwapRouter"), "SwapRouter", both, (v3_factory, weth)),
            (maker, uni.bytecode("QuoterV2"), "QuoterV2", both, (v3_factory, weth)),
            # The position descriptor only renders token URIs; none is needed here.
            (
                maker,
                uni.bytecode("NonfungiblePositionManager"),
                "NonfungiblePositionManager",
                ("address", "address", "address"),
                (v3_factory, weth, "0x" + "00" * 20),
            ),
        ]
    )
    return Uniswap(
        weth=weth,
        v2_factory=v2_factory,
        v2_router=v2_router,
        v3_factory=v3_factory,
        swap_router=swap_router,
        quoter=quoter,
        position_manager=position_manager,
    )


def aggregator_deployment(symbol: str, answer: int) -> tuple[str, str, tuple[str, ...], tuple]:
    """Chainlink's MockV3Aggregator (`@chainlink/contracts` 0.8.0, src/v0.6/tests): the aggregator a
    local market can post to (`updateAnswer`, one transaction per answer, round ids one apart, as a
    mainnet aggregator's transmissions); bytecode, label, constructor types and arguments."""
    code = solidity.artifact("MockV3Aggregator")["bytecode"]
    return code, f"aggregator {symbol}", ("uint8", "int256"), (FEED_DECIMALS, answer)


def proxy_deployment(symbol: str, aggregator: str) -> tuple[str, str, tuple[str, ...], tuple]:
    """Chainlink's EACAggregatorProxy in front of `aggregator`, no access controller: the address
    every consumer reads, as on mainnet, so a read costs the proxy's hop and phase bookkeeping too."""
    code = solidity.artifact("EACAggregatorProxy")["bytecode"]
    return code, f"feed {symbol}", ("address", "address"), (aggregator, "0x" + "00" * 20)


def build(rpc: Rpc, plan: Plan, project_bytecode: Callable[[str], str], log: Log = lambda _: None) -> MarketRecord:
    """Deploy the market of `plan` on the node behind `rpc`, whose clock must
    be before the close of `plan.date` (an anvil started with
    `--timestamp genesis_timestamp(date)`). Returns its record."""
    accounts = rpc.call("eth_accounts")
    if len(accounts) <= MAKER_INDEX:
        raise MarketError("the node has no unlocked dev account 9: build on an anvil node")
    maker = to_checksum_address(accounts[MAKER_INDEX])
    if rpc.timestamp() >= close_timestamp(plan.date):
        raise MarketError(f"the node's clock is past the close of {plan.date}: start anvil with --timestamp")
    rpc.set_balance(maker, MAKER_ETH)
    quote = history.quote_symbol()
    weth_symbol = history.weth_symbol()

    log("deploying Uniswap V2 and V3 from their npm bytecode")
    dex = deploy_uniswap(rpc, maker)
    weth, v2_router, swap_router, position_manager = dex.weth, dex.v2_router, dex.swap_router, dex.position_manager
    v2_factory, v3_factory = dex.v2_factory, dex.v3_factory

    symbols = [quote, *plan.symbols]
    fed = [s for s in symbols if s not in plan.twap_only]  # the assets with a Chainlink feed
    infos = {s: history.token_info(s) for s in symbols}
    log(f"deploying {len(symbols)} tokens and {len(fed)} Chainlink feeds")
    token_code = project_bytecode("MockToken")
    mocks = [s for s in symbols if s != weth_symbol]
    deployed = rpc.deploy_all(
        [
            (
                maker,
                token_code,
                f"token {s}",
                ("string", "string", "uint8"),
                (infos[s].name, infos[s].token, infos[s].decimals),
            )
            for s in mocks
        ]
        + [(maker, *aggregator_deployment(s, int(plan.prices[s] * 10**FEED_DECIMALS))) for s in fed]
    )
    tokens = dict(zip(mocks, deployed[: len(mocks)]))
    if weth_symbol in symbols:
        tokens[weth_symbol] = weth
    aggregators = dict(zip(fed, deployed[len(mocks) :]))
    proxies = rpc.deploy_all([(maker, *proxy_deployment(s, aggregators[s])) for s in fed])
    feeds = dict(zip(fed, proxies))

    volumes = {l.symbol: l.volume_24h for l in plan.listings}
    pools: dict[str, list[Pool]] = {s: [] for s in symbols}
    need: dict[str, int] = {s: 0 for s in symbols}  # base units the pools take, per token
    v2_adds: list[tuple[str, str, int, int]] = []
    v3_adds: list[tuple[str, int, int, list[tuple[int, int, int, int]]]] = []

    def side(symbol: str, usd: Decimal) -> int:
        return _to_units(usd, plan.prices[symbol], infos[symbol].decimals)

    for symbol in [s for s in plan.symbols if s not in plan.twap_only]:
        tvl = max(volumes[symbol] * V2_SHARE, V2_FLOOR)
        amount, quote_amount = side(symbol, tvl / 2), side(quote, tvl / 2)
        v2_adds.append((symbol, quote, amount, quote_amount))
        need[symbol] += amount
        need[quote] += quote_amount
        if infos[symbol].weth_pool and weth_symbol in symbols and symbol != weth_symbol:
            tvl = max(volumes[symbol] * WETH_SHARE, WETH_FLOOR)
            amount, weth_amount = side(symbol, tvl / 2), side(weth_symbol, tvl / 2)
            v2_adds.append((symbol, weth_symbol, amount, weth_amount))
            need[symbol] += amount
            need[weth_symbol] += weth_amount
    for symbol in plan.symbols:
        fee = V3_FEES.get(symbol, V3_DEFAULT_FEE)
        token0, token1 = amm.sort_tokens(tokens[symbol], tokens[quote])
        asset_is_0 = token0 == tokens[symbol]
        ratio = amm.base_price(plan.prices[symbol] / plan.prices[quote], infos[symbol].decimals, infos[quote].decimals)
        ratio = ratio if asset_is_0 else 1 / ratio  # token1 per token0
        spacing = uni.TICK_SPACING[fee]
        sqrt_now = amm.sqrt_price_x96(ratio)
        tvl = max(volumes[symbol] * V3_SHARE, V2_FLOOR)
        full_range = (amm.tick_at(Fraction(0), spacing, round_up=True), amm.tick_at(None, spacing, round_up=False))
        ranges = [
            (
                amm.tick_at(ratio * Fraction(1 - V3_RANGE), spacing, round_up=False),
                amm.tick_at(ratio * Fraction(1 + V3_RANGE), spacing, round_up=True),
                V3_CONCENTRATED,
            ),
            (*full_range, 1 - V3_CONCENTRATED),
        ]
        if symbol in plan.twap_only:
            # Its only pool, and its only price: all of it over the full range, so its in-range
            # liquidity (what the TwapFeed's `min_liquidity` checks) is the same at every price the
            # replay takes it to. A concentrated position, which nobody re-centres on a replayed
            # market, would leave the pool 30 times thinner (and its TWAP refused) past +-20 %.
            ranges = [(*full_range, Decimal(1))]
        positions = []
        for lower, upper, share in ranges:
            sqrt_lower, sqrt_upper = amm.sqrt_at_tick(lower), amm.sqrt_at_tick(upper)
            # The position's worth in token1: quote units when the asset is token0, else asset units.
            value1 = side(quote, tvl * share) if asset_is_0 else side(symbol, tvl * share)
            liquidity = amm.v3_liquidity_for_value(value1, sqrt_now, sqrt_lower, sqrt_upper)
            amount0, amount1 = amm.v3_amounts(liquidity, sqrt_now, sqrt_lower, sqrt_upper)
            amount0, amount1 = amount0 + amount0 // 1000 + 1, amount1 + amount1 // 1000 + 1
            positions.append((lower, upper, amount0, amount1))
            need[symbol] += amount0 if asset_is_0 else amount1
            need[quote] += amount1 if asset_is_0 else amount0
        v3_adds.append((symbol, fee, sqrt_now, positions))

    log("funding the market maker and approving the routers")
    txs: list[Tx] = []
    for symbol in symbols:
        amount = max(need[symbol], 1) * INVENTORY
        if symbol == weth_symbol:
            txs.append(Tx(maker, weth, uni.WETH_DEPOSIT(), "wrap ETH", value=amount, gas=100_000))
        else:
            txs.append(Tx(maker, tokens[symbol], uni.MOCK_MINT(maker, amount), f"mint {symbol}", gas=100_000))
        for spender in (v2_router, swap_router, position_manager):
            txs.append(
                Tx(maker, tokens[symbol], uni.ERC20_APPROVE(spender, uni.MAX_UINT), f"approve {symbol}", gas=100_000)
            )
    rpc.transact(txs)

    log(f"seeding {len(v2_adds)} V2 and {len(v3_adds)} V3 pools")
    txs = [
        Tx(
            maker,
            v2_router,
            uni.V2_ADD_LIQUIDITY(tokens[a], tokens[b], x, y, 0, 0, maker, DEADLINE),
            f"V2 {a}/{b}",
            gas=5_000_000,
        )
        for a, b, x, y in v2_adds
    ]
    for symbol, fee, sqrt_now, positions in v3_adds:
        token0, token1 = amm.sort_tokens(tokens[symbol], tokens[quote])
        txs.append(
            Tx(
                maker,
                position_manager,
                uni.V3_CREATE_POOL(token0, token1, fee, sqrt_now),
                f"V3 {symbol}/{quote} pool",
                gas=6_000_000,
            )
        )
        for lower, upper, amount0, amount1 in positions:
            txs.append(
                Tx(
                    maker,
                    position_manager,
                    uni.V3_MINT((token0, token1, fee, lower, upper, amount0, amount1, 0, 0, maker, DEADLINE)),
                    f"V3 {symbol}/{quote} position {lower}..{upper}",
                    gas=1_000_000,
                )
            )
    rpc.transact(txs)

    v2_pairs = rpc.read([(v2_factory, uni.V2_GET_PAIR, (tokens[a], tokens[b])) for a, b, _, _ in v2_adds])
    for (a, b, _, _), (pair,) in zip(v2_adds, v2_pairs):
        pools[a].append(Pool(dex="v2", pair=b, address=to_checksum_address(pair), fee=3000))
    v3_pools = rpc.read([(v3_factory, uni.V3_GET_POOL, (tokens[s], tokens[quote], f)) for s, f, *_ in v3_adds])
    for (symbol, fee, *_), (pool,) in zip(v3_adds, v3_pools):
        pools[symbol].append(Pool(dex="v3", pair=quote, address=to_checksum_address(pool), fee=fee))

    # Last, so every address deployed before it is what it was before Morpho joined the market.
    log("deploying Morpho Blue, compiled from its npm sources")
    lending = deploy_morpho(rpc, maker)

    # After Morpho, so no contract's address moves: nothing is deployed here.
    log(f"growing {len(v3_adds)} V3 pools' observation rings to {OBSERVATIONS} slots")
    rpc.transact(
        [
            Tx(maker, pool, uni.V3_GROW_OBSERVATIONS(OBSERVATIONS), f"observations {symbol}", gas=OBSERVATIONS * 25_000)
            for (symbol, *_), (pool,) in zip(v3_adds, v3_pools)
        ]
    )

    # Post the day's closes at its last second, so the build's blocks end at the close.
    timestamp = close_timestamp(plan.date)
    rpc.transact(
        [
            Tx(
                maker,
                aggregators[s],
                AGGREGATOR_UPDATE(int(plan.prices[s] * 10**FEED_DECIMALS)),
                f"feed {s}",
                gas=200_000,
            )
            for s in fed
        ],
        timestamp=timestamp,
    )
    assets = {
        s: Asset(
            symbol=s,
            token_symbol=infos[s].token,
            name=infos[s].name,
            decimals=infos[s].decimals,
            token=to_checksum_address(tokens[s]),
            kind="weth9" if s == weth_symbol else "mock",
            feed=to_checksum_address(feeds[s]) if s in feeds else None,
            feed_decimals=FEED_DECIMALS if s in feeds else 0,
            heartbeat=HEARTBEAT if s in feeds else 0,
            pools=pools[s],
            aggregator=to_checksum_address(aggregators[s]) if s in aggregators else None,
        )
        for s in symbols
    }
    return MarketRecord(
        date=plan.date,
        day=plan.date,
        chain_id=rpc.chain_id(),
        timestamp=timestamp,
        quote=quote,
        maker=maker,
        depth_rule=DEPTH_RULE,
        uniswap=dex,
        assets=assets,
        lending=lending,
    )
