"""Index methodology: weights from market data, which assets may be
components, and the units and trades that put an index at its weights.

Pure functions over plain mappings and `history.Listing`s; nothing here reads
a chain. Weights are exact: the arithmetic is in fractions, and each weight is
then rounded down to 18 decimal places (the WAD the contracts count in), the
residue (fewer than n units of 1e-18) going to the largest weight, so weights
always sum to exactly 1. With a cap the residue goes to the largest weights
that stay within it. Units and trades are integers in each token's base units;
every division states its rounding, and rounding favours the vault.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import partial
from typing import Literal

from indexvault import history
from indexvault.constants import WAD
from indexvault.history import Listing

PLACES = 18

Weights = dict[str, Decimal]
Weighting = Callable[[Mapping[str, Decimal]], Weights]


# --- weights -------------------------------------------------------------


def _number(name: str, symbol: str, value: object) -> Fraction:
    """One finite number, exactly, or a ValueError naming it."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, Fraction, str)):
        raise ValueError(f"{name}: {symbol} is {value!r}, not a number")
    if isinstance(value, str):
        try:
            value = Decimal(value)
        except ArithmeticError:
            raise ValueError(f"{name}: {symbol} is {value!r}, not a number") from None
    finite = value.is_finite() if isinstance(value, Decimal) else not isinstance(value, float) or math.isfinite(value)
    if not finite:
        raise ValueError(f"{name}: {symbol} is {value}, not a finite number")
    return Fraction(value)


def _fraction(name: str, symbol: str, value: object) -> Fraction:
    """One value >= 0, exactly, or a ValueError naming it."""
    result = _number(name, symbol, value)
    if result < 0:
        raise ValueError(f"{name}: {symbol} is negative ({value})")
    return result


def _values(name: str, values: Mapping[str, object]) -> dict[str, Fraction]:
    """Validated inputs: at least one asset, every value finite and >= 0, a positive total."""
    if not isinstance(values, Mapping):
        raise ValueError(f"{name}: expected a mapping of symbol to value, got {type(values).__name__}")
    if not values:
        raise ValueError(f"{name}: no assets to weigh")
    out = {symbol: _fraction(name, symbol, value) for symbol, value in values.items()}
    if sum(out.values()) == 0:
        raise ValueError(f"{name}: the values sum to zero; nothing to weigh by")
    return out


