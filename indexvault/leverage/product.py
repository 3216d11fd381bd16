"""A leveraged (2x) or inverse (-1x) index token as `ape run leverage` shows and checks it: the
default bounds for a market's LLTV, a product's state read at one block (`State`), the preview of a
mint or a redeem from the router's quote (what the chain then does, by `model`'s math to the base
unit), the checks that refuse a request before anything is sent (ValueErrors a user reads), and the
status lines. Pure: imports nothing from the chain."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from indexvault.leverage import model
from indexvault.units import format_amount, from_base

WAD = model.WAD
USDC_DECIMALS = 6
# The products by the name a user types, and their direction (`inverse`).
PRODUCTS = {"2x": False, "-1x": True}
# Most a product's mint or redeem fee may ever be (fixed at deployment; the fees start at 0).
MAX_FEE = WAD // 100
# Most shares a product may have (its manager may change it).
SUPPLY_CAP = 10**6 * WAD


def liquidation_leverage(inverse: bool, lltv: int) -> int:
    """The leverage (WAD) at which the product's position reaches Morpho's LLTV at the NAV: long, LTV =
    debt / collateral value = (L - 1) / L; inverse, LTV = debt value / collateral = L / (L + 1)."""
    if inverse:
        return lltv * WAD // (WAD - lltv)
    return WAD * WAD // (WAD - lltv)


def default_bounds(inverse: bool, lltv: int) -> model.Bounds:
    """Index Coop's FLI shape: target 2.0 (band 1.7-2.3) long, 1.0 (0.85-1.15) inverse; the ripcord
    2.5 (1.35), at most 95 % of the leverage at which Morpho liquidates (2.67 and 1.67 at LLTV 62.5 %);
    trades of at most 20,000 USDC within 2 % of the NAV; a 50 USDC ripcord reward."""
    target, low, high, ripcord = (WAD, 85, 115, 135) if inverse else (2 * WAD, 170, 230, 250)
    ripcord = min(ripcord * WAD // 100, liquidation_leverage(inverse, lltv) * 95 // 100)
    if ripcord <= high * WAD // 100:
        raise ValueError(
            f"an LLTV of {format_amount(lltv, 16)} % liquidates the {'-1x' if inverse else '2x'} product at "
            f"{format_amount(liquidation_leverage(inverse, lltv), 18, 3)}x: too close to its band"
        )
    return model.Bounds(
        target=target,
        low=low * WAD // 100,
        high=high * WAD // 100,
        ripcord=ripcord,
        max_trade=20_000 * 10**USDC_DECIMALS,
        max_slippage=2 * WAD // 100,
        swap_buffer=WAD // 100,
        ripcord_reward=50 * 10**USDC_DECIMALS,
    )


def product_name(key: str) -> str:
    if key not in PRODUCTS:
        raise ValueError(f"{key!r}: the products are {' and '.join(PRODUCTS)}")
    return key


@dataclass(frozen=True)
class State:
    """A product read at one block. `book.price` is 0 when the NAV oracle refuses (`stale`): then
    only a redemption can be previewed."""

    key: str  # "2x" or "-1x"
    symbol: str
    address: str
    index_symbol: str
    book: model.Book
    bounds: model.Bounds
    lltv: int
    stale: bool
    mint_fee: int = 0
    redeem_fee: int = 0
    supply_cap: int = SUPPLY_CAP
    liquidity: int = 0  # what the product's market can still lend (loan base units)
    nav_updated_at: int = 0  # the index's NavFeed
    timestamp: int = 0  # the block's
    held: model.Holdings | None = None  # once unwound (`unwind`): what it holds; no position, no mint
    last_price: int = 0  # MorphoNavOracle.last_price: the price at the last NAV however old
    stale_since: int = 0  # and when the oracle began refusing it (0 if not read)
    unwind_armed_at: int = 0  # when `unwind` first saw the NAV stale (its arming; 0 never)
    unwind_armed_for: int = 0  # the `stale_since` it saw then: armed for this staleness when it is the current one

    @property
    def unwound(self) -> bool:
        return self.held is not None

    @property
    def armed(self) -> bool:
        """`unwind` was armed on the current staleness: it runs (from `unwind_opens`) instead of arming."""
        return self.unwind_armed_at != 0 and self.unwind_armed_for == self.stale_since

    @property
    def unwind_opens(self) -> int:
        """When anyone may unwind: a day after its arming (a day from now when it is not armed yet)."""
        return (self.unwind_armed_at if self.armed else self.timestamp) + model.UNWIND_DELAY

    @property
    def inverse(self) -> bool:
        return self.book.inverse

    @property
    def loan_decimals(self) -> int:
        return 18 if self.inverse else USDC_DECIMALS

    @property
    def loan_symbol(self) -> str:
        return self.index_symbol if self.inverse else "USDC"

    @property
    def collateral_decimals(self) -> int:
        return USDC_DECIMALS if self.inverse else 18

    @property
    def collateral_symbol(self) -> str:
        return "USDC" if self.inverse else self.index_symbol

    @property
    def health(self) -> Decimal | None:
        """Morpho's health factor at the NAV: collateral value x LLTV / debt value; None without debt."""
        book = self.book
        debt_value = book.exposure if self.inverse else book.debt
        collateral_value = book.collateral if self.inverse else book.exposure
        if debt_value == 0:
            return None
        return Decimal(collateral_value) * Decimal(self.lltv) / Decimal(WAD) / Decimal(debt_value)

    @property
    def in_band(self) -> bool:
        return self.bounds.low <= self.book.leverage <= self.bounds.high


