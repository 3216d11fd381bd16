# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Index factory
@license MIT
@notice Anyone launches an index here, in one transaction: its timelock,
        vault, oracle adapter (feeds set) and, optionally, its Rebalancer,
        each created from a blueprint (ERC-5202), and an entry in the
        registry.

        What every index made here guarantees its holders:
        - fee maxima at most the factory's (immutable), so no index made
          here can ever charge more;
        - non-zero manager, guardian, fee recipient and governor;
        - the admin role of the vault and of the adapter held by the
          index's own IndexTimelock, whose minimum delay is within the
          factory's bounds for good: fee changes, role grants and feed
          changes are scheduled in public and wait out the delay. The
          governor (proposer, executor, canceller) is the creator's
          choice;
        - the guardian's emergency powers (pausing minting, cancelling a
          rebalance) are roles on the vault, not behind the timelock;
        - on an L2, the network's sequencer-uptime feed (a factory
          immutable) checked by every price the adapter gives.

        Trust model: the factory has no owner and no setter. It holds each
        new vault's and adapter's admin role only inside `create_index`,
        to set feeds and grant the Rebalancer its role, and renounces it
        before returning.
"""

from snekmate.auth.interfaces import IAccessControl
from interfaces import IAggregatorV3


# @dev The admin calls the factory makes on a new adapter.
interface IOracleAdmin:
    def set_feed(
        asset: address,
        primary: IAggregatorV3,
        primary_heartbeat: uint256,
        secondary: IAggregatorV3,
        secondary_heartbeat: uint256,
        max_deviation_bps: uint256,
    ): nonpayable
    def set_sequencer_feed(feed: IAggregatorV3, grace_period: uint256): nonpayable


# @dev The vault's limits, mirrored so the factory refuses with its own reasons.
MAX_COMPONENTS: public(constant(uint256)) = 128
MAX_SUPPLY: public(constant(uint256)) = 2**100
FEE_CEILING: constant(uint256) = 10**17
# @dev The adapter's bounds on the sequencer grace period, seconds.
MIN_GRACE_PERIOD: constant(uint256) = 600
MAX_GRACE_PERIOD: constant(uint256) = 86_400
DEFAULT_ADMIN_ROLE: constant(bytes32) = empty(bytes32)
REBALANCER_ROLE: constant(bytes32) = keccak256("REBALANCER_ROLE")


# @dev Blueprints (ERC-5202) of IndexVault, OracleAdapter, IndexTimelock
# and Rebalancer; no Rebalancer if the last is the zero address.
vault_blueprint: public(immutable(address))
adapter_blueprint: public(immutable(address))
timelock_blueprint: public(immutable(address))
rebalancer_blueprint: public(immutable(address))
# @dev Largest fee maxima an index may choose (WAD fractions; streaming a year).
max_mint_fee: public(immutable(uint256))
max_redeem_fee: public(immutable(uint256))
max_streaming_fee: public(immutable(uint256))
# @dev Bounds on every index timelock's minimum delay, seconds, for good.
min_delay: public(immutable(uint256))
max_delay: public(immutable(uint256))
# @dev The network's L2 sequencer-uptime feed (zero on L1) and its grace
# period (seconds), set in every new adapter.
sequencer_feed: public(immutable(address))
sequencer_grace_period: public(immutable(uint256))
# @dev Version of this factory's blueprints, recorded with each index.
version: public(immutable(uint256))


# @dev A component's feeds, as `OracleAdapter.set_feed` takes them.
struct FeedParams:
    primary: address
    primary_heartbeat: uint256
    secondary: address
    secondary_heartbeat: uint256
    max_deviation_bps: uint256


# @dev Everything a creator chooses.
struct IndexParams:
    name: String[25]
    symbol: String[5]
    tokens: DynArray[address, MAX_COMPONENTS]
    units: DynArray[uint256, MAX_COMPONENTS]
    feeds: DynArray[FeedParams, MAX_COMPONENTS]
    manager: address
    guardian: address
    fee_recipient: address
    governor: address
    fees: uint256[3]
    max_fees: uint256[3]
    supply_cap: uint256
    delay: uint256
    quote: address
    quote_feed: FeedParams
    rebalance_timelock: uint256
    band: uint256


# @dev One index in the registry.
struct IndexRecord:
    vault: address
    adapter: address
    timelock: address
    rebalancer: address
    creator: address
    version: uint256


# @dev Number of indexes created.
index_count: public(uint256)
# @dev Index id (from 0) => its contracts, creator and version.
indexes: public(HashMap[uint256, IndexRecord])
# @dev Vault => made by this factory.
is_index: public(HashMap[address, bool])


event IndexCreated:
    index_id: indexed(uint256)
    vault: indexed(address)
    creator: indexed(address)
    adapter: address
    timelock: address
    rebalancer: address
    version: uint256


@deploy
def __init__(
    blueprints_: address[4],
    max_fees_: uint256[3],
    delay_bounds_: uint256[2],
    sequencer_feed_: address,
    sequencer_grace_period_: uint256,
    version_: uint256,
):
    """
    @param blueprints_ IndexVault, OracleAdapter, IndexTimelock and
           Rebalancer blueprints; the last may be zero (no Rebalancer).
    @param max_fees_ Largest mint, redeem and streaming fee maxima an
           index may choose, each at most 10 %.
    @param delay_bounds_ Shortest and longest timelock minimum delay, s.
    @param sequencer_feed_ The L2 sequencer-uptime feed, zero on L1.
    @param sequencer_grace_period_ Its grace period, seconds (0 on L1).
    @param version_ Recorded with every index.
    """
    for i: uint256 in range(3):
        assert blueprints_[i].codesize > 0, "factory: no blueprint"
    assert blueprints_[3] == empty(address) or blueprints_[3].codesize > 0, "factory: no blueprint"
    for i: uint256 in range(3):
        assert max_fees_[i] <= FEE_CEILING, "factory: fee bound too high"
    assert delay_bounds_[0] > 0 and delay_bounds_[0] <= delay_bounds_[1], "factory: bad delay bounds"
    if sequencer_feed_ == empty(address):
        assert sequencer_grace_period_ == 0, "factory: bad grace period"
    else:
        assert (
            sequencer_grace_period_ >= MIN_GRACE_PERIOD and sequencer_grace_period_ <= MAX_GRACE_PERIOD
        ), "factory: bad grace period"
    vault_blueprint = blueprints_[0]
    adapter_blueprint = blueprints_[1]
    timelock_blueprint = blueprints_[2]
    rebalancer_blueprint = blueprints_[3]
    max_mint_fee = max_fees_[0]
    max_redeem_fee = max_fees_[1]
    max_streaming_fee = max_fees_[2]
    min_delay = delay_bounds_[0]
    max_delay = delay_bounds_[1]
    sequencer_feed = sequencer_feed_
    sequencer_grace_period = sequencer_grace_period_
    version = version_


@external
def create_index(params: IndexParams) -> IndexRecord:
    """
    @notice Creates an index: its timelock (governor: proposer, executor,
            canceller), vault, oracle adapter with a
            feed per component (and the sequencer feed on an L2), and a
            Rebalancer if `params.quote` is not zero and the factory has a
            Rebalancer blueprint. The vault's and adapter's admin ends with
            the timelock; the factory keeps no role.
    @param params See `IndexParams`; `feeds[i]` prices `tokens[i]`;
           `delay` is the timelock's minimum delay (seconds).
    @return The new index's registry entry.
    """
    count: uint256 = len(params.tokens)
    assert count > 0, "factory: no components"
    assert len(params.units) == count, "factory: units length mismatch"
    assert len(params.feeds) == count, "factory: feeds length mismatch"
    assert params.manager != empty(address), "factory: zero manager"
    assert params.guardian != empty(address), "factory: zero guardian"
    assert params.fee_recipient != empty(address), "factory: zero fee recipient"
    assert params.governor != empty(address), "factory: zero governor"
    assert params.max_fees[0] <= max_mint_fee, "factory: max mint fee too high"
    assert params.max_fees[1] <= max_redeem_fee, "factory: max redeem fee too high"
    assert params.max_fees[2] <= max_streaming_fee, "factory: max streaming fee too high"
    assert params.supply_cap > 0 and params.supply_cap <= MAX_SUPPLY, "factory: bad supply cap"
    assert params.delay >= min_delay and params.delay <= max_delay, "factory: bad delay"
    with_rebalancer: bool = params.quote != empty(address)
    assert not with_rebalancer or rebalancer_blueprint != empty(address), "factory: no rebalancer blueprint"

    timelock: address = create_from_blueprint(timelock_blueprint, params.delay, params.governor, min_delay, max_delay)
    # The factory is the vault's admin only while it grants the Rebalancer its role.
    vault_admin: address = timelock
    if with_rebalancer:
        vault_admin = self
    vault: address = create_from_blueprint(
        vault_blueprint,
        params.name,
        params.symbol,
        params.tokens,
        params.units,
        vault_admin,
        params.manager,
        params.guardian,
        params.fee_recipient,
        params.fees,
        params.max_fees,
        params.supply_cap,
    )
    # The factory is the adapter's admin while it sets the feeds.
    adapter: address = create_from_blueprint(adapter_blueprint, vault, self)
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        self._set_feed(adapter, params.tokens[i], params.feeds[i])
    if with_rebalancer and params.quote_feed.primary != empty(address):
        # The Rebalancer prices every bid's quote through the adapter (a quote
        # that is a component has its feed already: `quote_feed` left empty).
        self._set_feed(adapter, params.quote, params.quote_feed)
    if sequencer_feed != empty(address):
        extcall IOracleAdmin(adapter).set_sequencer_feed(IAggregatorV3(sequencer_feed), sequencer_grace_period)
    self._hand_over(adapter, timelock)

    rebalancer: address = empty(address)
    if with_rebalancer:
        rebalancer = create_from_blueprint(
            rebalancer_blueprint, vault, adapter, params.quote, params.rebalance_timelock, params.band
        )
        extcall IAccessControl(vault).grantRole(REBALANCER_ROLE, rebalancer)
        self._hand_over(vault, timelock)

    record: IndexRecord = IndexRecord(
        vault=vault, adapter=adapter, timelock=timelock, rebalancer=rebalancer, creator=msg.sender, version=version
    )
    index_id: uint256 = self.index_count
    self.indexes[index_id] = record
    self.index_count = index_id + 1
    self.is_index[vault] = True
    log IndexCreated(
        index_id=index_id,
        vault=vault,
        creator=msg.sender,
        adapter=adapter,
        timelock=timelock,
        rebalancer=rebalancer,
        version=version,
    )
    return record


@internal
def _set_feed(adapter: address, asset: address, feed: FeedParams):
    """
    @dev Prices `asset` in the new `adapter` (the factory is its admin here).
    """
    extcall IOracleAdmin(adapter).set_feed(
        asset,
        IAggregatorV3(feed.primary),
        feed.primary_heartbeat,
        IAggregatorV3(feed.secondary),
        feed.secondary_heartbeat,
        feed.max_deviation_bps,
    )


@internal
def _hand_over(target: address, timelock: address):
    """
    @dev Gives `target`'s admin role to `timelock` and renounces the factory's.
    """
    extcall IAccessControl(target).grantRole(DEFAULT_ADMIN_ROLE, timelock)
    extcall IAccessControl(target).renounceRole(DEFAULT_ADMIN_ROLE, self)
