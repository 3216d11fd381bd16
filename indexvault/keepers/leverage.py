"""Leverage keeper decisions: pure functions over a snapshot of one leveraged (2x) or inverse (-1x)
index token (`contracts/periphery/LeveragedIndex.vy`).

`decide(snapshot, settings)` says what to send and why, in one line:
- the NAV oracle refuses the NAV (stale): nothing (no trade could be valued; redemption still works);
- leverage above the ripcord: pull it (anyone may, for the reward) when the pools pay within the
  contract's own bound for its fixed size (`model.ripcord_step`); else, with the keeper's role, a
  rebalance step the pools can take;
- leverage outside its band: a rebalance step toward the target (`model.rebalance_step`: never past
  it, at most the contract's `max_trade`), cut to what the pools take within `max_cost_bps` of the NAV
  (the router's quote, which applies each component's swap to its pool): a large move goes in several
  steps over time, one a round, each after the arbitrageurs have brought the pools back;
- inside the band, or no step the pools take at that cost: nothing.

A step's USDC bound is the quote's, loosened by `slippage`, and never past the contract's
`model.trade_bound` (which the contract applies anyway): a trade the pools no longer pay for reverts
and costs only gas; the next round decides again from the chain.

Pure: imports nothing from the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from indexvault.leverage import model
from indexvault.units import format_amount

WAD = model.WAD
PRICE_SCALE = model.PRICE_SCALE

# USDC base units the router needs to buy (or pays for selling) this many index wei now; 0: it cannot.
Quote = Callable[[int], int]


@dataclass(frozen=True)
class Snapshot:
    """One product, read at one block."""

    name: str  # "MKT2X (2x)"
    book: model.Book  # price 0 when `stale`
    bounds: model.Bounds
    buy: Quote  # USDC the router needs for n index wei
    sell: Quote  # USDC the router pays for n index wei
    stale: bool = False  # the NAV oracle refuses the NAV
    unwound: bool = False  # closed for good (`unwind`): nothing to trade
    nav_age: int = 0  # seconds since the index's NAV was updated
    has_role: bool = True  # the keeper holds KEEPER_ROLE (rebalance); the ripcord needs none


@dataclass(frozen=True)
class Settings:
    max_cost_bps: int = 100  # most a step may pay above (or get below) the NAV; the contract's own bound caps it
    slippage: Decimal = Decimal("0.005")  # the bound sent: the quote loosened by this
    min_step_usd: int = 100  # no step smaller than this (USD of index)


@dataclass(frozen=True)
class Action:
    kind: str  # "rebalance" or "ripcord"
    delever: bool
    index_amount: int  # index wei traded
    usdc_limit: int  # buy: most USDC paid; sell: least got (what the call takes; ripcord: informative)
    quoted: int  # the pools' USDC for it now
    value: int  # its USDC value at the NAV
    buy: bool  # the router buys the index (long lever, inverse delever) or sells it


@dataclass(frozen=True)
class Decision:
    name: str
    action: Action | None
    reason: str

    def line(self) -> str:
        verb = self.action.kind if self.action else "nothing"
        return f"{self.name}: {verb}: {self.reason}"


def _lev(value: int) -> str:
    return "underwater" if value >= 2**255 else f"{Decimal(value) / WAD:.3f}"


def _cost_bps(value: int, quoted: int, buy: bool) -> Decimal:
    """What the pools take against the NAV value, in bps (negative: they pay better than the NAV)."""
    if value == 0:
        return Decimal(0)
    return Decimal((quoted - value) if buy else (value - quoted)) * 10_000 / value


def _quoted(snapshot: Snapshot, amount: int, buy: bool) -> int:
    return snapshot.buy(amount) if buy else snapshot.sell(amount)


def _fits(snapshot: Snapshot, amount: int, buy: bool, max_bps: int) -> tuple[bool, int]:
    """Whether the pools take `amount` within `max_bps` of the NAV, and their quote."""
    quoted = _quoted(snapshot, amount, buy)
    if quoted == 0:
        return False, 0
    value = amount * snapshot.book.price // PRICE_SCALE
    return _cost_bps(value, quoted, buy) <= max_bps, quoted


def pool_sized(snapshot: Snapshot, amount: int, buy: bool, max_bps: int, floor: int) -> tuple[int, int]:
    """The largest trade of at most `amount` index wei (and at least `floor`) the pools take within
    `max_bps` of the NAV, and its quote; (0, 0) when not even `floor` fits. The cost grows with the size
    (each further token moves the pools further), so a bisection finds it to 1/1000 of `amount`."""
    ok, quoted = _fits(snapshot, amount, buy, max_bps)
    if ok:
        return amount, quoted
    low, high = 0, amount
    best = (0, 0)
    tolerance = max(amount // 1000, 1)
    while high - low > tolerance:
        mid = (low + high) // 2
        ok, quoted = _fits(snapshot, mid, buy, max_bps)
        if ok:
            low, best = mid, (mid, quoted)
        else:
            high = mid
    return best if best[0] >= floor else (0, 0)


def _limit(snapshot: Snapshot, amount: int, buy: bool, quoted: int, settings: Settings) -> int:
    """The USDC bound sent: the quote loosened by `slippage`, never past the contract's own."""
    if buy:
        loose = int(Decimal(quoted) * (1 + settings.slippage)) + 1
        return model.trade_bound(snapshot.book, snapshot.bounds, amount, True, loose)
    loose = int(Decimal(quoted) * (1 - settings.slippage))
    return model.trade_bound(snapshot.book, snapshot.bounds, amount, False, loose)


