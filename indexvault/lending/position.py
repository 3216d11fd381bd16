"""A borrower's position on an index token's Morpho market, from a snapshot: what `ape run lend`
shows and checks before it sends anything (the most one may borrow or withdraw, the health factor,
the liquidation price in USD), every figure from `model`, so the chain then does exactly what was
shown. Errors are ValueErrors with the message a user reads. Pure: imports nothing from the chain."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from indexvault.lending import model
from indexvault.units import format_amount, from_base

# The risk team's choice for an index token against USDC (SECURITY.md, "Borrowing against the
# index"): the largest of Morpho's enabled LLTVs at which a position liquidated at the limit stays
# worth the debt plus the liquidator's incentive through the basket's worst daily fall (`choose_lltv`).
DEFAULT_LLTV = model.MAINNET_LLTVS[1]  # 0.625


def choose_lltv(worst_drop: Fraction | float, lltvs: tuple[int, ...] = model.MAINNET_LLTVS) -> int | None:
    """The largest LLTV whose position, liquidated at the limit, still covers the debt times the
    liquidation incentive after a fall of `worst_drop` (0.27 for 27 %): LLTV * LIF(LLTV) <= 1 - drop.
    None if none does."""
    room = Fraction(worst_drop) if not isinstance(worst_drop, float) else Fraction(str(worst_drop))
    fits = [
        lltv
        for lltv in lltvs
        if Fraction(lltv, model.WAD) * Fraction(model.liquidation_incentive_factor(lltv), model.WAD) <= 1 - room
    ]
    return max(fits, default=None)


def worst_daily_drop(weights: dict[str, Fraction], closes: dict[str, list[Decimal]]) -> tuple[Fraction, int]:
    """The worst one-day fall of a basket held at constant `weights` (rebalanced daily) over the
    aligned daily `closes` of each symbol: the fall and the index of the day it ends on."""
    days = len(next(iter(closes.values())))
    worst, at = Fraction(0), 0
    for day in range(1, days):
        change = sum(w * (Fraction(closes[s][day]) / Fraction(closes[s][day - 1]) - 1) for s, w in weights.items())
        if -change > worst:
            worst, at = -change, day
    return worst, at


@dataclass(frozen=True)
class Snapshot:
    """One account's position and the market, read in one go."""

    market: model.Market
    position: model.Position
    price: int  # the oracle's price() (loan base units per collateral base unit, 1e36)
    nav: int  # the NavFeed's answer: USD per whole index token, 8 decimals
    loan_usd: int  # the loan token's USD price, 8 decimals (10**8 without a loan feed)
    collateral_symbol: str
    loan_symbol: str
    collateral_decimals: int = 18
    loan_decimals: int = 6
    collateral_balance: int = 0  # index tokens in the account's wallet
    loan_balance: int = 0  # loan tokens in the account's wallet

    def tokens(self, amount: int) -> str:
        return f"{format_amount(amount, self.collateral_decimals)} {self.collateral_symbol}"

    def loans(self, amount: int) -> str:
        return f"{format_amount(amount, self.loan_decimals)} {self.loan_symbol}"

    @property
    def owed(self) -> int:
        return model.borrowed(self.position, self.market)

    @property
    def health_factor(self) -> Fraction | None:
        return model.health_factor(self.position, self.market, self.price)

    def usd_per_token(self, price: int) -> Decimal:
        """An oracle price as USD per whole index token (the loan token at its USD price)."""
        loan_per_token = Decimal(price) * Decimal(10) ** self.collateral_decimals / Decimal(model.ORACLE_PRICE_SCALE)
        return from_base(int(loan_per_token), self.loan_decimals) * from_base(self.loan_usd, 8)

    @property
    def liquidation_price_usd(self) -> Decimal | None:
        at = model.liquidation_price(self.position, self.market)
        return None if at is None else self.usd_per_token(at)

    @property
    def collateral_usd(self) -> Decimal:
        return from_base(self.position.collateral, self.collateral_decimals) * from_base(self.nav, 8)


def max_borrow(s: Snapshot) -> int:
    """The most the account may borrow now: Morpho's own checks (healthy after it, the market's
    liquidity), with its rounding (the borrow's shares round up)."""
    low, high = 0, s.market.liquidity
    while low < high:
        mid = (low + high + 1) // 2
        try:
            model.borrow(s.position, s.market, s.price, assets=mid)
            low = mid
        except ValueError:
            high = mid - 1
    return low


def max_withdraw(s: Snapshot) -> int:
    """The most collateral the account may take back now and stay healthy."""
    if s.position.borrow_shares == 0:
        return s.position.collateral
    low, high = 0, s.position.collateral
    while low < high:
        mid = (low + high + 1) // 2
        try:
            model.withdraw_collateral(s.position, s.market, s.price, mid)
            low = mid
        except ValueError:
            high = mid - 1
    return low


def check_supply(s: Snapshot, amount: int) -> model.Position:
    if amount <= 0:
        raise ValueError(f"give a positive amount of {s.collateral_symbol} to supply")
    if amount > s.collateral_balance:
        raise ValueError(f"you hold {s.tokens(s.collateral_balance)}: cannot supply {s.tokens(amount)}")
    return model.supply_collateral(s.position, amount)


