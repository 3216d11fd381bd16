# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock ERC-20 with ERC777-style hooks, for tests only
@notice As MockToken, and an account marked `hooked` is called before it
        sends (`tokens_to_send`) and after it receives (`tokens_received`),
        as ERC777 calls its registered hooks: a re-entrancy lever.
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
# @dev Accounts called on every transfer from or to them.
hooked: public(HashMap[address, bool])


interface IHook:
    def tokens_to_send(owner: address, to: address, amount: uint256): nonpayable
    def tokens_received(owner: address, to: address, amount: uint256): nonpayable


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
def set_hooked(account: address, hooked: bool):
    self.hooked[account] = hooked


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
    if self.hooked[owner]:
        extcall IHook(owner).tokens_to_send(owner, to, amount)
    assert not self.frozen, "mock: transfers frozen"
    assert self.balanceOf[owner] >= amount, "mock: insufficient balance"
    fee: uint256 = amount * self.transfer_fee_bps // 10_000
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount - fee
    self.totalSupply -= fee
    log IERC20.Transfer(sender=owner, receiver=to, value=amount - fee)
    if self.hooked[to]:
        extcall IHook(to).tokens_received(owner, to, amount)
