"""A trade on one of the market's pools, as any other trader makes it:
`ape run market swap --sell USDC --buy WBTC --amount 10000`, or on an
index token's own pool (`--buy MKT10`, the pool `ape run keeper arbitrage
--create-pool` recorded), which is how a user shocks that pool and watches
the arbitrage keeper bring it back.

- `find_pool` picks the pool between the two tokens: a market asset's pools
  from the market record (`--dex v2|v3` when it has both), or an index's
  recorded pool; anything else is refused with the pools there are.
- `amount_for_move` sizes a trade that makes the bought token dearer in the
  pool by a fraction (`--move 50%`): on V2 in closed form
  (`amm.v2_amount_to_price`, the constant product with its fee); on V3 as the
  sqrt price the swap stops at (`sqrt_limit`), the router taking only what
  reaching it costs.
- `swap_txs` are the calls: an approval when the allowance is short, then
  Router02's `swapExactTokensForTokens` (with the constant product's exact
  output as its minimum) or SwapRouter's `exactInputSingle`.

The trade is signed by the user's account (`--account`, a local chain's
first test account by default) from its own balance: `ape run market fund`
gives it a local market's tokens, `ape run mint` index tokens.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any, Literal

from indexvault import amm
from indexvault.market import uniswap as uni
from indexvault.market.pools import feed_prices
from indexvault.market.record import MarketError, MarketRecord
from indexvault.market.rpc import Function

Dex = Literal["v2", "v3"]
DEADLINE = 2**63
SWAP_GAS = {"v2": 300_000, "v3": 600_000}
APPROVE_GAS = 100_000
ALLOWANCE = Function("allowance(address,address)", "uint256")


@dataclass(frozen=True)
class Side:
    """One token of a trade: its symbol on chain, address and decimals."""

    symbol: str
    token: str
    decimals: int


@dataclass(frozen=True)
class PoolRef:
    """The pool a trade goes through, and which of its tokens is sold."""

    label: str  # "WBTC/USDC v2", "MKT10/USDC v2"
    address: str
    dex: Dex
    fee: int  # hundredths of a basis point (3000: 0.3 %)
    sell: Side
    buy: Side
    asset: Side  # the side priced (the pool's asset, or the index token) ...
    pair: Side  # ... in this one (USDC or WETH)
    index: str | None = None  # the index's symbol when this is an index token's pool

    @property
    def sell_is_token0(self) -> bool:
        return amm.sort_tokens(self.sell.token, self.buy.token)[0] == self.sell.token

    @property
    def asset_is_token0(self) -> bool:
        return amm.sort_tokens(self.asset.token, self.pair.token)[0] == self.asset.token


def _side(market: MarketRecord, indexes: dict[str, dict[str, Any]], symbol: str) -> tuple[Side, dict | None]:
    asset = market.by_token_symbol(symbol) or market.by_token_symbol(symbol.upper())
    if asset is not None:
        return Side(asset.token_symbol, asset.token, asset.decimals), None
    for record in indexes.values():
        if record["symbol"].lower() == symbol.lower():
            return Side(record["symbol"], record["vault"], 18), record
    known = ", ".join([a.token_symbol for a in market.assets.values()] + sorted(indexes))
    raise MarketError(
        f"{symbol!r} is neither an asset of the {market.date} market nor an index deployed here ({known})"
    )


def find_pool(
    market: MarketRecord, indexes: dict[str, dict[str, Any]], sell: str, buy: str, dex: Dex | None = None
) -> PoolRef:
    """The pool that trades `sell` for `buy` (token or data symbols, or an
    index's symbol): one of the market's, or an index token's recorded pool."""
    sell_side, sell_index = _side(market, indexes, sell)
    buy_side, buy_index = _side(market, indexes, buy)
    if sell_side.token == buy_side.token:
        raise MarketError(f"--sell and --buy are both {sell_side.symbol}")
    index = sell_index or buy_index
    if index is not None:
        other = buy_side if sell_index is not None else sell_side
        quote = market.assets[market.quote]
        if "pool" not in index:
            raise MarketError(
                f"index {index['symbol']} has no pool: create it with "
                f"`ape run keeper arbitrage --create-pool <USD> --index {index['symbol']}`"
            )
        if other.token != quote.token or (sell_index is not None and buy_index is not None):
            raise MarketError(f"index {index['symbol']}'s pool trades it against {quote.token_symbol} only")
        if dex == "v3":
            raise MarketError(f"index {index['symbol']}'s pool is a Uniswap V2 pair: leave out --dex v3")
        me = sell_side if sell_index is not None else buy_side
        return PoolRef(
            f"{index['symbol']}/{quote.token_symbol} v2",
            index["pool"],
            "v2",
            3000,
            sell_side,
            buy_side,
            me,
            other,
            index["symbol"],
        )
    found = []
    for asset in market.assets.values():
        for pool in asset.pools:
            pair = market.assets[pool.pair]
            if {asset.token, pair.token} == {sell_side.token, buy_side.token}:
                found.append((asset, pair, pool))
    if not found:
        raise MarketError(
            f"the market has no pool of {sell_side.symbol} against {buy_side.symbol}; every asset "
            f"trades against {market.assets[market.quote].token_symbol}, some also against WETH"
        )
    chosen = [f for f in found if dex is None or f[2].dex == dex]
    if not chosen:
        raise MarketError(
            f"no {dex} pool of {sell_side.symbol} against {buy_side.symbol}; there is "
            f"{', '.join(f[2].dex for f in found)}"
        )
    if len(chosen) > 1:  # V2 unless asked: the pair every asset has, moved by an exact amount
        chosen = [f for f in chosen if f[2].dex == "v2"]
    asset, pair, pool = chosen[0]
    return PoolRef(
        f"{asset.token_symbol}/{pair.token_symbol} {pool.dex}",
        pool.address,
        pool.dex,
        pool.fee,
        sell_side,
        buy_side,
        Side(asset.token_symbol, asset.token, asset.decimals),
        Side(pair.token_symbol, pair.token, pair.decimals),
    )


# ---- sizing ------------------------------------------------------------------------------------


def price(ref: PoolRef, state: tuple[int, int] | int) -> Decimal:
    """The pool's price of its asset in whole pair tokens (USDC per WBTC, per
    index token), from V2 reserves `(token0, token1)` or a V3 sqrtPriceX96."""
    if ref.dex == "v2":
        r0, r1 = state
        r_asset, r_pair = (r0, r1) if ref.asset_is_token0 else (r1, r0)
        return amm.v2_price(r_asset, r_pair, ref.asset.decimals, ref.pair.decimals)
    ratio = amm.ratio_from_sqrt(state)  # token1 per token0
    return amm.whole_price(ratio if ref.asset_is_token0 else 1 / ratio, ref.asset.decimals, ref.pair.decimals)


def amount_for_move(ref: PoolRef, move: Decimal, reserves: tuple[int, int]) -> int:
    """What to sell into a V2 pool so that the bought token's price rises by
    `move` (0.5: +50 %), the pool's fee included."""
    r0, r1 = reserves
    r_sell, r_buy = (r0, r1) if ref.sell_is_token0 else (r1, r0)
    return amm.v2_amount_to_price(r_sell, r_buy, Fraction(r_buy, r_sell) / (1 + Fraction(move)))


def sqrt_limit(ref: PoolRef, move: Decimal, sqrt_x96: int) -> int:
    """The sqrt price at which a V3 swap has made the bought token `move` dearer."""
    ratio = amm.ratio_from_sqrt(sqrt_x96)  # token1 per token0
    # Selling token0 lowers token1-per-token0: the bought token1 gets dearer by (1 + move).
    target = ratio / (1 + Fraction(move)) if ref.sell_is_token0 else ratio * (1 + Fraction(move))
    return amm.sqrt_price_x96(target)


# ---- the calls ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    to: str
    data: str
    gas: int
    label: str


def swap_calls(
    market: MarketRecord, ref: PoolRef, trader: str, amount_in: int, allowance: int, min_out: int = 0, limit: int = 0
) -> list[Call]:
    """The approval (when `allowance` is short) and the swap, as calls from `trader`."""
    router = market.uniswap.v2_router if ref.dex == "v2" else market.uniswap.swap_router
    calls = []
    if allowance < amount_in:
        calls.append(
            Call(ref.sell.token, uni.ERC20_APPROVE(router, uni.MAX_UINT), APPROVE_GAS, f"approve {ref.sell.symbol}")
        )
    if ref.dex == "v2":
        data = uni.V2_SWAP_EXACT_IN(amount_in, min_out, [ref.sell.token, ref.buy.token], trader, DEADLINE)
    else:
        data = uni.V3_EXACT_INPUT_SINGLE(
            (ref.sell.token, ref.buy.token, ref.fee, trader, DEADLINE, amount_in, min_out, limit)
        )
    calls.append(Call(router, data, SWAP_GAS[ref.dex], f"swap on {ref.label}"))
    return calls


# ---- the thin layer: read, size, send -----------------------------------------------------------------


def read_state(reader, ref: PoolRef) -> tuple[int, int] | int:
    """V2: the reserves (token0, token1); V3: sqrtPriceX96."""
    if ref.dex == "v2":
        r0, r1, _ = reader.read([(ref.address, uni.V2_RESERVES, ())])[0]
        return r0, r1
    return reader.read([(ref.address, uni.V3_SLOT0, ())])[0][0]


def against_feed(reader, market: MarketRecord, ref: PoolRef) -> str:
    """A market pool's price against the feeds' (what `ape run market swap` prints)."""
    feeds = feed_prices(reader, market)
    asset, pair = market.by_token_symbol(ref.asset.symbol), market.by_token_symbol(ref.pair.symbol)
    pool = price(ref, read_state(reader, ref))
    feed = feeds[asset.symbol] / feeds[pair.symbol]
    return f"pool {pool:,.6g}, feed {feed:,.6g} {ref.pair.symbol} per {ref.asset.symbol} (gap {pool / feed - 1:+.4%})"


def _balances(reader, ref: PoolRef, trader: str) -> tuple[int, int]:
    (sold,), (bought,) = reader.read(
        [(ref.sell.token, uni.ERC20_BALANCE, (trader,)), (ref.buy.token, uni.ERC20_BALANCE, (trader,))]
    )
    return sold, bought


@dataclass(frozen=True)
class Trade:
    """What a swap did: the pool's price before and after, what was paid and received (base units)."""

    ref: PoolRef
    before: Decimal
    after: Decimal
    paid: int
    received: int
    gas_used: int

    @property
    def move(self) -> Decimal:
        return self.after / self.before - 1


def trade(
    reader,
    market: MarketRecord,
    ref: PoolRef,
    trader: str,
    send,
    amount: int | None = None,
    move: Decimal | None = None,
) -> Trade:
    """Sell `amount` base units of `ref.sell` into the pool, or as much as
    makes the bought token `move` dearer (V2: exactly that amount; V3: the
    trader's balance offered, the swap stopping at the price). `send(calls)`
    signs and sends the calls from `trader` and returns the gas they used.
    Refuses, sending nothing, when the trader holds too little."""
    if (amount is None) == (move is None):
        raise MarketError("give either --amount or --move")
    state = read_state(reader, ref)
    before = price(ref, state)
    held, bought_before = _balances(reader, ref, trader)
    limit = min_out = 0
    if move is not None:
        if move <= 0:
            raise MarketError(
                f"--move {move:%}: give a positive move; the bought token's price rises, so "
                "swap --sell and --buy to move it the other way"
            )
        if ref.dex == "v2":
            amount = amount_for_move(ref, move, state)
        else:
            amount, limit = held, sqrt_limit(ref, move, state)
    if ref.dex == "v2":
        r0, r1 = state
        r_sell, r_buy = (r0, r1) if ref.sell_is_token0 else (r1, r0)
        min_out = amm.v2_amount_out(amount, r_sell, r_buy)  # exact: the constant product with its fee
        if min_out == 0:
            raise MarketError(f"{amount} base units of {ref.sell.symbol} buy nothing on {ref.label}")
    if amount == 0 or held < amount:
        need = Decimal(amount) / 10**ref.sell.decimals
        how = (
            f"`ape run market fund {ref.sell.symbol} {need:f}`"
            if ref.sell.symbol in {a.token_symbol for a in market.assets.values()}
            else f"`ape run mint --shares {need:f}`"
        )
        raise MarketError(
            f"{trader} holds {Decimal(held) / 10**ref.sell.decimals:f} {ref.sell.symbol}; the trade "
            f"sells {need:f}: get them first with {how}"
        )
    router = market.uniswap.v2_router if ref.dex == "v2" else market.uniswap.swap_router
    (allowance,) = reader.read([(ref.sell.token, ALLOWANCE, (trader, router))])[0]
    gas_used = send(swap_calls(market, ref, trader, amount, allowance, min_out, limit))
    held_after, bought_after = _balances(reader, ref, trader)
    return Trade(
        ref, before, price(ref, read_state(reader, ref)), held - held_after, bought_after - bought_before, gas_used
    )


def ape_sender(account):
    """`send` for `trade`: each call as an Ape transaction signed by `account`; the gas they used."""
    from ape import chain

    def send(calls: list[Call]) -> int:
        ecosystem = chain.provider.network.ecosystem
        used = 0
        for call in calls:
            tx = ecosystem.create_transaction(receiver=call.to, data=call.data, gas_limit=call.gas)
            used += account.call(tx).gas_used
        return used

    return send
