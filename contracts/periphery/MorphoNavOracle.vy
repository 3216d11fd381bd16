# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Morpho oracle of an index token against a loan token
@license MIT
@notice Morpho Blue's `IOracle` for a market whose collateral is an index
        token: `price()` is what one collateral base unit is worth in loan
        token base units, scaled by 1e36, as Morpho reads it. It reads the
        index's NavFeed unchanged (the NAV per share, net of the redeem
        fee, 8 decimals) and divides by the loan token's own USD feed,
        exactly as Morpho's MorphoChainlinkOracleV2 does
        (`SCALE_FACTOR * nav / loan`, rounded down): the price is then the
        rate at which the two tokens trade, and a loan token that depegs
        moves it as it moves the debt's real value. Without a loan feed
        (`loan_feed` empty) the loan token counts as 1 USD.

        Unlike MorphoChainlinkOracleV2 it refuses an answer that is older
        than a maximum age fixed at deployment (from the feed's
        `updatedAt`) or not positive, with a named reason. A NavFeed whose
        components cannot be priced carries its last answer with its old
        `updatedAt`: once that is older than `nav_max_age`, `price()`
        reverts. On Morpho a reverting oracle stops borrowing, withdrawing
        collateral and liquidating in the market until a fresh answer
        comes (supplying, repaying and supplying collateral go on):
        SECURITY.md, "Borrowing against the index", weighs this.

        Trust model: no roles, nothing to configure; it trusts the NavFeed
        (hence the index's adapter and its admin) and the loan feed. Deploy
        one per market. Nothing to stop: a Morpho market's oracle is fixed
        in its parameters, so if this one is wrong lenders withdraw,
        borrowers repay (both go on while it reverts) and a new market is
        opened with a new oracle.
"""

from ..interfaces import IAggregatorV3


interface IERC20Decimals:
    def decimals() -> uint8: view


# @dev Morpho's ORACLE_PRICE_SCALE exponent.
PRICE_SCALE_DECIMALS: constant(uint256) = 36
# @dev Largest maximum age accepted: a week (an answer older than any
# Chainlink heartbeat is no price).
MAX_MAX_AGE: public(constant(uint256)) = 7 * 86_400

# @dev The index's NavFeed (or any 8-decimal USD AggregatorV3 of it).
nav_feed: public(immutable(IAggregatorV3))
# @dev The loan token's USD feed; empty: the loan token is taken at 1 USD.
loan_feed: public(immutable(IAggregatorV3))
# @dev Oldest `updatedAt` accepted from each feed, seconds before now.
nav_max_age: public(immutable(uint256))
loan_max_age: public(immutable(uint256))
# @dev The market's tokens, whose decimals the scale was made from.
collateral_token: public(immutable(address))
loan_token: public(immutable(address))
# @dev 10 ** (36 + loan decimals + loan feed decimals - NAV feed decimals
# - collateral decimals), as MorphoChainlinkOracleV2's SCALE_FACTOR.
scale_factor: public(immutable(uint256))


@deploy
def __init__(
    nav_feed_: IAggregatorV3,
    nav_max_age_: uint256,
    loan_feed_: IAggregatorV3,
    loan_max_age_: uint256,
    collateral_token_: address,
    loan_token_: address,
):
    """
    @notice An oracle pricing `collateral_token_` (the index token) in
            `loan_token_`.
    @param nav_feed_ The index's NavFeed.
    @param nav_max_age_ Oldest NAV accepted, seconds: at least the longest
           heartbeat of the index's component feeds (the NavFeed's
           `updatedAt` is its oldest component price's time).
    @param loan_feed_ The loan token's USD feed, or empty for 1 USD.
    @param loan_max_age_ Oldest loan price accepted, seconds (its feed's
           heartbeat); 0 without a loan feed.
    @param collateral_token_ The index token.
    @param loan_token_ The token lent (USDC).
    """
    assert nav_feed_.address.is_contract, "navoracle: nav feed has no code"
    assert 0 < nav_max_age_ and nav_max_age_ <= MAX_MAX_AGE, "navoracle: max age out of range"
    loan_feed_decimals: uint256 = 0
    if loan_feed_.address != empty(address):
        assert loan_feed_.address.is_contract, "navoracle: loan feed has no code"
        assert 0 < loan_max_age_ and loan_max_age_ <= MAX_MAX_AGE, "navoracle: max age out of range"
        loan_feed_decimals = convert(staticcall loan_feed_.decimals(), uint256)
    else:
        assert loan_max_age_ == 0, "navoracle: max age without a loan feed"
    up: uint256 = (
        PRICE_SCALE_DECIMALS + convert(staticcall IERC20Decimals(loan_token_).decimals(), uint256) + loan_feed_decimals
    )
    down: uint256 = convert(staticcall nav_feed_.decimals(), uint256) + convert(
        staticcall IERC20Decimals(collateral_token_).decimals(), uint256
    )
    # Below 0 the price would need a division Morpho's own oracle refuses
    # too; above 36 the product with a 128-bit answer could overflow.
    assert down <= up and up - down <= 36, "navoracle: decimals out of range"
    nav_feed = nav_feed_
    loan_feed = loan_feed_
    nav_max_age = nav_max_age_
    loan_max_age = loan_max_age_
    collateral_token = collateral_token_
    loan_token = loan_token_
    scale_factor = 10**(up - down)


@external
@view
def price() -> uint256:
    """
    @notice One collateral base unit in loan base units, scaled by 1e36,
            rounded down. Reverts "navoracle: stale nav" / "navoracle:
            stale loan price" past a feed's maximum age and
            "navoracle: nav not positive" / "navoracle: loan price not
            positive" for an answer at or below zero.
    """
    nav: uint256 = self._answer(nav_feed, nav_max_age, "navoracle: stale nav", "navoracle: nav not positive")
    if loan_feed.address == empty(address):
        return scale_factor * nav
    loan: uint256 = self._answer(
        loan_feed, loan_max_age, "navoracle: stale loan price", "navoracle: loan price not positive"
    )
    return scale_factor * nav // loan


@external
@view
def last_price() -> (uint256, uint256):
    """
    @notice The price at the NAV feed's latest answer however old,
            computed as `price()` computes it (the loan price taken as it
            is, however old), and the time from which `price()` refuses
            that answer as stale (its `updatedAt` + `nav_max_age`). For a
            consumer that must act once the NAV has been stale a while,
            bounded by the last one (LeveragedIndex's `unwind`). Reverts
            "navoracle: nav not positive" / "navoracle: loan price not
            positive" as `price()`.
    """
    nav: uint256 = 0
    updated_at: uint256 = 0
    nav, updated_at = self._read(nav_feed, "navoracle: nav not positive")
    price: uint256 = scale_factor * nav
    if loan_feed.address != empty(address):
        price //= self._read(loan_feed, "navoracle: loan price not positive")[0]
    return price, updated_at + nav_max_age


@internal
@view
def _read(feed: IAggregatorV3, not_positive: String[40]) -> (uint256, uint256):
    """
    @dev A feed's latest answer, positive, and its `updatedAt`.
    """
    round_id: uint80 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    round_id, answer, started_at, updated_at, round_id = staticcall feed.latestRoundData()
    assert answer > 0, not_positive
    return convert(answer, uint256), updated_at


@internal
@view
def _answer(feed: IAggregatorV3, max_age: uint256, stale: String[40], not_positive: String[40]) -> uint256:
    answer: int256 = 0
    updated_at: uint256 = 0
    round_id: uint80 = 0
    started_at: uint256 = 0
    answered_in_round: uint80 = 0
    round_id, answer, started_at, updated_at, answered_in_round = staticcall feed.latestRoundData()
    # Written as a sum: an `updatedAt` in the future is fresh, not an underflow.
    assert updated_at + max_age >= block.timestamp, stale
    assert answer > 0, not_positive
    return convert(answer, uint256)
