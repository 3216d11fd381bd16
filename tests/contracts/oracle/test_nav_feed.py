"""NavFeed: the index's redemption value as a whole Chainlink
AggregatorV2V3Interface at 8 decimals, with recorded rounds, a carried
(stale) answer when a component cannot be priced, and an optional rise bound.
Every method of the interface is called here against the real vault and
adapter; SECURITY.md's lender claims each point at a test below."""

import json
import os
from pathlib import Path

import boa
import pytest
from eth.exceptions import Revert
from eth_abi import encode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexvault.model import WAD, feed_answer, feed_live_answer
from tests.utils import DAY, MAX, sized
from tests.utils.boa_env import ZERO_ADDRESS, deployer, events
from tests.utils.oracle import usd_value

MINTED = 250 * WAD + 7
REDEEM_FEE = WAD // 200  # 0.5 %
# One 8-decimal feed per component of the (6, 8, 18) basket: answer, heartbeat.
FEEDS = [(1_00012345, 86_400), (60_000_12345678, 3_600), (3_000_50000000, 600)]
NO_DATA = "navfeed: no data present"
# Aave V3's own AaveOracle, the hardhat artifact the npm package ships (the
# published bytecode, unmodified). AAVE_CORE_V3_DIR points elsewhere (an
# `npm pack` extracted) when node_modules lacks the package.
AAVE_CORE_V3 = Path(os.environ.get("AAVE_CORE_V3_DIR", Path(__file__).parents[3] / "node_modules/@aave/core-v3"))
AAVE_ORACLE = AAVE_CORE_V3 / "artifacts/contracts/misc/AaveOracle.sol/AaveOracle.json"


@pytest.fixture
def index(vault, depositor, tokens, create_feed, create_oracle, admin):
    """The minted vault with a 0.5 % redeem fee, its adapter and its feeds."""
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
    with boa.env.prank(admin):
        vault.set_fees(0, REDEEM_FEE, 0)
    feeds = [create_feed(answer) for answer, _ in FEEDS]
    oracle = create_oracle(vault)
    with boa.env.prank(admin):
        for token, feed, (_, heartbeat) in zip(tokens, feeds, FEEDS):
            oracle.set_feed(token.address, feed.address, heartbeat, ZERO_ADDRESS, 0, 0)
    return vault, oracle, feeds


@pytest.fixture
def create_nav_feed():
    def create(oracle, max_rise_per_day=0):
        return deployer("NavFeed.vy").deploy(oracle.address, max_rise_per_day)

    return create


@pytest.fixture
def nav_feed(index, create_nav_feed):
    return create_nav_feed(index[1])


def _expected(oracle, vault) -> int:
    return feed_answer(oracle.nav_per_share(), vault.redeem_fee())


def _oldest(feeds) -> int:
    return min(feed.updated_at() for feed in feeds)


# --- every method ----------------------------------------------------------------


def test_deploy__records_round_one_and_describes_the_index(index, nav_feed):
    vault, oracle, feeds = index
    assert nav_feed.adapter() == oracle.address
    assert nav_feed.vault() == vault.address
    assert nav_feed.max_rise_per_day() == 0
    assert nav_feed.decimals() == 8
    assert nav_feed.description() == "TIDX / USD NAV per share, net of redeem fee"
    assert nav_feed.version() == 1
    assert nav_feed.latest_recorded_round() == 1
    assert nav_feed.getRoundData(1) == (1, _expected(oracle, vault), _oldest(feeds), _oldest(feeds), 1)


