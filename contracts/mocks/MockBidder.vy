# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Mock rebalancing bidder, for tests only
@notice Bids through the rebalancer and pays from its own balance (a real
        keeper would swap what it receives on a DEX instead). `mode` says
        what its `on_rebalance_bid` callback does: pay exactly, pay one
        base unit short, or first re-enter the vault or the rebalancer.
        `hook_mode` re-enters the same way from an ERC777-style token hook.
"""

from ethereum.ercs import IERC20


interface IVault:
    def mint(shares: uint256, max_amounts_in: DynArray[uint256, 128], receiver: address) -> uint256: nonpayable
    def redeem(
        shares: uint256, min_amounts_out: DynArray[uint256, 128], receiver: address, skip: uint256
    ) -> uint256: nonpayable


interface IRebalancer:
    def bid(
        token: address, amount: uint256, quote_limit: uint256, receiver: address, data: Bytes[1024]
    ) -> uint256: nonpayable


# @dev Callback modes (PAY also means "no re-entry" for hooks).
PAY: public(constant(uint256)) = 0
PAY_SHORT: public(constant(uint256)) = 1
REENTER_MINT: public(constant(uint256)) = 2
REENTER_REDEEM: public(constant(uint256)) = 3
REENTER_BID: public(constant(uint256)) = 4

# @dev The vault that calls the callback, and the rebalancer bid through.
vault: public(immutable(address))
rebalancer: public(immutable(address))
# @dev What the callback does.
mode: public(uint256)
# @dev What a token hook does.
hook_mode: public(uint256)


@deploy
def __init__(vault_: address, rebalancer_: address):
    vault = vault_
    rebalancer = rebalancer_


@external
def set_modes(mode_: uint256, hook_mode_: uint256):
    self.mode = mode_
    self.hook_mode = hook_mode_


@external
def approve(token: address, spender: address, amount: uint256):
    extcall IERC20(token).approve(spender, amount)


@external
def bid(token: address, amount: uint256, quote_limit: uint256, data: Bytes[1024]) -> uint256:
    return extcall IRebalancer(rebalancer).bid(token, amount, quote_limit, self, data)


@external
def on_rebalance_bid(token_out: address, amount_out: uint256, token_in: address, amount_in: uint256, data: Bytes[1024]):
    assert msg.sender == vault, "bidder: not the vault"
    mode_: uint256 = self.mode
    self._reenter(mode_, token_in)
    pay: uint256 = amount_in
    if mode_ == PAY_SHORT:
        pay -= 1
    extcall IERC20(token_in).transfer(vault, pay)


@external
def tokens_to_send(owner: address, to: address, amount: uint256):
    self._reenter(self.hook_mode, msg.sender)


@external
def tokens_received(owner: address, to: address, amount: uint256):
    self._reenter(self.hook_mode, msg.sender)


@internal
def _reenter(mode_: uint256, token: address):
    if mode_ == REENTER_MINT:
        extcall IVault(vault).mint(1, [], self)
    elif mode_ == REENTER_REDEEM:
        extcall IVault(vault).redeem(1, [], self, 0)
    elif mode_ == REENTER_BID:
        extcall IRebalancer(rebalancer).bid(token, 1, 0, self, b"")
