# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Uniswap V3 TWAP feed
@license MIT
@notice One asset's USD price from a Uniswap V3 pool's time-weighted
        average, as a Chainlink AggregatorV3 feed (18 decimals, USD per
        whole token), so the OracleAdapter (or any consumer of Chainlink
        feeds) reads it as it reads any feed. One per asset, pool and
        window; anyone may deploy one.

        The answer: the pool's arithmetic-mean tick over the last
        `window` seconds (`observe([window, 0])`, rounded toward negative
        infinity as Uniswap's OracleLibrary.consult does), turned into a
        price with Uniswap's TickMath.getSqrtRatioAtTick (ported exactly)
        and OracleLibrary.getQuoteAtTick's arithmetic, then priced in USD
        by the quote token's own Chainlink feed (USDC/USD, ETH/USD): a
        depegged stablecoin does not carry its depeg into the asset's
        price, and a pool quoted in WETH works as well as one in USDC.
        Every step rounds down.

        Refusals, each a revert with its reason (the adapter reports any
        as "oracle: feed failed for <asset>"; read this feed for which):
        - "twap: window not observed": the pool's observations do not
          reach `window` seconds back (observe reverts "OLD": too low an
          observation cardinality, or a pool younger than the window) or
          the pool has no observation at all;
        - "twap: thin pool": the window's harmonic-mean in-range liquidity
          is below `min_liquidity`;
        - "twap: quote feed failed", "twap: bad quote price",
          "twap: incomplete quote round", "twap: stale quote price": the
          quote's feed does not give a fresh, positive, complete round;
        - "twap: price too large": the answer does not fit an int256.
        `updatedAt` (and `startedAt`) is when the pool last wrote an
        observation (its last tick-changing swap or in-range liquidity
        change): a consumer's heartbeat then refuses a pool that has not
        traded. A Chainlink cross-check of the asset, the L2 sequencer
        check and the staleness check stay in the adapter, which applies
        them to this feed as to any other (`OracleAdapter.set_feed` with a
        Chainlink secondary and a maximum deviation).

        Trust model: no roles, nothing to configure after deployment; it
        trusts the pool (its price is what the pool's traders make it:
        list only pools whose manipulation costs more than it can take,
        see SECURITY.md) and the quote's feed. Nothing to stop: the
        adapter's admin removes or replaces the feed.
"""

from interfaces import IAggregatorV3

implements: IAggregatorV3

from ethereum.ercs import IERC20Detailed
from snekmate.utils import math


interface IUniswapV3Pool:
    def token0() -> address: view
    def token1() -> address: view
    def slot0() -> (uint160, int24, uint16, uint16, uint16, uint8, bool): view
    def observations(index: uint256) -> (uint32, int56, uint160, bool): view


MASK160: constant(uint256) = 2**160 - 1
# @dev Bounds on the averaging window, seconds.
MIN_WINDOW: public(constant(uint256)) = 60
MAX_WINDOW: public(constant(uint256)) = 7 * 86_400
# @dev Most decimals accepted of a token or the quote's feed.
MAX_DECIMALS: constant(uint256) = 36
# @dev A latestRoundData() answer: five 32-byte words.
ROUND_DATA_SIZE: constant(uint256) = 160
# @dev An observe() answer for two points: two offsets, then two arrays of
# a length and two words each.
OBSERVE_SIZE: constant(uint256) = 256


# @dev The Uniswap V3 pool whose TWAP prices the asset.
pool: public(immutable(address))
# @dev The token priced, one side of the pool.
asset: public(immutable(address))
# @dev The pool's other token, priced in USD by `quote_feed`.
quote: public(immutable(address))
# @dev Averaging window, seconds, within [MIN_WINDOW, MAX_WINDOW].
window: public(immutable(uint256))
# @dev Least harmonic-mean in-range liquidity over the window, the pool's
# own unit (sqrt of token0 base units times token1 base units).
min_liquidity: public(immutable(uint256))
# @dev Chainlink feed of the quote token in USD, and the oldest answer
# accepted from it, seconds.
quote_feed: public(immutable(address))
quote_heartbeat: public(immutable(uint256))
# @dev The answer's description, e.g. "UNI / USD TWAP 30m".
description: public(immutable(String[64]))
# @dev Whether the asset is the pool's token0 (prices are token1 per token0).
_ASSET_IS_TOKEN0: immutable(bool)
# @dev One whole asset in base units, times 1e18 (the answer's scale).
_BASE_AMOUNT: immutable(uint256)
# @dev Quote base units per whole quote times the quote feed's scale.
_QUOTE_SCALE: immutable(uint256)


@deploy
def __init__(
    pool_: address,
    asset_: address,
    window_: uint256,
    min_liquidity_: uint256,
    quote_feed_: IAggregatorV3,
    quote_heartbeat_: uint256,
    description_: String[64],
):
    """
    @notice Prices `asset_` from `pool_`'s TWAP over `window_` seconds,
            its quote token priced by `quote_feed_`.
    @param min_liquidity_ Least harmonic-mean in-range liquidity accepted.
    @param quote_heartbeat_ Oldest answer accepted from `quote_feed_`, s.
    """
    assert pool_.is_contract, "twap: pool has no code"
    token0: address = staticcall IUniswapV3Pool(pool_).token0()
    token1: address = staticcall IUniswapV3Pool(pool_).token1()
    assert asset_ == token0 or asset_ == token1, "twap: asset not in pool"
    assert window_ >= MIN_WINDOW and window_ <= MAX_WINDOW, "twap: bad window"
    assert min_liquidity_ > 0, "twap: zero min liquidity"
    assert quote_feed_.address.is_contract, "twap: feed has no code"
    assert quote_heartbeat_ > 0, "twap: bad heartbeat"
    quote_: address = token1 if asset_ == token0 else token0
    asset_decimals: uint256 = convert(staticcall IERC20Detailed(asset_).decimals(), uint256)
    quote_decimals: uint256 = convert(staticcall IERC20Detailed(quote_).decimals(), uint256)
    feed_decimals: uint256 = convert(staticcall quote_feed_.decimals(), uint256)
    assert (
        asset_decimals <= MAX_DECIMALS and quote_decimals <= MAX_DECIMALS and feed_decimals <= MAX_DECIMALS
    ), "twap: bad decimals"
    pool = pool_
    asset = asset_
    quote = quote_
    window = window_
    min_liquidity = min_liquidity_
    quote_feed = quote_feed_.address
    quote_heartbeat = quote_heartbeat_
    description = description_
    _ASSET_IS_TOKEN0 = asset_ == token0
    _BASE_AMOUNT = 10**(asset_decimals + 18)
    _QUOTE_SCALE = 10**(quote_decimals + feed_decimals)


@external
@view
def decimals() -> uint8:
    """
    @notice The answer's decimals: USD 1e18 per whole asset.
    """
    return 18


@external
@view
def version() -> uint256:
    """
    @notice Feed interface version.
    """
    return 1


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The TWAP in USD (1e18 per whole asset) as a Chainlink round,
            or a revert with the reason it has none (see the header).
            `updatedAt` = `startedAt` = the pool's last observation.
    """
    mean_tick: int256 = 0
    liquidity: uint256 = 0
    mean_tick, liquidity = self._consult()
    assert liquidity >= min_liquidity, "twap: thin pool"
    answer: uint256 = math._mul_div(self._quote_at_tick(mean_tick), self._quote_usd(), _QUOTE_SCALE, False)
    assert answer <= convert(max_value(int256), uint256), "twap: price too large"
    observed_at: uint256 = self._last_observation()
    return 1, convert(answer, int256), observed_at, observed_at, 1


@external
@view
def consult() -> (int256, uint256):
    """
    @notice The pool's arithmetic-mean tick over the window (rounded toward
            negative infinity) and harmonic-mean in-range liquidity, as
            Uniswap's OracleLibrary.consult gives them (the liquidity not
            truncated to 128 bits).
    """
    return self._consult()


@internal
@view
def _consult() -> (int256, uint256):
    ok: bool = False
    response: Bytes[OBSERVE_SIZE] = b""
    seconds_ago: DynArray[uint32, 2] = [convert(window, uint32), 0]
    ok, response = raw_call(
        pool,
        abi_encode(seconds_ago, method_id=method_id("observe(uint32[])")),
        max_outsize=OBSERVE_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    assert ok and len(response) == OBSERVE_SIZE, "twap: window not observed"
    ticks: DynArray[int56, 2] = []
    seconds_per_liquidity: DynArray[uint160, 2] = []
    ticks, seconds_per_liquidity = abi_decode(response, (DynArray[int56, 2], DynArray[uint160, 2]))
    span: int256 = convert(window, int256)
    delta: int256 = convert(ticks[1], int256) - convert(ticks[0], int256)
    # Vyper's `//` and `%` truncate toward zero, as Solidity's do.
    mean_tick: int256 = delta // span
    if delta < 0 and delta % span != 0:
        mean_tick -= 1
    # The accumulator is a uint160 that wraps: its difference is taken
    # modulo 2**160, as Solidity 0.7 computes it.
    liquidity_delta: uint256 = (
        unsafe_sub(convert(seconds_per_liquidity[1], uint256), convert(seconds_per_liquidity[0], uint256)) & MASK160
    )
    return mean_tick, window * MASK160 // (liquidity_delta << 32)


@internal
@view
def _quote_at_tick(tick: int256) -> uint256:
    """
    @dev Quote base units per whole asset, times 1e18, at `tick`, rounded
         down: OracleLibrary.getQuoteAtTick with a base amount of 1e18
         whole assets.
    """
    sqrt_ratio: uint256 = self._sqrt_ratio_at_tick(tick)
    if sqrt_ratio <= convert(max_value(uint128), uint256):
        ratio_x192: uint256 = sqrt_ratio * sqrt_ratio
        if _ASSET_IS_TOKEN0:
            return math._mul_div(ratio_x192, _BASE_AMOUNT, 1 << 192, False)
        return math._mul_div(1 << 192, _BASE_AMOUNT, ratio_x192, False)
    ratio_x128: uint256 = math._mul_div(sqrt_ratio, sqrt_ratio, 1 << 64, False)
    if _ASSET_IS_TOKEN0:
        return math._mul_div(ratio_x128, _BASE_AMOUNT, 1 << 128, False)
    return math._mul_div(1 << 128, _BASE_AMOUNT, ratio_x128, False)


@internal
@pure
def _sqrt_ratio_at_tick(tick: int256) -> uint256:
    """
    @dev TickMath.getSqrtRatioAtTick: sqrt(1.0001^tick) in Q64.96, rounded
         up as Uniswap rounds it. `tick` is a mean of the pool's ticks, so
         within [MIN_TICK, MAX_TICK].
    """
    # Uniswap's factors, sqrt(1.0001)^-(2^i) in Q128 for bit i of |tick|,
    # unrolled as TickMath has them; each written as a 16-byte hex word
    # (Vyper types a hex literal by its length), converted when compiled.
    abs_tick: uint256 = convert(abs(tick), uint256)
    ratio: uint256 = 1 << 128
    if abs_tick & 1 != 0:
        ratio = convert(0xfffcb933bd6fad37aa2d162d1a594001, uint256)
    if abs_tick & (1 << 1) != 0:
        ratio = (ratio * convert(0xfff97272373d413259a46990580e213a, uint256)) >> 128
    if abs_tick & (1 << 2) != 0:
        ratio = (ratio * convert(0xfff2e50f5f656932ef12357cf3c7fdcc, uint256)) >> 128
    if abs_tick & (1 << 3) != 0:
        ratio = (ratio * convert(0xffe5caca7e10e4e61c3624eaa0941cd0, uint256)) >> 128
    if abs_tick & (1 << 4) != 0:
        ratio = (ratio * convert(0xffcb9843d60f6159c9db58835c926644, uint256)) >> 128
    if abs_tick & (1 << 5) != 0:
        ratio = (ratio * convert(0xff973b41fa98c081472e6896dfb254c0, uint256)) >> 128
    if abs_tick & (1 << 6) != 0:
        ratio = (ratio * convert(0xff2ea16466c96a3843ec78b326b52861, uint256)) >> 128
    if abs_tick & (1 << 7) != 0:
        ratio = (ratio * convert(0xfe5dee046a99a2a811c461f1969c3053, uint256)) >> 128
    if abs_tick & (1 << 8) != 0:
        ratio = (ratio * convert(0xfcbe86c7900a88aedcffc83b479aa3a4, uint256)) >> 128
    if abs_tick & (1 << 9) != 0:
        ratio = (ratio * convert(0xf987a7253ac413176f2b074cf7815e54, uint256)) >> 128
    if abs_tick & (1 << 10) != 0:
        ratio = (ratio * convert(0xf3392b0822b70005940c7a398e4b70f3, uint256)) >> 128
    if abs_tick & (1 << 11) != 0:
        ratio = (ratio * convert(0xe7159475a2c29b7443b29c7fa6e889d9, uint256)) >> 128
    if abs_tick & (1 << 12) != 0:
        ratio = (ratio * convert(0xd097f3bdfd2022b8845ad8f792aa5825, uint256)) >> 128
    if abs_tick & (1 << 13) != 0:
        ratio = (ratio * convert(0xa9f746462d870fdf8a65dc1f90e061e5, uint256)) >> 128
    if abs_tick & (1 << 14) != 0:
        ratio = (ratio * convert(0x70d869a156d2a1b890bb3df62baf32f7, uint256)) >> 128
    if abs_tick & (1 << 15) != 0:
        ratio = (ratio * convert(0x31be135f97d08fd981231505542fcfa6, uint256)) >> 128
    if abs_tick & (1 << 16) != 0:
        ratio = (ratio * convert(0x09aa508b5b7a84e1c677de54f3e99bc9, uint256)) >> 128
    if abs_tick & (1 << 17) != 0:
        ratio = (ratio * convert(0x005d6af8dedb81196699c329225ee604, uint256)) >> 128
    if abs_tick & (1 << 18) != 0:
        ratio = (ratio * convert(0x00002216e584f5fa1ea926041bedfe98, uint256)) >> 128
    if abs_tick & (1 << 19) != 0:
        ratio = (ratio * convert(0x00000000048a170391f7dc42444e8fa2, uint256)) >> 128
    if tick > 0:
        ratio = max_value(uint256) // ratio
    # Q128.128 to Q128.96, rounded up.
    return (ratio >> 32) + (0 if ratio % (1 << 32) == 0 else 1)


@internal
@view
def _quote_usd() -> uint256:
    """
    @dev The quote feed's answer, checked: positive, complete, fresh.
    """
    ok: bool = False
    response: Bytes[ROUND_DATA_SIZE] = b""
    ok, response = raw_call(
        quote_feed,
        method_id("latestRoundData()"),
        max_outsize=ROUND_DATA_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    assert ok and len(response) == ROUND_DATA_SIZE, "twap: quote feed failed"
    round_id: uint256 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint256 = 0
    round_id, answer, started_at, updated_at, answered_in_round = abi_decode(
        response, (uint256, int256, uint256, uint256, uint256)
    )
    assert answer > 0, "twap: bad quote price"
    assert updated_at != 0 and answered_in_round >= round_id, "twap: incomplete quote round"
    assert (
        updated_at <= block.timestamp and block.timestamp - updated_at <= quote_heartbeat
    ), "twap: stale quote price"
    return convert(answer, uint256)


@internal
@view
def _last_observation() -> uint256:
    """
    @dev When the pool last wrote an observation (a 32-bit timestamp, as
         the pool keeps it; it wraps in 2106).
    """
    index: uint16 = (staticcall IUniswapV3Pool(pool).slot0())[2]
    return convert((staticcall IUniswapV3Pool(pool).observations(convert(index, uint256)))[0], uint256)