def test_latest__live_answer_is_what_redeeming_one_token_pays(index, nav_feed, tokens):
    vault, oracle, feeds = index
    answer = nav_feed.latestAnswer()
    assert answer == _expected(oracle, vault)
    # Priced from what redeem(1e18) pays, fee deducted: the feed is that
    # value, rounded down to 8 decimals, short of it by at most one base
    # unit per component.
    prices = [oracle.price(t.address) for t in tokens]
    paid = usd_value(vault.amounts_for_redeem(WAD), prices, [6, 8, 18])
    dust = sum(p // 10 ** t.decimals() for p, t in zip(prices, tokens)) + 1
    assert answer * 10**10 <= paid + dust
    assert paid - answer * 10**10 < 10**10 + dust
    # Gross of the fee it would be 0.5 % higher.
    assert feed_answer(oracle.nav_per_share(), 0) - answer == pytest.approx(answer / 199, rel=1e-6)


def test_latest__every_method_reads_the_open_round(index, nav_feed):
    vault, oracle, feeds = index
    boa.env.time_travel(seconds=60)
    feeds[0].set_answer(99_990000)
    answer, updated = _expected(oracle, vault), _oldest(feeds)
    assert nav_feed.latestRound() == 2
    assert nav_feed.latestAnswer() == answer
    assert nav_feed.latestTimestamp() == updated
    assert nav_feed.latestRoundData() == (2, answer, updated, updated, 2)
    assert nav_feed.getRoundData(2) == (2, answer, updated, updated, 2)
    assert nav_feed.getAnswer(2) == answer
    assert nav_feed.getTimestamp(2) == updated


def test_poke__records_rounds_that_never_change(index, nav_feed, attacker):
    vault, oracle, feeds = index
    first = nav_feed.getRoundData(1)
    boa.env.time_travel(seconds=600)
    for feed in feeds:
        feed.set_answer(feed.answer() * 11 // 10)
    with boa.env.prank(attacker):  # anyone may poke
        assert nav_feed.poke() == 2
    second = (2, _expected(oracle, vault), _oldest(feeds), _oldest(feeds), 2)
    [logged] = events(nav_feed, "AnswerUpdated")
    assert (logged.current, logged.roundId, logged.updatedAt) == (second[1], 2, second[3])
    boa.env.time_travel(seconds=60)
    feeds[1].set_answer(50_000 * 10**8)
    assert nav_feed.getRoundData(1) == first
    assert nav_feed.getRoundData(2) == second
    assert nav_feed.latestRound() == 3
    assert nav_feed.latestAnswer() == _expected(oracle, vault) < second[1]
    assert [nav_feed.getAnswer(r) for r in (1, 2)] == [first[1], second[1]]
    assert [nav_feed.getTimestamp(r) for r in (1, 2)] == [first[3], second[3]]


@pytest.mark.parametrize("round_id", [0, 3, 2**80 - 1])
def test_round_data__no_such_round__v3_reverts_v2_answers_zero(nav_feed, round_id):
    assert nav_feed.latestRound() == 2  # round 1 recorded, round 2 open
    with boa.reverts(NO_DATA):
        nav_feed.getRoundData(round_id)
    assert nav_feed.getAnswer(round_id) == 0
    assert nav_feed.getTimestamp(round_id) == 0


# --- staleness: a component that cannot be priced makes the feed stale -----------


@pytest.mark.parametrize("failure", ["stale", "reverting", "removed"])
def test_component_cannot_be_priced__open_round_carries_the_last_answer_and_staleness_bites(
    index, nav_feed, tokens, admin, failure
):
    vault, oracle, feeds = index
    recorded = nav_feed.getRoundData(1)
    boa.env.time_travel(seconds=3_601)  # component 1's heartbeat
    for i in (0, 2):  # the others post fresh prices
        feeds[i].set_answer(feeds[i].answer())
    with boa.env.prank(admin):
        if failure == "removed":
            oracle.remove_feed(tokens[1].address)
        elif failure == "reverting":
            broken = deployer("mocks/BrokenFeed.vy").deploy()
            oracle.set_feed(tokens[1].address, broken.address, 3_600, ZERO_ADDRESS, 0, 0)

    # The open round (2) carries round 1: answeredInRound 1 < roundId 2, and
    # updatedAt is round 1's, so a consumer's heartbeat check fails.
    round_id, answer, started, updated, answered_in = nav_feed.latestRoundData()
    assert (round_id, answer, started, updated, answered_in) == (2, recorded[1], recorded[2], recorded[3], 1)
    assert answered_in < round_id
    assert boa.env.timestamp - updated > 3_600
    assert nav_feed.latestAnswer() == recorded[1]
    assert nav_feed.latestTimestamp() == recorded[3]
    with boa.reverts("navfeed: NAV cannot be priced"):
        nav_feed.poke()


def test_no_recorded_round_and_no_price__v3_reverts_v2_answers_zero(create_oracle, vault, create_nav_feed):
    oracle = create_oracle(vault)  # no feed set: nothing can be priced
    nav_feed = create_nav_feed(oracle)
    assert nav_feed.latest_recorded_round() == 0
    assert nav_feed.latestRound() == 1
    assert nav_feed.latestAnswer() == 0  # AaveOracle then asks its fallback oracle
    assert nav_feed.latestTimestamp() == 0
    with boa.reverts(NO_DATA):
        nav_feed.latestRoundData()
    with boa.reverts(NO_DATA):
        nav_feed.getRoundData(1)


def test_sequencer_down__feed_carries_and_is_stale(index, nav_feed, create_feed, admin):
    vault, oracle, feeds = index
    sequencer = create_feed(0, 0, "L2 Sequencer Uptime Status Feed")
    with boa.env.prank(admin):
        oracle.set_sequencer_feed(sequencer.address, 3_600)
    sequencer.set_answer(1)  # down
    assert nav_feed.latestRoundData()[4] == 1
    assert nav_feed.latestTimestamp() == nav_feed.getTimestamp(1)


# --- nothing a user does raises the answer ---------------------------------------


def _steady(nav_feed, index, action):
    """The answer before and after `action`, with the answer the vault's
    own redemption of one token is worth after."""
    vault, oracle, _ = index
    before = nav_feed.latestAnswer()
    action()
    return before, nav_feed.latestAnswer(), _expected(oracle, vault)


def test_donation__does_not_raise_the_answer(index, nav_feed, tokens, attacker):
    vault = index[0]
    for token in tokens:
        token.mint(attacker, 10**6 * 10 ** token.decimals())

    def donate():
        with boa.env.prank(attacker):
            for token in tokens:
                token.transfer(vault.address, 10**6 * 10 ** token.decimals())
            vault.sync(tokens[0].address)  # sync never counts a donation

    before, after, expected = _steady(nav_feed, index, donate)
    assert after == before == expected


def test_sync__after_a_loss__lowers_the_answer(index, nav_feed, tokens, attacker):
    vault = index[0]

    def lose_and_sync():
        with boa.env.prank(vault.address):  # a seizure of 10 % of component 1
            tokens[1].transfer(attacker, tokens[1].balanceOf(vault.address) // 10)
        vault.sync(tokens[1].address)

    before, after, expected = _steady(nav_feed, index, lose_and_sync)
    assert after == expected < before


@pytest.mark.parametrize(
    "fees", [(WAD // 100, WAD // 100, 0), (0, 0, WAD // 20)], ids=["mint-redeem-fees", "streaming"]
)
def test_mint_and_redeem__never_raise_the_answer(index, nav_feed, fund, tokens, attacker, admin, fees):
    vault = index[0]
    with boa.env.prank(admin):
        vault.set_fees(*fees)
    fund(vault, tokens, attacker, 10**7)
    before = nav_feed.latestAnswer()
    for shares in (1, 10**6 * WAD + 3, 7):
        boa.env.time_travel(seconds=13)
        with boa.env.prank(attacker):
            vault.mint(shares, [MAX] * 3, attacker)
        assert nav_feed.latestAnswer() <= before
        with boa.env.prank(attacker):
            vault.redeem(shares, [0] * 3, attacker)
        assert nav_feed.latestAnswer() <= before
    if fees[2] == 0:
        assert nav_feed.latestAnswer() == before  # units per share never move
    else:
        assert nav_feed.latestAnswer() < before  # the streaming fee only lowers them


# --- the rise bound ---------------------------------------------------------------


def test_rise_bound__caps_a_jump_and_lets_a_fall_through(index, create_nav_feed):
    vault, oracle, feeds = index
    bounded = create_nav_feed(oracle, 1_000)  # 10 % a day
    start = bounded.getRoundData(1)[1]
    boa.env.time_travel(seconds=DAY // 2)
    for feed in feeds:
        feed.set_answer(feed.answer() * 2)  # every price doubles
    assert bounded.latestAnswer() == start + start * 1_000 * (DAY // 2) // (10_000 * DAY)
    assert bounded.latestAnswer() < _expected(oracle, vault)
    bounded.poke()  # records the capped answer: the bound starts from it
    capped = bounded.getAnswer(2)
    boa.env.time_travel(seconds=DAY)
    for feed in feeds:
        feed.set_answer(feed.answer() // 4)  # and halve from the start
    assert bounded.latestAnswer() == _expected(oracle, vault) < capped


def test_rise_bound__adversarial_pokes_do_not_outrun_it(index, create_nav_feed, attacker):
    """Pokes every block compound the bound at most per poke: over a day at
    10 % a day, below e**0.1 (1.10517) of the start."""
    vault, oracle, feeds = index
    bounded = create_nav_feed(oracle, 1_000)
    start = bounded.getAnswer(1)
    for feed in feeds:
        feed.set_answer(feed.answer() * 3)
    for _ in range(24):
        boa.env.time_travel(seconds=3_600)
        for feed in feeds:
            feed.set_answer(feed.answer())
        with boa.env.prank(attacker):
            bounded.poke()
    assert start * 1.10 < bounded.latestAnswer() < start * 1.10517


@pytest.mark.parametrize(
    "args, reason",
    [((1_000,), "navfeed: no NAV to start the bound from"), ((100_001,), "navfeed: rise bound too high")],
)
def test_deploy__bad_bound__reverts(create_oracle, vault, args, reason):
    with boa.reverts(reason):
        deployer("NavFeed.vy").deploy(create_oracle(vault).address, *args)


def test_deploy__not_an_index_adapter__reverts(vault):
    implementation = deployer("OracleAdapter.vy").deploy(ZERO_ADDRESS, ZERO_ADDRESS)
    with boa.reverts("navfeed: not an index's adapter"):
        deployer("NavFeed.vy").deploy(implementation.address, 0)
    with boa.reverts("navfeed: adapter has no code"):
        deployer("NavFeed.vy").deploy(boa.env.generate_address("nobody"), 0)


# --- the 8-decimal conversion and the bound against the Python reference ----------


# Each example runs in its own anchor, so the fixture's chain is the same for all.
@settings(max_examples=sized(20, 40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    price=st.integers(min_value=1, max_value=10**16),
    fee=st.integers(min_value=0, max_value=WAD // 100),
    rise=st.integers(min_value=0, max_value=100_000),
    elapsed=st.integers(min_value=0, max_value=30 * DAY),
    moved=st.integers(min_value=1, max_value=10**16),
)
def test_answer__matches_the_reference(index, create_nav_feed, admin, price, fee, rise, elapsed, moved):
    vault, oracle, feeds = index
    with boa.env.anchor():
        feeds[1].set_answer(price)
        with boa.env.prank(admin):
            vault.set_fees(0, fee, 0)
        bounded = create_nav_feed(oracle, rise)
        last = bounded.getAnswer(1)
        assert last == feed_answer(oracle.nav_per_share(), fee)
        boa.env.time_travel(seconds=elapsed)
        for feed in feeds:
            feed.set_answer(moved if feed == feeds[1] else feed.answer())
        assert bounded.latestAnswer() == feed_live_answer(oracle.nav_per_share(), fee, last, rise, elapsed)


# --- the real consumer: Aave V3's AaveOracle -----------------------------------------


@pytest.fixture
def create_aave_oracle():
    """Deploys Aave V3's AaveOracle (published bytecode) pricing `asset` from
    `source`, in USD with 8 decimals as Aave's markets, no fallback oracle."""
    if not AAVE_ORACLE.exists():
        pytest.skip(f"@aave/core-v3@1.19.3 is not installed ({AAVE_ORACLE} missing): npm install")
    artifact = json.loads(AAVE_ORACLE.read_text())

    def create(asset, source):
        provider = boa.env.generate_address("aave addresses provider")  # the constructor only stores it
        args = encode(
            ["address", "address[]", "address[]", "address", "address", "uint256"],
            [provider, [asset], [source], ZERO_ADDRESS, ZERO_ADDRESS, 10**8],
        )
        address, _ = boa.env.deploy_code(bytecode=bytes.fromhex(artifact["bytecode"][2:]) + args)
        return boa.loads_abi(json.dumps(artifact["abi"]), name="AaveOracle").at(address)

    return create


def test_aave_oracle__prices_the_index_from_the_feed(index, nav_feed, create_aave_oracle):
    vault, oracle, feeds = index
    aave = create_aave_oracle(vault.address, nav_feed.address)
    assert aave.getSourceOfAsset(vault.address) == nav_feed.address
    assert aave.BASE_CURRENCY_UNIT() == 10**8
    assert aave.getAssetPrice(vault.address) == nav_feed.latestAnswer() == _expected(oracle, vault)
    feeds[1].set_answer(feeds[1].answer() // 2)  # a crash in component 1
    assert aave.getAssetPrice(vault.address) == _expected(oracle, vault)


def test_aave_oracle__the_adapter_as_source__reverts(index, create_aave_oracle):
    """The gap the issue names: the adapter's own feed has no latestAnswer()
    (and 18 decimals), so Aave cannot read it; the NavFeed fills it."""
    vault, oracle, _ = index
    aave = create_aave_oracle(vault.address, oracle.address)
    selector = bytes.fromhex("b3596f07")  # getAssetPrice(address)
    # It fails with no reason at all: the adapter has no latestAnswer().
    with pytest.raises(Revert) as failed:
        boa.env.raw_call(aave.address, data=selector + encode(["address"], [vault.address]))
    assert failed.value.args == (b"",)


def test_aave_oracle__component_stale__reads_the_carried_answer(index, nav_feed, create_aave_oracle):
    """AaveOracle checks no staleness: it reads the carried (last recorded)
    answer, as it would a Chainlink feed whose rounds stopped; a keeper
    pokes at least once per heartbeat so that answer is recent."""
    vault, _, _ = index
    aave = create_aave_oracle(vault.address, nav_feed.address)
    boa.env.time_travel(seconds=3_601)
    assert aave.getAssetPrice(vault.address) == nav_feed.getAnswer(1)
