"""One asset in, one asset out: quotes for minting an index from a single
token and redeeming it into one. Sending them through
`contracts/periphery/IndexRouter.vy` is `indexvault.oneasset_router`'s (Ape);
this module imports neither Ape nor web3.

The quotes are pure functions of pool states (`indexvault.market.pools`),
feed prices and the vault's amounts. For each component they try every
route the market offers between the two tokens, in the vault's order:
- DIRECT when the component is the token paid (received) itself;
- each Uniswap V2 pair of the two, and each V2 path through one third token
  (USDC -> WETH -> WBTC);
- each Uniswap V3 pool of the two;
and keep the cheapest (mint: least in; redeem: most out). Each chosen swap
is applied to the pools before the next component is quoted, as the router
executes them one after the other, so two routes through one pool are
quoted as the chain will run them.

V2 is exact: `UniswapV2Library.getAmountIn/getAmountOut`. V3 is the
in-range sqrt-price math of Uniswap's `SwapMath` with its rounding (exact
while no initialized tick is crossed); callers pass `v3_quoter`, a QuoterV2
eth_call through their reader, which is exact whatever the ticks, for pools
no earlier route has moved.

Price impact is measured against the feeds: for a purchase, what was paid
over what was bought, both valued at the feeds, minus one; for a sale, one
minus what was received over what was sold. It includes the pools' fees,
shown apart as `fee`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from indexvault import amm
from indexvault.errors import QuoteError
from indexvault.market.pools import PoolState
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function, RpcError
from indexvault.units import from_base

# IndexRouter's route kinds (contract constants DIRECT, V2, V3).
DIRECT, V2, V3 = 0, 1, 2
DEX_NAMES = {DIRECT: "direct", V2: "v2", V3: "v3"}
V2_FEE_PIPS = 3000

QUOTE_EXACT_OUTPUT_SINGLE = Function(
    "quoteExactOutputSingle((address,address,uint256,uint24,uint160))", "uint256,uint160,uint32,uint256"
)
QUOTE_EXACT_INPUT_SINGLE = Function(
    "quoteExactInputSingle((address,address,uint256,uint24,uint160))", "uint256,uint160,uint32,uint256"
)

Side = Literal["mint", "redeem"]
# (pool address, fee, token in, token out, amount, exact output) -> amount in (exact output) or out; None: no quote
V3Quote = Callable[[str, int, str, str, int, bool], "int | None"]


# ---- the pools a quote moves --------------------------------------------------------------


@dataclass
class _Pool:
    dex: int
    address: str
    fee: int  # hundredths of a bip
    token0: str
    token1: str
    reserves: list[int] | None  # V2 [token0, token1]
    sqrt_x96: int | None  # V3
    liquidity: int | None  # V3
    touched: bool = False  # moved by an earlier route of this quote

    def other(self, token: str) -> str:
        return self.token1 if token == self.token0 else self.token0

    def amount_in(self, token_in: str, amount_out: int, v3_quote: V3Quote | None, apply: bool = False) -> int:
        zero_for_one = token_in == self.token0
        try:
            if self.dex == V2:
                r_in, r_out = self.reserves if zero_for_one else self.reserves[::-1]
                amount = amm.v2_amount_in(amount_out, r_in, r_out)
                if apply:
                    self._move_v2(zero_for_one, amount, amount_out)
                return amount
            amount, after = amm.v3_amount_in(amount_out, self.sqrt_x96, self.liquidity, self.fee, zero_for_one)
        except amm.ShallowPool as error:
            raise QuoteError(str(error)) from None
        if v3_quote is not None and not self.touched:
            quoted = v3_quote(self.address, self.fee, token_in, self.other(token_in), amount_out, True)
            amount = quoted if quoted is not None else amount
        if apply:
            self.sqrt_x96, self.touched = after, True
        return amount

    def amount_out(self, token_in: str, amount_in: int, v3_quote: V3Quote | None, apply: bool = False) -> int:
        zero_for_one = token_in == self.token0
        if self.dex == V2:
            r_in, r_out = self.reserves if zero_for_one else self.reserves[::-1]
            amount = amm.v2_amount_out(amount_in, r_in, r_out)
            if apply:
                self._move_v2(zero_for_one, amount_in, amount)
            return amount
        amount, after = amm.v3_amount_out(amount_in, self.sqrt_x96, self.liquidity, self.fee, zero_for_one)
        if v3_quote is not None and not self.touched:
            quoted = v3_quote(self.address, self.fee, token_in, self.other(token_in), amount_in, False)
            amount = quoted if quoted is not None else amount
        if apply:
            self.sqrt_x96, self.touched = after, True
        return amount

    def _move_v2(self, zero_for_one: bool, amount_in: int, amount_out: int) -> None:
        if zero_for_one:
            self.reserves = [self.reserves[0] + amount_in, self.reserves[1] - amount_out]
        else:
            self.reserves = [self.reserves[0] - amount_out, self.reserves[1] + amount_in]
        self.touched = True


def _book(states: list[PoolState]) -> list[_Pool]:
    pools = []
    for s in states:
        token0, token1 = amm.sort_tokens(s.asset.token, s.pair.token)
        dex = V2 if s.pool.dex == "v2" else V3
        pools.append(
            _Pool(
                dex,
                s.pool.address,
                s.pool.fee,
                token0.lower(),
                token1.lower(),
                list(s.reserves) if s.reserves else None,
                s.sqrt_x96,
                s.liquidity,
            )
        )
    return pools


# ---- quotes ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteQuote:
    """One component's swap: what is sold, what is bought, through which pools."""

    component: str  # the component's token symbol
    dex: int  # DIRECT, V2 or V3
    path: tuple[str, ...]  # token addresses, from what is sold to what is bought
    symbols: tuple[str, ...]  # their token symbols
    fee: int  # the V3 pool's fee (hundredths of a bip); V2: 3000 a hop; DIRECT: 0
    hops: int
    amount_in: int  # base units of path[0]
    amount_out: int  # base units of path[-1]
    decimals_in: int
    decimals_out: int
    value_in: Decimal  # USD at the feeds
    value_out: Decimal

    @property
    def fee_fraction(self) -> Decimal:
        """The pools' fees along the route, compounded: 0.003 for one V2 pair."""
        kept = (1 - Decimal(self.fee) / amm.FEE_UNITS) ** self.hops
        return 1 - kept

    def impact(self, side: Side) -> Decimal:
        """Cost against the feeds, fees included (positive: worse than the feed)."""
        if self.dex == DIRECT or not self.value_in or not self.value_out:
            return Decimal(0)
        return self.value_in / self.value_out - 1 if side == "mint" else 1 - self.value_out / self.value_in

    @property
    def label(self) -> str:
        if self.dex == DIRECT:
            return "direct"
        pools = f"{self.fee / 10_000:g} %" if self.dex == V3 else "0.3 %" + (" x2" if self.hops > 1 else "")
        return f"{DEX_NAMES[self.dex]} {'>'.join(self.symbols)} ({pools})"

    @property
    def args(self) -> tuple[int, int, list[str]]:
        """The contract's `Route` struct: (dex, fee, path)."""
        return self.dex, self.fee if self.dex == V3 else 0, list(self.path) if self.dex != DIRECT else []


