"""Conversions between whole-token numbers people write and the integers
the contracts hold."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext

WAD = 10**18


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
