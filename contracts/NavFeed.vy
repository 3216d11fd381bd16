# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title NAV feed
@license MIT
@notice An index token's redemption value in USD as a whole Chainlink
        AggregatorV2V3Interface at 8 decimals, as Chainlink's USD feeds:
        what one whole index token pays on redemption in kind now, net of
        the vault's redeem fee, priced by the index's OracleAdapter
        (checked Chainlink prices), rounded down. One per index (or one
        per index and rise bound); anyone may deploy one.

        Rounds. `poke()` (anyone, any time the NAV can be priced) records
        the current answer as round 1, 2, 3, ...; recorded rounds never
        change. The round after the last recorded one is open:
        `latestRound()` names it, and its answer is the live NAV, computed
        at each read. When the NAV cannot be priced (a component's price
        is stale, missing or failing, the L2 sequencer is down), the open
        round carries the last recorded answer and its time, with
        `answeredInRound` the recorded round, as Chainlink's own feeds do
        when a round times out: consumers' staleness checks then bite.
        `updatedAt` (= `startedAt`) is always the oldest component price's
        time, never the time of the read or the poke.
        `getRoundData` answers the recorded rounds and the open one and
        reverts for any other ("navfeed: no data present"); `getAnswer`
        and `getTimestamp` return 0 for those, as Chainlink's V2 methods.

        Optional rise bound (as Aave's CAPO caps a rate's growth): with
        `max_rise_per_day` above 0, an answer is at most the last recorded
        one plus that many basis points of it per day since it was
        recorded (linear, rounded down); falls pass through at once.

        Trust model: no roles, nothing to configure; it trusts the index's
        adapter (hence its admin, who sets feeds) and vault. Nothing to
        stop: consumers stop reading it, the adapter's admin removes a
        feed (the feed then carries its last round, stale).
