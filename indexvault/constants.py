"""Numbers the contracts and every room of the package share, defined once.

Pure: imports nothing. Each constant says what it is and where the contracts
hold the same value."""

WAD = 10**18  # 1.0 in 18-decimal fixed point: fees, factors, weights, one whole index token
UNIT_SCALE = 10**36  # amount = shares * unit * multiplier / UNIT_SCALE (the vault's UNIT_SCALE)
YEAR = 365 * 86_400  # seconds in the streaming fee's year (the vault's YEAR)
MAX_UINT256 = 2**256 - 1  # an unbounded allowance or slippage bound
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
# EIP-7825, from the Osaka fork on (anvil 1.7.1 runs a later fork by default):
# no transaction may use more gas, whatever the block gas limit.
TX_GAS_CAP = 2**24
