"""The leveraged and inverse index tokens' value math, to the base unit: the reference
`contracts/periphery/LeveragedIndex.vy` is held to.

A product holds one Morpho position: `collateral` of one token, borrow shares of the other.
Long (2x): index collateral, USDC debt. Inverse (-1x): USDC collateral, index debt. Values are in
USDC base units at the NAV oracle's `price` (USDC base units per index wei, scaled by 1e36, as
MorphoNavOracle gives it): the index side is the exposure, equity = collateral value - debt value,
the long's collateral value rounded down, the inverse's debt value rounded up, 0 underwater.

The swaps through the IndexRouter are not modelled: each step takes what the router moved (USDC
spent on a purchase, or got from a sale) as given, read from the chain or from a quote
(`indexvault.oneasset`), and returns the position, the shares and the USDC paid, exactly as the
contract computes them. Morpho's share math is `indexvault.lending.model`'s.

Also the theoretical daily-reset product (`daily_reset`), against which tracking is reported.

Pure: imports nothing from the chain.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import NamedTuple

from indexvault.lending.model import Market, Position, to_assets_up, to_shares_down, to_shares_up

WAD = 10**18
PRICE_SCALE = 10**36  # Morpho's ORACLE_PRICE_SCALE
USDC_TO_WAD = 10**12  # USDC base units to 18-decimal USD; first mint's shares per USDC of equity
MIN_SUPPLY = 10**15  # the least non-zero supply (share wei)


class Bounds(NamedTuple):
    """The contract's `Bounds` struct, in its order (leverage WAD; USDC base units; WAD fractions)."""

    target: int
    low: int
    high: int
    ripcord: int
    max_trade: int
    max_slippage: int
    swap_buffer: int
    ripcord_reward: int


@dataclass(frozen=True)
class Book:
    """A product's state: its Morpho position and market, the NAV price, its share supply."""

    inverse: bool
    position: Position
    market: Market
    price: int  # USDC base units per index wei, x 1e36
    supply: int = 0  # share wei

    @property
    def collateral(self) -> int:
        return self.position.collateral

    @property
    def debt(self) -> int:
        """Loan base units owed, rounded up (USDC long, index wei inverse)."""
        return to_assets_up(
            self.position.borrow_shares, self.market.total_borrow_assets, self.market.total_borrow_shares
        )

    @property
    def exposure(self) -> int:
        """USDC value of the index side: the long's collateral (down), the inverse's debt (up)."""
        if self.inverse:
            return _div_up(self.debt * self.price, PRICE_SCALE)
        return self.collateral * self.price // PRICE_SCALE

    @property
    def equity(self) -> int:
        """USDC base units; 0 underwater."""
        assets, liabilities = (self.collateral, self.exposure) if self.inverse else (self.exposure, self.debt)
        return max(assets - liabilities, 0)

    @property
    def leverage(self) -> int:
        """Exposure over equity, WAD; 0 empty, 2**256 - 1 underwater."""
        if self.equity == 0:
            return 0 if self.exposure == 0 else 2**256 - 1
        return self.exposure * WAD // self.equity

    @property
    def nav_per_share(self) -> int:
        """USD (USDC at 1), 18 decimals; 1 USD before the first mint."""
        if self.supply == 0:
            return WAD
        return self.equity * USDC_TO_WAD * WAD // self.supply


def _div_up(x: int, d: int) -> int:
    return (x + d - 1) // d


# ---- Morpho steps on the product's own position (supplyCollateral and friends) -------------


def _borrow(book: Book, assets: int) -> Book:
    m = book.market
    shares = to_shares_up(assets, m.total_borrow_assets, m.total_borrow_shares)
    return replace(
        book,
        position=replace(book.position, borrow_shares=book.position.borrow_shares + shares),
        market=replace(
            m, total_borrow_assets=m.total_borrow_assets + assets, total_borrow_shares=m.total_borrow_shares + shares
        ),
    )


def _repay(book: Book, assets: int = 0, shares: int = 0) -> tuple[Book, int]:
    """Repays by assets (shares rounded down) or by shares (assets rounded up); returns the assets paid."""
    m = book.market
    if shares == 0:
        shares = to_shares_down(assets, m.total_borrow_assets, m.total_borrow_shares)
    else:
        assets = to_assets_up(shares, m.total_borrow_assets, m.total_borrow_shares)
    after = replace(
        book,
        position=replace(book.position, borrow_shares=book.position.borrow_shares - shares),
        market=replace(
            m,
            total_borrow_assets=max(m.total_borrow_assets - assets, 0),
            total_borrow_shares=m.total_borrow_shares - shares,
        ),
    )
    return after, assets