def _round(exact: Mapping[str, Fraction], cap: Fraction | None = None) -> Weights:
    """Weights rounded down to 18 places, the residue to the largest weights
    (with a cap, only as far as each stays within it); they sum to exactly 1."""
    ticks = {symbol: w.numerator * WAD // w.denominator for symbol, w in exact.items()}
    residue = WAD - sum(ticks.values())
    limit = None if cap is None else cap.numerator * WAD // cap.denominator
    # Largest first; ties keep the input order (sorted is stable).
    for symbol in sorted(ticks, key=lambda s: exact[s], reverse=True):
        if residue == 0:
            break
        room = residue if limit is None else min(residue, max(limit - ticks[symbol], 0))
        ticks[symbol] += room
        residue -= room
    if residue:  # unreachable when the cap is feasible at 18 places; checked by the callers
        raise ValueError(f"weights: {residue} units of 1e-18 cannot be placed within the cap")
    return {symbol: Decimal(t).scaleb(-PLACES) for symbol, t in ticks.items()}


def _pro_rata(name: str, values: Mapping[str, object]) -> Weights:
    checked = _values(name, values)
    total = sum(checked.values())
    return _round({symbol: v / total for symbol, v in checked.items()})


def market_cap(market_caps: Mapping[str, object]) -> Weights:
    """Weights in proportion to market cap."""
    return _pro_rata("market_cap", market_caps)


def liquidity(volumes: Mapping[str, object]) -> Weights:
    """Weights in proportion to 24 h trading volume."""
    return _pro_rata("liquidity", volumes)


def equal(symbols: Iterable[str]) -> Weights:
    """1/n each; the rounding residue goes to the first symbol."""
    symbols = list(symbols)
    if isinstance(symbols, str) or not symbols:
        raise ValueError("equal: no assets to weigh")
    if len(set(symbols)) != len(symbols):
        raise ValueError(f"equal: a symbol is repeated in {symbols}")
    return _round({symbol: Fraction(1, len(symbols)) for symbol in symbols})


def sqrt_market_cap(market_caps: Mapping[str, object]) -> Weights:
    """Weights in proportion to the square root of market cap (to 60 significant digits)."""
    checked = _values("sqrt_market_cap", market_caps)
    with localcontext() as ctx:
        ctx.prec = 60
        roots = {
            symbol: Fraction((Decimal(v.numerator) / Decimal(v.denominator)).sqrt()) for symbol, v in checked.items()
        }
    total = sum(roots.values())
    return _round({symbol: r / total for symbol, r in roots.items()})


def capped_market_cap(market_caps: Mapping[str, object], cap: object) -> Weights:
    """Market-cap weights with no asset above `cap`: each asset over it is
    set to the cap and the excess is shared pro rata by market cap among the
    rest, repeated until none is over. The cap is taken to 18 places (rounded
    down); a cap below 1/n cannot be met and is refused."""
    checked = _values("capped_market_cap", market_caps)
    limit = _number("capped_market_cap", "cap", cap)
    limit = Fraction(limit.numerator * WAD // limit.denominator, WAD)
    if not 0 < limit <= 1:
        raise ValueError(f"capped_market_cap: cap {cap} must be above 0 and at most 1")
    if limit * len(checked) < 1:
        raise ValueError(
            f"capped_market_cap: cap {cap} is infeasible for {len(checked)} assets: "
            f"{len(checked)} x {cap} < 1; the cap must be at least 1/{len(checked)}"
        )
    capped: set[str] = set()
    while True:
        rest = {symbol: v for symbol, v in checked.items() if symbol not in capped}
        room = 1 - limit * len(capped)
        total = sum(rest.values())
        if total == 0:
            raise ValueError(
                f"capped_market_cap: {room} of weight is left for {sorted(rest)}, whose market caps are all zero"
            )
        exact = {symbol: room * v / total for symbol, v in rest.items()}
        over = {symbol for symbol, w in exact.items() if w > limit}
        if not over:
            break
        capped |= over
    exact.update({symbol: limit for symbol in capped})
    return _round({symbol: exact[symbol] for symbol in checked}, cap=limit)


def capped(cap: object) -> Weighting:
    """`capped_market_cap` with its cap fixed, as a `Weighting` for `Rules`."""
    return partial(capped_market_cap, cap=cap)


# --- eligibility ---------------------------------------------------------

Rule = Literal["stablecoin", "wrapped", "history", "coverage", "top", "min_weight"]


@dataclass(frozen=True)
class Rules:
    """What makes an asset in a snapshot a component.

    `min_history_days`: a daily close on the snapshot date and on each of this
    many days before it (0: no price data needed). `closes_through`: a data
    rule, not a market one; an asset not already `held` must have daily
    closes from the date through this day (the next rebalance), so that a
    backtest can price it; it looks ahead at which data exists, never at
    prices. `min_weight`: after weighting the top `top`, drop those below it
    and weigh the rest again (removing an asset never lowers another's weight
    under these weightings, so one pass is enough)."""

    top: int
    exclude_stablecoins: bool = True
    exclude_wrapped: bool = True
    min_history_days: int = 0
    min_weight: Decimal = Decimal(0)
    weighting: Weighting = market_cap
    closes_through: dt.date | None = None

    def __post_init__(self) -> None:
        if self.top < 1:
            raise ValueError(f"rules: top must be at least 1, not {self.top}")
        if self.min_history_days < 0:
            raise ValueError(f"rules: min_history_days must be >= 0, not {self.min_history_days}")
        if not 0 <= self.min_weight < 1:
            raise ValueError(f"rules: min_weight must be in [0, 1), not {self.min_weight}")


@dataclass(frozen=True)
class Exclusion:
    """An asset of the snapshot that is not a component, and why."""

    listing: Listing
    rule: Rule
    reason: str

    @property
    def symbol(self) -> str:
        return self.listing.symbol


@dataclass(frozen=True)
class Selection:
    """The components in rank order with their weights, and every asset of
    the snapshot left out, with its reason, in rank order."""

    date: dt.date
    components: tuple[Listing, ...]
    weights: Weights
    excluded: tuple[Exclusion, ...] = field(default=())

    @property
    def symbols(self) -> list[str]:
        return [listing.symbol for listing in self.components]

    def reasons(self) -> dict[str, str]:
        return {e.symbol: e.reason for e in self.excluded}


def _history_gap(symbol: str, date: dt.date, days: int) -> str | None:
    start = date - dt.timedelta(days=days)
    if history.has_closes(symbol, start, date):
        return None
    if symbol not in history.symbols_with_closes():
        return "no daily closes in the data"
    try:
        history.closes(symbol, start, date)
    except history.DataError as error:
        return f"needs a daily close on {date} and the {days} days before: {error}"
    raise AssertionError("has_closes and closes disagree")  # pragma: no cover


def _coverage_gap(symbol: str, date: dt.date, through: dt.date) -> str | None:
    try:
        history.closes(symbol, date, through)
    except history.DataError as error:
        return f"needs daily closes through {through}: {error}"
    return None


def select(snapshot: Iterable[Listing], rules: Rules, held: Collection[str] = ()) -> Selection:
    """The components of an index on a snapshot: the listings that pass
    `rules`, in rank order, and a reason for every one that does not."""
    listings = sorted(snapshot, key=lambda listing: listing.rank)
    if not listings:
        raise ValueError("select: the snapshot is empty")
    date = listings[0].date
    excluded: list[Exclusion] = []
    passed: list[Listing] = []
    for listing in listings:
        symbol = listing.symbol
        if rules.exclude_stablecoins and history.is_stablecoin(symbol):
            excluded.append(Exclusion(listing, "stablecoin", "stablecoin: pegged to a currency"))
        elif rules.exclude_wrapped and history.is_wrapped(symbol):
            excluded.append(Exclusion(listing, "wrapped", "wrapped or staked duplicate of another asset"))
        elif rules.min_history_days and (gap := _history_gap(symbol, date, rules.min_history_days)):
            excluded.append(Exclusion(listing, "history", f"history: {gap}"))
        elif (
            rules.closes_through is not None
            and symbol not in held
            and (gap := _coverage_gap(symbol, date, rules.closes_through))
        ):
            excluded.append(Exclusion(listing, "coverage", f"data coverage (not a market event): {gap}"))
        elif len(passed) >= rules.top:
            excluded.append(Exclusion(listing, "top", f"outside the top {rules.top} eligible"))
        else:
            passed.append(listing)
    if not passed:
        counts: dict[str, int] = {}
        for exclusion in excluded:
            counts[exclusion.rule] = counts.get(exclusion.rule, 0) + 1
        why = ", ".join(f"{rule}: {n}" for rule, n in counts.items())
        first = excluded[0].reason if excluded else ""
        raise ValueError(f"select: no asset of the {date} snapshot passes the rules ({why}; e.g. {first})")
    weights = rules.weighting({listing.symbol: listing.market_cap for listing in passed})
    small = [listing for listing in passed if weights[listing.symbol] < rules.min_weight]
    if small:
        if len(small) == len(passed):
            raise ValueError(f"select: every component on {date} is below the minimum weight {rules.min_weight}")
        for listing in small:
            excluded.append(
                Exclusion(
                    listing,
                    "min_weight",
                    f"weight {weights[listing.symbol]:.6f} below the minimum {rules.min_weight}",
                )
            )
        passed = [listing for listing in passed if listing not in small]
        weights = rules.weighting({listing.symbol: listing.market_cap for listing in passed})
    excluded.sort(key=lambda e: e.listing.rank)
    return Selection(date, tuple(passed), weights, tuple(excluded))


# --- units and trades ----------------------------------------------------


def _positive(name: str, symbol: str, value: object) -> Fraction:
    result = _fraction(name, symbol, value)
    if result == 0:
        raise ValueError(f"{name}: {symbol} must be above zero")
    return result


def _same_symbols(name: str, weights: Mapping, **others: Mapping) -> None:
    for what, mapping in others.items():
        missing = sorted(set(weights) - set(mapping))
        if missing:
            raise ValueError(f"{name}: no {what} for {', '.join(missing)}")


def target_units(
    weights: Mapping[str, Decimal],
    prices: Mapping[str, Decimal],
    decimals: Mapping[str, int],
    nav_per_share: Decimal,
) -> dict[str, int]:
    """Base units of each component per whole index token so that component
    i is worth weights[i] x nav_per_share at prices[i] (USD per whole token):
    units_i = weight_i x nav_per_share / price_i x 10**decimals_i.

    Rounded down: the basket per share is then worth at most the NAV it was
    sized for, so a mint priced at that NAV is never short of backing (the
    vault's favour); each component loses less than one base unit."""
    nav = _positive("target_units", "nav_per_share", nav_per_share)
    _same_symbols("target_units", weights, prices=prices, decimals=decimals)
    out = {}
    for symbol, weight in weights.items():
        w = _fraction("target_units", symbol, weight)
        price = _positive("target_units", f"the price of {symbol}", prices[symbol])
        places = decimals[symbol]
        if isinstance(places, bool) or not isinstance(places, int) or not 0 <= places <= 77:
            raise ValueError(f"target_units: decimals of {symbol} must be an integer in [0, 77], not {places!r}")
        units = w * nav * 10**places / price
        out[symbol] = units.numerator // units.denominator
    return out


@dataclass(frozen=True)
class Trade:
    """One leg of a rebalance, in the component's base units."""

    symbol: str
    side: Literal["buy", "sell"]
    units_per_share: int  # base units per whole index token, > 0
    amount: int  # base units for the whole supply, > 0
    notional: Decimal  # USD at the price used, amount / 10**decimals x price


def rebalance(
    current: Mapping[str, int],
    target: Mapping[str, int],
    prices: Mapping[str, Decimal],
    decimals: Mapping[str, int],
    supply: int,
) -> list[Trade]:
    """The trades that take a basket from `current` to `target` units per
    share (base units per whole index token) for `supply` index tokens (in
    wei, 1e18 a token), sells first (they fund the buys), each side largest
    notional first. The amount for the supply rounds in the vault's favour:
    a buy up (the vault gets at least what the shares are owed), a sell down
    (it never sells what it does not hold)."""
    if isinstance(supply, bool) or not isinstance(supply, int) or supply < 0:
        raise ValueError(f"rebalance: supply must be a whole number of wei >= 0, not {supply!r}")
    symbols = list(dict.fromkeys([*current, *target]))
    _same_symbols("rebalance", dict.fromkeys(symbols), prices=prices, decimals=decimals)
    trades = []
    for symbol in symbols:
        before, after = current.get(symbol, 0), target.get(symbol, 0)
        for units in (before, after):
            if isinstance(units, bool) or not isinstance(units, int) or units < 0:
                raise ValueError(f"rebalance: units of {symbol} must be whole base units >= 0, not {units!r}")
        delta = after - before
        if delta == 0:
            continue
        price = _positive("rebalance", f"the price of {symbol}", prices[symbol])
        per_share = abs(delta)
        amount = -(-per_share * supply // WAD) if delta > 0 else per_share * supply // WAD
        notional = Fraction(amount, 10 ** decimals[symbol]) * price
        with localcontext() as ctx:
            ctx.prec = 50
            usd = Decimal(notional.numerator) / Decimal(notional.denominator)
        trades.append(Trade(symbol, "buy" if delta > 0 else "sell", per_share, amount, usd))
    trades.sort(key=lambda t: (t.side != "sell", -t.notional))
    return trades
