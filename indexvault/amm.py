"""AMM math, one home: Uniswap V2's constant product with its 0.3 % fee and
Uniswap V3's concentrated liquidity within one range, in integers (and
Fractions or Decimals for prices), rounded as the contracts round.

Pure: no chain, no Ape, no web3. The market builder and replay, the market
swap command, the one-asset quotes, both keepers and the fuzz engine all
call these functions; tests hold them to the deployed pools
(`tests/e2e/market/test_swaps.py`, `tests/contracts/periphery/router/test_quote.py`).

Names say what they solve for:
- `v2_amount_out(amount_in, ...)`: what a pair pays for an exact input (getAmountOut);
- `v2_amount_in(amount_out, ...)`: what a pair takes for an exact output (getAmountIn);
- `v2_amount_to_price(...)`: what to sell into a pair to move its price to a target;
- `v3_amount_out` / `v3_amount_in`: the same within one V3 range, with the sqrt price after.
"""

from __future__ import annotations

import math
from decimal import Decimal, localcontext
from fractions import Fraction

from indexvault.errors import ShallowPool

V2_FEE = Fraction(3, 1000)
FEE_UNITS = 1_000_000  # Uniswap V3 fees are in hundredths of a basis point
Q96 = 2**96
MIN_TICK, MAX_TICK = -887272, 887272
MIN_SQRT_RATIO, MAX_SQRT_RATIO = 4295128739, 1461446703485210103287273052203988822301


def sort_tokens(a: str, b: str) -> tuple[str, str]:
    """Uniswap's token0/token1 order: by address."""
    return (a, b) if int(a, 16) < int(b, 16) else (b, a)


# ---- prices -----------------------------------------------------------------------------
# A pool's price here is always "quote per asset" in whole tokens, as a feed quotes it.


def base_price(price: Decimal | Fraction, asset_decimals: int, quote_decimals: int) -> Fraction:
    """Quote base units per asset base unit for a price in whole tokens."""
    return Fraction(price) * Fraction(10**quote_decimals, 10**asset_decimals)


def whole_price(ratio: Fraction, asset_decimals: int, quote_decimals: int) -> Decimal:
    value = ratio * Fraction(10**asset_decimals, 10**quote_decimals)
    with localcontext() as ctx:
        ctx.prec = 40
        return Decimal(value.numerator) / Decimal(value.denominator)


def v2_price(reserve_asset: int, reserve_quote: int, asset_decimals: int, quote_decimals: int) -> Decimal:
    """A V2 pair's price (the reserve ratio) in quote per whole asset."""
    return whole_price(Fraction(reserve_quote, reserve_asset), asset_decimals, quote_decimals)


def v2_amount_to_price(reserve_in: int, reserve_out: int, target_out_per_in: Fraction) -> int:
    """What to sell into a V2 pair, fee included, so that afterwards
    reserve_out / reserve_in equals `target_out_per_in` (which must be below
    today's ratio: selling `in` lowers its price).

    With fee f, selling d leaves reserves (x + d, y * x / (x + (1 - f) d));
    setting their ratio to P gives (1 - f) P d^2 + (2 - f) P x d + P x^2 - x y = 0.
    """
    x, y, p = reserve_in, reserve_out, target_out_per_in
    if p <= 0 or Fraction(y, x) <= p:
        return 0
    g = 1 - V2_FEE
    a, b, c = g * p, (1 + g) * p * x, p * x * x - x * y
    discriminant = b * b - 4 * a * c
    root = Fraction(math.isqrt(discriminant.numerator * discriminant.denominator), discriminant.denominator)
    return int((-b + root) / (2 * a))


