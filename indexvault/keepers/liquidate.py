"""Liquidation keeper decisions: pure functions over a snapshot of a Morpho
Blue market whose collateral is an index token.

`decide(snapshot, settings)` looks at every borrower, worst health first,
and says for each what it does and why (one line each):
- no debt, or healthy at the oracle's price: nothing (with the health
  factor and the price it would be liquidated at);
- under water: liquidate through `MorphoLiquidator.liquidate`, seizing
  `lending.model.max_seizable` (all the collateral, or what repays the whole
  debt at Morpho's incentive), or less when the router's quote shows the
  pools cannot take that much at a profit: then the size that still pays
  (the profit is concave in the size: the repayment is linear in it, the
  pools pay less for each further token), or nothing when no size pays
  its gas and the keeper's minimum.

What a liquidation repays and seizes is Morpho's own math to the base unit
(`lending.model.liquidate`); what the seized index tokens fetch is the
snapshot's `redeem` quote (the IndexRouter's one-asset redeem to the loan
token, in kind then every component sold: `indexvault.oneasset`). The
liquidations of one round run one after the other through the same pools,
so each is quoted on what the earlier ones left: the proceeds of a second
liquidation of `n` tokens after `m` are `redeem(m + n) - redeem(m)`, and
each works on the market the earlier ones left (Morpho's totals change).

The keeper asks the contract for at least its gas and its minimum
(`min_profit`): a liquidation that no longer pays when it lands (another
keeper came first, the pools moved) reverts and costs only the gas.

Pure: imports nothing from the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from indexvault.lending import model
from indexvault.units import format_amount

# loan base units the router pays for this many index wei redeemed now (0: it cannot)
RedeemQuote = Callable[[int], int]


@dataclass(frozen=True)
class Borrower:
    address: str
    position: model.Position


@dataclass(frozen=True)
class Snapshot:
    """What the decisions need, read at one block."""

    market: model.Market  # Morpho's totals and the market's LLTV
    price: int | None  # Morpho's oracle price (loan base units per collateral base unit, 1e36); None: it reverts
    borrowers: tuple[Borrower, ...]
    redeem: RedeemQuote
    collateral_symbol: str = "INDEX"
    collateral_decimals: int = 18
    loan_symbol: str = "USDC"
    loan_decimals: int = 6
    loan_usd: Decimal = Decimal(1)  # USD per whole loan token
    gas_price: int = 0  # wei
    eth_usd: Decimal = Decimal(0)  # to price the gas
    components: int = 1  # the index's components (each redeemed is sold: the gas grows with them)


@dataclass(frozen=True)
class Settings:
    """A keeper's choices."""

    min_profit_usd: Decimal = Decimal(1)  # on top of the gas
    gas_margin: Decimal = Decimal("0.1")  # the floor is the gas x (1 + this) + min_profit_usd
    # A MorphoLiquidator call: Morpho and the redeem, then a swap per component (measured: 0.90M with
    # five components, `python -m benchmarks lending`; 1.60M with market10's ten, its end-to-end test).
    gas_base: int = 200_000
    gas_per_component: int = 140_000


@dataclass(frozen=True)
class Action:
    """`MorphoLiquidator.liquidate(params, borrower, seized, 0, routes, min_profit)`, or with `(0, repaid_shares)`."""

    borrower: str
    seized: int  # index wei
    repaid_assets: int  # loan base units Morpho takes
    proceeds: int  # loan base units the router is quoted to pay for `seized`
    profit: int  # proceeds - repaid_assets
    min_profit: int  # loan base units: the call reverts below it
    bad_debt: int  # loan base units Morpho writes off the lenders (the collateral ran out)
    reason: str
    # The borrower's every borrow share when `seized` repays the whole debt and leaves collateral: the
    # call then names the shares and Morpho seizes at its price when the call lands, so a NAV that moved
    # a hair since the snapshot leaves no dust of debt behind. 0: the call names `seized`.
    repaid_shares: int = 0


@dataclass(frozen=True)
class Skip:
    borrower: str
    reason: str


@dataclass(frozen=True)
class Decision:
    actions: tuple[Action, ...]
    skipped: tuple[Skip, ...]

    def lines(self) -> list[str]:
        out = [f"liquidate {a.borrower}: {a.reason}" for a in self.actions]
        return out + [f"skip      {s.borrower}: {s.reason}" for s in self.skipped]


