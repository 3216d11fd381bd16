"""OracleAdapter: checked Chainlink prices, the vault's NAV, and the adapter
as an AggregatorV3 feed of NAV per share."""

import boa
import pytest

from indexvault.model import WAD, YEAR, amount_out, preview_accrual
from tests.utils import ADMIN_ROLE, MAX, MISSING_ROLE
from tests.utils.boa_env import ZERO_ADDRESS, deployer, events
from tests.utils.oracle import hex_address, normalise, usd_value

MASK40 = 2**40 - 1

# One feed per component of the (6, 8, 18) basket: answer, feed decimals, heartbeat.
FEEDS = [
    (1_00012345, 8, 86_400),  # a stablecoin, $1.00012345
    (60_000_12345678, 8, 3_600),  # $60,000.12345678
    (3_000_500000000000000001, 18, 600),  # $3,000.500000000000000001
]
HEARTBEATS = [h for _, _, h in FEEDS]
PRICES = [normalise(answer, decimals) for answer, decimals, _ in FEEDS]
DECIMALS = [6, 8, 18]
MINTED = 250 * WAD + 7


def _reason(kind: str, token) -> str:
    return f"oracle: {kind} for {hex_address(token.address)}"


@pytest.fixture
def minted(vault, depositor):
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
    return vault


@pytest.fixture
def feeds(create_feed):
    return [create_feed(answer, decimals) for answer, decimals, _ in FEEDS]


@pytest.fixture
def oracle(create_oracle, minted, tokens, feeds, admin):
    """An adapter pricing every component from one feed each."""
    oracle = create_oracle(minted)
    with boa.env.prank(admin):
        for token, feed, heartbeat in zip(tokens, feeds, HEARTBEATS):
            oracle.set_feed(token.address, feed.address, heartbeat, ZERO_ADDRESS, 0, 0)
    return oracle


@pytest.fixture
def checked(oracle, tokens, create_feed, admin):
    """The adapter with component 1 also checked against an 18-decimal
    secondary feed: primary heartbeat 3,600 s, secondary 86,400 s, 2 %."""
    primary = create_feed(100 * 10**8, 8)
    secondary = create_feed(100 * WAD, 18)
    with boa.env.prank(admin):
        oracle.set_feed(tokens[1].address, primary.address, 3_600, secondary.address, 86_400, 200)
    return oracle, primary, secondary


# --- price normalisation -------------------------------------------------------


@pytest.mark.parametrize("token_decimals", [6, 8, 18])
@pytest.mark.parametrize(
    "feed_decimals, answer",
    [(8, 1234_567890_12), (18, 12345_678901234567890123), (20, 12345_67890123456789012345)],
)
def test_price__normalised_to_1e18_per_whole_token(
    create_token,
    create_vault,
    create_feed,
    create_oracle,
    fund,
    admin,
    depositor,
    token_decimals,
    feed_decimals,
    answer,
):
    token = create_token(token_decimals)
    unit = 3 * 10**token_decimals // 2 + 7
    vault = create_vault([token], [unit])
    fund(vault, [token], depositor)
    with boa.env.prank(depositor):
        vault.mint(10 * WAD + 1, [MAX], depositor)
    feed = create_feed(answer, feed_decimals)
    oracle = create_oracle(vault)
    with boa.env.prank(admin):
        oracle.set_feed(token.address, feed.address, 3_600, ZERO_ADDRESS, 0, 0)
    price = normalise(answer, feed_decimals)

    assert oracle.price(token.address) == price
    assert oracle.feed(token.address).token_decimals == token_decimals
    assert oracle.nav() == usd_value([amount_out(10 * WAD + 1, unit, WAD)], [price], [token_decimals])
    assert oracle.nav_per_share() == unit * price // 10**token_decimals


def test_price__every_component(oracle, tokens):
    assert [oracle.price(t.address) for t in tokens] == PRICES


# --- staleness ------------------------------------------------------------------


@pytest.mark.parametrize("index", [0, 1, 2])
def test_price__at_the_heartbeat__succeeds_and_past_it__reverts(oracle, tokens, index):
    boa.env.time_travel(seconds=HEARTBEATS[index])
    assert oracle.price(tokens[index].address) == PRICES[index]
    boa.env.time_travel(seconds=1)
    with boa.reverts(_reason("stale price", tokens[index])):
        oracle.price(tokens[index].address)


