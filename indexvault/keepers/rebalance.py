"""Rebalance keeper decisions: pure functions over a snapshot of chain state.

Two decisions live here, neither reads a chain:
- `decide(snapshot, settings)`: which auction bids to fill now through
  `RebalanceBidder.fill`, each with the pool route, the size and the least
  profit the keeper accepts, and a reason for every token it does not bid
  on. Sales come before purchases (a purchase spends the quote that sales
  bring in), each bid is sized so the pool's price moves at most
  `max_impact_bps`, and no further than where the pool's marginal price
  (after its fee) meets the auction's, and a bid is made only when the
  profit after the pool fee and the gas is at least `min_profit_usd`.
  Sizes and quote amounts are the Rebalancer's own: whole unit steps of
  the token and of the quote (`auction_model.whole_step_take`/`_quote`),
  so the profit decided on is the profit the bid makes.
- `propose(...)`: the `Rebalancer.propose` arguments that take an index to a
  methodology's target units on a snapshot date.

Pool math: V2 is exact (`amm.v2_amount_out` and the router's
`getAmountIn`); V3 uses the in-range formula (one active liquidity, no tick
crossed), which holds while a bid moves the price less than the distance to
the next initialised tick: the market's pools have liquidity over +-20 %
and over the full range, far wider than any impact cap here. The bidder
contract checks the real outcome (`min_profit`), so a wrong estimate costs
a reverted transaction, never the vault or the keeper's funds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from indexvault import amm, auction_model, history, methodology
from indexvault.model import UNIT_SCALE, WAD
from indexvault.units import format_amount, format_duration

BPS = 10_000
PIPS = 1_000_000  # Uniswap counts fees in hundredths of a basis point
QUOTE_MARGIN_BPS = 1  # of the vault's quote that purchases leave unspent in a round
# What is left of a target below a cent at the oracle is dust: a rounding step of the units (a whole
# unit step of the supply, e.g. 1,008 wei of AVAX after a sale in market10's walk) that no bid can pay
# its gas for. The keeper counts that target as met instead of waiting for the auction to expire.
DUST_USD = WAD // 100
Dex = Literal["v2", "v3", "v2weth"]
DEX_IDS = {"v2": 0, "v3": 1, "v2weth": 2}  # RebalanceBidder's V2, V3, V2_WETH


# --- the snapshot ----------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """One pool of a token against the quote, as it is now; or ("v2weth") two
    V2 pairs, token/WETH then WETH/quote, swapped through in one go."""

    dex: Dex
    address: str
    fee: int  # pips: 3000 is 0.3 %; for "v2weth" both hops' (5991: 1 - 0.997^2)
    token_is_0: bool
    reserves: tuple[int, int] | None = None  # V2: (token, quote) base units; "v2weth": (token, WETH)
    sqrt_x96: int | None = None  # V3
    liquidity: int | None = None  # V3, in range
    hop: tuple[int, int] | None = None  # "v2weth": the WETH/quote pair's (WETH, quote)

    @property
    def label(self) -> str:
        return f"{self.dex} {self.fee / 10_000:g}%"


@dataclass(frozen=True)
class Component:
    """One token of the current proposal."""

    symbol: str
    token: str
    decimals: int
    target: int  # base units per 1e18 shares, before the multiplier
    unit: int  # the vault's unit now
    sell: bool  # the vault sells it (else buys)
    remaining: int  # base units left to trade (the Rebalancer's `remaining`)
    price: int  # oracle, USD 1e18 per whole token (0 if the oracle refuses it)
    updated_at: int  # the feed's last update (timestamp)
    heartbeat: int  # seconds the adapter accepts a price for
    routes: tuple[Route, ...] = ()


@dataclass(frozen=True)
class Snapshot:
    """What the decisions need, read at one block."""

    timestamp: int
    auction_start: int  # 0: no rebalance
    auction_duration: int
    start_factor: int
    end_factor: int
    band: int
    quote_symbol: str
    quote: str
    quote_decimals: int
    quote_price: int  # oracle, USD 1e18
    quote_updated_at: int
    quote_heartbeat: int
    quote_available: int  # quote the vault holds for all shares (what purchases may spend)
    scale: int  # the vault's supply x multiplier: one unit step is scale / 1e36 base units (whole-step bids)
    components: tuple[Component, ...]
    gas_price: int  # wei
    eth_usd: Decimal  # to price gas

    @property
    def factor(self) -> int:
        return auction_model.factor(
            max(self.timestamp, self.auction_start),
            self.auction_start,
            self.auction_duration,
            self.start_factor,
            self.end_factor,
            self.band,
        )


@dataclass(frozen=True)
class Settings:
    """A keeper's choices."""

    min_profit_usd: Decimal = Decimal(1)  # on top of the gas: 0 bids as soon as a bid pays for its gas
    max_impact_bps: int = 50  # largest move of a pool's price a bid may cause
    gas_margin: Decimal = Decimal("0.1")  # the profit floor is the gas x (1 + this) + min_profit_usd
    gas_v2: int = 230_000  # a bidder fill straight with a V2 pair, measured (python -m benchmarks rebalance: 204k)
    gas_v3: int = 330_000
    max_oracle_age: int | None = None  # seconds; the feed's heartbeat when None
    bisect_steps: int = 64
    # How far the bid's quote limit may be past the auction's price at the snapshot. 0 for feeds that
    # hold a price between rounds (Chainlink); a TWAP moves every second its window slides, so a bid sent
    # at the snapshot's price reverts ("rebalancer: price above limit") whenever the TWAP rises by the
    # next block. The Rebalancer still charges its own price at the block, and the bidder's `min_profit`
    # still refuses a fill that would not pay the gas: the slack only stops the revert.
    limit_slack_bps: int = 0