def _usd(amount: int) -> str:
    return f"{format_amount(amount, USDC_DECIMALS)} USD"


def _lev(value: int) -> str:
    return f"{from_base(value, 18):.3f}"


@dataclass(frozen=True)
class MintPreview:
    plan: model.MintPlan
    quoted: int  # USDC the router needs (long: to buy plan.index) or pays (inverse: for plan.index)
    result: model.MintResult
    min_shares: int


def check_mint(s: State, usdc_in: int, balance: int) -> model.MintPlan:
    """The slice of the position a mint of `usdc_in` buys; refuses, before any quote, what the chain
    would (ValueError)."""
    if usdc_in <= 0:
        raise ValueError("give a positive amount of USDC to mint with")
    if s.unwound:
        raise ValueError(f"{s.symbol} is unwound: closed for good, its holders redeem in kind")
    if s.stale:
        raise ValueError(
            f"the NAV oracle refuses the index's NAV (stale): {s.symbol} cannot be minted until it answers"
        )
    if balance < usdc_in:
        raise ValueError(
            f"the signer holds {format_amount(balance, USDC_DECIMALS)} USDC, "
            f"not {format_amount(usdc_in, USDC_DECIMALS)}"
        )
    plan = model.mint_plan(s.book, s.bounds, usdc_in)
    if plan.borrowed > s.liquidity:
        raise ValueError(
            f"the {s.key} product's Morpho market can lend {format_amount(s.liquidity, s.loan_decimals)} "
            f"{s.loan_symbol}; this mint borrows {format_amount(plan.borrowed, s.loan_decimals)}"
        )
    return plan


def preview_mint(s: State, usdc_in: int, quoted: int, slippage: Decimal) -> MintPreview:
    """What a mint of `usdc_in` gives when the router's swap costs `quoted` (`check_mint` passed), and the
    least shares to accept."""
    plan = model.mint_plan(s.book, s.bounds, usdc_in)
    try:
        result = model.mint(s.book, s.bounds, usdc_in, quoted, s.mint_fee)
    except ValueError as error:
        raise ValueError(
            f"the pools' price for {format_amount(plan.index, 18)} {s.index_symbol} "
            f"({format_amount(quoted, USDC_DECIMALS)} USDC) leaves the product's swap buffer "
            f"({from_base(s.bounds.swap_buffer, 16):.2f} %): {error}"
        ) from None
    if s.book.supply + result.shares + result.fee_shares > s.supply_cap:
        raise ValueError(f"this mint would pass {s.symbol}'s supply cap ({format_amount(s.supply_cap, 18)})")
    return MintPreview(plan, quoted, result, int(Decimal(result.shares) * (1 - slippage)))


