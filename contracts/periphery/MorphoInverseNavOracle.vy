# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Morpho oracle of a loan token against an index-token loan
@license MIT
@notice Morpho Blue's `IOracle` for a market whose collateral is the loan
        token of a MorphoNavOracle (USDC) and whose loan is the index
        token: `price()` is one USDC base unit in index wei, scaled by
        1e36, the inverse of the NAV oracle's price (1e72 / price, rounded
        down, so a borrower of the index never gets more room than the
        NAV gives). It reads the MorphoNavOracle unchanged and so inherits
        its refusals ("navoracle: stale nav", "navoracle: nav not
        positive"): while they last Morpho stops borrowing, withdrawing
        collateral and liquidating in the market (repaying and supplying
        go on).

        Trust model: no roles, nothing to configure; it trusts the
        MorphoNavOracle it inverts (hence the index's NavFeed, adapter and
        their admin). Nothing to stop: a market's oracle is fixed, so a
        wrong one is left (lenders withdraw, borrowers repay) for a new
        market.
"""


interface IOracle:
    def price() -> uint256: view


# @dev Morpho's ORACLE_PRICE_SCALE squared: the inverse of a 1e36-scaled
# price is again 1e36-scaled.
PRICE_SCALE_SQUARED: constant(uint256) = 10**72

# @dev The MorphoNavOracle of the index token against USDC (collateral:
# index, loan: USDC), whose price this inverts.
nav_oracle: public(immutable(IOracle))


@deploy
def __init__(nav_oracle_: IOracle):
    """
    @param nav_oracle_ The MorphoNavOracle pricing the index in USDC.
    """
    assert nav_oracle_.address.is_contract, "inverseoracle: nav oracle has no code"
    nav_oracle = nav_oracle_


@external
@view
def price() -> uint256:
    """
    @notice One USDC base unit in index wei, scaled by 1e36, rounded down;
            reverts with the NAV oracle's reasons, and "inverseoracle:
            zero price" if it answers 0.
    """
    nav: uint256 = staticcall nav_oracle.price()
    assert nav != 0, "inverseoracle: zero price"
    return PRICE_SCALE_SQUARED // nav