@dataclass(frozen=True)
class Action:
    """Fill a bid: `RebalanceBidder.fill(token, amount, quote_limit, dex, fee, min_profit)`."""

    symbol: str
    token: str
    sell: bool
    amount: int
    quote_limit: int  # the most quote paid (sale) or the least accepted (purchase)
    dex: Dex
    fee: int
    pool: str
    min_profit: int  # quote base units: the fill reverts below it
    expected_profit: int  # quote base units, after the pool fee, before gas
    gas_usd: Decimal
    impact_bps: Decimal
    factor: int
    reason: str

    @property
    def dex_id(self) -> int:
        return DEX_IDS[self.dex]

    @property
    def route_label(self) -> str:
        return f"{self.dex} {self.fee / 10_000:g}%"


@dataclass(frozen=True)
class Skip:
    """A token (or the whole auction) not bid on now, and why."""

    symbol: str
    reason: str


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    skipped: tuple[Skip, ...]

    def lines(self) -> list[str]:
        out = [f"bid  {a.symbol}: {a.reason}" for a in self.actions]
        return out + [f"skip {s.symbol}: {s.reason}" for s in self.skipped]


# --- pool math ---------------------------------------------------------------


def mid(route: Route) -> Fraction:
    """The pool's price now, quote base units per token base unit."""
    if route.dex == "v2weth":
        (token, weth), (weth2, quote) = route.reserves, route.hop
        return Fraction(weth, token) * Fraction(quote, weth2)
    if route.dex == "v2":
        token, quote = route.reserves
        return Fraction(quote, token)
    ratio = amm.ratio_from_sqrt(route.sqrt_x96)  # token1 per token0
    return ratio if route.token_is_0 else 1 / ratio


def sell_into(route: Route, amount: int) -> tuple[int, Fraction]:
    """Swapping exactly `amount` token for quote: (quote out, price after)."""
    if amount == 0:
        return 0, mid(route)
    if route.dex == "v2weth":  # Router02's getAmountsOut, hop by hop
        (token, weth), (weth2, quote) = route.reserves, route.hop
        mid_weth = amm.v2_amount_out(amount, token, weth)
        out = amm.v2_amount_out(mid_weth, weth2, quote)
        return out, Fraction(weth - mid_weth, token + amount) * Fraction(quote - out, weth2 + mid_weth)
    if route.dex == "v2":
        token, quote = route.reserves
        out = amm.v2_amount_out(amount, token, quote)
        return out, Fraction(quote - out, token + amount)
    q96, s, liq = amm.Q96, route.sqrt_x96, route.liquidity
    net = amount * (PIPS - route.fee) // PIPS
    if route.token_is_0:  # token0 in: the sqrt price falls
        s_next = Fraction(liq * q96 * s, liq * q96 + net * s)
        out = int(liq * (s - s_next) / q96)
        return out, s_next * s_next / (q96 * q96)
    s_next = s + Fraction(net * q96, liq)  # token1 in: it rises
    out = int(liq * q96 * (s_next - s) / (s * s_next))
    return out, (q96 * q96) / (s_next * s_next)