def _collateral(book: Book, delta: int) -> Book:
    return replace(book, position=replace(book.position, collateral=book.position.collateral + delta))


# ---- mint ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class MintPlan:
    """What a mint of `usdc_in` trades: long, buys `index` (the router spends at most `usdc_in + borrowed`)
    and borrows `borrowed` USDC; inverse, borrows `index` and sells it, supplies `collateral` USDC."""

    index: int  # index wei bought (long) or borrowed and sold (inverse)
    collateral: int  # collateral added (index wei long, USDC inverse)
    borrowed: int  # debt added (USDC long, index wei inverse)


def debt_ratio(book: Book, bounds: Bounds) -> int:
    """Debt value per collateral value (WAD): the position's, or the target's when it has none."""
    if book.collateral and book.debt:
        if book.inverse:
            return book.exposure * WAD // book.collateral
        return book.debt * WAD // book.exposure
    if book.inverse:
        return bounds.target * WAD // (bounds.target + WAD)
    return (bounds.target - WAD) * WAD // bounds.target


def mint_plan(book: Book, bounds: Bounds, usdc_in: int) -> MintPlan:
    """The slice of the position `usdc_in` buys: the position's own debt per collateral, sized so that swap
    costs up to `swap_buffer` fit (the rest is refunded)."""
    ratio = debt_ratio(book, bounds)
    proportional = book.collateral != 0 and book.debt != 0
    if book.inverse:
        added = usdc_in * WAD // (WAD - ratio * (WAD - bounds.swap_buffer) // WAD)
        if proportional:
            borrowed = added * book.debt // book.collateral
        else:
            borrowed = added * ratio // WAD * PRICE_SCALE // book.price
        return MintPlan(index=borrowed, collateral=added, borrowed=borrowed)
    added = usdc_in * WAD // (WAD + bounds.swap_buffer - ratio) * PRICE_SCALE // book.price
    if proportional:
        borrowed = added * book.debt // book.collateral
    else:
        borrowed = added * book.price // PRICE_SCALE * ratio // WAD
    return MintPlan(index=added, collateral=added, borrowed=borrowed)


@dataclass(frozen=True)
class MintResult:
    book: Book
    shares: int  # to the receiver
    fee_shares: int  # to the fee recipient
    refund: int  # USDC back to the minter
    equity_added: int  # USDC


def mint(book: Book, bounds: Bounds, usdc_in: int, swapped: int, mint_fee: int = 0) -> MintResult:
    """A mint of `usdc_in` given what the router moved (`swapped`: long, USDC spent buying the index; inverse,
    USDC got selling the borrowed index). Raises ValueError with the contract's reason where it reverts
    (min shares and the supply cap are the caller's to check)."""
    plan = mint_plan(book, bounds, usdc_in)
    if book.inverse:
        held = usdc_in + swapped
        if held < plan.collateral:
            raise ValueError("lev: swap cost above buffer")
        refund = held - plan.collateral
    else:
        if swapped > usdc_in + plan.borrowed:
            raise ValueError("router: max in exceeded")
        refund = usdc_in + plan.borrowed - swapped
    after = _borrow(_collateral(book, plan.collateral), plan.borrowed)
    if after.equity <= book.equity:
        raise ValueError("lev: no equity")
    added = after.equity - book.equity
    shares = added * book.supply // book.equity if book.supply else added * USDC_TO_WAD
    fee = shares * mint_fee // WAD
    if book.supply + shares < MIN_SUPPLY:
        raise ValueError("lev: dust supply left")
    return MintResult(replace(after, supply=book.supply + shares), shares - fee, fee, refund, added)


# ---- redeem -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RedeemPlan:
    fee_shares: int
    net: int  # shares burnt
    collateral: int  # collateral withdrawn (index wei long, USDC inverse), rounded down
    repay_shares: int  # borrow shares repaid, rounded up
    repaid: int  # debt repaid (USDC long, index wei inverse): what the inverse buys


def redeem_plan(book: Book, shares: int, redeem_fee: int = 0) -> RedeemPlan:
    fee = shares * redeem_fee // WAD
    net = shares - fee
    collateral = book.collateral * net // book.supply
    repay_shares = min(_div_up(book.position.borrow_shares * net, book.supply), book.position.borrow_shares)
    repaid = to_assets_up(repay_shares, book.market.total_borrow_assets, book.market.total_borrow_shares)
    return RedeemPlan(fee, net, collateral, repay_shares, repaid)


@dataclass(frozen=True)
class RedeemResult:
    book: Book
    usdc_out: int
    plan: RedeemPlan


