"""Morpho Blue's value math in Python, to the base unit: the reference the
lending code and its tests are held to.

Every function mirrors the line of `Morpho.sol` 1.0.0 (or its libraries
SharesMathLib, MathLib, UtilsLib) it names, with the same rounding, so a
keeper can decide a liquidation, and `lend status` can show a position,
from a snapshot without calling the chain, and a test can check the real
contract against this model exactly.

The model takes the market's totals as given: it does not accrue interest
(the markets this project creates use Morpho's zero-rate IRM, address 0,
where nothing accrues; for a market with an IRM, read the totals after
`accrueInterest`).

Pure: imports nothing from the chain.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

WAD = 10**18
ORACLE_PRICE_SCALE = 10**36  # ConstantsLib
LIQUIDATION_CURSOR = 3 * 10**17  # 0.3
MAX_LIQUIDATION_INCENTIVE_FACTOR = 115 * 10**16  # 1.15
VIRTUAL_SHARES = 10**6  # SharesMathLib
VIRTUAL_ASSETS = 1
# The LLTVs Morpho's governance has enabled on Ethereum mainnet (WAD), enabled on the local market too.
MAINNET_LLTVS = tuple(x * 10**15 for x in (385, 625, 770, 860, 915, 945, 965, 980))


# MathLib
def mul_div_down(x: int, y: int, d: int) -> int:
    return x * y // d


def mul_div_up(x: int, y: int, d: int) -> int:
    return (x * y + d - 1) // d


def w_mul_down(x: int, y: int) -> int:
    return mul_div_down(x, y, WAD)


def w_div_down(x: int, y: int) -> int:
    return mul_div_down(x, WAD, y)


def w_div_up(x: int, y: int) -> int:
    return mul_div_up(x, WAD, y)


# SharesMathLib
def to_shares_down(assets: int, total_assets: int, total_shares: int) -> int:
    return mul_div_down(assets, total_shares + VIRTUAL_SHARES, total_assets + VIRTUAL_ASSETS)


def to_assets_down(shares: int, total_assets: int, total_shares: int) -> int:
    return mul_div_down(shares, total_assets + VIRTUAL_ASSETS, total_shares + VIRTUAL_SHARES)


def to_shares_up(assets: int, total_assets: int, total_shares: int) -> int:
    return mul_div_up(assets, total_shares + VIRTUAL_SHARES, total_assets + VIRTUAL_ASSETS)


def to_assets_up(shares: int, total_assets: int, total_shares: int) -> int:
    return mul_div_up(shares, total_assets + VIRTUAL_ASSETS, total_shares + VIRTUAL_SHARES)


@dataclass(frozen=True)
class Market:
    """`Morpho.market(id)` and the market's LLTV (from its MarketParams)."""

    lltv: int
    total_supply_assets: int = 0
    total_supply_shares: int = 0
    total_borrow_assets: int = 0
    total_borrow_shares: int = 0

    @property
    def liquidity(self) -> int:
        """Loan assets that can still be borrowed or withdrawn."""
        return self.total_supply_assets - self.total_borrow_assets


@dataclass(frozen=True)
class Position:
    """`Morpho.position(id, user)`."""

    supply_shares: int = 0
    borrow_shares: int = 0
    collateral: int = 0


def borrowed(position: Position, market: Market) -> int:
    """Loan assets the position owes, rounded up (`_isHealthy`)."""
    return to_assets_up(position.borrow_shares, market.total_borrow_assets, market.total_borrow_shares)


def max_borrow(collateral: int, price: int, lltv: int) -> int:
    """Most a collateral may owe at `price` (loan base units per collateral base unit, scaled 1e36)."""
    return w_mul_down(mul_div_down(collateral, price, ORACLE_PRICE_SCALE), lltv)


def is_healthy(position: Position, market: Market, price: int) -> bool:
    """`_isHealthy`: a position without debt is healthy at any price."""
    if position.borrow_shares == 0:
        return True
    return max_borrow(position.collateral, price, market.lltv) >= borrowed(position, market)


def health_factor(position: Position, market: Market, price: int) -> Fraction | None:
    """Most it may owe over what it owes (below 1: liquidatable); None without debt."""
    owed = borrowed(position, market)
    if owed == 0:
        return None
    return Fraction(max_borrow(position.collateral, price, market.lltv), owed)


