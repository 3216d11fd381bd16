# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Spot-priced feed, for tests only: what never to list
@notice A Uniswap V3 pool's current price (slot0's sqrtPriceX96) as a
        Chainlink AggregatorV3 feed, 18 decimals, USD per whole asset, the
        quote token priced by its own feed: the TwapFeed's answer with no
        averaging, so whoever trades the pool sets it within one
        transaction. The Indexed Finance replay
        (tests/attacks/test_indexed_finance.py) shows the same attack that
        leaves its attacker poorer against a TwapFeed paying against this.
        Always stamped now; no checks on the quote feed.
"""

from ..interfaces import IAggregatorV3

implements: IAggregatorV3

from ethereum.ercs import IERC20Detailed
from snekmate.utils import math


interface IUniswapV3Pool:
    def token0() -> address: view
    def slot0() -> (uint160, int24, uint16, uint16, uint16, uint8, bool): view


# @dev The pool read, whether the asset is its token0, and the quote's feed.
pool: public(immutable(address))
asset_is_token0: public(immutable(bool))
quote_feed: public(immutable(IAggregatorV3))
# @dev One whole asset in base units times 1e18; quote base units per whole
# quote times the quote feed's scale.
_BASE_AMOUNT: immutable(uint256)
_QUOTE_SCALE: immutable(uint256)


@deploy
def __init__(pool_: address, asset_: address, quote_: address, quote_feed_: IAggregatorV3):
    pool = pool_
    asset_is_token0 = asset_ == staticcall IUniswapV3Pool(pool_).token0()
    quote_feed = quote_feed_
    _BASE_AMOUNT = 10**(convert(staticcall IERC20Detailed(asset_).decimals(), uint256) + 18)
    _QUOTE_SCALE = 10**(
        convert(staticcall IERC20Detailed(quote_).decimals(), uint256)
        + convert(staticcall quote_feed_.decimals(), uint256)
    )


@external
@view
def decimals() -> uint8:
    return 18


@external
@view
def description() -> String[64]:
    return "SPOT"


@external
@view
def version() -> uint256:
    return 1


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The pool's price now in USD (1e18 per whole asset), stamped now.
    """
    sqrt_price: uint256 = convert((staticcall IUniswapV3Pool(pool).slot0())[0], uint256)
    ratio_x128: uint256 = math._mul_div(sqrt_price, sqrt_price, 1 << 64, False)
    quote_per_asset: uint256 = 0
    if asset_is_token0:
        quote_per_asset = math._mul_div(ratio_x128, _BASE_AMOUNT, 1 << 128, False)
    else:
        quote_per_asset = math._mul_div(1 << 128, _BASE_AMOUNT, ratio_x128, False)
    quote_usd: uint256 = convert((staticcall quote_feed.latestRoundData())[1], uint256)
    answer: uint256 = math._mul_div(quote_per_asset, quote_usd, _QUOTE_SCALE, False)
    return 1, convert(answer, int256), block.timestamp, block.timestamp, 1
