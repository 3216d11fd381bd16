# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title NAV feed of a leveraged or inverse index token
@license MIT
@notice A LeveragedIndex's NAV per share in USD as a Chainlink
        AggregatorV3Interface at 8 decimals: `nav_per_share()` (its equity
        at the index's NAV, per share, 18 decimals) rounded down to 8.
        Round ids and times are the index's NavFeed's: the product is
        valued at that NAV, so its answer is as fresh as the NavFeed's
        `updatedAt` (the oldest component price's time), and a consumer's
        staleness check on it bites when the index's does. When the NAV
        cannot be read (MorphoNavOracle refuses a stale one), it reverts
        with MorphoNavOracle's reason.

        Trust model: no roles, immutables only; it trusts the product (and
        through it MorphoNavOracle, the NavFeed and the index's adapter).
        Nothing to stop: consumers stop reading it.
"""

from ..interfaces import IAggregatorV3

implements: IAggregatorV3


interface ILeveragedIndex:
    def nav_per_share() -> uint256: view
    def symbol() -> String[5]: view


# @dev The product's 18-decimal NAV over this feed's 8 decimals.
SCALE_DOWN: constant(uint256) = 10**10

# @dev The LeveragedIndex priced.
product: public(immutable(ILeveragedIndex))
# @dev The index's NavFeed: round ids and times.
nav_feed: public(immutable(IAggregatorV3))


@deploy
def __init__(product_: ILeveragedIndex, nav_feed_: IAggregatorV3):
    """
    @param product_ The LeveragedIndex.
    @param nav_feed_ The index's NavFeed (the one its MorphoNavOracle reads).
    """
    assert product_.address.is_contract, "levfeed: product has no code"
    assert nav_feed_.address.is_contract, "levfeed: nav feed has no code"
    product = product_
    nav_feed = nav_feed_


@external
@view
def decimals() -> uint8:
    """
    @notice 8, as Chainlink's USD feeds.
    """
    return 8


@external
@view
def description() -> String[64]:
    """
    @notice e.g. "IDX2X / USD NAV per share".
    """
    return concat(staticcall product.symbol(), " / USD NAV per share")


@external
@view
def version() -> uint256:
    """
    @notice This feed's version.
    """
    return 1


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The product's NAV per share now (8 decimals, rounded down) with
            the NavFeed's latest round id, times and `answeredInRound`.
    """
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall nav_feed.latestRoundData()
    nav: uint256 = staticcall product.nav_per_share() // SCALE_DOWN
    return round_id, convert(nav, int256), started_at, updated_at, answered_in_round