def liquidation_price(position: Position, market: Market) -> int | None:
    """The highest oracle price (scale 1e36) at which the position can be liquidated (one base unit
    more and it is healthy); None without debt or collateral."""
    owed = borrowed(position, market)
    if owed == 0 or position.collateral == 0:
        return None
    low, high = 0, mul_div_up(owed * WAD, ORACLE_PRICE_SCALE, position.collateral * market.lltv)
    while max_borrow(position.collateral, high, market.lltv) < owed:  # the estimate, short by the floors
        high = 2 * high + 1
    while low < high:  # the smallest healthy price
        mid = (low + high) // 2
        if max_borrow(position.collateral, mid, market.lltv) >= owed:
            high = mid
        else:
            low = mid + 1
    return low - 1


def liquidation_incentive_factor(lltv: int) -> int:
    """min(1.15, 1 / (1 - 0.3 (1 - lltv))), WAD."""
    return min(MAX_LIQUIDATION_INCENTIVE_FACTOR, w_div_down(WAD, WAD - w_mul_down(LIQUIDATION_CURSOR, WAD - lltv)))


@dataclass(frozen=True)
class Liquidation:
    """What `Morpho.liquidate` does to a position and its market."""

    seized: int  # collateral base units sent to the liquidator
    repaid_shares: int
    repaid_assets: int  # loan base units the liquidator pays
    bad_debt_assets: int  # loan base units written off the suppliers (the collateral ran out)
    bad_debt_shares: int
    position: Position
    market: Market


def liquidate(position: Position, market: Market, price: int, seized: int = 0, repaid_shares: int = 0) -> Liquidation:
    """`Morpho.liquidate` with exactly one of `seized` (collateral) or `repaid_shares` above zero.
    Raises ValueError with Morpho's own reason where the contract would revert."""
    if (seized == 0) == (repaid_shares == 0):
        raise ValueError("inconsistent input")
    if is_healthy(position, market, price):
        raise ValueError("position is healthy")
    lif = liquidation_incentive_factor(market.lltv)
    tba, tbs = market.total_borrow_assets, market.total_borrow_shares
    if seized > 0:
        quoted = mul_div_up(seized, price, ORACLE_PRICE_SCALE)
        repaid_shares = to_shares_up(w_div_up(quoted, lif), tba, tbs)
    else:
        seized = mul_div_down(w_mul_down(to_assets_down(repaid_shares, tba, tbs), lif), ORACLE_PRICE_SCALE, price)
    repaid_assets = to_assets_up(repaid_shares, tba, tbs)
    if repaid_shares > position.borrow_shares or seized > position.collateral:
        raise ValueError("arithmetic underflow")  # Morpho's checked subtraction
    borrow_shares = position.borrow_shares - repaid_shares
    tbs -= repaid_shares
    tba = max(tba - repaid_assets, 0)
    collateral = position.collateral - seized
    tsa = market.total_supply_assets
    bad_assets = bad_shares = 0
    if collateral == 0:
        bad_shares = borrow_shares
        bad_assets = min(tba, to_assets_up(bad_shares, tba, tbs))
        tba -= bad_assets
        tsa -= bad_assets
        tbs -= bad_shares
        borrow_shares = 0
    return Liquidation(
        seized=seized,
        repaid_shares=repaid_shares,
        repaid_assets=repaid_assets,
        bad_debt_assets=bad_assets,
        bad_debt_shares=bad_shares,
        position=replace(position, borrow_shares=borrow_shares, collateral=collateral),
        market=replace(market, total_supply_assets=tsa, total_borrow_assets=tba, total_borrow_shares=tbs),
    )


def max_seizable(position: Position, market: Market, price: int) -> int:
    """The most collateral one liquidation can seize: all of it if the debt covers it at the
    incentive, else what repays the whole debt (Morpho lets one call take either)."""
    lif = liquidation_incentive_factor(market.lltv)
    debt_value = to_assets_down(position.borrow_shares, market.total_borrow_assets, market.total_borrow_shares)
    by_debt = mul_div_down(w_mul_down(debt_value, lif), ORACLE_PRICE_SCALE, price)
    return min(position.collateral, by_debt)


def oracle_price(
    answer: int,
    feed_decimals: int,
    collateral_decimals: int,
    loan_decimals: int,
    loan_answer: int = 1,
    loan_feed_decimals: int = 0,
) -> int:
    """A USD feed's answer for one whole collateral token as Morpho's price: loan base units per
    collateral base unit, scaled by 1e36, rounded down. With the loan token's own USD feed
    (`loan_answer` at `loan_feed_decimals`) it is MorphoChainlinkOracleV2's (and MorphoNavOracle's)
    `SCALE_FACTOR * answer / loan_answer`; without, the loan token is taken at 1 USD."""
    exponent = 36 + loan_decimals + loan_feed_decimals - collateral_decimals - feed_decimals
    if exponent >= 0:
        return answer * 10**exponent // loan_answer
    return answer // (10**-exponent * loan_answer)