@dataclass(frozen=True)
class RedeemPreview:
    plan: model.RedeemPlan
    quoted: int  # USDC the router pays for the collateral (long) or needs for the debt (inverse)
    usdc_out: int
    min_out: int


def check_redeem(s: State, shares: int, balance: int) -> model.RedeemPlan:
    """What a redeem of `shares` repays and withdraws; refuses, before any quote, what the chain would."""
    if shares <= 0:
        raise ValueError(f"give a positive number of {s.symbol} to redeem")
    if balance < shares:
        raise ValueError(f"the signer holds {format_amount(balance, 18)} {s.symbol}, not {format_amount(shares, 18)}")
    plan = model.redeem_plan(s.book, shares, s.redeem_fee)
    if 0 < s.book.supply - plan.net < model.MIN_SUPPLY:
        raise ValueError(f"this redeem would leave {s.symbol} a dust supply: redeem all or leave at least 0.001")
    if plan.collateral == 0:
        raise ValueError(f"{format_amount(shares, 18)} {s.symbol} is too little to withdraw any collateral")
    return plan


def preview_redeem_unwound(s: State, shares: int, balance: int) -> tuple[int, int]:
    """Once unwound: the index and USDC a redeem of `shares` pays, in kind, exactly (no swap)."""
    if shares <= 0 or balance < shares:
        raise ValueError(f"give a positive number of {s.symbol} up to the {format_amount(balance, 18)} held")
    try:
        _, index_out, usdc_out = model.redeem_unwound(s.held, shares, s.redeem_fee)
    except ValueError:
        raise ValueError(f"this redeem would leave {s.symbol} a dust supply: redeem all or leave 0.001") from None
    return index_out, usdc_out


def check_unwind(s: State) -> model.UnwindPlan | None:
    """What `unwind` does now: None when it arms (the first call on a stale NAV only records when the staleness
    was seen), else the swap and bound (`model.unwind_plan`) it runs with; refuses what the chain would."""
    if s.unwound:
        raise ValueError(f"{s.symbol} is already unwound: its holders redeem in kind")
    if s.timestamp < s.stale_since:
        raise ValueError(f"the NAV oracle takes the NAV: {s.symbol} unwinds only once it is stale")
    if not s.armed:
        return None
    if s.timestamp < s.unwind_opens:
        raise ValueError(
            f"lev: unwind armed, wait: anyone may unwind {s.symbol} from {utc(s.unwind_opens)} "
            f"({s.unwind_opens - s.timestamp} s from now)"
        )
    return model.unwind_plan(s.book, s.bounds, s.last_price, s.timestamp - s.unwind_armed_at)


def utc(timestamp: int) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def preview_redeem(s: State, shares: int, quoted: int, slippage: Decimal) -> RedeemPreview:
    """What a redeem of `shares` pays when the router's swap moves `quoted` (`check_redeem` passed)."""
    plan = model.redeem_plan(s.book, shares, s.redeem_fee)
    if s.inverse:
        if quoted > plan.collateral:
            raise ValueError("buying back the debt costs more than the collateral withdrawn")
        out = plan.collateral - quoted
    else:
        if quoted < plan.repaid:
            raise ValueError("the collateral sells for less than the debt it repays")
        out = quoted - plan.repaid
    return RedeemPreview(plan, quoted, out, int(Decimal(out) * (1 - slippage)))


