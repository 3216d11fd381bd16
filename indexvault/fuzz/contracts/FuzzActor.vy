# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Fuzz actor
@license MIT
@notice One named actor of a fuzz campaign (a depositor, an attacker, a
        trader): an address of its own that holds tokens and index tokens
        and makes calls for the harness that owns it. Local fuzzing only.
        Trust model: only `owner` (the harness) may make it call anything.
"""

# @dev Longest calldata and return data the harness passes through (a
# five-route IndexRouter.mint_from is about 1,400 bytes).
MAX_DATA: constant(uint256) = 2048
MAX_OUT: constant(uint256) = 256

# @dev The harness: the only caller allowed.
owner: public(immutable(address))


@deploy
def __init__(owner_: address):
    owner = owner_


@external
def execute(target: address, data: Bytes[MAX_DATA]) -> (bool, Bytes[MAX_OUT]):
    """
    @notice Calls `target` with `data` as this actor; never reverts on the
            callee's failure, returns success and the return (or revert) data.
    """
    assert msg.sender == owner, "actor: not the harness"
    ok: bool = False
    out: Bytes[MAX_OUT] = b""
    ok, out = raw_call(target, data, max_outsize=MAX_OUT, revert_on_failure=False)
    return ok, out
