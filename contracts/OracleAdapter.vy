# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Oracle adapter
@license MIT
@notice Prices an index vault's components in USD (1e18 per whole token)
        from Chainlink AggregatorV3 feeds and gives the vault's NAV and NAV
        per share. It is itself an AggregatorV3 feed of the NAV per share
        (18 decimals), so lending and derivative protocols can price the
        index token.

        Every price is checked: the feed answers (a feed that reverts or
        returns malformed data fails with this adapter's reason, never
        the feed's own), answer above zero and at most MAX_PRICE, a
        complete and consistent round, not older than the feed's own
        heartbeat, and, where a second feed is set, within a maximum
        deviation of it. A failing price reverts with a reason that names
        the asset's address; so does a value too large to sum.

        On an L2, an optional sequencer-uptime feed (Chainlink's, answer 0
        up, 1 down, `startedAt` when the status last changed) stops every
        price while the sequencer is down and for a grace period after it
        comes back, when prices may still be stale or unfairly posted.

        Mint and redeem in kind never read this contract.

        Trust model: the admin (DEFAULT_ADMIN_ROLE) sets and removes feeds
        and the sequencer feed; an index made by the IndexFactory has its
        timelock as admin.
        In an emergency the admin points a feed elsewhere or removes it;
        NAV reads then revert, and the vault keeps minting and redeeming.
"""

from ethereum.ercs import IERC20Detailed
from interfaces import IAggregatorV3
from interfaces import IIndexVault

implements: IAggregatorV3

from snekmate.auth import access_control

# @dev Who may set feeds.
initializes: access_control

exports: (
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.supportsInterface,
)

WAD: constant(uint256) = 10**18
BPS: constant(uint256) = 10_000
MASK40: constant(uint256) = 2**40 - 1
MASK160: constant(uint256) = 2**160 - 1
HEX: constant(Bytes[16]) = b"0123456789abcdef"
# @dev Most decimals accepted of a token or a feed: 10**36 keeps every
# product of an amount and a price far from overflow.
MAX_DECIMALS: constant(uint256) = 36
# @dev Largest price accepted, USD 1e18 per whole token (1e18 USD): a
# feed answering more is broken. With amounts below 2**136 (the vault's
# backing bound) values stay far below 2**256 in all but absurd baskets,
# and those revert with a reason.
MAX_PRICE: public(constant(uint256)) = 10**36
# @dev A latestRoundData() answer: five 32-byte words.
ROUND_DATA_SIZE: constant(uint256) = 160
# @dev Bounds on the sequencer grace period, seconds (Chainlink suggests
# one hour).
MIN_GRACE_PERIOD: public(constant(uint256)) = 600
MAX_GRACE_PERIOD: public(constant(uint256)) = 86_400


# @dev The index vault this adapter prices; the implementation behind
# the factory's clones names itself (it prices nothing). Non-zero once
# initialized.
vault: public(IIndexVault)


# @dev A component's feeds, two slots, read together:
# word 0: primary feed (bits 0-159), its heartbeat in seconds (160-199),
#         its decimals (200-207), the token's decimals (208-215), the
#         largest deviation allowed from the secondary in bps (216-231);
# word 1: secondary feed (0-159, zero if none), heartbeat (160-199),
#         decimals (200-207).
_feeds: HashMap[address, uint256[2]]

# @dev The L2 sequencer-uptime feed; zero on L1 (no check).
sequencer_feed: public(IAggregatorV3)

# @dev Seconds after the sequencer comes back up before prices are read
# again; within [MIN_GRACE_PERIOD, MAX_GRACE_PERIOD] when a feed is set,
# 0 when none is.
sequencer_grace_period: public(uint256)


# @dev A component's feed configuration, unpacked for readers.
struct FeedConfig:
    primary: address
    primary_heartbeat: uint256
    secondary: address
    secondary_heartbeat: uint256
    max_deviation_bps: uint256
    token_decimals: uint256


event FeedSet:
    asset: indexed(address)
    primary: address
    primary_heartbeat: uint256
    secondary: address
    secondary_heartbeat: uint256
    max_deviation_bps: uint256


event FeedRemoved:
    asset: indexed(address)


event SequencerFeedSet:
    feed: indexed(address)
    grace_period: uint256


@deploy
def __init__(vault_: IIndexVault, admin_: address):
    """
    @notice Deployed directly, the adapter of `vault_`, initialized here.
            Deployed with a zero vault and a zero admin, the implementation
            every factory clone (EIP-1167) delegates to: inert, with no
            admin (so no feed), and it can never be initialized.
    @param vault_ The index vault to price.
    @param admin_ Holder of DEFAULT_ADMIN_ROLE (sets feeds).
    """
    access_control.__init__()
    if vault_.address == empty(address) and admin_ == empty(address):
        self.vault = IIndexVault(self)
    else:
        self._initialize(vault_, admin_)
    if admin_ != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


@external
def initialize(vault_: IIndexVault, admin_: address):
    """
    @notice Initializes a clone (EIP-1167 minimal proxy) of this adapter,
            as the constructor would. Once: the factory calls it in the
            transaction that creates the clone.
    """
    assert self.vault.address == empty(address), "oracle: initialized"
    self._initialize(vault_, admin_)


@internal
def _initialize(vault_: IIndexVault, admin_: address):
    assert vault_.address != empty(address), "oracle: zero vault"
    assert admin_ != empty(address), "oracle: zero admin"
    self.vault = vault_
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)


@external
def set_feed(
    asset: address,
    primary: IAggregatorV3,
    primary_heartbeat: uint256,
    secondary: IAggregatorV3,
    secondary_heartbeat: uint256,
    max_deviation_bps: uint256,
):
    """
    @notice Prices `asset` from `primary`, checked against `secondary` when
            it is not the zero address. Admin only.
    @param primary_heartbeat Oldest answer accepted from `primary`, seconds.
    @param secondary_heartbeat Oldest answer accepted from `secondary`.
    @param max_deviation_bps Largest gap between the two answers, in basis
           points of the lower one.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert asset != empty(address), "oracle: zero asset"
    assert primary.address != empty(address), "oracle: zero feed"
    assert asset.is_contract, "oracle: asset has no code"
    assert primary.address.is_contract, "oracle: feed has no code"
    assert primary_heartbeat > 0 and primary_heartbeat <= MASK40, "oracle: bad heartbeat"
    token_decimals: uint256 = convert(staticcall IERC20Detailed(asset).decimals(), uint256)
    primary_decimals: uint256 = convert(staticcall primary.decimals(), uint256)
    assert token_decimals <= MAX_DECIMALS and primary_decimals <= MAX_DECIMALS, "oracle: bad decimals"
    word0: uint256 = (
        convert(primary.address, uint256)
        | (primary_heartbeat << 160)
        | (primary_decimals << 200)
        | (token_decimals << 208)
    )
    word1: uint256 = 0
    if secondary.address != empty(address):
        assert secondary_heartbeat > 0 and secondary_heartbeat <= MASK40, "oracle: bad heartbeat"
        assert max_deviation_bps > 0 and max_deviation_bps <= BPS, "oracle: bad deviation"
        assert secondary.address != primary.address, "oracle: secondary is the primary"
        assert secondary.address.is_contract, "oracle: feed has no code"
        secondary_decimals: uint256 = convert(staticcall secondary.decimals(), uint256)
        assert secondary_decimals <= MAX_DECIMALS, "oracle: bad decimals"
        word0 |= max_deviation_bps << 216
        word1 = convert(secondary.address, uint256) | (secondary_heartbeat << 160) | (secondary_decimals << 200)
    self._feeds[asset] = [word0, word1]
    log FeedSet(
        asset=asset,
        primary=primary.address,
        primary_heartbeat=primary_heartbeat,
        secondary=secondary.address,
        secondary_heartbeat=secondary_heartbeat if secondary.address != empty(address) else 0,
        max_deviation_bps=max_deviation_bps if secondary.address != empty(address) else 0,
    )


@external
def set_sequencer_feed(feed: IAggregatorV3, grace_period: uint256):
    """
    @notice Checks every price against an L2 sequencer-uptime feed: none
            while the sequencer is down, nor until `grace_period` seconds
            after it came back up. The zero address (with a zero grace
            period) removes the check. Admin only.
    @param grace_period Seconds, within [MIN_GRACE_PERIOD, MAX_GRACE_PERIOD].
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    if feed.address == empty(address):
        assert grace_period == 0, "oracle: bad grace period"
    else:
        assert feed.address.is_contract, "oracle: feed has no code"
        assert grace_period >= MIN_GRACE_PERIOD and grace_period <= MAX_GRACE_PERIOD, "oracle: bad grace period"
    self.sequencer_feed = feed
    self.sequencer_grace_period = grace_period
    log SequencerFeedSet(feed=feed.address, grace_period=grace_period)


@external
def remove_feed(asset: address):
    """
    @notice Stops pricing `asset`. Admin only.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._feeds[asset] = [0, 0]
    log FeedRemoved(asset=asset)


@external
@view
def feed(asset: address) -> FeedConfig:
    """
    @notice The feeds that price `asset`.
    """
    word0: uint256 = self._feeds[asset][0]
    word1: uint256 = self._feeds[asset][1]
    return FeedConfig(
        primary=convert(word0 & MASK160, address),
        primary_heartbeat=(word0 >> 160) & MASK40,
        secondary=convert(word1 & MASK160, address),
        secondary_heartbeat=(word1 >> 160) & MASK40,
        max_deviation_bps=(word0 >> 216) & 65535,
        token_decimals=(word0 >> 208) & 255,
    )


@external
@view
def price(asset: address) -> uint256:
    """
    @notice USD per whole token of `asset`, 1e18 fixed point, checked.
    """
    self._check_sequencer()
    return self._price(asset)[0]


@external
@view
def nav() -> uint256:
    """
    @notice The vault's net asset value: every component owed to all
            shares, in USD (1e18), rounded down.
    """
    self._check_sequencer()
    tokens: DynArray[address, 128] = staticcall self.vault.components()
    amounts: DynArray[uint256, 128] = staticcall self.vault.backing()
    return self._value(tokens, amounts)[0]


@external
@view
def nav_per_share() -> uint256:
    """
    @notice USD value of one whole index token (1e18), pending streaming
            fee included, rounded down.
    """
    return self._nav_per_share()[0]


@external
@view
def decimals() -> uint8:
    """
    @notice The NAV-per-share feed's decimals.
    """
    return 18


@external
@view
def description() -> String[64]:
    """
    @notice What the NAV-per-share feed prices.
    """
    return concat(staticcall self.vault.symbol(), " / USD NAV per share")


@external
@view
def version() -> uint256:
    """
    @notice Feed interface version.
    """
    return 1


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The NAV per share as a Chainlink round: the answer is computed
            now from checked component prices; `updatedAt` is the oldest
            component price's, so consumers' staleness checks still bite.
    """
    value: uint256 = 0
    updated_at: uint256 = 0
    value, updated_at = self._nav_per_share()
    assert value <= convert(max_value(int256), uint256), "oracle: NAV per share too large"
    return 1, convert(value, int256), updated_at, updated_at, 1


@internal
@view
def _nav_per_share() -> (uint256, uint256):
    self._check_sequencer()
    tokens: DynArray[address, 128] = staticcall self.vault.components()
    units: DynArray[uint256, 128] = staticcall self.vault.units()
    return self._value(tokens, units)


@internal
@view
def _value(tokens: DynArray[address, 128], amounts: DynArray[uint256, 128]) -> (uint256, uint256):
    """
    @dev USD value of `amounts` of `tokens`, rounded down, and the oldest
         price's update time. A zero amount is worth 0 whatever its price
         and is not priced: the vault keeps a component that left the
         basket as a zero slot, and its feed may be gone. With nothing
         priced the value (0) is exact now.
    """
    total: uint256 = 0
    oldest: uint256 = block.timestamp
    for i: uint256 in range(len(tokens), bound=128):
        if amounts[i] == 0:
            continue
        price: uint256 = 0
        updated_at: uint256 = 0
        price, updated_at = self._price(tokens[i])
        decimals: uint256 = (self._feeds[tokens[i]][0] >> 208) & 255
        if amounts[i] > max_value(uint256) // price:
            self._fail("oracle: value overflow for ", tokens[i])
        value: uint256 = amounts[i] * price // 10**decimals
        if value > max_value(uint256) - total:
            self._fail("oracle: value overflow for ", tokens[i])
        total += value
        oldest = min(oldest, updated_at)
    return total, oldest


@internal
@view
def _check_sequencer():
    """
    @dev With a sequencer feed set: reverts while the sequencer is down
         (any answer but 0), and while it has been up for at most the
         grace period (`now - startedAt <= grace`, Chainlink's own
         comparison). A round with `startedAt` 0 (Arbitrum's feed before
         its first round) or in the future says nothing about uptime and
         counts as within the grace period.
    """
    feed: IAggregatorV3 = self.sequencer_feed
    if feed.address == empty(address):
        return
    ok: bool = False
    round_id: uint256 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint256 = 0
    ok, round_id, answer, started_at, updated_at, answered_in_round = self._round_data(feed.address)
    assert ok, "oracle: sequencer feed failed"
    assert answer == 0, "oracle: sequencer down"
    assert (
        started_at != 0 and started_at <= block.timestamp and block.timestamp - started_at > self.sequencer_grace_period
    ), "oracle: sequencer grace period"


@internal
@view
def _price(asset: address) -> (uint256, uint256):
    word0: uint256 = self._feeds[asset][0]
    if word0 == 0:
        self._fail("oracle: no feed for ", asset)
    price: uint256 = 0
    updated_at: uint256 = 0
    price, updated_at = self._read(word0, asset)
    # A secondary feed always has a deviation bound above 0 (`set_feed`), so
    # an asset with one feed never reads its second slot (a cold read saved).
    max_deviation_bps: uint256 = (word0 >> 216) & 65535
    if max_deviation_bps != 0:
        word1: uint256 = self._feeds[asset][1]
        second: uint256 = 0
        second_updated_at: uint256 = 0
        second, second_updated_at = self._read(word1, asset)
        low: uint256 = min(price, second)
        gap: uint256 = max(price, second) - low
        if gap * BPS > low * max_deviation_bps:
            self._fail("oracle: feeds disagree for ", asset)
        updated_at = min(updated_at, second_updated_at)
    return price, updated_at


@internal
@view
def _read(word: uint256, asset: address) -> (uint256, uint256):
    """
    @dev One feed's answer as USD 1e18 per whole token, checked.
    """
    ok: bool = False
    round_id: uint256 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint256 = 0
    ok, round_id, answer, started_at, updated_at, answered_in_round = self._round_data(convert(word & MASK160, address))
    if not ok:
        self._fail("oracle: feed failed for ", asset)
    if answer <= 0:
        self._fail("oracle: bad price for ", asset)
    if updated_at == 0 or answered_in_round < round_id:
        self._fail("oracle: incomplete round for ", asset)
    # A round cannot be updated before it started.
    if started_at > updated_at:
        self._fail("oracle: inconsistent round for ", asset)
    if updated_at > block.timestamp or block.timestamp - updated_at > (word >> 160) & MASK40:
        self._fail("oracle: stale price for ", asset)
    feed_decimals: uint256 = (word >> 200) & 255
    value: uint256 = convert(answer, uint256)
    if feed_decimals < 18:
        # Bounded before scaling, so the product cannot overflow.
        if value > MAX_PRICE // 10**(18 - feed_decimals):
            self._fail("oracle: bad price for ", asset)
        value = value * 10**(18 - feed_decimals)
    elif feed_decimals > 18:
        value = value // 10**(feed_decimals - 18)
    # A positive answer below 1e-18 USD scales to zero: no price either;
    # one above MAX_PRICE is a broken feed.
    if value == 0 or value > MAX_PRICE:
        self._fail("oracle: bad price for ", asset)
    return value, updated_at


@internal
@view
def _round_data(feed: address) -> (bool, uint256, int256, uint256, uint256, uint256):
    """
    @dev `feed.latestRoundData()`, and whether it answered: false when the
         call reverts (the feed's own error is dropped, so the caller's
         reason names the asset) or returns fewer than five words.
    """
    ok: bool = False
    response: Bytes[ROUND_DATA_SIZE] = b""
    ok, response = raw_call(
        feed,
        method_id("latestRoundData()"),
        max_outsize=ROUND_DATA_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not ok or len(response) < ROUND_DATA_SIZE:
        return False, 0, 0, 0, 0, 0
    round_id: uint256 = 0
    answer: int256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint256 = 0
    round_id, answer, started_at, updated_at, answered_in_round = abi_decode(
        response, (uint256, int256, uint256, uint256, uint256)
    )
    return True, round_id, answer, started_at, updated_at, answered_in_round


@internal
@pure
def _fail(reason: String[32], asset: address):
    """
    @dev Reverts with `reason` followed by the asset's address in hex, as
         a standard Error(string), so every tool shows which asset failed.
    """
    value: uint256 = convert(asset, uint256)
    head: uint256 = 0
    tail: uint256 = 0
    for i: uint256 in range(40):
        nibble: uint256 = (value >> (4 * (39 - i))) & 15
        char: uint256 = convert(convert(slice(HEX, nibble, 1), bytes1), uint256)
        if i < 32:
            head |= char << (8 * (31 - i))
        else:
            tail |= char << (8 * (39 - i))
    hex_: Bytes[40] = concat(convert(head, bytes32), slice(convert(tail, bytes32), 24, 8))
    message: String[74] = concat(reason, "0x", convert(hex_, String[40]))
    raw_revert(abi_encode(message, method_id=method_id("Error(string)")))
