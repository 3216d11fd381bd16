# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Index factory
@license MIT
@notice Anyone launches an index here, in one transaction: its timelock,
        vault, oracle adapter (feeds set) and, optionally, its Rebalancer,
        and an entry in the registry. The timelock, vault and adapter are
        minimal proxies (EIP-1167) over one implementation each, created
        and initialized here in the same call (nobody can initialize them
        before the factory does); the Rebalancer comes from a blueprint
        (ERC-5202).

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
        - no role moves value out of the basket, or changes how it is
          priced, sooner than that delay: a Rebalancer made here waits at
          least the admin delay between a proposal and its auctions (and
          the index's timelock can never raise its delay above the
          Rebalancer's), its band is within the factory's bound, and every
          feed's heartbeat within the factory's longest; the manager's
          and the guardian's other powers (supply cap, pausing minting,
          cancelling a rebalance) move nothing and price nothing;
        - the guardian's emergency powers (pausing minting, cancelling a
          rebalance) are roles on the vault, not behind the timelock;
        - on an L2, the network's sequencer-uptime feed (a factory
          immutable) checked by every price the adapter gives.

        Feeds: the creator may pass any feed. Whether an index is priced
        only by feeds the factory's governance allows is public and live:
        `custom_feeds(index_id)` reads the adapter's current feeds against
        the allowlist (`feed_allowed(asset, feed)`); an index with custom
        feeds trusts its creator's feeds, and its price (its auctions, its
        NAV feed) is whatever they post.

        TWAP listings: anyone may list a long-tail asset priced by a
        Uniswap V3 pool's TWAP (`list_twap`), without the governance,
        because the rule is objective (SECURITY.md, "TWAP-priced assets"):
        the factory deploys the TwapFeed from its blueprint and allows it
        only if the pool is one the factory's Uniswap V3 factory made, the
        quote token's feed is allowed, the window is at least the rule's
        and the feed answers now (the window observed, its harmonic-mean
        in-range liquidity at least `min_liquidity`) with `min_liquidity`,
        as full-range liquidity at the feed's price, holding at least the
        rule's depth in USD a side. It records the exposure that depth
        covers (`twap_exposure(feed)`). A TwapFeed deployed by hand is a
        custom feed like any other.

        Trust model: the factory has no owner. Its governance (an
        IndexTimelock of its own, so every change waits out that
        timelock's delay in public) allows and disallows feeds, TWAP
        listings included, and can do nothing else: an allowlist change
        never touches an index's feeds, only how the registry labels them. The factory holds each new
        vault's and adapter's admin role only inside `create_index`, to set
        feeds and grant the Rebalancer its role, and renounces it before
        returning.
"""

from ethereum.ercs import IERC20Detailed
from snekmate.auth.interfaces import IAccessControl
from lib import basket
from interfaces import IAggregatorV3
from interfaces import IIndexVault
from interfaces import IPriceOracle


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
    def sequencer_feed() -> address: view


# @dev The initializers of the clones' implementations.
interface IVaultInit:
    def initialize(
        name_: String[25],
        symbol_: String[5],
        tokens_: DynArray[address, MAX_COMPONENTS],
        units_: DynArray[uint256, MAX_COMPONENTS],
        admin_: address,
        manager_: address,
        guardian_: address,
        fee_recipient_: address,
        fees_: uint256[3],
        max_fees_: uint256[3],
        supply_cap_: uint256,
    ): nonpayable


interface IAdapterInit:
    def initialize(vault_: address, admin_: address): nonpayable


interface ITimelockInit:
    def initialize(minimum_delay_: uint256, governor_: address, min_delay_: uint256, max_delay_: uint256): nonpayable


# @dev What `custom_feeds` reads of an index's Rebalancer and timelock.
interface IRebalancerView:
    def quote() -> address: view
    def timelock() -> uint256: view
    def targets() -> (DynArray[address, 16], DynArray[uint256, 16]): view


interface ITimelockView:
    def get_minimum_delay() -> uint256: view


# @dev What `list_twap` reads of a Uniswap V3 pool, its factory and a TwapFeed.
interface IUniswapV3Pool:
    def token0() -> address: view
    def token1() -> address: view
    def fee() -> uint24: view


interface IUniswapV3Factory:
    def getPool(token_a: address, token_b: address, fee: uint24) -> address: view


interface ITwapFeed:
    def asset() -> address: view
    def quote() -> address: view
    def quote_feed() -> address: view


# @dev The vault's limits (contracts/lib/basket.vy), so the factory refuses with its own reasons.
MAX_COMPONENTS: public(constant(uint256)) = basket.MAX_COMPONENTS
MAX_SUPPLY: public(constant(uint256)) = basket.MAX_SUPPLY
FEE_CEILING: constant(uint256) = basket.FEE_CEILING
# @dev The adapter's bounds on the sequencer grace period, seconds.
MIN_GRACE_PERIOD: constant(uint256) = 600
MAX_GRACE_PERIOD: constant(uint256) = 86_400
# @dev The adapter's largest heartbeat (40 bits) and the Rebalancer's widest band.
MAX_HEARTBEAT: constant(uint256) = 2**40 - 1
MAX_BAND: constant(uint256) = 10**17
# @dev Most feeds the constructor may allow.
MAX_INITIAL_FEEDS: constant(uint256) = 64
# @dev TwapFeed's bounds on its window, seconds.
MIN_TWAP_WINDOW: constant(uint256) = 60
MAX_TWAP_WINDOW: constant(uint256) = 7 * 86_400
WAD: constant(uint256) = 10**18
# @dev The description of every TwapFeed listed here.
TWAP_DESCRIPTION: constant(String[64]) = "USD TWAP listed by IndexFactory"
DEFAULT_ADMIN_ROLE: constant(bytes32) = empty(bytes32)
REBALANCER_ROLE: constant(bytes32) = keccak256("REBALANCER_ROLE")


# @dev The implementations (inert, uninitializable) of IndexVault,
# OracleAdapter and IndexTimelock that every index's clones delegate to,
# and the Rebalancer's blueprint (ERC-5202); no Rebalancer if it is the
# zero address.
vault_implementation: public(immutable(address))
adapter_implementation: public(immutable(address))
timelock_implementation: public(immutable(address))
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
# @dev Longest heartbeat any feed of an index may have at creation, seconds.
max_heartbeat: public(immutable(uint256))
# @dev Widest band a Rebalancer made here may have (WAD).
max_band: public(immutable(uint256))
# @dev The factory's governance: alone allows and disallows feeds.
governance: public(immutable(address))
# @dev Version of this factory's implementations, given with each index.
version: public(immutable(uint256))
# @dev The TWAP listing rule (see `TwapRule`); `twap_blueprint` zero:
# no TWAP listing here.
twap_blueprint: public(immutable(address))
uniswap_v3_factory: public(immutable(address))
twap_min_window: public(immutable(uint256))
twap_min_depth: public(immutable(uint256))
twap_depth_per_exposure: public(immutable(uint256))


# @dev The rule a TWAP listing must pass (SECURITY.md, "TWAP-priced
# assets"): the TwapFeed blueprint (ERC-5202; zero: TWAP listing
# disabled, and the rest zero), the Uniswap V3 factory whose pools alone
# may be listed, the shortest window (seconds), the least USD a side that
# `min_liquidity` must hold as full-range liquidity (whole USD), and the
# USD a side needed per USD exposed (WAD: 0.075 is 75 * 10**15).
struct TwapRule:
    blueprint: address
    uniswap_factory: address
    min_window: uint256
    min_depth: uint256
    depth_per_exposure: uint256


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


# @dev What the registry stores of an index: the version is the factory's
# immutable, so no index pays a slot for it.
struct Stored:
    vault: address
    adapter: address
    timelock: address
    rebalancer: address
    creator: address


# @dev Number of indexes created.
index_count: public(uint256)
# @dev Index id (from 0) => its contracts and creator.
_indexes: HashMap[uint256, Stored]
# @dev Vault => made by this factory.
is_index: public(HashMap[address, bool])
# @dev asset => feed => allowed by the governance (or listed by
# `list_twap`) to price it.
feed_allowed: public(HashMap[address, HashMap[address, bool]])
# @dev TwapFeed listed here => USD exposure (WAD) its listing covers:
# its depth over `twap_depth_per_exposure`.
twap_exposure: public(HashMap[address, uint256])


event IndexCreated:
    index_id: indexed(uint256)
    vault: indexed(address)
    creator: indexed(address)
    adapter: address
    timelock: address
    rebalancer: address
    version: uint256


event FeedAllowed:
    asset: indexed(address)
    feed: indexed(address)
    allowed: bool


event TwapListed:
    asset: indexed(address)
    feed: indexed(address)
    pool: indexed(address)
    window: uint256
    min_liquidity: uint256
    depth: uint256
    exposure: uint256


@deploy
def __init__(
    implementations_: address[4],
    max_fees_: uint256[3],
    delay_bounds_: uint256[2],
    max_heartbeat_: uint256,
    max_band_: uint256,
    governance_: address,
    allowed_feeds_: DynArray[address[2], MAX_INITIAL_FEEDS],
    sequencer_feed_: address,
    sequencer_grace_period_: uint256,
    version_: uint256,
    twap_rule_: TwapRule,
):
    """
    @param implementations_ IndexVault, OracleAdapter and IndexTimelock
           implementations (each deployed with zero arguments: inert),
           and the Rebalancer blueprint, which may be zero (no Rebalancer).
    @param max_fees_ Largest mint, redeem and streaming fee maxima an
           index may choose, each at most 10 %.
    @param delay_bounds_ Shortest and longest timelock minimum delay, s.
    @param max_heartbeat_ Longest feed heartbeat an index may set, s.
    @param max_band_ Widest Rebalancer band (WAD), at most 10 %.
    @param governance_ Allows and disallows feeds (an IndexTimelock).
    @param allowed_feeds_ (asset, feed) pairs allowed from the start, in
           public before any index exists.
    @param sequencer_feed_ The L2 sequencer-uptime feed, zero on L1.
    @param sequencer_grace_period_ Its grace period, seconds (0 on L1).
    @param version_ Recorded with every index.
    @param twap_rule_ What `list_twap` deploys and checks; all zero:
           no TWAP listing.
    """
    for i: uint256 in range(3):
        assert implementations_[i].codesize > 0, "factory: no implementation"
    assert implementations_[3] == empty(address) or implementations_[3].codesize > 0, "factory: no blueprint"
    for i: uint256 in range(3):
        assert max_fees_[i] <= FEE_CEILING, "factory: fee bound too high"
    assert delay_bounds_[0] > 0 and delay_bounds_[0] <= delay_bounds_[1], "factory: bad delay bounds"
    assert max_heartbeat_ > 0 and max_heartbeat_ <= MAX_HEARTBEAT, "factory: bad heartbeat bound"
    assert max_band_ > 0 and max_band_ <= MAX_BAND, "factory: bad band bound"
    assert governance_ != empty(address), "factory: zero governance"
    if sequencer_feed_ == empty(address):
        assert sequencer_grace_period_ == 0, "factory: bad grace period"
    else:
        assert (
            sequencer_grace_period_ >= MIN_GRACE_PERIOD and sequencer_grace_period_ <= MAX_GRACE_PERIOD
        ), "factory: bad grace period"
    vault_implementation = implementations_[0]
    adapter_implementation = implementations_[1]
    timelock_implementation = implementations_[2]
    rebalancer_blueprint = implementations_[3]
    max_mint_fee = max_fees_[0]
    max_redeem_fee = max_fees_[1]
    max_streaming_fee = max_fees_[2]
    min_delay = delay_bounds_[0]
    max_delay = delay_bounds_[1]
    sequencer_feed = sequencer_feed_
    sequencer_grace_period = sequencer_grace_period_
    max_heartbeat = max_heartbeat_
    max_band = max_band_
    governance = governance_
    version = version_
    if twap_rule_.blueprint == empty(address):
        assert (
            twap_rule_.uniswap_factory == empty(address)
            and twap_rule_.min_window == 0
            and twap_rule_.min_depth == 0
            and twap_rule_.depth_per_exposure == 0
        ), "factory: bad twap rule"
    else:
        assert (
            twap_rule_.blueprint.codesize > 0
            and twap_rule_.uniswap_factory.codesize > 0
            and twap_rule_.min_window >= MIN_TWAP_WINDOW
            and twap_rule_.min_window <= MAX_TWAP_WINDOW
            and twap_rule_.min_depth > 0
            and twap_rule_.depth_per_exposure > 0
        ), "factory: bad twap rule"
    twap_blueprint = twap_rule_.blueprint
    uniswap_v3_factory = twap_rule_.uniswap_factory
    twap_min_window = twap_rule_.min_window
    twap_min_depth = twap_rule_.min_depth
    twap_depth_per_exposure = twap_rule_.depth_per_exposure
    for pair: address[2] in allowed_feeds_:
        self._allow(pair[0], pair[1], True)


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
    # The index timelock's delay may never rise above the Rebalancer's.
    delay_cap: uint256 = max_delay
    if with_rebalancer:
        assert rebalancer_blueprint != empty(address), "factory: no rebalancer blueprint"
        assert params.rebalance_timelock >= params.delay, "factory: rebalance timelock below delay"
        assert params.band <= max_band, "factory: band too wide"
        delay_cap = min(max_delay, params.rebalance_timelock)

    timelock: address = create_minimal_proxy_to(timelock_implementation)
    extcall ITimelockInit(timelock).initialize(params.delay, params.governor, min_delay, delay_cap)
    # The factory is the vault's admin only while it grants the Rebalancer its role.
    vault_admin: address = timelock
    if with_rebalancer:
        vault_admin = self
    vault: address = create_minimal_proxy_to(vault_implementation)
    extcall IVaultInit(vault).initialize(
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
    adapter: address = create_minimal_proxy_to(adapter_implementation)
    extcall IAdapterInit(adapter).initialize(vault, self)
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
    self._indexes[index_id] = Stored(
        vault=vault, adapter=adapter, timelock=timelock, rebalancer=rebalancer, creator=msg.sender
    )
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


@external
def list_twap(
    asset: address,
    pool: address,
    window: uint256,
    min_liquidity: uint256,
    quote_feed: address,
    quote_heartbeat: uint256,
) -> address:
    """
    @notice Lists `asset` priced by `pool`'s TWAP, for anyone, if it
            passes the rule: deploys a TwapFeed (`window` s,
            `min_liquidity`, the quote priced by `quote_feed`) and allows
            it for `asset`. Refused, each with its reason, if TWAP listing
            is disabled here, the window is below the rule's, the quote
            heartbeat above the factory's longest, the pool is not one the
            factory's Uniswap V3 factory made, the quote's feed is not
            allowed for the quote token, the new feed does not answer
            (its own reason: "twap: window not observed", "twap: thin
            pool", ...) or `min_liquidity` as full-range liquidity holds
            less than the rule's depth, in USD a side at its answer.
    @return The new TwapFeed.
    """
    assert twap_blueprint != empty(address), "factory: twap listing disabled"
    assert window >= twap_min_window, "factory: twap window below rule"
    assert quote_heartbeat <= max_heartbeat, "factory: heartbeat too long"
    assert pool.is_contract, "factory: pool not from uniswap"
    token0: address = staticcall IUniswapV3Pool(pool).token0()
    token1: address = staticcall IUniswapV3Pool(pool).token1()
    fee: uint24 = staticcall IUniswapV3Pool(pool).fee()
    assert (
        staticcall IUniswapV3Factory(uniswap_v3_factory).getPool(token0, token1, fee) == pool
    ), "factory: pool not from uniswap"
    feed: address = create_from_blueprint(
        twap_blueprint, pool, asset, window, min_liquidity, quote_feed, quote_heartbeat, TWAP_DESCRIPTION
    )
    assert self.feed_allowed[staticcall ITwapFeed(feed).quote()][quote_feed], "factory: quote feed not allowed"
    depth: uint256 = self._twap_depth(feed, min_liquidity)
    assert depth >= twap_min_depth * WAD, "factory: twap pool below rule"
    exposure: uint256 = depth * WAD // twap_depth_per_exposure
    self.twap_exposure[feed] = exposure
    self._allow(asset, feed, True)
    log TwapListed(
        asset=asset,
        feed=feed,
        pool=pool,
        window=window,
        min_liquidity=min_liquidity,
        depth=depth,
        exposure=exposure,
    )
    return feed


@external
@view
def twap_depth(feed: address, liquidity: uint256) -> uint256:
    """
    @notice The USD (WAD) a side that `liquidity` over the full range of
            TwapFeed `feed`'s pool holds at the feed's answer now (its
            revert, with its reason, if it has none): what `list_twap`
            checks of `min_liquidity`.
    """
    return self._twap_depth(feed, liquidity)


@external
def allow_feed(asset: address, feed: address, allowed: bool):
    """
    @notice Allows (or no longer allows) `feed` to price `asset` in the
            registry's eyes. Governance only. Changes no index's feeds.
    """
    assert msg.sender == governance, "factory: not governance"
    self._allow(asset, feed, allowed)


@external
@view
def indexes(index_id: uint256) -> IndexRecord:
    """
    @notice Index `index_id`'s contracts, creator and version (all zero
            past the last index).
    """
    stored: Stored = self._indexes[index_id]
    return IndexRecord(
        vault=stored.vault,
        adapter=stored.adapter,
        timelock=stored.timelock,
        rebalancer=stored.rebalancer,
        creator=stored.creator,
        version=version if stored.vault != empty(address) else 0,
    )


@external
@view
def custom_feeds(index_id: uint256) -> bool:
    """
    @notice Whether index `index_id` is priced, now, by any feed the
            governance does not allow for its asset, or with a heartbeat
            above the factory's bound, or without the factory's sequencer
            feed: then holders trust its creator's feeds. Reads every
            component, the Rebalancer's quote and its current proposal's
            tokens.
    """
    stored: Stored = self._indexes[index_id]
    assert stored.vault != empty(address), "factory: no such index"
    adapter: address = stored.adapter
    if staticcall IOracleAdmin(adapter).sequencer_feed() != sequencer_feed:
        return True
    for token: address in staticcall IIndexVault(stored.vault).components():
        if self._custom(adapter, token):
            return True
    if stored.rebalancer != empty(address):
        if self._custom(adapter, staticcall IRebalancerView(stored.rebalancer).quote()):
            return True
        tokens: DynArray[address, 16] = []
        targets: DynArray[uint256, 16] = []
        tokens, targets = staticcall IRebalancerView(stored.rebalancer).targets()
        for token: address in tokens:
            if self._custom(adapter, token):
                return True
    return False


@external
@view
def notice(index_id: uint256) -> uint256:
    """
    @notice The shortest wait, seconds, before any role of index
            `index_id` can move value or change its pricing: its
            timelock's current delay, or its Rebalancer's timelock if
            shorter (never, for a Rebalancer made here).
    """
    stored: Stored = self._indexes[index_id]
    assert stored.vault != empty(address), "factory: no such index"
    wait: uint256 = staticcall ITimelockView(stored.timelock).get_minimum_delay()
    if stored.rebalancer != empty(address):
        wait = min(wait, staticcall IRebalancerView(stored.rebalancer).timelock())
    return wait


@internal
@view
def _custom(adapter: address, asset: address) -> bool:
    """
    @dev Whether `asset`'s feeds in `adapter` are outside the allowlist or
         the heartbeat bound; an asset with no feed prices nothing.
    """
    config: IPriceOracle.FeedConfig = staticcall IPriceOracle(adapter).feed(asset)
    if config.primary == empty(address):
        return False
    if not self.feed_allowed[asset][config.primary] or config.primary_heartbeat > max_heartbeat:
        return True
    if config.secondary == empty(address):
        return False
    return not self.feed_allowed[asset][config.secondary] or config.secondary_heartbeat > max_heartbeat


@internal
@view
def _twap_depth(feed: address, liquidity: uint256) -> uint256:
    """
    @dev Full range, a position of liquidity L holds L / sqrt(P) token0
         and L * sqrt(P) token1 (base units; P token1 per token0), each
         worth L * sqrt(a * q) in USD when a and q are the USD prices of a
         base unit of the asset and of the quote and P = a / q (whichever
         is token0). a is the feed's answer, q the quote feed's; both
         scaled to 1e36 per base unit, every step rounded down. Checked
         arithmetic: it overflows (and reverts) only if the two base
         units' USD prices multiply above about 1e5 (two tokens without
         decimals worth over 340 USD each; USDC and WETH quotes are far
         from it) or the liquidity is above 2**128.
    """
    answer: int256 = (staticcall IAggregatorV3(feed).latestRoundData())[1]
    quote_feed: IAggregatorV3 = IAggregatorV3(staticcall ITwapFeed(feed).quote_feed())
    quote_answer: int256 = (staticcall quote_feed.latestRoundData())[1]
    asset_decimals: uint256 = convert(staticcall IERC20Detailed(staticcall ITwapFeed(feed).asset()).decimals(), uint256)
    quote_decimals: uint256 = convert(staticcall IERC20Detailed(staticcall ITwapFeed(feed).quote()).decimals(), uint256)
    feed_decimals: uint256 = convert(staticcall quote_feed.decimals(), uint256)
    # USD 1e36 per base unit: the answer is 1e18 per whole asset.
    asset_usd: uint256 = convert(answer, uint256) * WAD // 10**asset_decimals
    quote_usd: uint256 = convert(quote_answer, uint256) * WAD * WAD // 10**(quote_decimals + feed_decimals)
    return liquidity * isqrt(asset_usd * quote_usd) // WAD


@internal
def _allow(asset: address, feed: address, allowed: bool):
    self.feed_allowed[asset][feed] = allowed
    log FeedAllowed(asset=asset, feed=feed, allowed=allowed)


@internal
def _set_feed(adapter: address, asset: address, feed: FeedParams):
    """
    @dev Prices `asset` in the new `adapter` (the factory is its admin
         here), within the factory's heartbeat bound.
    """
    assert max(feed.primary_heartbeat, feed.secondary_heartbeat) <= max_heartbeat, "factory: heartbeat too long"
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