@dataclass(frozen=True)
class Quote:
    side: Side
    token: str  # the one asset's token address
    symbol: str
    decimals: int
    shares: int  # index token wei
    routes: list[RouteQuote] = field(default_factory=list)

    @property
    def total(self) -> int:
        """Mint: what the routes need of the input token; redeem: what they pay of the output token."""
        return sum(r.amount_in if self.side == "mint" else r.amount_out for r in self.routes)

    @property
    def notional(self) -> Decimal:
        """The components' value at the feeds (USD)."""
        return sum((r.value_out if self.side == "mint" else r.value_in) for r in self.routes) or Decimal(0)

    @property
    def value(self) -> Decimal:
        """The one asset's side at the feeds (USD)."""
        return sum((r.value_in if self.side == "mint" else r.value_out) for r in self.routes) or Decimal(0)

    @property
    def cost(self) -> Decimal:
        """USD lost against the feeds: paid above (mint) or received below (redeem) the notional."""
        return self.value - self.notional if self.side == "mint" else self.notional - self.value

    @property
    def cost_bps(self) -> Decimal:
        return self.cost / self.notional * 10_000 if self.notional else Decimal(0)

    def bound(self, slippage: Decimal) -> int:
        """max_in = total x (1 + slippage), rounded up; min_out = total x (1 - slippage), rounded down."""
        if self.side == "mint":
            return math.ceil(Decimal(self.total) * (1 + slippage))
        return math.floor(Decimal(self.total) * (1 - slippage))

    def route_args(self) -> list[tuple[int, int, list[str]]]:
        return [r.args for r in self.routes]