def describe(s: State) -> dict:
    """The status as JSON-ready values (whole tokens, USD, leverage as a number)."""
    book, b = s.book, s.bounds
    out = {
        "product": s.key,
        "symbol": s.symbol,
        "address": s.address,
        "supply": str(from_base(book.supply, 18)),
        "collateral": str(from_base(book.collateral, s.collateral_decimals)),
        "debt": str(from_base(book.debt, s.loan_decimals)),
        "target": str(from_base(b.target, 18)),
        "band": [str(from_base(b.low, 18)), str(from_base(b.high, 18))],
        "ripcord": str(from_base(b.ripcord, 18)),
        "stale": s.stale,
        "unwound": s.unwound,
    }
    if s.unwound:
        out |= {"held_index": str(from_base(s.held.index, 18)), "held_usdc": str(from_base(s.held.usdc, 6))}
    elif s.stale and s.armed:
        out["unwind_opens"] = s.unwind_opens  # unix time from which anyone may unwind
    if not s.stale:
        health = s.health
        out |= {
            "nav_per_share": str(from_base(book.nav_per_share, 18)),
            "equity_usd": str(from_base(book.equity, USDC_DECIMALS)),
            "leverage": str(from_base(book.leverage, 18)) if book.leverage < 2**255 else "underwater",
            "in_band": s.in_band,
            "health_factor": None if health is None else str(health.quantize(Decimal("0.0001"))),
        }
    return out


def render(s: State) -> str:
    book, b = s.book, s.bounds
    lines = [f"{s.symbol} ({s.key} {s.index_symbol}) at {s.address}"]
    if s.unwound:
        lines.append(
            f"  UNWOUND         holds {format_amount(s.held.index, 18)} {s.index_symbol} and "
            f"{_usd(s.held.usdc)} for {format_amount(book.supply, 18)} shares: redeem pays them pro rata, in kind"
        )
        return "\n".join(lines)
    if s.stale and s.stale_since and not s.armed:
        lines.append(
            "  NAV             stale: anyone may arm the unwind (`ape run leverage unwind`), then run it a day on"
        )
    elif s.stale and s.stale_since:
        when = "now" if s.timestamp >= s.unwind_opens else f"from {utc(s.unwind_opens)}"
        lines.append(f"  NAV             stale, unwind armed: anyone may unwind {when} (`ape run leverage unwind`)")
    elif s.stale:
        lines.append("  NAV             stale: the oracle refuses it (no mint, rebalance or ripcord; redeem works)")
    else:
        lines.append(
            f"  NAV             {format_amount(book.nav_per_share, 18, 8)} USD a share, "
            f"equity {_usd(book.equity)}, supply {format_amount(book.supply, 18)}"
        )
        lev = book.leverage
        if lev == 0:
            where = "empty"
        elif lev > b.ripcord:
            where = "OUT OF BAND, above the ripcord: anyone may pull it"
        elif not s.in_band:
            where = "OUT OF BAND: the keeper rebalances"
        else:
            where = "in band"
        shown = "underwater" if lev >= 2**255 else f"{_lev(lev)}x"
        lines.append(
            f"  leverage        {shown} (target {_lev(b.target)}, band {_lev(b.low)}-{_lev(b.high)}, "
            f"ripcord above {_lev(b.ripcord)}): {where}"
        )
    lines.append(
        f"  position        {format_amount(book.collateral, s.collateral_decimals)} {s.collateral_symbol} collateral, "
        f"{format_amount(book.debt, s.loan_decimals)} {s.loan_symbol} debt"
    )
    if not s.stale:
        health = s.health
        liq = _lev(liquidation_leverage(s.inverse, s.lltv))
        shown = "no debt" if health is None else f"{health:.4f}"
        lines.append(
            f"  health          {shown} (Morpho liquidates below 1: LLTV {format_amount(s.lltv, 16)} %, "
            f"leverage {liq}x)"
        )
    return "\n".join(lines)
