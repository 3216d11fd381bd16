# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock USDC-style token with a blocklist and a pause, for tests only
@notice As MockToken, and its issuer may block an account (every transfer
        from or to it reverts, as USDC's and USDT's blocklists do) or pause
        the token (every transfer reverts). With `returns_false` set, a
        transfer moves nothing and returns false instead of reverting, as
        ZRX-era tokens do. Anyone may call the setters: the tests play
        the issuer.
"""

from ethereum.ercs import IERC20

implements: IERC20

# @dev Token metadata.
name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
# @dev Balances and allowances, token base units.
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)
# @dev Accounts that can neither send nor receive.
blocked: public(HashMap[address, bool])
# @dev When set, every transfer reverts.
paused: public(bool)
# @dev When set, every transfer moves nothing and returns false.
returns_false: public(bool)


@deploy
def __init__(name_: String[32], symbol_: String[16], decimals_: uint8):
    self.name = name_
    self.symbol = symbol_
    self.decimals = decimals_


@external
def mint(to: address, amount: uint256):
    self.balanceOf[to] += amount
    self.totalSupply += amount
    log IERC20.Transfer(sender=empty(address), receiver=to, value=amount)


@external
def set_blocked(account: address, blocked: bool):
    self.blocked[account] = blocked


@external
def set_paused(paused: bool):
    self.paused = paused


@external
def set_returns_false(returns_false: bool):
    self.returns_false = returns_false


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log IERC20.Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@external
def transfer(to: address, amount: uint256) -> bool:
    if self.returns_false:
        return False
    self._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    if self.returns_false:
        return False
    allowed: uint256 = self.allowance[owner][msg.sender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "mock: insufficient allowance"
        self.allowance[owner][msg.sender] = allowed - amount
    self._transfer(owner, to, amount)
    return True


@internal
def _transfer(owner: address, to: address, amount: uint256):
    assert not self.paused, "blocklist: paused"
    assert not self.blocked[owner] and not self.blocked[to], "blocklist: account blocked"
    assert self.balanceOf[owner] >= amount, "mock: insufficient balance"
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    log IERC20.Transfer(sender=owner, receiver=to, value=amount)
