"""Conversions between whole-token numbers people write and the integers
the contracts hold."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext


def to_base(amount: Decimal | int | str, decimals: int) -> int:
    """Whole tokens to base units, rounded to the nearest base unit."""
    with localcontext() as ctx:
        ctx.prec = 80
        return int((Decimal(amount) * (Decimal(10) ** decimals)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def from_base(amount: int, decimals: int) -> Decimal:
    """Base units to whole tokens, exactly."""
    with localcontext() as ctx:
        ctx.prec = 80
        return Decimal(amount) / (Decimal(10) ** decimals)


def units_from_weights(
    weights: list[Decimal], prices: list[Decimal], decimals: list[int], nav_per_share: Decimal
) -> list[int]:
    """Base units per index token so that component i is worth `weights[i]`
    of `nav_per_share` at `prices` (USD per whole token)."""
    return [to_base(weight * nav_per_share / price, dec) for weight, price, dec in zip(weights, prices, decimals)]


def format_duration(seconds: int) -> str:
    """Seconds as a person reads them: "1 h", "59 min 10 s", "2 d 3 h"."""
    seconds = max(int(seconds), 0)
    parts = []
    for size, name in ((86_400, "d"), (3_600, "h"), (60, "min"), (1, "s")):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {name}")
    return " ".join(parts[:2]) or "0 s"


def format_amount(amount: int, decimals: int, digits: int = 6) -> str:
    """Base units as whole tokens, as a person reads them: thousands separators, two decimals from 1,000
    up, else about `digits` significant digits without trailing zeros (57746 at 8 decimals is
    "0.00057746", 20034260146 at 6 is "20,034.26", 3 * 10**18 at 18 is "3")."""
    value = from_base(amount, decimals)
    if value == 0:
        return "0"
    magnitude = value.copy_abs().adjusted()  # the power of ten of the leading digit
    if magnitude >= 3:
        return f"{value:,.2f}"
    text = f"{value:,.{min(digits - 1 - magnitude, decimals)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