def quote_mint(
    market: MarketRecord,
    states: list[PoolState],
    feeds: dict[str, Decimal],
    components: list[str],
    amounts: list[int],
    input_symbol: str,
    shares: int = 0,
    v3_quote: V3Quote | None = None,
) -> Quote:
    """Buying exactly `amounts` of `components` (the vault's `amounts_for_mint`)
    with the asset `input_symbol`, the cheapest route each, in order."""
    return _quote("mint", market, states, feeds, components, amounts, input_symbol, shares, v3_quote)


def quote_redeem(
    market: MarketRecord,
    states: list[PoolState],
    feeds: dict[str, Decimal],
    components: list[str],
    amounts: list[int],
    output_symbol: str,
    shares: int = 0,
    v3_quote: V3Quote | None = None,
) -> Quote:
    """Selling exactly `amounts` of `components` (the vault's `amounts_for_redeem`)
    for the asset `output_symbol`, the best route each, in order."""
    return _quote("redeem", market, states, feeds, components, amounts, output_symbol, shares, v3_quote)


def sized(
    side: Side,
    market: MarketRecord,
    states: list[PoolState],
    feeds: dict[str, Decimal],
    components: list[str],
    reference: int,
    amounts: list[int],
    symbol: str,
) -> Callable[[int], int]:
    """`n` index wei -> what the routes need (mint) or pay (redeem) of `symbol` now: the vault's amounts
    for `reference` index wei scaled to `n` (up for a mint, down for a redeem, as the vault rounds) and
    the pools' in-range math (no QuoterV2), cached; 0 where the pools cannot. What the keepers size
    their trades with; the exact quote of the size they choose is `quote_mint` / `quote_redeem` with
    the QuoterV2."""
    cache: dict[int, int] = {}
    build = quote_mint if side == "mint" else quote_redeem

    def total(n: int) -> int:
        if n <= 0:
            return 0
        if n not in cache:
            scaled = [-(-a * n // reference) if side == "mint" else a * n // reference for a in amounts]
            try:
                cache[n] = build(market, states, feeds, components, scaled, symbol, n, None).total
            except QuoteError:
                cache[n] = 0
        return cache[n]

    return total


def _quote(side, market, states, feeds, components, amounts, symbol, shares, v3_quote) -> Quote:
    one = market.by_token_symbol(symbol)
    if one is None:
        raise QuoteError(f"{symbol!r} is not an asset of the {market.date} market")
    by_token = {a.token.lower(): a for a in market.assets.values()}
    pools = _book(states)
    quote = Quote(side, one.token, one.token_symbol, one.decimals, shares)
    for token, amount in zip(components, amounts):
        asset = by_token.get(token.lower())
        if asset is None:
            raise QuoteError(f"component {token} is not an asset of the {market.date} market")
        sold, bought = (one, asset) if side == "mint" else (asset, one)
        best = None
        for route in _routes(pools, sold.token.lower(), bought.token.lower()):
            try:
                moved = _through(route, sold.token.lower(), amount, side, v3_quote, apply=False)
            except QuoteError:
                continue
            better = best is None or (moved < best[1] if side == "mint" else moved > best[1])
            if better:
                best = (route, moved)
        if best is None:
            raise QuoteError(
                f"no route between {one.token_symbol} and {asset.token_symbol} can "
                f"{'buy' if side == 'mint' else 'sell'} {from_base(amount, asset.decimals)} "
                f"{asset.token_symbol}"
            )
        route, moved = best
        _through(route, sold.token.lower(), amount, side, v3_quote, apply=True)
        amount_in, amount_out = (moved, amount) if side == "mint" else (amount, moved)
        path = _path(route, sold.token.lower())
        symbols = tuple(by_token[t].token_symbol for t in path) if route else (asset.token_symbol,)
        dex = DIRECT if not route else route[0].dex
        fee = 0 if not route else (route[0].fee if dex == V3 else V2_FEE_PIPS)
        quote.routes.append(
            RouteQuote(
                component=asset.token_symbol,
                dex=dex,
                path=tuple(by_token[t].token for t in path) if route else (asset.token,),
                symbols=symbols,
                fee=fee,
                hops=len(route),
                amount_in=amount_in,
                amount_out=amount_out,
                decimals_in=sold.decimals,
                decimals_out=bought.decimals,
                value_in=from_base(amount_in, sold.decimals) * feeds[sold.symbol],
                value_out=from_base(amount_out, bought.decimals) * feeds[bought.symbol],
            )
        )
    return quote


def _routes(pools: list[_Pool], token_in: str, token_out: str) -> list[list[_Pool]]:
    """Every route from `token_in` to `token_out`: [] (DIRECT) when they are
    one token, each pool of the two, each V2 path through one third token."""
    if token_in == token_out:
        return [[]]
    routes = [[p] for p in pools if {p.token0, p.token1} == {token_in, token_out}]
    v2 = [p for p in pools if p.dex == V2]
    for first in v2:
        if token_in not in (first.token0, first.token1):
            continue
        middle = first.other(token_in)
        if middle == token_out:
            continue
        for second in v2:
            if second is not first and {second.token0, second.token1} == {middle, token_out}:
                routes.append([first, second])
    return routes


def _path(route: list[_Pool], token_in: str) -> list[str]:
    path = [token_in]
    for pool in route:
        path.append(pool.other(path[-1]))
    return path


def _through(route: list[_Pool], token_in: str, amount: int, side: Side, v3_quote, apply: bool) -> int:
    """Mint: what `route` takes of `token_in` for exactly `amount` of its last
    token. Redeem: what it pays of its last token for `amount` of `token_in`."""
    if not route:
        return amount
    path = _path(route, token_in)
    if side == "mint":  # exact output, as Router02's getAmountsIn: from the last pool back to the first
        outs, need = [0] * len(route), amount
        for i in range(len(route) - 1, -1, -1):
            outs[i] = need
            need = route[i].amount_in(path[i], need, v3_quote)
        if apply:  # then forwards, each pool paying what the next one takes
            for i, pool in enumerate(route):
                pool.amount_in(path[i], outs[i], v3_quote, apply=True)
        return need
    for i, pool in enumerate(route):
        amount = pool.amount_out(path[i], amount, v3_quote, apply=apply)
    return amount


# ---- reading the chain through an injected reader, and printing ----------------------------


def v3_quoter(reader, market: MarketRecord) -> V3Quote:
    """QuoterV2 through eth_call (`reader.read`, as `Rpc.read`): exact across ticks."""

    def quote(pool: str, fee: int, token_in: str, token_out: str, amount: int, exact_output: bool) -> int | None:
        fn = QUOTE_EXACT_OUTPUT_SINGLE if exact_output else QUOTE_EXACT_INPUT_SINGLE
        try:
            return reader.read([(market.uniswap.quoter, fn, ((token_in, token_out, amount, fee, 0),))])[0][0]
        except RpcError:  # a pool the quoter cannot quote keeps the in-range math's answer
            return None

    return quote


def describe(quoted: Quote) -> list[str]:
    """The quote route by route, as the scripts print it."""
    mint = quoted.side == "mint"
    lines = [
        f"  {'component':<9} {'route':<28} {'pays' if mint else 'sells':>26} {'gets':>26} {'impact':>8} {'fee':>6}"
    ]
    for r in quoted.routes:
        paid = f"{from_base(r.amount_in, r.decimals_in):.6f} {r.symbols[0]}"
        got = f"{from_base(r.amount_out, r.decimals_out):.6f} {r.symbols[-1]}"
        lines.append(
            f"  {r.component:<9} {r.label:<28} {paid:>26} {got:>26} "
            f"{r.impact(quoted.side):>8.3%} {r.fee_fraction:>6.2%}"
        )
    total = f"{from_base(quoted.total, quoted.decimals):f} {quoted.symbol}"
    lines.append(
        f"  total {total} for components worth {quoted.notional:,.2f} USD at the feeds: "
        f"cost {quoted.cost:,.4f} USD ({quoted.cost_bps:.1f} bps)"
    )
    return lines