def _leave(book: Book, shares: int, redeem_fee: int) -> tuple[RedeemPlan, Book]:
    """A redemption's Morpho steps: the shares' fraction of the debt repaid, of the collateral withdrawn."""
    plan = redeem_plan(book, shares, redeem_fee)
    if 0 < book.supply - plan.net < MIN_SUPPLY:
        raise ValueError("lev: dust supply left")
    if plan.collateral == 0:
        raise ValueError("lev: zero amount")
    after, _ = _repay(book, shares=plan.repay_shares)
    return plan, replace(_collateral(after, -plan.collateral), supply=book.supply - plan.net)


def redeem_in_index(book: Book, shares: int, redeem_fee: int = 0) -> RedeemResult:
    """The inverse's `redeem_in_index`: the redeemer pays `plan.repaid` index wei, gets the collateral's fraction
    (USDC), no swap."""
    if not book.inverse:
        raise ValueError("lev: inverse only")
    plan, after = _leave(book, shares, redeem_fee)
    return RedeemResult(after, plan.collateral, plan)


def redeem(book: Book, shares: int, swapped: int, redeem_fee: int = 0) -> RedeemResult:
    """A redeem of `shares` given what the router moved (`swapped`: long, USDC got selling the collateral;
    inverse, USDC spent buying the debt's index)."""
    plan, after = _leave(book, shares, redeem_fee)
    if book.inverse:
        out = plan.collateral - swapped
    else:
        if swapped < plan.repaid:
            raise ValueError("lev: proceeds below debt")
        out = swapped - plan.repaid
    return RedeemResult(after, out, plan)


# ---- rebalance and ripcord ------------------------------------------------------------------


def to_target(book: Book, bounds: Bounds) -> int:
    """USDC of index value to trade to bring leverage to the target at the NAV (signed: positive delevers).
    Selling (long) or buying back (inverse) y of index value and repaying it moves exposure by y and leaves
    equity, so y = exposure - target x equity."""
    return book.exposure - bounds.target * book.equity // WAD


def trade_amount(book: Book, bounds: Bounds, value: int) -> int:
    """Index wei worth `value` USDC at the NAV, rounded down (the contract's conversion)."""
    return value * PRICE_SCALE // book.price


def rebalance_step(book: Book, bounds: Bounds) -> tuple[bool, int] | None:
    """The keeper's step: None inside the band; else (delever, index wei), at most `max_trade` of value."""
    lev = book.leverage
    if bounds.low <= lev <= bounds.high:
        return None
    gap = to_target(book, bounds)
    value = min(abs(gap), bounds.max_trade)
    return gap > 0, trade_amount(book, bounds, value)


def ripcord_step(book: Book, bounds: Bounds) -> int | None:
    """The ripcord's delever (index wei), None unless leverage is above `ripcord`."""
    if book.leverage <= bounds.ripcord:
        return None
    return trade_amount(book, bounds, min(to_target(book, bounds), bounds.max_trade))


