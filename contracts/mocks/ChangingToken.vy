# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock ERC-20 that changes after listing, for tests only
@notice Starts as a plain token; then, as real tokens have done after an
        index listed them:
        - `set_sender_fee_bps`: every transfer also burns a fee from the
          sender, on top of the amount (the receiver gets it all, the
          sender's balance falls by more);
        - `rebase`: every balance scales by `numerator / denominator`
          (a downward rebase, an elastic supply token);
        - `seize`: an issuer takes part of one holder's balance
          (a blocklisted and wiped account, a slashed stake).
        Balances are held as shares of a global scale, as rebasing tokens
        hold them.
"""

from ethereum.ercs import IERC20

implements: IERC20

WAD: constant(uint256) = 10**18

# @dev Token metadata.
name: public(String[32])
symbol: public(String[16])
decimals: public(uint8)
# @dev Each holder's shares of the supply (its balance is shares * scale).
# Slots 3 and 4 hold one- and two-level mappings, as in MockToken: titanoboa
# decodes every contract's mappings from one session-wide record of hashed
# keys, and a mapping at a slot where another mock keeps a mapping of other
# depth breaks its dump of this contract when a call reverts.
_shares: HashMap[address, uint256]
# @dev Allowances, token base units.
allowance: public(HashMap[address, HashMap[address, uint256]])
# @dev Fee burnt from the sender on top of every transfer, basis points.
sender_fee_bps: public(uint256)
# @dev Token base units per share, WAD fixed point (WAD until a rebase).
scale: public(uint256)
# @dev Sum of all shares.
_total_shares: uint256


@deploy
def __init__(name_: String[32], symbol_: String[16], decimals_: uint8):
    self.name = name_
    self.symbol = symbol_
    self.decimals = decimals_
    self.scale = WAD


@external
@view
def balanceOf(owner: address) -> uint256:
    return self._shares[owner] * self.scale // WAD


@external
@view
def totalSupply() -> uint256:
    return self._total_shares * self.scale // WAD


@external
def mint(to: address, amount: uint256):
    shares: uint256 = amount * WAD // self.scale
    self._shares[to] += shares
    self._total_shares += shares
    log IERC20.Transfer(sender=empty(address), receiver=to, value=amount)


@external
def set_sender_fee_bps(fee_bps: uint256):
    self.sender_fee_bps = fee_bps


@external
def rebase(numerator: uint256, denominator: uint256):
    self.scale = self.scale * numerator // denominator


@external
def seize(owner: address, amount: uint256):
    self._debit(owner, amount)


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
    self._debit(owner, amount + amount * self.sender_fee_bps // 10_000)
    shares: uint256 = amount * WAD // self.scale
    self._shares[to] += shares
    self._total_shares += shares
    log IERC20.Transfer(sender=owner, receiver=to, value=amount)


@internal
def _debit(owner: address, amount: uint256):
    # Round the shares taken up: the holder never keeps more than it had.
    shares: uint256 = (amount * WAD + self.scale - 1) // self.scale
    assert self._shares[owner] >= shares, "mock: insufficient balance"
    self._shares[owner] -= shares
    self._total_shares -= shares
