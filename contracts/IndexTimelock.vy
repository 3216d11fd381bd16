# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Index timelock
@license MIT
@notice The admin of one index's vault and oracle adapter: snekmate's
        timelock controller, so every admin action (fees, fee recipient,
        role grants and revocations, feeds, the sequencer feed) is
        scheduled in public and can only run once its delay has passed.

        Trust model:
        - the governor (chosen by the index's creator, ideally a
          multisig) holds PROPOSER_ROLE, EXECUTOR_ROLE and CANCELLER_ROLE:
          it schedules, executes and cancels operations. Nobody else can:
          a veto for the guardian would let a rogue guardian block its
          own replacement for good;
        - the timelock administers itself (snekmate's default): its own
          roles and its minimum delay change only through its own delay;
        - the minimum delay stays within [min_delay, max_delay], bounds
          fixed at deployment (by the factory), so holders know the
          shortest notice they will ever get.

        The guardian's emergency powers over the vault (pausing minting)
        and the Rebalancer (cancelling a rebalance) are roles on those
        contracts, not behind this timelock: they act at once. In an
        emergency the governor cancels a pending operation (`cancel`) and
        the guardian pauses minting on the vault.
"""

from snekmate.auth import access_control
from snekmate.governance import timelock_controller

# @dev Roles of the timelock itself (proposer, executor, canceller, admin).
initializes: access_control

# @dev Scheduling and executing delayed calls.
initializes: timelock_controller[access_control := access_control]

# Everything snekmate's timelock exposes, except `update_delay`, which this
# contract replaces with a bounded one.
exports: (
    timelock_controller.supportsInterface,
    timelock_controller.is_operation,
    timelock_controller.is_operation_pending,
    timelock_controller.is_operation_ready,
    timelock_controller.is_operation_done,
    timelock_controller.get_operation_state,
    timelock_controller.hash_operation,
    timelock_controller.hash_operation_batch,
    timelock_controller.schedule,
    timelock_controller.schedule_batch,
    timelock_controller.cancel,
    timelock_controller.execute,
    timelock_controller.execute_batch,
    timelock_controller.onERC721Received,
    timelock_controller.onERC1155Received,
    timelock_controller.onERC1155BatchReceived,
    timelock_controller.__default__,
    timelock_controller.get_timestamp,
    timelock_controller.get_minimum_delay,
    timelock_controller.PROPOSER_ROLE,
    timelock_controller.EXECUTOR_ROLE,
    timelock_controller.CANCELLER_ROLE,
    timelock_controller.IERC721_TOKENRECEIVER_SELECTOR,
    timelock_controller.IERC1155_TOKENRECEIVER_SINGLE_SELECTOR,
    timelock_controller.IERC1155_TOKENRECEIVER_BATCH_SELECTOR,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.set_role_admin,
)


# @dev The bounds on the minimum delay, seconds, fixed at initialization:
# the shortest in bits 0-126, the longest in 128-254, and bit 255 set once
# initialized (the implementation behind the clones included).
_bounds: uint256
BOUND_SHIFT: constant(uint256) = 128
BOUND_MASK: constant(uint256) = 2**127 - 1
INITIALIZED: constant(uint256) = 1 << 255


@deploy
def __init__(minimum_delay_: uint256, governor_: address, min_delay_: uint256, max_delay_: uint256):
    """
    @notice Deployed directly, an index's timelock, initialized here.
            Deployed with a zero governor and zero bounds, the
            implementation every factory clone (EIP-1167) delegates to:
            inert (no proposer, executor or canceller), and it can never
            be initialized.
    @param minimum_delay_ The initial minimum delay, seconds, within
           [min_delay_, max_delay_].
    @param governor_ Proposer, executor and canceller.
    @param min_delay_ Lower bound on the minimum delay, for good.
    @param max_delay_ Upper bound on the minimum delay, for good.
    """
    access_control.__init__()
    # Self-administered, no optional admin; the deployer's admin role is
    # revoked. The governor's roles are granted by `_initialize`.
    timelock_controller.__init__(0, [], [], empty(address))
    if governor_ == empty(address) and max_delay_ == 0:
        self._bounds = INITIALIZED
    else:
        self._initialize(minimum_delay_, governor_, min_delay_, max_delay_)


@external
def initialize(minimum_delay_: uint256, governor_: address, min_delay_: uint256, max_delay_: uint256):
    """
    @notice Initializes a clone (EIP-1167 minimal proxy) of this timelock,
            as the constructor would: self-administered, the governor
            proposer, executor and canceller. Once: the factory calls it in
            the transaction that creates the clone.
    """
    assert self._bounds == 0, "timelock: initialized"
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, self)
    self._initialize(minimum_delay_, governor_, min_delay_, max_delay_)


@external
@view
def min_delay() -> uint256:
    """
    @notice Lower bound on the minimum delay, seconds, for good.
    """
    return self._bounds & BOUND_MASK


@external
@view
def max_delay() -> uint256:
    """
    @notice Upper bound on the minimum delay, seconds, for good.
    """
    return (self._bounds >> BOUND_SHIFT) & BOUND_MASK


@internal
def _initialize(minimum_delay_: uint256, governor_: address, min_delay_: uint256, max_delay_: uint256):
    assert governor_ != empty(address), "timelock: zero governor"
    assert min_delay_ <= max_delay_, "timelock: bad delay bounds"
    assert minimum_delay_ >= min_delay_ and minimum_delay_ <= max_delay_, "timelock: delay out of bounds"
    assert max_delay_ <= BOUND_MASK, "timelock: bad delay bounds"
    self._bounds = INITIALIZED | min_delay_ | (max_delay_ << BOUND_SHIFT)
    access_control._grant_role(timelock_controller.PROPOSER_ROLE, governor_)
    access_control._grant_role(timelock_controller.CANCELLER_ROLE, governor_)
    access_control._grant_role(timelock_controller.EXECUTOR_ROLE, governor_)
    timelock_controller.get_minimum_delay = minimum_delay_
    log timelock_controller.MinimumDelayChange(old_duration=0, new_duration=minimum_delay_)


@external
def update_delay(new_delay: uint256):
    """
    @notice Changes the minimum delay of future operations, within
            [min_delay, max_delay]. Only the timelock itself, i.e. through
            a scheduled operation that waits out the current delay.
    @param new_delay The new minimum delay, seconds.
    """
    assert msg.sender == self, "timelock_controller: caller must be timelock"
    bounds: uint256 = self._bounds
    assert (
        new_delay >= bounds & BOUND_MASK and new_delay <= (bounds >> BOUND_SHIFT) & BOUND_MASK
    ), "timelock: delay out of bounds"
    log timelock_controller.MinimumDelayChange(
        old_duration=timelock_controller.get_minimum_delay, new_duration=new_delay
    )
    timelock_controller.get_minimum_delay = new_delay
