# pragma version ~=0.4.3
"""
@title Basket constants and position packing
@custom:contract-name basket
@license MIT
@notice What the vault, the Rebalancer, the lens and the factory share
        about a basket: fixed point, bounds and how a component's position
        is packed in one storage word. Stateless: import it, never
        initialize it; every item here is a constant, so importing it
        costs no bytecode or gas.
"""


# @dev 1.0 in fixed point (D18): fees, the multiplier, factors and the
# band are fractions of it.
WAD: constant(uint256) = 10**18
# @dev `amount = shares * unit * multiplier / UNIT_SCALE` (token base
# units; shares and the multiplier are D18, a unit is base units per 1e18
# shares).
UNIT_SCALE: constant(uint256) = 10**36
# @dev The largest basket (component slots over a vault's lifetime); bounds
# every loop over components.
MAX_COMPONENTS: constant(uint256) = 128
# @dev The largest unit: units are packed into the 96 high bits of a
# position, up to 7.9e28 token base units per share.
MAX_UNIT: constant(uint256) = 2**96 - 1
# @dev The supply cap's ceiling: with units below 2**96 and the multiplier
# at most 1e18 (< 2**60), `shares * unit * multiplier` cannot overflow.
MAX_SUPPLY: constant(uint256) = 2**100
# @dev Ceiling on the mint, redeem and streaming fee maxima of any vault
# (WAD fraction: 10 % per mint or redeem, 10 % a year).
FEE_CEILING: constant(uint256) = 10**17
# @dev Longest callback data a rebalancing bidder may pass through a bid
# to the vault's `trade`.
MAX_CALLBACK_DATA: constant(uint256) = 1024

# @dev A position word: the token address in the low 160 bits, its unit in
# the high 96 (`position >> UNIT_SHIFT`).
TOKEN_MASK: constant(uint256) = 2**160 - 1
UNIT_SHIFT: constant(uint256) = 160