def test_price__each_feed_its_own_heartbeat(oracle, tokens, feeds):
    # 601 s is stale for the 600 s feed and fresh for the others.
    boa.env.time_travel(seconds=601)
    assert oracle.price(tokens[0].address) == PRICES[0]
    assert oracle.price(tokens[1].address) == PRICES[1]
    with boa.reverts(_reason("stale price", tokens[2])):
        oracle.price(tokens[2].address)
    feeds[2].set_answer(FEEDS[2][0])
    assert oracle.price(tokens[2].address) == PRICES[2]


def test_price__stale_secondary__reverts(checked, tokens):
    oracle, primary, _ = checked
    boa.env.time_travel(seconds=86_400)
    primary.set_answer(100 * 10**8)
    assert oracle.price(tokens[1].address) == 100 * WAD
    boa.env.time_travel(seconds=1)
    primary.set_answer(100 * 10**8)
    with boa.reverts(_reason("stale price", tokens[1])):
        oracle.price(tokens[1].address)


def test_price__stale_primary_with_fresh_secondary__reverts(checked, tokens):
    oracle, _, secondary = checked
    boa.env.time_travel(seconds=3_601)
    secondary.set_answer(100 * WAD)
    with boa.reverts(_reason("stale price", tokens[1])):
        oracle.price(tokens[1].address)


@pytest.mark.parametrize("ahead", [1, 3_600])
def test_price__updated_in_the_future__reverts(oracle, tokens, feeds, ahead):
    now = boa.env.timestamp
    feeds[0].set_round(9, FEEDS[0][0], now, now + ahead, 9)
    with boa.reverts(_reason("stale price", tokens[0])):
        oracle.price(tokens[0].address)


# --- bad answers and incomplete rounds -------------------------------------------


@pytest.mark.parametrize("answer", [0, -1, -(10**8)])
def test_price__answer_not_positive__reverts(oracle, tokens, feeds, answer):
    feeds[1].set_answer(answer)
    with boa.reverts(_reason("bad price", tokens[1])):
        oracle.price(tokens[1].address)


@pytest.mark.parametrize("answer", [0, -1])
def test_price__secondary_answer_not_positive__reverts(checked, tokens, answer):
    oracle, _, secondary = checked
    secondary.set_answer(answer)
    with boa.reverts(_reason("bad price", tokens[1])):
        oracle.price(tokens[1].address)


def test_price__answered_in_an_earlier_round__reverts(oracle, tokens, feeds):
    now = boa.env.timestamp
    feeds[2].set_round(5, FEEDS[2][0], now, now, 4)
    with boa.reverts(_reason("incomplete round", tokens[2])):
        oracle.price(tokens[2].address)


def test_price__answered_in_the_round__succeeds(oracle, tokens, feeds):
    now = boa.env.timestamp
    feeds[2].set_round(5, FEEDS[2][0], now, now, 5)
    assert oracle.price(tokens[2].address) == PRICES[2]


def test_price__never_updated__reverts(oracle, tokens, feeds):
    feeds[0].set_round(5, FEEDS[0][0], 0, 0, 5)
    with boa.reverts(_reason("incomplete round", tokens[0])):
        oracle.price(tokens[0].address)


def test_price__secondary_incomplete_round__reverts(checked, tokens):
    oracle, _, secondary = checked
    now = boa.env.timestamp
    secondary.set_round(3, 100 * WAD, now, now, 2)
    with boa.reverts(_reason("incomplete round", tokens[1])):
        oracle.price(tokens[1].address)


# --- deviation between primary and secondary ----------------------------------------


