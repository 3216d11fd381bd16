"""Uniswap V2 and V3 as the npm packages ship them, and the pool math the
market needs: prices, the trade that brings a pool to a price, depth.

Bytecode comes from the packages' own compiled artifacts (`@uniswap/v2-core`,
`@uniswap/v2-periphery`, `@uniswap/v3-core`, `@uniswap/v3-periphery`), whose
pair and pool init-code hashes match the routers', so the contracts work
together as they do on mainnet. Nothing here is a home-made AMM.

The math is pure (integers and Decimals, no chain), so tests check it
against what the deployed contracts do.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal, localcontext
from fractions import Fraction
from functools import cache
from pathlib import Path

from indexvault.market.rpc import Function

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
ARTIFACTS = {
    "WETH9": "@uniswap/v2-periphery/build/WETH9.json",
    "UniswapV2Factory": "@uniswap/v2-core/build/UniswapV2Factory.json",
    "UniswapV2Router02": "@uniswap/v2-periphery/build/UniswapV2Router02.json",
    "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    "SwapRouter": "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
    "QuoterV2": "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
    "NonfungiblePositionManager": (
        "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json"
    ),
}

V2_FEE = Fraction(3, 1000)
Q96 = 2**96
MIN_TICK, MAX_TICK = -887272, 887272
MIN_SQRT_RATIO, MAX_SQRT_RATIO = 4295128739, 1461446703485210103287273052203988822301
TICK_SPACING = {500: 10, 3000: 60, 10000: 200}
MAX_UINT = 2**256 - 1

# The calls the market makes.
ERC20_BALANCE = Function("balanceOf(address)", "uint256")
ERC20_APPROVE = Function("approve(address,uint256)")
ERC20_TRANSFER = Function("transfer(address,uint256)")
ERC20_SYMBOL = Function("symbol()", "string")
ERC20_DECIMALS = Function("decimals()", "uint8")
MOCK_MINT = Function("mint(address,uint256)")
WETH_DEPOSIT = Function("deposit()")
FEED_SET = Function("set_answer(int256)")
FEED_LATEST = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")
V2_GET_PAIR = Function("getPair(address,address)", "address")
V2_RESERVES = Function("getReserves()", "uint112,uint112,uint32")
V2_ADD_LIQUIDITY = Function("addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)")
V2_SWAP_EXACT_IN = Function("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)")
V3_GET_POOL = Function("getPool(address,address,uint24)", "address")
V3_SLOT0 = Function("slot0()", "uint160,int24,uint16,uint16,uint16,uint8,bool")
V3_LIQUIDITY = Function("liquidity()", "uint128")
V3_CREATE_POOL = Function("createAndInitializePoolIfNecessary(address,address,uint24,uint160)")
V3_MINT = Function("mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))")
V3_EXACT_INPUT_SINGLE = Function("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))")


class ArtifactError(FileNotFoundError):
    """An npm package is missing: `make install` installs it."""


@cache
def bytecode(name: str) -> str:
    """Creation bytecode of a Uniswap contract from its npm artifact."""
    path = NODE_MODULES / ARTIFACTS[name]
    try:
        artifact = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing: run `make install` (npm ci)") from None
    code = artifact["bytecode"]
    code = code if isinstance(code, str) else code["object"]
    return "0x" + code.removeprefix("0x")


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


def v2_amount_in(reserve_in: int, reserve_out: int, target_out_per_in: Fraction) -> int:
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