def decide(snapshot: Snapshot, settings: Settings = Settings()) -> Decision:
    book, bounds = snapshot.book, snapshot.bounds
    name = snapshot.name
    if snapshot.unwound:
        return Decision(name, None, "unwound: no position, closed for good; holders redeem in kind")
    if snapshot.stale:
        return Decision(
            name, None, f"the NAV oracle refuses the NAV ({snapshot.nav_age} s old): no trade; redemption still works"
        )
    lev = book.leverage
    if book.supply == 0 or lev == 0:
        return Decision(name, None, "empty: nothing to rebalance")
    where = f"leverage {_lev(lev)} (band {_lev(bounds.low)}-{_lev(bounds.high)}, target {_lev(bounds.target)})"
    max_bps = min(settings.max_cost_bps, bounds.max_slippage * 10_000 // WAD)
    floor = settings.min_step_usd * 10**6 * PRICE_SCALE // book.price
    ripcord_note = ""
    if lev > bounds.ripcord:
        amount = model.ripcord_step(book, bounds)
        buy = book.inverse  # a delever: the long sells the index, the inverse buys it back
        contract_bps = bounds.max_slippage * 10_000 // WAD
        ok, quoted = _fits(snapshot, amount, buy, contract_bps)
        value = amount * book.price // PRICE_SCALE
        if ok:
            limit = model.trade_bound(book, bounds, amount, buy, 2**256 - 1 if buy else 0)
            return Decision(
                name,
                Action("ripcord", True, amount, limit, quoted, value, buy),
                f"{where} above the ripcord {_lev(bounds.ripcord)}: pull it, "
                f"{'buying back' if buy else 'selling'} {format_amount(amount, 18)} index "
                f"({format_amount(value, 6)} USD) for {format_amount(quoted, 6)} USDC "
                f"and {format_amount(bounds.ripcord_reward, 6)} USDC reward",
            )
        ripcord_note = (
            f"; the ripcord's {format_amount(value, 6)} USD trade would cost "
            f"{_cost_bps(value, quoted, buy):.0f} bps, past its bound"
        )
    step = model.rebalance_step(book, bounds)
    if step is None:
        return Decision(name, None, f"{where}: in band")
    if not snapshot.has_role:
        return Decision(name, None, f"{where}: out of band, but this account has no KEEPER_ROLE{ripcord_note}")
    delever, wanted = step
    buy = delever == book.inverse
    amount, quoted = pool_sized(snapshot, wanted, buy, max_bps, min(floor, wanted))
    if amount == 0:
        return Decision(
            name,
            None,
            f"{where}: out of band, but the pools take no step of {settings.min_step_usd} USD within "
            f"{max_bps} bps of the NAV; next round{ripcord_note}",
        )
    value = amount * book.price // PRICE_SCALE
    limit = _limit(snapshot, amount, buy, quoted, settings)
    part = ""
    if amount != wanted:
        to_target = format_amount(wanted * book.price // PRICE_SCALE, 6)
        part = f" of {to_target} USD to target: what the pools take within {max_bps} bps"
    return Decision(
        name,
        Action("rebalance", delever, amount, limit, quoted, value, buy),
        f"{where}: {'delever' if delever else 'lever up'}, {'buy' if buy else 'sell'} {format_amount(amount, 18)} "
        f"index ({format_amount(value, 6)} USD{part}) for {format_amount(quoted, 6)} USDC "
        f"({_cost_bps(value, quoted, buy):.0f} bps){ripcord_note}",
    )


def after(snapshot: Snapshot, action: Action) -> model.Book:
    """The book after `action` fills at its quote (the model's trade, and the ripcord's reward)."""
    book = model.trade(snapshot.book, action.index_amount, action.delever, action.quoted)
    if action.kind == "ripcord":
        book = model.pay_reward(book, snapshot.bounds.ripcord_reward)
    return book
