# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Re-entering attacker, for tests only
@notice An attacker's contract: it calls anything as itself (`execute`),
        and when an ERC777-style token calls its hooks (`tokens_to_send`
        before it sends, `tokens_received` after it receives; see
        mocks/HookToken.vy) or a Rebalancer bid calls it back
        (`on_rebalance_bid`), it makes the call set with `set_reentry`.
        A failed re-entry reverts with the callee's own reason (raw_call
        bubbles it up), so a test sees which lock stopped it.
"""

from ethereum.ercs import IERC20

# @dev Longest calldata of a re-entry or an `execute`.
MAX_DATA: constant(uint256) = 4096
# @dev Longest return data kept.
MAX_RETURN: constant(uint256) = 1024

# @dev The contract re-entered from a hook or callback (zero: none).
reentry_target: public(address)
# @dev The calldata of that re-entry.
reentry_data: public(Bytes[MAX_DATA])
# @dev How many hooks and callbacks have run (so a test sees one was reached).
hooks_called: public(uint256)


@external
def set_reentry(target: address, data: Bytes[MAX_DATA]):
    """
    @notice What every hook and callback calls from now on (zero target: nothing).
    """
    self.reentry_target = target
    self.reentry_data = data


@external
def execute(target: address, data: Bytes[MAX_DATA]) -> Bytes[MAX_RETURN]:
    """
    @notice Calls `target` with `data` as this contract; reverts as it does.
    """
    return raw_call(target, data, max_outsize=MAX_RETURN)


@external
def approve(token: address, spender: address, amount: uint256):
    extcall IERC20(token).approve(spender, amount)


@external
def tokens_to_send(owner: address, to: address, amount: uint256):
    self._reenter()


@external
def tokens_received(owner: address, to: address, amount: uint256):
    self._reenter()


@external
def on_rebalance_bid(token_out: address, amount_out: uint256, token_in: address, amount_in: uint256, data: Bytes[1024]):
    """
    @notice A bid's callback: re-enters, then pays what the vault is owed.
    """
    self._reenter()
    extcall IERC20(token_in).transfer(msg.sender, amount_in)


@internal
def _reenter():
    self.hooks_called += 1
    target: address = self.reentry_target
    if target != empty(address):
        raw_call(target, self.reentry_data)