def trade_bound(book: Bounds | Book, bounds: Bounds, index_amount: int, buy: bool, usdc_limit: int) -> int:
    """The USDC bound a trade passes the router: buy, at most min(limit, NAV value x (1 + max_slippage)) rounded
    up; sell, at least max(limit, NAV value x (1 - max_slippage)) rounded down."""
    value = index_amount * book.price // PRICE_SCALE
    if buy:
        return min(usdc_limit, _div_up(value * (WAD + bounds.max_slippage), WAD))
    return max(usdc_limit, value * (WAD - bounds.max_slippage) // WAD)


def trade(book: Book, index_amount: int, delever: bool, swapped: int) -> Book:
    """A rebalance or ripcord trade of `index_amount`, given the USDC the router moved (spent buying, got selling)."""
    buy = delever == book.inverse
    if buy:  # long lever: supply and borrow what was spent; inverse delever: repay and withdraw it
        if book.inverse:
            after, _ = _repay(book, assets=index_amount)
            return _collateral(after, -swapped)
        return _borrow(_collateral(book, index_amount), swapped)
    if book.inverse:  # inverse lever: supply the proceeds, borrow the index sold
        return _borrow(_collateral(book, swapped), index_amount)
    after, _ = _repay(book, assets=swapped)  # long delever: repay with the proceeds, withdraw what was sold
    return _collateral(after, -index_amount)


def pay_reward(book: Book, reward: int) -> Book:
    """The ripcord's reward out of the position: borrowed (long) or collateral withdrawn (inverse)."""
    return _collateral(book, -reward) if book.inverse else _borrow(book, reward)


# ---- unwind: the position closed for good on a stale NAV -----------------------------------

UNWIND_DELAY = 86_400  # seconds from the unwind's arming (its first call on a stale NAV) to when it may run
UNWIND_WIDENING = 360_000  # the bound widens by WAD / 100 (1 % of the last NAV) every 3,600 s


def unwind_tolerance(bounds: Bounds, armed_for: int) -> int:
    """The unwind's price tolerance (WAD) `armed_for` seconds after its arming (the first `unwind` call that saw
    the NAV stale, not the feed's last round, which may be days old): `max_slippage` once UNWIND_DELAY has passed,
    1 % more an hour after, at most 1 / target leverage (the move that leaves the product at its target with no
    equity)."""
    if armed_for < UNWIND_DELAY:
        raise ValueError("lev: unwind armed, wait")
    widened = bounds.max_slippage + (armed_for - UNWIND_DELAY) * WAD // UNWIND_WIDENING
    return min(widened, WAD * WAD // bounds.target)


@dataclass(frozen=True)
class UnwindPlan:
    """What `unwind` trades in `repay`'s callback after the whole debt is repaid: `collateral` withdrawn (long:
    the index sold; inverse: the USDC the router may spend buying the debt) and the router's bound `limit`
    (long: least USDC got; inverse: most USDC spent, the same amount)."""

    tolerance: int
    collateral: int
    limit: int


def unwind_plan(book: Book, bounds: Bounds, last_price: int, armed_for: int) -> UnwindPlan:
    """The bound from the last NAV (`last_price`, as MorphoNavOracle would price the feed's carried answer):
    long, the index worth the debt at (1 - tolerance) of it, rounded up, sold for at least its worth there;
    inverse, at most (1 + tolerance) of the debt's worth; both at most the collateral."""
    tolerance = unwind_tolerance(bounds, armed_for)
    if book.position.borrow_shares == 0:
        return UnwindPlan(tolerance, 0, 0)
    if book.inverse:
        budget = min(book.debt * last_price // PRICE_SCALE * (WAD + tolerance) // WAD, book.collateral)
        return UnwindPlan(tolerance, budget, budget)
    bound = last_price * (WAD - tolerance) // WAD
    sold = min(_div_up(book.debt * PRICE_SCALE, bound), book.collateral)
    return UnwindPlan(tolerance, sold, sold * bound // PRICE_SCALE)


@dataclass(frozen=True)
class Holdings:
    """An unwound product: no position, the index and USDC it holds for its `supply` of shares."""

    index: int
    usdc: int
    supply: int

    def equity(self, price: int) -> int:
        """The holdings at the NAV `price` (the index rounded down), USDC base units: what `equity_usd` and
        `nav_per_share` value once unwound."""
        return self.index * price // PRICE_SCALE + self.usdc

    def nav_per_share(self, price: int) -> int:
        return self.equity(price) * USDC_TO_WAD * WAD // self.supply if self.supply else WAD


def unwind(book: Book, bounds: Bounds, last_price: int, armed_for: int, swapped: int) -> Holdings:
    """What `unwind` leaves, given what the router moved (long: USDC got selling; inverse: USDC spent buying).
    Raises ValueError with the contract's reason where it reverts (the router's own bound aside)."""
    plan = unwind_plan(book, bounds, last_price, armed_for)
    if book.inverse:
        return Holdings(0, book.collateral - swapped, book.supply)
    if plan.collateral and swapped < book.debt:
        raise ValueError("lev: proceeds below debt")
    return Holdings(book.collateral - plan.collateral, swapped - book.debt if plan.collateral else 0, book.supply)


def redeem_unwound(held: Holdings, shares: int, redeem_fee: int = 0) -> tuple[Holdings, int, int]:
    """`redeem` of `shares` once unwound: their fraction (net of the fee, paid in shares) of each token held,
    rounded down, in kind. Returns the holdings after, the index and the USDC paid."""
    fee = shares * redeem_fee // WAD
    net = shares - fee
    if 0 < held.supply - net < MIN_SUPPLY:
        raise ValueError("lev: dust supply left")
    index, usdc = held.index * net // held.supply, held.usdc * net // held.supply
    return Holdings(held.index - index, held.usdc - usdc, held.supply - net), index, usdc


# ---- the theoretical product ----------------------------------------------------------------


def daily_reset(index_returns: Iterable[Fraction | float], leverage: int | Fraction | float) -> Fraction | float:
    """The return of a product reset to `leverage` (2 or -1) at each period's close, fees and costs aside:
    prod(1 + leverage x r) - 1 over the index's period returns r."""
    growth = 1
    for r in index_returns:
        growth *= 1 + leverage * r
    return growth - 1
