# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock Morpho IOracle, for tests only
@notice Anyone may set the price: loan token base units per collateral
        base unit, scaled by 1e36, as Morpho's `IOracle.price()`.
"""

# @dev The price Morpho reads (scale 1e36).
price: public(uint256)


@deploy
def __init__(price_: uint256):
    self.price = price_


@external
def set_price(price_: uint256):
    """
    @notice Sets the price Morpho reads.
    """
    self.price = price_
