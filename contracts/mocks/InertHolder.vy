# pragma version ~=0.4.3
"""
@title A contract that holds tokens and calls nothing, for tests only
@notice Stands for a multisig, vesting or vault contract credited a claim
        by a redeem it was the receiver of, with no code that could call
        `withdraw_claim`: only `push_claim` can pay it.
"""


@external
@view
def holds_nothing_callable() -> bool:
    """
    @notice Its only function: a contract needs some code.
    """
    return True