def v2_amount_out(amount_in: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountOut: what a pair pays for `amount_in`."""
    amount_in_with_fee = amount_in * 997
    return amount_in_with_fee * reserve_out // (reserve_in * 1000 + amount_in_with_fee)


def v2_depth(reserve_quote: int, quote_decimals: int, move: Decimal = Decimal("0.02")) -> Decimal:
    """Quote, in whole tokens, that moves a V2 pair's price up by `move` plus
    what it takes (in quote value) to move it down by `move` (fees aside):
    the reserve of quote changes by a factor sqrt(1 +- move)."""
    y = Decimal(reserve_quote) / Decimal(10**quote_decimals)
    return y * ((1 + move).sqrt() - 1) + y * (1 - (1 - move).sqrt())


def sqrt_price_x96(ratio_token1_per_token0: Fraction) -> int:
    """Uniswap V3's sqrtPriceX96 for a price in token1 base units per token0 base unit."""
    r = ratio_token1_per_token0
    value = math.isqrt(r.numerator * Q96 * Q96 // r.denominator)
    return max(MIN_SQRT_RATIO + 1, min(MAX_SQRT_RATIO - 1, value))


def ratio_from_sqrt(sqrt_x96: int) -> Fraction:
    """token1 base units per token0 base unit."""
    return Fraction(sqrt_x96 * sqrt_x96, Q96 * Q96)


def tick_at(ratio: Fraction | None, spacing: int, round_up: bool) -> int:
    """The usable tick (a multiple of `spacing`) at or around `ratio`; a
    ratio of 0 is the lowest usable tick, None the highest."""
    lowest, highest = -(-MIN_TICK // spacing) * spacing, (MAX_TICK // spacing) * spacing
    if ratio is None or ratio == 0:
        return highest if ratio is None else lowest
    tick = math.floor(math.log(float(ratio)) / math.log(1.0001))
    tick = (math.ceil(tick / spacing) if round_up else math.floor(tick / spacing)) * spacing
    return max(lowest, min(highest, tick))


def sqrt_at_tick(tick: int) -> int:
    """sqrtPriceX96 at a tick, as TickMath.getSqrtRatioAtTick gives it (to within rounding)."""
    with localcontext() as ctx:
        ctx.prec = 60
        return int(Decimal("1.0001") ** (Decimal(tick) / 2) * Decimal(Q96))


def v3_amounts(liquidity: int, sqrt_x96: int, sqrt_lower_x96: int, sqrt_upper_x96: int) -> tuple[int, int]:
    """token0 and token1 a position of `liquidity` holds at `sqrt_x96` (inside its range)."""
    s = min(max(sqrt_x96, sqrt_lower_x96), sqrt_upper_x96)
    amount0 = liquidity * Q96 * (sqrt_upper_x96 - s) // (s * sqrt_upper_x96)
    amount1 = liquidity * (s - sqrt_lower_x96) // Q96
    return amount0, amount1


def v3_liquidity_for_value(value1: int, sqrt_x96: int, sqrt_lower_x96: int, sqrt_upper_x96: int) -> int:
    """The liquidity whose holdings at `sqrt_x96` are worth `value1` token1 base units."""
    probe = 10**30
    amount0, amount1 = v3_amounts(probe, sqrt_x96, sqrt_lower_x96, sqrt_upper_x96)
    worth = amount0 * ratio_from_sqrt(sqrt_x96) + amount1
    return int(probe * value1 / worth)


def v3_depth(
    liquidity: int, sqrt_x96: int, token1_is_quote: bool, quote_decimals: int, move: Decimal = Decimal("0.02")
) -> Decimal:
    """Quote, in whole tokens, that moves an in-range V3 pool's price up by
    `move` plus the quote value that moves it down by `move` (fees aside).
    Within the active range, token1 moves by L * d(sqrt P) and token0 by
    L * d(1 / sqrt P)."""
    s = Decimal(sqrt_x96) / Decimal(Q96)
    rise, fall = (1 + move).sqrt(), (1 - move).sqrt()
    if token1_is_quote:  # the asset is token0, priced s^2: token1 (quote) moves by L * d(s)
        up, down = liquidity * (s * rise - s), liquidity * (s - s * fall)
    else:  # the asset is token1, priced 1 / s^2: token0 (quote) moves by L * d(1 / s)
        up, down = liquidity * (rise / s - 1 / s), liquidity * (1 / s - fall / s)
    return (up + down) / Decimal(10**quote_decimals)


# ---- exact amounts through one pool ----------------------------------------------------


def v2_amount_in(amount_out: int, reserve_in: int, reserve_out: int) -> int:
    """UniswapV2Library.getAmountIn: what a pair takes for exactly `amount_out`
    (the inverse of `v2_amount_out`, rounded up as the library does); a pair
    cannot pay all it holds (ShallowPool)."""
    if amount_out >= reserve_out:
        raise ShallowPool(f"a V2 pair holds {reserve_out}, cannot pay {amount_out}")
    return reserve_in * amount_out * 1000 // ((reserve_out - amount_out) * 997) + 1


def _div_up(a: int, b: int) -> int:
    return -(-a // b)


def v3_amount_in(amount_out: int, sqrt_x96: int, liquidity: int, fee: int, zero_for_one: bool) -> tuple[int, int]:
    """Exact output in one V3 range: (amount in with the fee, sqrt price after),
    with SqrtPriceMath's and SwapMath's rounding."""
    q = Q96
    if zero_for_one:  # token0 in, token1 out: sqrt P falls by amount / L (rounded up)
        after = sqrt_x96 - _div_up(amount_out * q, liquidity)
        if after <= 0:
            raise ShallowPool("a V3 pool is too shallow for the amount")
        amount = _div_up(_div_up((liquidity * q) * (sqrt_x96 - after), sqrt_x96), after)
    else:  # token1 in, token0 out: 1 / sqrt P falls by amount / L
        numerator = liquidity * q
        if amount_out * sqrt_x96 >= numerator:
            raise ShallowPool("a V3 pool is too shallow for the amount")
        after = _div_up(numerator * sqrt_x96, numerator - amount_out * sqrt_x96)
        amount = _div_up(liquidity * (after - sqrt_x96), q)
    return amount + _div_up(amount * fee, FEE_UNITS - fee), after


def v3_amount_out(amount_in: int, sqrt_x96: int, liquidity: int, fee: int, zero_for_one: bool) -> tuple[int, int]:
    """Exact input in one V3 range: (amount out, sqrt price after)."""
    q = Q96
    net = amount_in * (FEE_UNITS - fee) // FEE_UNITS
    if zero_for_one:  # token0 in: sqrt P' = L sqrt P / (L + net sqrt P), rounded up
        numerator = liquidity * q
        after = _div_up(numerator * sqrt_x96, numerator + net * sqrt_x96)
        return liquidity * (sqrt_x96 - after) // q, after
    after = sqrt_x96 + net * q // liquidity
    return (liquidity * q) * (after - sqrt_x96) // after // sqrt_x96, after
