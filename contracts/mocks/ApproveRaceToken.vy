# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock USDT with its approve rule, for tests only
@notice NoReturnToken (`transfer`, `transferFrom` and `approve` return
        nothing) plus USDT's guard against the approve race: an `approve`
        from a non-zero allowance to another non-zero one reverts, so a
        spender left with any allowance can never be approved again until
        it is set to zero first.
"""

from . import NoReturnToken as token

# @dev The no-return token itself; only `approve` is replaced.
initializes: token

exports: (
    token.name,
    token.symbol,
    token.decimals,
    token.balanceOf,
    token.allowance,
    token.totalSupply,
    token.mint,
    token.transfer,
    token.transferFrom,
)


@deploy
def __init__(name_: String[32], symbol_: String[16], decimals_: uint8):
    token.__init__(name_, symbol_, decimals_)


@external
def approve(spender: address, amount: uint256):
    # USDT: require(!((_value != 0) && (allowed[msg.sender][_spender] != 0)))
    assert amount == 0 or token.allowance[msg.sender][spender] == 0, "mock: approve race"
    token.allowance[msg.sender][spender] = amount
    log token.Approval(owner=msg.sender, spender=spender, value=amount)
