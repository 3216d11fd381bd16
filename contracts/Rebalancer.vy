# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Rebalancer
@license MIT
@notice Moves an index vault's units to new targets through Dutch
        auctions priced from the oracle adapter.

        The manager proposes target units (base units per 1e18 shares,
        before the multiplier, as `vault.position` reports them) for up to
        16 tokens: new tokens enter the basket, a target of 0 removes one
        (its slot in the vault stays, with unit 0: the vault's component
        list is append-only, so a removed token that comes back takes it).
        The auctions open a fixed timelock after the proposal and run for
        the proposal's duration. Each listed component trades against one
        quote asset (fixed at deployment, e.g. USDC): a component above
        its target is sold for quote, one below it is bought with quote.

        Price: `oracle.price(token) / oracle.price(quote)` read at the
        bid's block, times a factor that falls linearly from the
        proposal's start factor to its end factor over the auction, and
        is always clamped to `[1 - band, 1 + band]` (band immutable, at
        most 10 %). Selling, the bidder pays `amount * price * factor`
        quote (rounded up); buying, the vault pays `amount * price *
        (2 - factor)` quote (rounded down): the vault's price starts at its
        best and worsens until a bidder finds it worth taking.

        Bids trade whole unit steps: with a share or more outstanding,
        one step of a unit (1 base unit per 1e18 shares) is worth at least
        one base unit for the whole supply, so a bid is snapped to whole
        steps of the token and of the quote (a bid under one step reverts)
        and the vault's own rounding moves each unit by exactly what was
        priced: each bid keeps the backing within one base unit of the
        tokens. The curve starts at or above par (start factor >= 1).

        Anyone may bid. The vault moves the tokens and the units
        (`vault.trade`); with callback data the bidder is called after it
        has received what the vault sells and must pay inside the callback.
        The quote asset left over stays a basket component: its unit grows
        by what sales bring in and falls by what purchases spend.

        Trust model:
        - the vault's manager (MANAGER_ROLE) proposes;
        - the vault's guardian (GUARDIAN_ROLE) cancels a pending or running
          rebalance: that is the emergency stop. Nobody can shorten the
          timelock, the band or a pending proposal's wait;
        - the vault's admin grants this contract REBALANCER_ROLE;
        - a stale or failing price stops bids with the oracle's reason;
          mint and redeem never read it.
