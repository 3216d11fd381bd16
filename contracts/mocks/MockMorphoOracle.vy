# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock Morpho IOracle, for tests only
@notice Anyone may set the price: loan token base units per collateral
        base unit, scaled by 1e36, as Morpho's `IOracle.price()`; and
        when MorphoNavOracle's `last_price` says it began refusing it
        (far in the future until set: never stale).
"""

# @dev The price Morpho reads (scale 1e36).
price: public(uint256)
# @dev The time `last_price` reports the price stale from.
stale_since: public(uint256)


@deploy
def __init__(price_: uint256):
    self.price = price_
    self.stale_since = 2**64


@external
def set_price(price_: uint256):
    """
    @notice Sets the price Morpho reads.
    """
    self.price = price_


@external
def set_stale_since(stale_since_: uint256):
    """
    @notice Sets the time `last_price` reports the price stale from.
    """
    self.stale_since = stale_since_


@external
@view
def last_price() -> (uint256, uint256):
    """
    @notice MorphoNavOracle's `last_price`: the price and the time it is stale from.
    """
    return self.price, self.stale_since
