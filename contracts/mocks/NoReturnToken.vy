# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock USDT-style token, for tests only
@notice `transfer`, `transferFrom` and `approve` return nothing, as USDT's
        do on mainnet; callers that insist on a boolean revert on it.
"""


event Transfer:
    sender: indexed(address)
    receiver: indexed(address)
    value: uint256


event Approval:
    owner: indexed(address)
    spender: indexed(address)
    value: uint256


# @dev Token metadata.
name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
# @dev Balances and allowances, token base units.
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
totalSupply: public(uint256)


@deploy
def __init__(name_: String[32], symbol_: String[16], decimals_: uint8):
    self.name = name_
    self.symbol = symbol_
    self.decimals = decimals_


@external
def mint(to: address, amount: uint256):
    self.balanceOf[to] += amount
    self.totalSupply += amount
    log Transfer(sender=empty(address), receiver=to, value=amount)


@external
def approve(spender: address, amount: uint256):
    self.allowance[msg.sender][spender] = amount
    log Approval(owner=msg.sender, spender=spender, value=amount)


@external
def transfer(to: address, amount: uint256):
    self._transfer(msg.sender, to, amount)


@external
def transferFrom(owner: address, to: address, amount: uint256):
    assert self.allowance[owner][msg.sender] >= amount, "mock: insufficient allowance"
    self.allowance[owner][msg.sender] -= amount
    self._transfer(owner, to, amount)


@internal
def _transfer(owner: address, to: address, amount: uint256):
    assert self.balanceOf[owner] >= amount, "mock: insufficient balance"
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount
    log Transfer(sender=owner, receiver=to, value=amount)