"""

from interfaces import IAggregatorV2V3

implements: IAggregatorV2V3


interface IAdapter:
    def vault() -> address: view


interface IVault:
    def redeem_fee() -> uint256: view
    def symbol() -> String[5]: view


WAD: constant(uint256) = 10**18
BPS: constant(uint256) = 10_000
DAY: constant(uint256) = 86_400
# @dev The adapter's 18-decimal NAV per share over this feed's 8 decimals.
SCALE_DOWN: constant(uint256) = 10**10
# @dev Largest rise bound accepted, basis points a day (10x a day): keeps
# the bound's product far from overflow.
MAX_RISE_PER_DAY: public(constant(uint256)) = 100_000
# @dev A latestRoundData() answer: five 32-byte words.
ROUND_DATA_SIZE: constant(uint256) = 160
# @dev A recorded round, one slot: answer (bits 0-127, 8 decimals),
# updatedAt (128-191), the block time it was recorded at (192-255).
ANSWER_MASK: constant(uint256) = 2**128 - 1
TIME_MASK: constant(uint256) = 2**64 - 1
UPDATED_AT_SHIFT: constant(uint256) = 128
RECORDED_AT_SHIFT: constant(uint256) = 192


# @dev The index's OracleAdapter: checked component prices and the NAV per
# share (18 decimals) with its oldest price's time.
adapter: public(immutable(address))
# @dev The index vault the adapter prices (read from the adapter once, so
# the two cannot be mismatched): its redeem fee and symbol.
vault: public(immutable(IVault))
# @dev Most an answer may rise, basis points of the last recorded answer
# a day; 0: no bound.
max_rise_per_day: public(immutable(uint256))


# @dev A recorded round, unpacked.
struct Round:
    answer: uint256
    updated_at: uint256
    recorded_at: uint256


# @dev How many rounds `poke` has recorded (the last recorded round's id);
# the open round is this + 1.
latest_recorded_round: public(uint256)

# @dev Recorded rounds by id, packed (see ANSWER_MASK).
_rounds: HashMap[uint256, uint256]


# @dev Chainlink's AggregatorInterface event, so feed indexers read it.
event AnswerUpdated:
    current: indexed(int256)
    roundId: indexed(uint256)
    updatedAt: uint256


@deploy
def __init__(adapter_: address, max_rise_per_day_: uint256):
    """
    @notice A feed of the index priced by `adapter_`. Records round 1 when
            the NAV can be priced now; with a rise bound it must be (the
            bound needs a first answer to start from).
    @param adapter_ The index's OracleAdapter (not the factory's
           implementation, which prices nothing).
    @param max_rise_per_day_ Rise bound, basis points a day; 0 for none.
    """
    assert adapter_.is_contract, "navfeed: adapter has no code"
    vault_: address = staticcall IAdapter(adapter_).vault()
    assert vault_ != empty(address) and vault_ != adapter_, "navfeed: not an index's adapter"
    assert max_rise_per_day_ <= MAX_RISE_PER_DAY, "navfeed: rise bound too high"
    adapter = adapter_
    vault = IVault(vault_)
    max_rise_per_day = max_rise_per_day_
    ok: bool = False
    answer: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, updated_at = self._live(empty(Round))
    if ok:
        self._record(answer, updated_at)
    else:
        assert max_rise_per_day_ == 0, "navfeed: no NAV to start the bound from"


@external
def poke() -> uint256:
    """
    @notice Records the open round's live answer (the rise bound applied)
            and opens the next. Anyone may call it; keepers call it at
            least once per the longest component heartbeat, so a carried
            answer is recent.
    @return The id of the round recorded.
    """
    ok: bool = False
    answer: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, updated_at = self._live(self._load(self.latest_recorded_round))
    assert ok, "navfeed: NAV cannot be priced"
    return self._record(answer, updated_at)


@external
@view
def decimals() -> uint8:
    """
    @notice 8, as Chainlink's USD feeds.
    """
    return 8


@external
@view
def description() -> String[64]:
    """
    @notice What the feed prices, e.g. "TIDX / USD NAV per share, net of
            redeem fee".
    """
    return concat(staticcall vault.symbol(), " / USD NAV per share, net of redeem fee")


@external
@view
def version() -> uint256:
    """
    @notice This feed's version.
    """
    return 1


@external
@view
def latestRound() -> uint256:
    """
    @notice The open round's id: the last recorded round + 1.
    """
    return self.latest_recorded_round + 1


@external
@view
def latestAnswer() -> int256:
    """
    @notice The open round's answer (USD, 8 decimals): live, or carried
            from the last recorded round; 0 if there is neither.
    """
    return convert(self._open()[1], int256)


@external
@view
def latestTimestamp() -> uint256:
    """
    @notice The open round's `updatedAt`; 0 if it has no answer.
    """
    return self._open()[2]


@external
@view
def latestRoundData() -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice The open round: live, or carried from the last recorded round
            (`answeredInRound` < `roundId`, `updatedAt` old). Reverts
            when there is no answer at all.
    """
    return self._round_data(self.latest_recorded_round + 1)


@external
@view
def getRoundData(_roundId: uint80) -> (uint80, int256, uint256, uint256, uint80):
    """
    @notice A recorded round, or the open one; reverts for any other.
    """
    return self._round_data(convert(_roundId, uint256))


@external
@view
def getAnswer(roundId: uint256) -> int256:
    """
    @notice A recorded or the open round's answer; 0 for any other.
    """
    return convert(self._answer(roundId)[1], int256)


@external
@view
def getTimestamp(roundId: uint256) -> uint256:
    """
    @notice A recorded or the open round's `updatedAt`; 0 for any other.
    """
    return self._answer(roundId)[2]


@internal
@view
def _round_data(round_id: uint256) -> (uint80, int256, uint256, uint256, uint80):
    answered_in: uint256 = 0
    answer: uint256 = 0
    updated_at: uint256 = 0
    answered_in, answer, updated_at = self._answer(round_id)
    assert updated_at != 0, "navfeed: no data present"
    return (
        convert(round_id, uint80),
        convert(answer, int256),
        updated_at,
        updated_at,
        convert(answered_in, uint80),
    )


