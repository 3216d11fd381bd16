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
MIN_SQRT_RATIO, MAX_SQRT_RATIO = 4295128739, 1461446703485210103287273052203988822378723970342


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


# ---- V3 oracle: time-weighted average prices ----------------------------------------------
# The twin of contracts/TwapFeed.vy, step for step and rounding for rounding: Uniswap's
# OracleLibrary.consult (mean tick and harmonic-mean liquidity from `observe` cumulatives),
# TickMath.getSqrtRatioAtTick and OracleLibrary.getQuoteAtTick.

# TickMath.getSqrtRatioAtTick's factors: sqrt(1.0001)^-(2^i) in Q128, for bit i of |tick|.
TICK_FACTORS = (
    0xFFFCB933BD6FAD37AA2D162D1A594001,
    0xFFF97272373D413259A46990580E213A,
    0xFFF2E50F5F656932EF12357CF3C7FDCC,
    0xFFE5CACA7E10E4E61C3624EAA0941CD0,
    0xFFCB9843D60F6159C9DB58835C926644,
    0xFF973B41FA98C081472E6896DFB254C0,
    0xFF2EA16466C96A3843EC78B326B52861,
    0xFE5DEE046A99A2A811C461F1969C3053,
    0xFCBE86C7900A88AEDCFFC83B479AA3A4,
    0xF987A7253AC413176F2B074CF7815E54,
    0xF3392B0822B70005940C7A398E4B70F3,
    0xE7159475A2C29B7443B29C7FA6E889D9,
    0xD097F3BDFD2022B8845AD8F792AA5825,
    0xA9F746462D870FDF8A65DC1F90E061E5,
    0x70D869A156D2A1B890BB3DF62BAF32F7,
    0x31BE135F97D08FD981231505542FCFA6,
    0x9AA508B5B7A84E1C677DE54F3E99BC9,
    0x5D6AF8DEDB81196699C329225EE604,
    0x2216E584F5FA1EA926041BEDFE98,
    0x48A170391F7DC42444E8FA2,
)
MASK160 = 2**160 - 1


def sqrt_ratio_at_tick(tick: int) -> int:
    """TickMath.getSqrtRatioAtTick, exactly: sqrt(1.0001^tick) in Q64.96, rounded up."""
    if not MIN_TICK <= tick <= MAX_TICK:
        raise ValueError(f"tick {tick} outside [{MIN_TICK}, {MAX_TICK}]")
    magnitude = abs(tick)
    ratio = TICK_FACTORS[0] if magnitude & 1 else 1 << 128
    for bit, factor in enumerate(TICK_FACTORS[1:], start=1):
        if magnitude & (1 << bit):
            ratio = ratio * factor >> 128
    if tick > 0:
        ratio = (2**256 - 1) // ratio
    return (ratio >> 32) + (1 if ratio % (1 << 32) else 0)


def mean_tick(tick_cumulatives: tuple[int, int], window: int) -> int:
    """OracleLibrary.consult's arithmetic-mean tick: the cumulatives' difference over the
    window, rounded toward negative infinity (Python's floor division)."""
    return (tick_cumulatives[1] - tick_cumulatives[0]) // window


def harmonic_liquidity(seconds_per_liquidity_x128: tuple[int, int], window: int) -> int:
    """OracleLibrary.consult's harmonic-mean liquidity (the uint160 accumulator's difference
    taken modulo 2^160), not truncated to 128 bits."""
    delta = (seconds_per_liquidity_x128[1] - seconds_per_liquidity_x128[0]) & MASK160
    return window * MASK160 // (delta << 32)


def quote_at_tick(tick: int, base_amount: int, base_is_token0: bool) -> int:
    """OracleLibrary.getQuoteAtTick: the other token's base units for `base_amount` base
    units at `tick`, rounded down."""
    s = sqrt_ratio_at_tick(tick)
    if s <= 2**128 - 1:
        ratio, shift = s * s, 192
    else:
        ratio, shift = s * s // 2**64, 128
    return ratio * base_amount >> shift if base_is_token0 else (base_amount << shift) // ratio


