# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock ERC-20 with quirks, for tests and local markets only
@notice Any decimals; anyone may mint. Quirks: a fee taken on every
        transfer (fee-on-transfer tokens), and a freeze that makes every
        transfer revert (paused or blocklisting tokens).
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
# @dev Fee burnt from every transfer, basis points (fee-on-transfer quirk).
transfer_fee_bps: public(uint256)
# @dev When set, every transfer reverts (paused or blocklisting quirk).
frozen: public(bool)


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
def set_transfer_fee_bps(fee_bps: uint256):
    self.transfer_fee_bps = fee_bps


@external
def set_frozen(frozen: bool):
    self.frozen = frozen


@external
def approve(spender: address, amount: uint256) -> bool:
    self.allowance[msg.sender][spender] = amount
    log IERC20.Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@external
def transfer(to: address, amount: uint256) -> bool:
    self._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    allowed: uint256 = self.allowance[owner][msg.sender]
    if allowed != max_value(uint256):
        assert allowed >= amount, "mock: insufficient allowance"
        self.allowance[owner][msg.sender] = allowed - amount
    self._transfer(owner, to, amount)
    return True


@internal
def _transfer(owner: address, to: address, amount: uint256):
    assert not self.frozen, "mock: transfers frozen"
    assert self.balanceOf[owner] >= amount, "mock: insufficient balance"
    fee: uint256 = amount * self.transfer_fee_bps // 10_000
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount - fee
    self.totalSupply -= fee
    log IERC20.Transfer(sender=owner, receiver=to, value=amount - fee)