@internal
@view
def _answer(round_id: uint256) -> (uint256, uint256, uint256):
    """
    @dev Round `round_id`: the round that answered it, its answer and its
         `updatedAt`; zeros where there is no data.
    """
    latest: uint256 = self.latest_recorded_round
    if round_id == latest + 1:
        return self._open()
    if round_id == 0 or round_id > latest:
        return 0, 0, 0
    recorded: Round = self._load(round_id)
    return round_id, recorded.answer, recorded.updated_at


@internal
@view
def _open() -> (uint256, uint256, uint256):
    """
    @dev The open round: the live answer, or the last recorded one
         carried (zeros if none).
    """
    latest: uint256 = self.latest_recorded_round
    last: Round = self._load(latest)
    ok: bool = False
    answer: uint256 = 0
    updated_at: uint256 = 0
    ok, answer, updated_at = self._live(last)
    if ok:
        return latest + 1, answer, updated_at
    return latest, last.answer, last.updated_at


@internal
@view
def _live(last: Round) -> (bool, uint256, uint256):
    """
    @dev The NAV per share net of the redeem fee at 8 decimals, rounded
         down, bounded by the rise bound from `last`, and its oldest
         price's time; false when the adapter cannot price it (its own
         reason is dropped: the feed carries instead) or it does not fit
         128 bits (above 3.4e30 USD a share: not a price).
    """
    ok: bool = False
    response: Bytes[ROUND_DATA_SIZE] = b""
    ok, response = raw_call(
        adapter,
        method_id("latestRoundData()"),
        max_outsize=ROUND_DATA_SIZE,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not ok or len(response) < ROUND_DATA_SIZE:
        return False, 0, 0
    round_id: uint256 = 0
    nav_per_share: uint256 = 0
    started_at: uint256 = 0
    updated_at: uint256 = 0
    answered_in_round: uint256 = 0
    round_id, nav_per_share, started_at, updated_at, answered_in_round = abi_decode(
        response, (uint256, uint256, uint256, uint256, uint256)
    )
    # Bounded first, so the product below cannot overflow (2**128 * 1e10 *
    # 1e18 < 2**222).
    if nav_per_share > ANSWER_MASK * SCALE_DOWN or updated_at == 0 or updated_at > TIME_MASK:
        return False, 0, 0
    fee: uint256 = staticcall vault.redeem_fee()
    # Round down: never more than a redeemer is paid.
    answer: uint256 = nav_per_share * (WAD - fee) // (WAD * SCALE_DOWN)
    if max_rise_per_day != 0 and last.answer != 0:
        elapsed: uint256 = block.timestamp - last.recorded_at
        answer = min(answer, last.answer + last.answer * max_rise_per_day * elapsed // (BPS * DAY))
    return True, answer, updated_at


@internal
def _record(answer: uint256, updated_at: uint256) -> uint256:
    round_id: uint256 = self.latest_recorded_round + 1
    self._store(round_id, Round(answer=answer, updated_at=updated_at, recorded_at=block.timestamp))
    self.latest_recorded_round = round_id
    log AnswerUpdated(current=convert(answer, int256), roundId=round_id, updatedAt=updated_at)
    return round_id


@internal
@view
def _load(round_id: uint256) -> Round:
    word: uint256 = self._rounds[round_id]
    return Round(
        answer=word & ANSWER_MASK,
        updated_at=(word >> UPDATED_AT_SHIFT) & TIME_MASK,
        recorded_at=word >> RECORDED_AT_SHIFT,
    )


@internal
def _store(round_id: uint256, data: Round):
    self._rounds[round_id] = (
        data.answer | (data.updated_at << UPDATED_AT_SHIFT) | (data.recorded_at << RECORDED_AT_SHIFT)
    )