def buy_from(route: Route, amount: int) -> tuple[int, Fraction]:
    """Swapping quote for exactly `amount` token: (quote in, price after);
    (2**256 - 1, ...) when the pool cannot pay it."""
    if amount == 0:
        return 0, mid(route)
    never = 2**256 - 1
    if route.dex == "v2weth":  # Router02's getAmountsIn, from the last hop back
        (token, weth), (weth2, quote) = route.reserves, route.hop
        if amount >= token:
            return never, mid(route)
        weth_in = amm.v2_amount_in(amount, weth, token)
        if weth_in >= weth2:
            return never, mid(route)
        paid = amm.v2_amount_in(weth_in, quote, weth2)
        return paid, Fraction(weth + weth_in, token - amount) * Fraction(quote + paid, weth2 - weth_in)
    if route.dex == "v2":
        token, quote = route.reserves
        if amount >= token:
            return never, mid(route)
        paid = amm.v2_amount_in(amount, quote, token)
        return paid, Fraction(quote + paid, token - amount)
    q96, s, liq = amm.Q96, route.sqrt_x96, route.liquidity
    if route.token_is_0:  # token0 out: the sqrt price rises
        if amount * s >= liq * q96:
            return never, mid(route)
        s_next = Fraction(liq * q96 * s, liq * q96 - amount * s)
        net = liq * (s_next - s) / q96
        price_after = s_next * s_next / (q96 * q96)
    else:  # token1 out: it falls
        s_next = s - Fraction(amount * q96, liq)
        if s_next <= 0:
            return never, mid(route)
        net = liq * q96 * (s - s_next) / (s * s_next)
        price_after = (q96 * q96) / (s_next * s_next)
    paid = -(-(net * PIPS) // (PIPS - route.fee)) + 1
    return int(paid), price_after


# --- the bid decision --------------------------------------------------------


def _stale(now: int, updated_at: int, heartbeat: int, settings: Settings) -> str | None:
    limit = settings.max_oracle_age if settings.max_oracle_age is not None else heartbeat
    age = now - updated_at
    if updated_at == 0 or age > limit:
        return f"stale oracle: price {age} s old, the limit is {limit} s; the bid would revert"
    return None


def _auction_price(c: Component, s: Snapshot, amount: int, factor: int) -> int:
    """Quote the vault asks (sale) or pays (purchase) for `amount`, as the Rebalancer rounds it."""
    return auction_model.quote_amount(amount, c.price, s.quote_price, c.decimals, s.quote_decimals, factor, c.sell)


def _profit(c: Component, s: Snapshot, route: Route, amount: int, factor: int) -> tuple[int, int, Fraction]:
    """(keeper's profit in quote before gas, the auction's quote amount, pool price after), for an
    `amount` already in whole unit steps; the quote snapped to whole quote steps as the Rebalancer does."""
    owed = auction_model.whole_step_quote(_auction_price(c, s, amount, factor), s.scale, c.sell)
    if c.sell:
        out, after = sell_into(route, amount)
        return out - owed, owed, after
    paid, after = buy_from(route, amount)
    return owed - paid, owed, after


def _slacked(owed: int, sell: bool, slack_bps: int) -> int:
    """The bid's quote limit: the most the bidder pays for a sale, the least it takes for a purchase."""
    if sell:
        return owed + owed * slack_bps // BPS
    return owed - owed * slack_bps // BPS


def _size(c: Component, s: Snapshot, route: Route, limit: int, factor: int, settings: Settings) -> int:
    """The largest amount up to `limit` whose price after the swap stays within
    the impact cap and on the profitable side of the auction's price (the
    pool's marginal price, fee off, still better than the auction's).
    Both conditions only fail more as the amount grows: bisect."""
    before = mid(route)
    unit_price = Fraction(_auction_price(c, s, 10**c.decimals, factor), 10**c.decimals)
    keep = Fraction(PIPS - route.fee, PIPS)
    cap = Fraction(settings.max_impact_bps, BPS)

    def ok(amount: int) -> bool:
        if c.sell:
            _, after = sell_into(route, amount)
            return after >= before * (1 - cap) and after * keep >= unit_price
        paid, after = buy_from(route, amount)
        return paid < 2**255 and after <= before * (1 + cap) and after <= unit_price * keep

    low, high = 0, limit
    if ok(high):
        return high
    for _ in range(settings.bisect_steps):
        if high - low <= max(1, high // 10**6):
            break
        middle = (low + high) // 2
        low, high = (middle, high) if ok(middle) else (low, middle)
    return low


def _gas_usd(s: Snapshot, gas: int) -> Decimal:
    return Decimal(gas * s.gas_price) / Decimal(10**18) * s.eth_usd


def _quote_units(s: Snapshot, usd: Decimal) -> int:
    """USD in quote base units, rounded up."""
    value = Fraction(usd) * WAD * 10**s.quote_decimals / s.quote_price
    return -(-value.numerator // value.denominator)


def _usd(s: Snapshot, quote_amount: int) -> Decimal:
    return Decimal(quote_amount) * Decimal(s.quote_price) / Decimal(WAD) / Decimal(10**s.quote_decimals)


def is_dust(c: Component, amount: int) -> bool:
    """Whether `amount` of `c` left to trade is worth less than DUST_USD at the oracle (never when the
    oracle gives no price)."""
    return c.price > 0 and amount * c.price < DUST_USD * 10**c.decimals


def decide(s: Snapshot, settings: Settings = Settings()) -> Decision:
    """The bids to fill now, sales first, and a reason for every token skipped."""
    if s.auction_start == 0:
        return Decision((), (Skip("*", "no rebalance proposed (or it was cancelled)"),))
    if s.timestamp < s.auction_start:
        wait = s.auction_start - s.timestamp
        return Decision((), (Skip("*", f"auctions open in {format_duration(wait)} (the Rebalancer's timelock)"),))
    if s.timestamp > s.auction_start + s.auction_duration:
        return Decision((), (Skip("*", "the rebalance expired"),))
    stale = _stale(s.timestamp, s.quote_updated_at, s.quote_heartbeat, settings)
    if stale:
        return Decision((), (Skip(s.quote_symbol, stale),))

    factor = s.factor
    actions: list[Action] = []
    skipped: list[Skip] = []
    # What purchases may spend: the quote already in the vault, less 1 bps: the bid lands a block later,
    # when the factor has fallen a little and the same amount costs a little more
    # (else "rebalancer: not enough quote" when a round spends it all).
    budget = s.quote_available * (BPS - QUOTE_MARGIN_BPS) // BPS
    ordered = sorted(s.components, key=lambda c: not c.sell)  # sales first
    for c in ordered:
        if c.remaining == 0:
            skipped.append(Skip(c.symbol, "target met"))
            continue
        if is_dust(c, c.remaining):
            skipped.append(Skip(c.symbol, f"target met but for dust ({c.remaining:,} base units, under 0.01 USD)"))
            continue
        stale = _stale(s.timestamp, c.updated_at, c.heartbeat, settings)
        if stale:
            skipped.append(Skip(c.symbol, stale))
            continue
        if not c.routes:
            skipped.append(Skip(c.symbol, f"no pool against {s.quote_symbol}"))
            continue
        left = c.remaining
        if not c.sell:  # never ask the vault for more quote than it holds
            unit_cost = _auction_price(c, s, 10**c.decimals, factor)
            affordable = budget * 10**c.decimals // max(unit_cost, 1)
            if affordable == 0:
                skipped.append(
                    Skip(
                        c.symbol,
                        f"buy waits for quote: the vault holds {_usd(s, budget):.2f} "
                        f"{s.quote_symbol} (sales bring it in first)",
                    )
                )
                continue
            left = min(left, affordable)
        reasons = []
        # The deepest pool first; each bid leaves less for the next.
        for route in sorted(c.routes, key=lambda r: -mid_depth(r)):
            if left == 0:
                break
            amount = _size(c, s, route, left, factor, settings)
            gas = settings.gas_v2 if route.dex == "v2" else settings.gas_v3
            gas_usd = _gas_usd(s, gas)
            if amount == 0:
                reasons.append(
                    f"{route.label}: the pool after its fee is not better than the auction (factor {factor / WAD:.4f})"
                )
                continue
            try:  # the amount the Rebalancer really trades: whole unit steps
                amount = auction_model.whole_step_take(amount, c.remaining, s.scale, c.sell)
            except ValueError:
                reasons.append(
                    f"{route.label}: {format_amount(amount, c.decimals)} is under one unit step "
                    f"({format_amount(s.scale // UNIT_SCALE, c.decimals)} {c.symbol} at this supply)"
                )
                continue
            profit, owed, after = _profit(c, s, route, amount, factor)
            need = _quote_units(s, gas_usd * (1 + settings.gas_margin) + settings.min_profit_usd)
            impact = abs(after / mid(route) - 1) * BPS
            if profit < need:
                reasons.append(
                    f"{route.label}: unprofitable, {_usd(s, profit):.2f} USD on {format_amount(amount, c.decimals)} "
                    f"{c.symbol} "
                    f"< gas {gas_usd:.2f} x {1 + settings.gas_margin} + minimum "
                    f"{settings.min_profit_usd} USD "
                    f"(factor {factor / WAD:.4f})"
                )
                continue
            actions.append(
                Action(
                    c.symbol,
                    c.token,
                    c.sell,
                    amount,
                    _slacked(owed, c.sell, settings.limit_slack_bps),
                    route.dex,
                    route.fee,
                    route.address,
                    min_profit=max(_quote_units(s, gas_usd), 1),
                    expected_profit=profit,
                    gas_usd=gas_usd,
                    impact_bps=Decimal(float(impact)).quantize(Decimal("0.01")),
                    factor=factor,
                    reason=(
                        f"{'sell' if c.sell else 'buy'} {format_amount(amount, c.decimals)} {c.symbol} "
                        f"on {route.label} at factor {factor / WAD:.4f}: {_usd(s, owed):,.2f} USD of {s.quote_symbol}, "
                        f"profit {_usd(s, profit):.2f} USD "
                        f"> gas {gas_usd:.2f} x {1 + settings.gas_margin} + {settings.min_profit_usd}, "
                        f"impact {float(impact):.1f} bps"
                    ),
                )
            )
            left -= amount
            if not c.sell:
                budget -= owed
        if not any(a.symbol == c.symbol for a in actions):
            skipped.append(Skip(c.symbol, "; ".join(reasons)))
    return Decision(tuple(actions), tuple(skipped))


def mid_depth(route: Route) -> int:
    """The quote a pool holds near its price (its quote reserve, or L * sqrt P
    for V3; for two hops the thinner's): larger is deeper."""
    if route.dex == "v2weth":
        (_, weth), (weth2, quote) = route.reserves, route.hop
        return min(weth * quote // weth2, quote)
    if route.dex == "v2":
        return route.reserves[1]
    s = Fraction(route.sqrt_x96, amm.Q96)
    return int(route.liquidity * s) if route.token_is_0 else int(route.liquidity / s)


# --- the proposal decision ----------------------------------------------------


@dataclass(frozen=True)
class Proposal:
    """`Rebalancer.propose(tokens, targets, duration, start_factor, end_factor)`."""

    date: dt.date
    symbols: tuple[str, ...]
    tokens: tuple[str, ...]
    targets: tuple[int, ...]
    duration: int
    start_factor: int
    end_factor: int
    weights: Mapping[str, Decimal]
    added: tuple[str, ...]  # not in the basket now: their feeds must be set first
    removed: tuple[str, ...]  # target 0
    reasons: Mapping[str, str] = field(default_factory=dict)  # every asset of the market left out, and why

    @property
    def args(self) -> tuple:
        return list(self.tokens), list(self.targets), self.duration, self.start_factor, self.end_factor


def propose(
    date: str | dt.date,
    market_tokens: Mapping[str, str],
    decimals: Mapping[str, int],
    prices: Mapping[str, Decimal],
    nav_per_share: Decimal,
    held: Sequence[str],
    quote_symbol: str,
    top: int = 10,
    cap: Decimal = Decimal("0.25"),
    cash_buffer: Decimal = Decimal("0.005"),
    duration: int = 86_400,
    start_factor: int = WAD + WAD // 100,
    end_factor: int = WAD - WAD // 20,
) -> Proposal:
    """Targets of a capped market-cap index of the market's assets on `date`'s
    snapshot: the top `top` (no stablecoins or wrapped tokens), each capped at
    `cap`, sized for `nav_per_share` x (1 - `cash_buffer`): the buffer stays in
    the quote, so the auctions' costs never leave purchases short of quote
    ("rebalancer: not enough quote"). `market_tokens`: symbol -> token of every
    asset the market has; `held`: symbols in the basket now, removed (target 0)
    unless selected. `prices`: USD per whole token of every selected symbol."""
    date = history.parse_date(date)
    listings = [l for l in history.snapshot(date, top=None) if l.symbol in market_tokens and l.symbol != quote_symbol]
    rules = methodology.Rules(top=top, weighting=methodology.capped(cap))
    selection = methodology.select(listings, rules)
    sized = nav_per_share * (1 - cash_buffer)
    units = methodology.target_units(
        selection.weights, {s: prices[s] for s in selection.symbols}, {s: decimals[s] for s in selection.symbols}, sized
    )
    removed = tuple(s for s in held if s not in units and s != quote_symbol)
    symbols = (*selection.symbols, *removed)
    targets = (*(units[s] for s in selection.symbols), *(0 for _ in removed))
    if len(symbols) > 16:
        raise ValueError(f"propose: {len(symbols)} tokens, the Rebalancer takes at most 16 in one proposal")
    return Proposal(
        date=date,
        symbols=symbols,
        tokens=tuple(market_tokens[s] for s in symbols),
        targets=targets,
        duration=duration,
        start_factor=start_factor,
        end_factor=end_factor,
        weights=selection.weights,
        added=tuple(s for s in selection.symbols if s not in held),
        removed=removed,
        reasons=selection.reasons(),
    )