def twap_usd(
    tick: int, asset_decimals: int, quote_decimals: int, asset_is_token0: bool, quote_answer: int, feed_decimals: int
) -> int:
    """TwapFeed's answer: USD (1e18) per whole asset at `tick`, the quote priced by its feed's
    `quote_answer` (`feed_decimals`); both steps round down."""
    quote_per_whole = quote_at_tick(tick, 10 ** (asset_decimals + 18), asset_is_token0)
    return quote_per_whole * quote_answer // 10 ** (quote_decimals + feed_decimals)


def twap_usd_exact(
    tick: int, asset_decimals: int, quote_decimals: int, asset_is_token0: bool, quote_answer: int, feed_decimals: int
) -> Fraction:
    """The same price with no rounding but TickMath's: what `twap_usd` rounds down."""
    ratio = Fraction(sqrt_ratio_at_tick(tick) ** 2, 2**192)
    ratio = ratio if asset_is_token0 else 1 / ratio
    return ratio * 10 ** (asset_decimals + 18) * quote_answer / 10 ** (quote_decimals + feed_decimals)


def twap_depth_usd(
    liquidity: int, answer: int, asset_decimals: int, quote_answer: int, quote_decimals: int, feed_decimals: int
) -> int:
    """IndexFactory's depth of a TWAP listing, step for step: the USD (1e18) a side that
    `liquidity` over the full range holds at a TwapFeed's `answer` (1e18 USD per whole asset),
    the quote priced by its feed's `quote_answer`. Full range, liquidity L holds L / sqrt(P)
    token0 and L * sqrt(P) token1 (base units, P token1 per token0), each worth
    L * sqrt(a * q) when a and q are the USD prices of a base unit of the asset and of the
    quote (whichever is token0); a and q are scaled to 1e36 per base unit, every step rounds down."""
    asset_usd = answer * 10**18 // 10**asset_decimals
    quote_usd = quote_answer * 10**36 // 10 ** (quote_decimals + feed_decimals)
    return liquidity * math.isqrt(asset_usd * quote_usd) // 10**18


def full_range_sides_usd(
    liquidity: int,
    tick: int,
    asset_decimals: int,
    quote_decimals: int,
    asset_is_token0: bool,
    quote_answer: int,
    feed_decimals: int,
) -> tuple[Fraction, Fraction]:
    """What liquidity L over the full range holds at `tick`, L / sqrt(P) token0 and L * sqrt(P)
    token1 (P token1 per token0 at TickMath's sqrt ratio; the range's ends take away a share
    of sqrt(P / P_max), under 1e-10 within ticks of +-400,000), each valued in USD (1e18) at that
    exact price: (asset side, quote side)."""
    sqrt_price = Fraction(sqrt_ratio_at_tick(tick), Q96)
    amount0, amount1 = liquidity / sqrt_price, liquidity * sqrt_price
    amount_asset, amount_quote = (amount0, amount1) if asset_is_token0 else (amount1, amount0)
    quote_per_base = Fraction(quote_answer * 10**18, 10 ** (quote_decimals + feed_decimals))
    asset_per_base = (
        twap_usd_exact(tick, asset_decimals, quote_decimals, asset_is_token0, quote_answer, feed_decimals)
        / 10**asset_decimals
    )
    return amount_asset * asset_per_base, amount_quote * quote_per_base


def manipulation_cost_usd(pool_usd: float, spot_factor: float, fee: float = 0.003) -> float:
    """What raising a full-range (constant-product) pool of `pool_usd` a side by `spot_factor`
    costs an attacker once arbitrage takes it back: V (sqrt r - 1)^2 / sqrt r, plus the fee on
    what it paid, V (sqrt r - 1) fee / (1 - fee) (`python -m benchmarks oracles` measures it on a
    real V3 pool within 0.01 %)."""
    root = math.sqrt(spot_factor)
    return pool_usd * ((root - 1) ** 2 / root + fee * (root - 1) / (1 - fee))


def twap_spot_factor(move: float, window: int, blocks_held: int, block_time: int = 12) -> float:
    """The spot factor an attacker must hold for `blocks_held` blocks of `block_time` to raise a
    `window`-second TWAP by `move` (the geometric mean over the window): (1 + move)^(window / held)."""
    return (1 + move) ** (window / (blocks_held * block_time))