@dataclass(frozen=True)
class Action:
    """What one of Morpho's supply/withdraw/borrow/repay calls did: the assets and shares it moved,
    and the position and market after it."""

    assets: int
    shares: int
    position: Position
    market: Market


def _one_of(assets: int, shares: int) -> None:
    if (assets == 0) == (shares == 0):
        raise ValueError("inconsistent input")


def supply(position: Position, market: Market, assets: int = 0, shares: int = 0) -> Action:
    """`Morpho.supply`: loan assets lent to the market (shares rounded down, or assets rounded up)."""
    _one_of(assets, shares)
    tsa, tss = market.total_supply_assets, market.total_supply_shares
    if assets > 0:
        shares = to_shares_down(assets, tsa, tss)
    else:
        assets = to_assets_up(shares, tsa, tss)
    return Action(
        assets,
        shares,
        replace(position, supply_shares=position.supply_shares + shares),
        replace(market, total_supply_assets=tsa + assets, total_supply_shares=tss + shares),
    )


def withdraw(position: Position, market: Market, assets: int = 0, shares: int = 0) -> Action:
    """`Morpho.withdraw`: loan assets taken back from the market (shares rounded up, or assets down)."""
    _one_of(assets, shares)
    tsa, tss = market.total_supply_assets, market.total_supply_shares
    if assets > 0:
        shares = to_shares_up(assets, tsa, tss)
    else:
        assets = to_assets_down(shares, tsa, tss)
    if shares > position.supply_shares or assets > tsa:
        raise ValueError("arithmetic underflow")
    after = replace(market, total_supply_assets=tsa - assets, total_supply_shares=tss - shares)
    if after.total_borrow_assets > after.total_supply_assets:
        raise ValueError("insufficient liquidity")
    return Action(assets, shares, replace(position, supply_shares=position.supply_shares - shares), after)


def borrow(position: Position, market: Market, price: int, assets: int = 0, shares: int = 0) -> Action:
    """`Morpho.borrow` at oracle `price`: shares rounded up (or assets down); refused as Morpho refuses
    a position left unhealthy ("insufficient collateral") or a market left short ("insufficient liquidity")."""
    _one_of(assets, shares)
    tba, tbs = market.total_borrow_assets, market.total_borrow_shares
    if assets > 0:
        shares = to_shares_up(assets, tba, tbs)
    else:
        assets = to_assets_down(shares, tba, tbs)
    after_position = replace(position, borrow_shares=position.borrow_shares + shares)
    after = replace(market, total_borrow_assets=tba + assets, total_borrow_shares=tbs + shares)
    if not is_healthy(after_position, after, price):
        raise ValueError("insufficient collateral")
    if after.total_borrow_assets > after.total_supply_assets:
        raise ValueError("insufficient liquidity")
    return Action(assets, shares, after_position, after)


def repay(position: Position, market: Market, assets: int = 0, shares: int = 0) -> Action:
    """`Morpho.repay`: shares rounded down (or assets up); the market's borrowed assets floor at zero."""
    _one_of(assets, shares)
    tba, tbs = market.total_borrow_assets, market.total_borrow_shares
    if assets > 0:
        shares = to_shares_down(assets, tba, tbs)
    else:
        assets = to_assets_up(shares, tba, tbs)
    if shares > position.borrow_shares:
        raise ValueError("arithmetic underflow")
    return Action(
        assets,
        shares,
        replace(position, borrow_shares=position.borrow_shares - shares),
        replace(market, total_borrow_assets=max(tba - assets, 0), total_borrow_shares=tbs - shares),
    )


def supply_collateral(position: Position, assets: int) -> Position:
    """`Morpho.supplyCollateral`."""
    if assets == 0:
        raise ValueError("zero assets")
    return replace(position, collateral=position.collateral + assets)


def withdraw_collateral(position: Position, market: Market, price: int, assets: int) -> Position:
    """`Morpho.withdrawCollateral` at oracle `price`: refused if it leaves the position unhealthy."""
    if assets == 0:
        raise ValueError("zero assets")
    if assets > position.collateral:
        raise ValueError("arithmetic underflow")
    after = replace(position, collateral=position.collateral - assets)
    if not is_healthy(after, market, price):
        raise ValueError("insufficient collateral")
    return after