def _lowest_within(price: int, bps: int) -> int:
    # The lowest secondary with (price - s) * 10_000 <= s * bps.
    return -(-price * 10_000 // (10_000 + bps))


@pytest.mark.parametrize(
    "secondary_price, ok",
    [
        (100 * WAD, True),
        (102 * WAD, True),  # exactly 2 % above
        (102 * WAD + 1, False),
        (_lowest_within(100 * WAD, 200), True),  # exactly 2 % of itself below
        (_lowest_within(100 * WAD, 200) - 1, False),
    ],
)
def test_price__secondary_deviation(checked, tokens, secondary_price, ok):
    oracle, _, secondary = checked
    secondary.set_answer(secondary_price)
    if ok:
        # The primary's answer is the price.
        assert oracle.price(tokens[1].address) == 100 * WAD
    else:
        with boa.reverts(_reason("feeds disagree", tokens[1])):
            oracle.price(tokens[1].address)


def test_price__secondary_higher_decimals_compared_after_normalising(checked, tokens, admin, create_feed):
    oracle, primary, _ = checked
    # The same $100 in 20 decimals agrees; read raw it would be 1e12 times off.
    secondary = create_feed(100 * 10**20, 20)
    with boa.env.prank(admin):
        oracle.set_feed(tokens[1].address, primary.address, 3_600, secondary.address, 3_600, 1)
    assert oracle.price(tokens[1].address) == 100 * WAD


# --- missing feed -------------------------------------------------------------------


def test_price__no_feed__reverts(create_oracle, minted, tokens):
    oracle = create_oracle(minted)
    for token in tokens:
        with boa.reverts(_reason("no feed", token)):
            oracle.price(token.address)


def test_nav__a_component_without_feed__reverts_naming_it(oracle, tokens, admin):
    with boa.env.prank(admin):
        oracle.remove_feed(tokens[1].address)
    with boa.reverts(_reason("no feed", tokens[1])):
        oracle.nav()
    with boa.reverts(_reason("no feed", tokens[1])):
        oracle.nav_per_share()
    with boa.reverts(_reason("no feed", tokens[1])):
        oracle.latestRoundData()


def test_nav__a_stale_component__reverts_naming_it(oracle, tokens):
    boa.env.time_travel(seconds=601)
    for read in (oracle.nav, oracle.nav_per_share, oracle.latestRoundData):
        with boa.reverts(_reason("stale price", tokens[2])):
            read()


# --- set_feed and remove_feed -----------------------------------------------------------


def test_set_feed__stores_and_emits(create_oracle, minted, tokens, feeds, create_feed, admin):
    oracle = create_oracle(minted)
    secondary = create_feed(60_000 * WAD, 18)
    with boa.env.prank(admin):
        oracle.set_feed(tokens[1].address, feeds[1].address, 3_600, secondary.address, 7_200, 150)

    (event,) = events(oracle, "FeedSet")
    assert (
        event.asset,
        event.primary,
        event.primary_heartbeat,
        event.secondary,
        event.secondary_heartbeat,
        event.max_deviation_bps,
    ) == (tokens[1].address, feeds[1].address, 3_600, secondary.address, 7_200, 150)
    assert tuple(oracle.feed(tokens[1].address)) == (feeds[1].address, 3_600, secondary.address, 7_200, 150, 8)


def test_set_feed__without_secondary__ignores_its_settings(create_oracle, minted, tokens, feeds, admin):
    oracle = create_oracle(minted)
    with boa.env.prank(admin):
        oracle.set_feed(tokens[2].address, feeds[2].address, MASK40, ZERO_ADDRESS, 5, 5)
    (event,) = events(oracle, "FeedSet")
    assert (event.secondary, event.secondary_heartbeat, event.max_deviation_bps) == (ZERO_ADDRESS, 0, 0)
    assert tuple(oracle.feed(tokens[2].address)) == (feeds[2].address, MASK40, ZERO_ADDRESS, 0, 0, 18)


def test_set_feed__replaces_the_previous_feed(checked, tokens, feeds, admin):
    oracle, _, _ = checked
    with boa.env.prank(admin):
        oracle.set_feed(tokens[1].address, feeds[1].address, 3_600, ZERO_ADDRESS, 0, 0)
    assert tuple(oracle.feed(tokens[1].address)) == (feeds[1].address, 3_600, ZERO_ADDRESS, 0, 0, 8)
    assert oracle.price(tokens[1].address) == PRICES[1]


@pytest.mark.parametrize("actor", ["manager", "guardian", "fee_recipient", "depositor", "attacker"])
def test_set_feed__not_admin__reverts(create_oracle, minted, tokens, feeds, actors, actor):
    oracle = create_oracle(minted)
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        oracle.set_feed(tokens[0].address, feeds[0].address, 3_600, ZERO_ADDRESS, 0, 0)
    assert oracle.feed(tokens[0].address).primary == ZERO_ADDRESS


@pytest.mark.parametrize("actor", ["manager", "guardian", "fee_recipient", "depositor", "attacker"])
def test_remove_feed__not_admin__reverts(oracle, tokens, actors, actor):
    with boa.env.prank(actors[actor]), boa.reverts(MISSING_ROLE):
        oracle.remove_feed(tokens[0].address)
    assert oracle.price(tokens[0].address) == PRICES[0]


def test_remove_feed__clears_and_emits(oracle, tokens, admin):
    with boa.env.prank(admin):
        oracle.remove_feed(tokens[0].address)
    (event,) = events(oracle, "FeedRemoved")
    assert event.asset == tokens[0].address
    assert tuple(oracle.feed(tokens[0].address)) == (ZERO_ADDRESS, 0, ZERO_ADDRESS, 0, 0, 0)
    with boa.reverts(_reason("no feed", tokens[0])):
        oracle.price(tokens[0].address)


def test_set_feed__zero_asset__reverts(oracle, feeds, admin):
    with boa.env.prank(admin), boa.reverts("oracle: zero asset"):
        oracle.set_feed(ZERO_ADDRESS, feeds[0].address, 3_600, ZERO_ADDRESS, 0, 0)


def test_set_feed__zero_feed__reverts(oracle, tokens, admin):
    with boa.env.prank(admin), boa.reverts("oracle: zero feed"):
        oracle.set_feed(tokens[0].address, ZERO_ADDRESS, 3_600, ZERO_ADDRESS, 0, 0)


@pytest.mark.parametrize("heartbeat", [0, MASK40 + 1])
def test_set_feed__bad_primary_heartbeat__reverts(oracle, tokens, feeds, admin, heartbeat):
    with boa.env.prank(admin), boa.reverts("oracle: bad heartbeat"):
        oracle.set_feed(tokens[0].address, feeds[0].address, heartbeat, ZERO_ADDRESS, 0, 0)


@pytest.mark.parametrize("heartbeat", [0, MASK40 + 1])
def test_set_feed__bad_secondary_heartbeat__reverts(oracle, tokens, feeds, admin, heartbeat):
    with boa.env.prank(admin), boa.reverts("oracle: bad heartbeat"):
        oracle.set_feed(tokens[0].address, feeds[0].address, 3_600, feeds[1].address, heartbeat, 100)


@pytest.mark.parametrize("bps", [0, 10_001])
def test_set_feed__bad_deviation__reverts(oracle, tokens, feeds, admin, bps):
    with boa.env.prank(admin), boa.reverts("oracle: bad deviation"):
        oracle.set_feed(tokens[0].address, feeds[0].address, 3_600, feeds[1].address, 3_600, bps)


def test_constructor__deployer_other_than_admin__loses_admin(minted, admin, depositor):
    with boa.env.prank(depositor):
        oracle = deployer("OracleAdapter.vy").deploy(minted.address, admin)
    assert oracle.hasRole(ADMIN_ROLE, admin) is True
    assert oracle.hasRole(ADMIN_ROLE, depositor) is False
    assert oracle.vault() == minted.address


def test_constructor__zero_admin__reverts(minted, admin):
    with boa.env.prank(admin), boa.reverts("oracle: zero admin"):
        deployer("OracleAdapter.vy").deploy(minted.address, ZERO_ADDRESS)


def test_set_feed__secondary_is_the_primary__reverts(oracle, tokens, feeds, admin):
    with boa.env.prank(admin), boa.reverts("oracle: secondary is the primary"):
        oracle.set_feed(tokens[0].address, feeds[0].address, 3_600, feeds[0].address, 3_600, 100)


@pytest.mark.parametrize("which", ["primary", "secondary"])
def test_set_feed__feed_decimals_above_36__reverts(oracle, tokens, feeds, create_feed, admin, which):
    wide = create_feed(10**40, 37)
    primary, secondary = (wide, feeds[0]) if which == "primary" else (feeds[0], wide)
    with boa.env.prank(admin), boa.reverts("oracle: bad decimals"):
        oracle.set_feed(tokens[0].address, primary.address, 3_600, secondary.address, 3_600, 100)


def test_set_feed__token_decimals_above_36__reverts(oracle, feeds, create_token, admin):
    token = create_token(37)
    with boa.env.prank(admin), boa.reverts("oracle: bad decimals"):
        oracle.set_feed(token.address, feeds[0].address, 3_600, ZERO_ADDRESS, 0, 0)


def test_price__positive_answer_that_scales_to_zero__reverts(oracle, tokens, create_feed, admin):
    # 5e8 at 27 decimals is 5e-19 USD: below 1e-18, so no price at all.
    tiny = create_feed(5 * 10**8, 27)
    with boa.env.prank(admin):
        oracle.set_feed(tokens[0].address, tiny.address, 3_600, ZERO_ADDRESS, 0, 0)
    with boa.reverts(_reason("bad price", tokens[0])):
        oracle.price(tokens[0].address)


# --- NAV ---------------------------------------------------------------------------


def test_nav__values_the_backing(oracle, units):
    backing = [amount_out(MINTED, u, WAD) for u in units]
    assert oracle.nav() == usd_value(backing, PRICES, DECIMALS)
    # About $94,502 a share: 1.5 each of $1, $60,000.12 and $3,000.5 tokens.
    assert 94_502 * 250 * WAD < oracle.nav() < 94_503 * 251 * WAD


def test_nav_per_share__values_one_whole_share(oracle, units):
    assert oracle.nav_per_share() == usd_value([amount_out(WAD, u, WAD) for u in units], PRICES, DECIMALS)


def test_nav__with_fees_and_pending_accrual(oracle, minted, feeds, units, admin, depositor):
    with boa.env.prank(admin):
        minted.set_fees(WAD // 100, 0, WAD // 20)
    with boa.env.prank(depositor):
        minted.mint(10 * WAD, [MAX] * 3, depositor)
    supply = MINTED + 10 * WAD + WAD // 10
    boa.env.time_travel(seconds=YEAR // 4)
    for feed, (answer, _, _) in zip(feeds, FEEDS):
        feed.set_answer(answer)
    _, multiplier = preview_accrual(supply, WAD, WAD // 20, YEAR // 4)

    # NAV values what the vault holds for all shares: pending accrual moves
    # nothing out. NAV per share counts the dilution still to be minted.
    assert oracle.nav() == usd_value([amount_out(supply, u, WAD) for u in units], PRICES, DECIMALS)
    assert oracle.nav_per_share() == usd_value([amount_out(WAD, u, multiplier) for u in units], PRICES, DECIMALS)


def test_nav__follows_the_prices(oracle, feeds, units):
    feeds[1].set_answer(30_000 * 10**8)
    prices = [PRICES[0], 30_000 * WAD, PRICES[2]]
    assert oracle.nav() == usd_value([amount_out(MINTED, u, WAD) for u in units], prices, DECIMALS)


# --- the adapter as an AggregatorV3 feed ---------------------------------------------------


def test_feed_metadata(oracle):
    assert oracle.decimals() == 18
    assert oracle.description() == "TIDX / USD NAV per share"
    assert oracle.version() == 1


def test_latest_round_data__nav_per_share_at_the_oldest_update(oracle, feeds, units):
    start = boa.env.timestamp
    boa.env.time_travel(seconds=100)
    feeds[0].set_answer(FEEDS[0][0])
    feeds[2].set_answer(FEEDS[2][0])
    boa.env.time_travel(seconds=50)
    feeds[1].set_answer(FEEDS[1][0])

    round_id, answer, started_at, updated_at, answered_in_round = oracle.latestRoundData()

    assert answer == oracle.nav_per_share()
    assert answer == usd_value([amount_out(WAD, u, WAD) for u in units], PRICES, DECIMALS)
    assert (round_id, answered_in_round) == (1, 1)
    assert started_at == updated_at == start + 100


def test_latest_round_data__counts_the_secondarys_update_time(checked, tokens, feeds):
    oracle, primary, secondary = checked
    posted = boa.env.timestamp
    boa.env.time_travel(seconds=500)
    for feed, (answer, _, _) in zip(feeds, FEEDS):
        feed.set_answer(answer)
    primary.set_answer(100 * 10**8)
    _, _, _, updated_at, _ = oracle.latestRoundData()
    # The secondary was last updated at `posted`; it is the oldest price.
    assert updated_at == posted
