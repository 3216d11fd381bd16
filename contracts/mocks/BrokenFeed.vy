# pragma version ~=0.4.3
"""
@title A Chainlink feed that fails, for tests only
@notice Reports 8 decimals, so an adapter accepts it, then answers
        `latestRoundData()` according to `mode`: 0 reverts with its own
        reason, 1 reverts with no data, 2 returns one word instead of
        five.
"""

# @dev How latestRoundData() fails.
mode: public(uint256)


@external
@view
def decimals() -> uint8:
    return 8


@external
def set_mode(mode_: uint256):
    self.mode = mode_


@external
@view
def latestRoundData() -> uint256:
    if self.mode == 1:
        raw_revert(b"")
    if self.mode == 2:
        return 1
    raise "feed: broken"