def check_borrow(s: Snapshot, amount: int) -> model.Action:
    if amount <= 0:
        raise ValueError(f"give a positive amount of {s.loan_symbol} to borrow")
    most = max_borrow(s)
    if amount > most:
        why = (
            f"the market has {s.loans(s.market.liquidity)} to lend"
            if amount > s.market.liquidity
            else f"a borrow of {s.loans(amount)} would leave the position unhealthy"
        )
        raise ValueError(f"{why}: the most you can borrow now is {s.loans(most)}")
    return model.borrow(s.position, s.market, s.price, assets=amount)


def check_repay(s: Snapshot, amount: int | None) -> model.Action:
    """`amount` None: all of it (by shares, so no dust of debt is left)."""
    if s.position.borrow_shares == 0:
        raise ValueError(f"you owe nothing on the {s.collateral_symbol}/{s.loan_symbol} market")
    if amount is None:
        action = model.repay(s.position, s.market, shares=s.position.borrow_shares)
    elif amount <= 0:
        raise ValueError(f"give a positive amount of {s.loan_symbol} to repay, or `all`")
    elif amount > s.owed:
        raise ValueError(f"you owe {s.loans(s.owed)}: repay at most that (or `all`)")
    else:
        action = model.repay(s.position, s.market, assets=amount)
    if action.assets > s.loan_balance:
        raise ValueError(f"repaying {s.loans(action.assets)} needs that much; you hold {s.loans(s.loan_balance)}")
    return action


def check_withdraw(s: Snapshot, amount: int | None) -> int:
    """`amount` None: all the collateral (only without debt). Returns the base units to withdraw."""
    if s.position.collateral == 0:
        raise ValueError(f"you have no {s.collateral_symbol} supplied as collateral")
    most = max_withdraw(s)
    if amount is None:
        if s.position.borrow_shares:
            raise ValueError(
                f"you owe {s.loans(s.owed)}: repay it first (`ape run lend repay all`), "
                f"or withdraw at most {s.tokens(most)} now"
            )
        return s.position.collateral
    if amount <= 0:
        raise ValueError(f"give a positive amount of {s.collateral_symbol} to withdraw, or `all`")
    if amount > s.position.collateral:
        raise ValueError(f"you have {s.tokens(s.position.collateral)} supplied: withdraw at most that")
    if amount > most:
        raise ValueError(
            f"withdrawing {s.tokens(amount)} would leave the position unhealthy: the most you can "
            f"withdraw now is {s.tokens(most)}"
        )
    return amount


def describe(s: Snapshot) -> dict:
    """The figures `lend status` shows, whole tokens and USD."""
    hf = s.health_factor
    liquidation = s.liquidation_price_usd
    nav = from_base(s.nav, 8)
    return {
        "collateral": from_base(s.position.collateral, s.collateral_decimals),
        "collateral_usd": s.collateral_usd.quantize(Decimal("0.01")),
        "nav_usd": nav,
        "debt": from_base(s.owed, s.loan_decimals),
        "health_factor": None if hf is None else Decimal(hf.numerator) / Decimal(hf.denominator),
        "max_borrow": from_base(max_borrow(s), s.loan_decimals),
        "max_withdraw": from_base(max_withdraw(s), s.collateral_decimals),
        "liquidation_price_usd": None if liquidation is None else liquidation.quantize(Decimal("0.0001")),
        "lltv": from_base(s.market.lltv, 18),
        "liquidation_incentive": from_base(model.liquidation_incentive_factor(s.market.lltv), 18) - 1,
        "market_supplied": from_base(s.market.total_supply_assets, s.loan_decimals),
        "market_borrowed": from_base(s.market.total_borrow_assets, s.loan_decimals),
        "market_liquidity": from_base(s.market.liquidity, s.loan_decimals),
        "wallet": {
            s.collateral_symbol: from_base(s.collateral_balance, s.collateral_decimals),
            s.loan_symbol: from_base(s.loan_balance, s.loan_decimals),
        },
    }


def render(s: Snapshot) -> str:
    d = describe(s)
    c, loan = s.collateral_symbol, s.loan_symbol
    lines = [
        f"{c} / {loan} on Morpho Blue: LLTV {d['lltv'] * 100:g} %, liquidation incentive "
        f"{d['liquidation_incentive'] * 100:.2f} %",
        f"  collateral      {s.tokens(s.position.collateral)} = {d['collateral_usd']:,} USD "
        f"(NAV {d['nav_usd']:f} USD a token)",
        f"  debt            {s.loans(s.owed)}",
    ]
    if d["health_factor"] is None:
        lines.append("  health factor   no debt")
    else:
        lines.append(f"  health factor   {d['health_factor']:.4f} (liquidatable below 1)")
    lines.append(f"  can borrow      {s.loans(max_borrow(s))} more; can withdraw {s.tokens(max_withdraw(s))}")
    if d["liquidation_price_usd"] is not None:
        fall = (1 - d["liquidation_price_usd"] / d["nav_usd"]) * 100 if d["nav_usd"] else Decimal(0)
        lines.append(
            f"  liquidation at  {d['liquidation_price_usd']:f} USD a {c} (NAV now {d['nav_usd']:f}: {fall:.1f} % below)"
        )
    lines.append(
        f"  market          {s.loans(s.market.total_supply_assets)} supplied, "
        f"{s.loans(s.market.total_borrow_assets)} borrowed, {s.loans(s.market.liquidity)} available"
    )
    lines.append(f"  wallet          {s.tokens(s.collateral_balance)}, {s.loans(s.loan_balance)}")
    return "\n".join(lines)