def _loan_units(s: Snapshot, usd: Decimal) -> int:
    """USD in loan base units, rounded up."""
    value = Fraction(usd) * 10**s.loan_decimals / Fraction(s.loan_usd)
    return -(-value.numerator // value.denominator)


def _usd(s: Snapshot, amount: int) -> str:
    return f"{Decimal(amount) * s.loan_usd / Decimal(10**s.loan_decimals):,.2f} USD"


def gas(s: Snapshot, settings: Settings) -> int:
    """A liquidation's gas, estimated from the index's size."""
    return settings.gas_base + settings.gas_per_component * s.components


def gas_usd(s: Snapshot, settings: Settings) -> Decimal:
    return Decimal(gas(s, settings) * s.gas_price) / Decimal(10**18) * s.eth_usd


def floor(s: Snapshot, settings: Settings) -> int:
    """The least profit a liquidation must make: its gas with the margin, and the keeper's minimum."""
    return _loan_units(s, gas_usd(s, settings) * (1 + settings.gas_margin) + settings.min_profit_usd)


def _health(position: model.Position, market: model.Market, price: int) -> str:
    hf = model.health_factor(position, market, price)
    return "no debt" if hf is None else f"health factor {float(hf):.4f}"


def decide(s: Snapshot, settings: Settings = Settings()) -> Decision:
    """The liquidations to send now, worst health first, and a reason for every borrower left."""
    if s.price is None or s.price == 0:
        return Decision((), (Skip("*", "Morpho's oracle gives no price now (a stale or failing feed)"),))
    need = floor(s, settings)
    market = s.market
    used = 0  # index wei the round's earlier liquidations redeem through the same pools
    actions: list[Action] = []
    skipped: list[Skip] = []

    def worst_first(b: Borrower):
        hf = model.health_factor(b.position, s.market, s.price)
        return (hf is None, hf or 0)

    for b in sorted(s.borrowers, key=worst_first):
        position = b.position
        if model.borrowed(position, market) == 0:
            skipped.append(Skip(b.address, "no debt"))
            continue
        if model.is_healthy(position, market, s.price):
            at = model.liquidation_price(position, market)
            skipped.append(
                Skip(
                    b.address,
                    f"healthy, {_health(position, market, s.price)} (liquidatable at an oracle price "
                    f"{float(Fraction(at or 0, s.price)) * 100:.2f} % of today's)",
                )
            )
            continue
        base = s.redeem(used) if used else 0

        def profit(seized: int, position=position, market=market, used=used, base=base) -> tuple[int, int, int] | None:
            """(profit, proceeds, repaid) for seizing `seized`; None where Morpho would revert."""
            try:
                repaid = model.liquidate(position, market, s.price, seized=seized).repaid_assets
            except ValueError:
                return None
            proceeds = s.redeem(used + seized) - base
            return proceeds - repaid, proceeds, repaid

        most = model.max_seizable(position, market, s.price)
        health = _health(position, market, s.price)
        if most == 0:
            skipped.append(Skip(b.address, f"under water ({health}) but nothing to seize"))
            continue
        size, why = most, "max seizable"
        full = profit(most)
        if full is None or full[0] < need:
            size = _best_size(profit, most, need)
            if size == 0:
                best = _peak(profit, most)
                made = profit(best) if best else None
                shown = (
                    f"at most {_usd(s, made[0])} (seizing {format_amount(best, s.collateral_decimals)})"
                    if made
                    else "nothing"
                )
                skipped.append(
                    Skip(
                        b.address,
                        f"under water ({health}) but unprofitable: the pools pay {shown} < the floor "
                        f"{_usd(s, need)} (gas {gas_usd(s, settings):.2f} USD x {1 + settings.gas_margin} "
                        f"+ minimum {settings.min_profit_usd} USD)",
                    )
                )
                continue
            why = f"of {format_amount(most, s.collateral_decimals)} seizable, the most the pools take at a profit"
        made, proceeds, repaid = profit(size)
        done = model.liquidate(position, market, s.price, seized=size)
        bad = f", writes off {_usd(s, done.bad_debt_assets)} of bad debt" if done.bad_debt_assets else ""
        whole = done.position.borrow_shares == 0 and done.bad_debt_assets == 0 and done.position.collateral > 0
        actions.append(
            Action(
                borrower=b.address,
                seized=size,
                repaid_assets=repaid,
                proceeds=proceeds,
                profit=made,
                min_profit=need,
                bad_debt=done.bad_debt_assets,
                repaid_shares=position.borrow_shares if whole else 0,
                reason=(
                    f"under water ({health}); seize {format_amount(size, s.collateral_decimals)} "
                    f"{s.collateral_symbol} ({why}), repay {format_amount(repaid, s.loan_decimals)} {s.loan_symbol}"
                    f"{bad}; the router pays {format_amount(proceeds, s.loan_decimals)} {s.loan_symbol}: "
                    f"profit {_usd(s, made)} >= floor {_usd(s, need)}"
                ),
            )
        )
        market = done.market
        used += size
    return Decision(tuple(actions), tuple(skipped))


def _peak(profit, most: int) -> int:
    """The size in [1, most] with the highest profit: a ternary search on a concave profit, run until
    three sizes are left (about 3.4 log2(most) quotes: 270 for a million index tokens). A fixed number
    of steps left millions of sizes to try one by one on large positions, two minutes per decision."""
    low, high = 1, most

    def value(x: int) -> int:
        p = profit(x)
        return p[0] if p is not None else -(2**255)

    while high - low > 2:
        third = (high - low) // 3
        a, b = low + third, high - third
        if value(a) < value(b):
            low = a + 1
        else:
            high = b
    return max(range(low, high + 1), key=value)


def _best_size(profit, most: int, need: int) -> int:
    """The largest size up to `most` whose profit is at least `need`; 0 when none is."""
    peak = _peak(profit, most)
    at_peak = profit(peak)
    if at_peak is None or at_peak[0] < need:
        return 0
    low, high = peak, most  # profit(low) >= need > profit(high)
    while high - low > 1:
        middle = (low + high) // 2
        p = profit(middle)
        if p is not None and p[0] >= need:
            low = middle
        else:
            high = middle
    return low