"""

from ethereum.ercs import IERC20Detailed
from interfaces import IPriceOracle
from interfaces import IRebalanceVault

# @dev `_mul_div`: the quote amount in 512-bit precision, one rounding.
from snekmate.utils import math

# @dev Constants shared with the vault (stateless: constants only).
from lib import basket


# @dev Most tokens one proposal may list; bounds every loop here.
MAX_TARGETS: public(constant(uint256)) = 16
# @dev 1.0 in fixed point: factors and the band are fractions of it.
WAD: constant(uint256) = basket.WAD
# @dev `amount = shares * unit * multiplier / UNIT_SCALE`, as in the vault.
UNIT_SCALE: constant(uint256) = basket.UNIT_SCALE
# @dev The vault's largest unit.
MAX_UNIT: constant(uint256) = basket.MAX_UNIT
# @dev The widest band any deployment may choose: 10 % either side.
MAX_BAND: public(constant(uint256)) = 10**17
# @dev Bounds on the timelock fixed at deployment, seconds.
MIN_TIMELOCK: public(constant(uint256)) = 3_600
MAX_TIMELOCK: public(constant(uint256)) = 30 * 86_400
# @dev Bounds on an auction's length, seconds.
MIN_DURATION: public(constant(uint256)) = 600
MAX_DURATION: public(constant(uint256)) = 14 * 86_400
# @dev Longest callback data, as the vault passes it on.
MAX_CALLBACK_DATA: constant(uint256) = basket.MAX_CALLBACK_DATA
# @dev Packed target: bit 255 marks a listed token.
LISTED: constant(uint256) = 1 << 255

# @dev The vault's roles, read from the vault itself.
MANAGER_ROLE: constant(bytes32) = keccak256("MANAGER_ROLE")
GUARDIAN_ROLE: constant(bytes32) = keccak256("GUARDIAN_ROLE")


# @dev The vault rebalanced; it must grant this contract REBALANCER_ROLE.
vault: public(immutable(IRebalanceVault))
# @dev The oracle adapter that prices every bid.
oracle: public(immutable(IPriceOracle))
# @dev The asset every component trades against.
quote: public(immutable(address))
# @dev The quote asset's decimals.
_quote_decimals: immutable(uint256)
# @dev Seconds between a proposal and its auctions' start, fixed at deployment.
timelock: public(immutable(uint256))
# @dev The factor never leaves [1 - band, 1 + band] (WAD), fixed at deployment.
band: public(immutable(uint256))


# @dev The current proposal in one word, so a bid reads one slot for all
# of it (4 cold reads, 8,400 gas, fewer than one slot each): from the low
# bits, the start factor (64 bits) and the end factor (64; both < 2e18),
# the auctions' opening time (40; 0 if none or cancelled), their length
# (32; at most 14 days), and the proposal id (56). The external getters
# `proposal_id`, `auction_start`, `auction_duration`, `start_factor` and
# `end_factor` unpack it.
_auction: uint256
# @dev The current proposal's tokens, in proposal order.
_tokens: DynArray[address, MAX_TARGETS]
# @dev proposal id => token => LISTED | decimals << 96 | target unit.
_targets: HashMap[uint256, HashMap[address, uint256]]
# @dev Reentrancy lock for bids (transient storage).
_locked: transient(bool)

# @dev `_auction`'s fields, unpacked.
struct Auction:
    proposal_id: uint256  # counts proposals; keys `_targets` so old ones need no clearing
    start: uint256
    duration: uint256
    start_factor: uint256
    end_factor: uint256


FACTOR_MASK: constant(uint256) = 2**64 - 1
START_SHIFT: constant(uint256) = 128
START_MASK: constant(uint256) = 2**40 - 1
DURATION_SHIFT: constant(uint256) = 168
ID_SHIFT: constant(uint256) = 200


event RebalanceProposed:
    proposal_id: indexed(uint256)
    auction_start: uint256
    auction_duration: uint256
    start_factor: uint256
    end_factor: uint256
    tokens: DynArray[address, MAX_TARGETS]
    targets: DynArray[uint256, MAX_TARGETS]


event RebalanceCancelled:
    proposal_id: indexed(uint256)


event Bid:
    bidder: indexed(address)
    token: indexed(address)
    sell: bool
    amount: uint256
    quote_amount: uint256
    factor: uint256


@deploy
def __init__(vault_: IRebalanceVault, oracle_: IPriceOracle, quote_: address, timelock_: uint256, band_: uint256):
    """
    @param vault_ The index vault.
    @param oracle_ Its oracle adapter.
    @param quote_ The asset components trade against.
    @param timelock_ Seconds from a proposal to its auctions, within
           [MIN_TIMELOCK, MAX_TIMELOCK].
    @param band_ Largest distance of the price factor from 1 (WAD), in
           (0, MAX_BAND].
    """
    assert vault_.address != empty(address), "rebalancer: zero vault"
    assert oracle_.address != empty(address), "rebalancer: zero oracle"
    assert quote_ != empty(address), "rebalancer: zero quote"
    assert timelock_ >= MIN_TIMELOCK and timelock_ <= MAX_TIMELOCK, "rebalancer: bad timelock"
    assert band_ > 0 and band_ <= MAX_BAND, "rebalancer: bad band"
    vault = vault_
    oracle = oracle_
    quote = quote_
    _quote_decimals = convert(staticcall IERC20Detailed(quote_).decimals(), uint256)
    timelock = timelock_
    band = band_


@external
def propose(
    tokens: DynArray[address, MAX_TARGETS],
    targets: DynArray[uint256, MAX_TARGETS],
    duration: uint256,
    start_factor: uint256,
    end_factor: uint256,
):
    """
    @notice Proposes new target units for `tokens`; the auctions open
            `timelock` seconds from now and last `duration`. Manager only;
            not while another rebalance is pending or running.
    @param targets Base units per 1e18 shares (before the multiplier); 0
           removes the component, a token not in the basket is added.
    @param start_factor The factor at the start (WAD), e.g. 1.05e18.
    @param end_factor The factor at the end (WAD), at most `start_factor`.
           Both are clamped to the band when bids read them.
    """
    assert staticcall vault.hasRole(MANAGER_ROLE, msg.sender), "rebalancer: not manager"
    assert not self._is_open(), "rebalancer: rebalance open"
    count: uint256 = len(tokens)
    assert count > 0, "rebalancer: no targets"
    assert len(targets) == count, "rebalancer: targets length mismatch"
    assert duration >= MIN_DURATION and duration <= MAX_DURATION, "rebalancer: bad duration"
    assert end_factor > 0 and end_factor <= start_factor and start_factor < 2 * WAD, "rebalancer: bad curve"
    # The vault's price starts at or above the oracle's, never at a loss.
    assert start_factor >= WAD, "rebalancer: start below par"
    assert (staticcall oracle.feed(quote)).primary != empty(address), "rebalancer: no feed for quote"

    proposal_id: uint256 = (self._auction >> ID_SHIFT) + 1
    for i: uint256 in range(count, bound=MAX_TARGETS):
        token: address = tokens[i]
        assert token != quote, "rebalancer: quote has no target"
        assert targets[i] <= MAX_UNIT, "rebalancer: target too large"
        assert self._targets[proposal_id][token] == 0, "rebalancer: duplicate token"
        config: IPriceOracle.FeedConfig = staticcall oracle.feed(token)
        # Also refuses the zero address, which has no feed.
        assert config.primary != empty(address), "rebalancer: no feed for token"
        self._targets[proposal_id][token] = LISTED | (config.token_decimals << 96) | targets[i]

    start: uint256 = block.timestamp + timelock
    # Every field fits its bits: factors < 2e18 < 2**64, a start < 2**40 until
    # the year 36812, a duration <= 14 days, ids < 2**56 proposals.
    self._auction = (
        start_factor | end_factor << 64 | start << START_SHIFT | duration << DURATION_SHIFT | proposal_id << ID_SHIFT
    )
    self._tokens = tokens
    log RebalanceProposed(
        proposal_id=proposal_id,
        auction_start=start,
        auction_duration=duration,
        start_factor=start_factor,
        end_factor=end_factor,
        tokens=tokens,
        targets=targets,
    )


@external
def cancel():
    """
    @notice Cancels the pending or running rebalance: no more bids.
            Guardian only. Trades already made stand.
    """
    assert staticcall vault.hasRole(GUARDIAN_ROLE, msg.sender), "rebalancer: not guardian"
    a: Auction = self._load()
    assert a.start != 0 and block.timestamp <= a.start + a.duration, "rebalancer: nothing to cancel"
    self._auction &= ~(START_MASK << START_SHIFT)
    log RebalanceCancelled(proposal_id=a.proposal_id)


@external
def bid(
    token: address,
    amount: uint256,
    quote_limit: uint256,
    receiver: address,
    data: Bytes[MAX_CALLBACK_DATA] = b"",
) -> uint256:
    """
    @notice Trades up to `amount` of `token` with the vault at the current
            auction price: buys it from the vault if the vault is above
            target, sells it to the vault if below. Takes at most what
            remains.
    @dev Buying from the vault, the caller pays quote; selling to it, the
         caller delivers `token`. Payment is pulled from the caller (who
         approved the vault) or, with non-empty `data`, left to the
         caller's `on_rebalance_bid` callback, called after the vault has
         sent `receiver` what it sells.
    @param quote_limit Most quote the caller pays (vault sells), or least
           it accepts (vault buys).
    @param receiver Who gets what the vault sells.
    @return The quote amount paid or received.
    """
    assert not self._locked, "rebalancer: reentrant call"
    self._locked = True
    a: Auction = self._load()
    assert a.start != 0, "rebalancer: no rebalance"
    assert block.timestamp >= a.start, "rebalancer: not started"
    assert block.timestamp <= a.start + a.duration, "rebalancer: rebalance expired"
    assert amount != 0, "rebalancer: zero amount"
    packed: uint256 = self._targets[a.proposal_id][token]
    assert packed != 0, "rebalancer: not in rebalance"

    sell: bool = False
    take: uint256 = 0
    quote_amount: uint256 = 0
    factor: uint256 = 0
    sell, take, quote_amount, factor = self._quote(token, packed, amount, a)
    target: uint256 = packed & MAX_UNIT
    if sell:
        assert quote_amount <= quote_limit, "rebalancer: price above limit"
        extcall vault.trade(token, take, target, quote, quote_amount, MAX_UNIT, msg.sender, receiver, data)
    else:
        assert quote_amount >= quote_limit, "rebalancer: price below limit"
        extcall vault.trade(quote, quote_amount, 0, token, take, target, msg.sender, receiver, data)
    log Bid(bidder=msg.sender, token=token, sell=sell, amount=take, quote_amount=quote_amount, factor=factor)
    self._locked = False
    return quote_amount


@external
@view
def factor() -> uint256:
    """
    @notice The sale factor now (WAD), clamped to the band: the vault
            sells at `price * factor` and buys at `price * (2 - factor)`.
    """
    a: Auction = self._load()
    assert a.start != 0 and block.timestamp >= a.start, "rebalancer: not started"
    return self._factor(a)


@external
@view
def proposal_id() -> uint256:
    """
    @notice How many proposals there have been: the current one's id.
    """
    return self._auction >> ID_SHIFT


@external
@view
def auction_start() -> uint256:
    """
    @notice When the current proposal's auctions open (timestamp); 0 if
            there is none or it was cancelled.
    """
    return (self._auction >> START_SHIFT) & START_MASK


@external
@view
def auction_duration() -> uint256:
    """
    @notice The current proposal's auction length, seconds.
    """
    return self._load().duration


@external
@view
def start_factor() -> uint256:
    """
    @notice The current proposal's factor at the start (WAD), before the
            band clamps it.
    """
    return self._auction & FACTOR_MASK


@external
@view
def end_factor() -> uint256:
    """
    @notice The current proposal's factor at the end (WAD), before the
            band clamps it.
    """
    return (self._auction >> 64) & FACTOR_MASK


@external
@view
def remaining(token: address) -> (bool, uint256):
    """
    @notice Whether the vault sells `token` (else it buys), and how much
            remains to trade now (token base units; 0 once on target).
    """
    packed: uint256 = self._targets[self._auction >> ID_SHIFT][token]
    assert packed != 0, "rebalancer: not in rebalance"
    return self._remaining(token, packed)


@external
@view
def preview_bid(token: address, amount: uint256) -> (bool, uint256, uint256):
    """
    @notice What `bid(token, amount, ...)` would do now: whether the vault
            sells, the amount traded and the quote amount.
    """
    a: Auction = self._load()
    assert a.start != 0, "rebalancer: no rebalance"
    assert block.timestamp >= a.start, "rebalancer: not started"
    packed: uint256 = self._targets[a.proposal_id][token]
    assert packed != 0, "rebalancer: not in rebalance"
    sell: bool = False
    take: uint256 = 0
    quote_amount: uint256 = 0
    factor: uint256 = 0
    sell, take, quote_amount, factor = self._quote(token, packed, amount, a)
    return sell, take, quote_amount


@external
@view
def targets() -> (DynArray[address, MAX_TARGETS], DynArray[uint256, MAX_TARGETS]):
    """
    @notice The current (or last) proposal's tokens and target units.
    """
    result: DynArray[uint256, MAX_TARGETS] = []
    proposal_id: uint256 = self._auction >> ID_SHIFT
    for token: address in self._tokens:
        result.append(self._targets[proposal_id][token] & MAX_UNIT)
    return self._tokens, result


@external
@view
def is_open() -> bool:
    """
    @notice Whether a rebalance is pending or running (not expired, not
            cancelled, some target not yet met). A new proposal waits for it.
    """
    return self._is_open()


@internal
@view
def _is_open() -> bool:
    a: Auction = self._load()
    if a.start == 0 or block.timestamp > a.start + a.duration:
        return False
    if block.timestamp < a.start:
        return True
    proposal_id: uint256 = a.proposal_id
    for token: address in self._tokens:
        sell: bool = False
        left: uint256 = 0
        sell, left = self._remaining(token, self._targets[proposal_id][token])
        if left != 0:
            return True
    return False


@internal
@view
def _factor(a: Auction) -> uint256:
    """
    @dev Linear from the start factor to the end factor, the fall rounded
         down (the sale factor rounds up, the purchase factor `2 - f` down:
         both in the vault's favour), then clamped to the band.
    """
    elapsed: uint256 = min(block.timestamp - a.start, a.duration)
    raw: uint256 = a.start_factor - (a.start_factor - a.end_factor) * elapsed // a.duration
    return min(max(raw, WAD - band), WAD + band)


@internal
@view
def _load() -> Auction:
    word: uint256 = self._auction
    return Auction(
        proposal_id=word >> ID_SHIFT,
        start=(word >> START_SHIFT) & START_MASK,
        duration=(word >> DURATION_SHIFT) & (2**32 - 1),
        start_factor=word & FACTOR_MASK,
        end_factor=(word >> 64) & FACTOR_MASK,
    )


@internal
@view
def _remaining(token: address, packed: uint256) -> (bool, uint256):
    """
    @dev Token base units between the vault's holding for all shares and
         the target's: a sale rounds down, a purchase up (the vault never
         sells below, nor buys above, its target).
    """
    unit: uint256 = 0
    supply: uint256 = 0
    multiplier: uint256 = 0
    unit, supply, multiplier = staticcall vault.trade_basis(token)
    return self._left(unit, packed & MAX_UNIT, supply * multiplier)


@internal
@pure
def _left(unit: uint256, target: uint256, scale: uint256) -> (bool, uint256):
    if unit > target:
        return True, (unit - target) * scale // UNIT_SCALE
    return False, ((target - unit) * scale + UNIT_SCALE - 1) // UNIT_SCALE


@internal
@view
def _quote(token: address, packed: uint256, amount: uint256, a: Auction) -> (bool, uint256, uint256, uint256):
    """
    @dev Direction, amount taken, quote amount and sale factor of a bid.
         `quote = take * p_token * f * 10**dq / (p_quote * 1e18 * 10**dt)`,
         one rounding: up when the vault sells, down when it buys.
         Whole unit steps: with the supply at one share or more
         (`scale = supply * multiplier >= 1e36`) one step of a unit is
         worth `scale / 1e36 >= 1` base units, so both legs are snapped to
         whole steps and the vault's own rounding (`trade`) moves each unit
         by exactly the step count priced here: the token by
         `d = floor(take * 1e36 / scale)` (all that remains: exactly to the
         target), the quote by `dq`, rounded up when the vault sells and
         down when it buys. A bid under one step reverts. Below one share
         a base unit is worth at least one step and amounts stay as asked.
    """
    unit: uint256 = 0
    supply: uint256 = 0
    multiplier: uint256 = 0
    unit, supply, multiplier = staticcall vault.trade_basis(token)
    scale: uint256 = supply * multiplier
    sell: bool = False
    left: uint256 = 0
    sell, left = self._left(unit, packed & MAX_UNIT, scale)
    assert left != 0, "rebalancer: target met"
    take: uint256 = min(amount, left)
    whole_steps: bool = scale >= UNIT_SCALE
    if whole_steps and take < left:
        # `take * 1e36 < |unit - target| * scale <= 2**96 * scale`: no overflow.
        steps: uint256 = take * UNIT_SCALE // scale
        assert steps != 0, "rebalancer: bid below one unit step"
        # The vault's ceil (sold) or floor (bought) of `take * 1e36 / scale`
        # gives back exactly `steps`.
        take = math._mul_div(steps, scale, UNIT_SCALE, not sell)

    factor: uint256 = self._factor(a)
    applied: uint256 = factor
    if not sell:
        applied = 2 * WAD - factor
    numerator: uint256 = (staticcall oracle.price(token)) * applied
    denominator: uint256 = (staticcall oracle.price(quote)) * WAD
    decimals: uint256 = (packed >> 96) & 255
    if _quote_decimals >= decimals:
        numerator *= 10**(_quote_decimals - decimals)
    else:
        denominator *= 10**(decimals - _quote_decimals)
    quote_amount: uint256 = math._mul_div(take, numerator, denominator, sell)
    if whole_steps:
        # Up to whole quote steps when the bidder pays, down when the vault
        # pays: the quote unit moves by exactly `quote_steps`.
        quote_steps: uint256 = math._mul_div(quote_amount, UNIT_SCALE, scale, sell)
        quote_amount = math._mul_div(quote_steps, scale, UNIT_SCALE, sell)

    if not sell:
        quote_unit: uint256 = 0
        quote_unit, supply, multiplier = staticcall vault.trade_basis(quote)
        assert quote_amount <= quote_unit * scale // UNIT_SCALE, "rebalancer: not enough quote"
    return sell, take, quote_amount, factor
