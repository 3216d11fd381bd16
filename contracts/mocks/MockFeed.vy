# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock Chainlink AggregatorV3 feed, for tests and local markets only
@notice Anyone may post an answer; each post opens a new complete round
        stamped with the block time, unless a round is set in full.
"""

from ..interfaces import IAggregatorV3

implements: IAggregatorV3

# @dev Answer decimals (8 for Chainlink's USD feeds).
decimals: public(uint8)
# @dev What the feed describes, e.g. "BTC / USD".
description: public(String[64])
# @dev The latest round, as latestRoundData returns it.
round_id: public(uint80)
answer: public(int256)
started_at: public(uint256)
updated_at: public(uint256)
answered_in_round: public(uint80)


@deploy
def __init__(decimals_: uint8, description_: String[64], answer_: int256):
    self.decimals = decimals_
    self.description = description_
    self._post(answer_)


@external
@view
def version() -> uint256:
    return 4


@external
def set_answer(answer_: int256):
    """
    @notice Opens a new complete round with `answer_`, stamped now.
    """
    self._post(answer_)


@external
def set_round(
    round_id_: uint80, answer_: int256, started_at_: uint256, updated_at_: uint256, answered_in_round_: uint80
):
    """
    @notice Sets every field of the latest round (stale or incomplete rounds).
    """
    self.round_id = round_id_
    self.answer = answer_
    self.started_at = started_at_
    self.updated_at = updated_at_
    self.answered_in_round = answered_in_round_


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    return self.round_id, self.answer, self.started_at, self.updated_at, self.answered_in_round


@internal
def _post(answer_: int256):
    round_id_: uint80 = self.round_id + 1
    self.round_id = round_id_
    self.answer = answer_
    self.started_at = block.timestamp
    self.updated_at = block.timestamp
    self.answered_in_round = round_id_
