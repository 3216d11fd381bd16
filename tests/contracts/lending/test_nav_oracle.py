"""MorphoNavOracle: Morpho's IOracle over the index's NavFeed and the loan token's USD feed.
Each claim of its docstring and of SECURITY.md's "Borrowing against the index" has a test here;
the last ones run the real Morpho Blue against it."""

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexvault.lending import model
from tests.utils import sized
from tests.utils.boa_env import WAD, ZERO_ADDRESS, deployer
from tests.utils.morpho import deploy_morpho, market_params

MAX = 2**256 - 1
DAY = 86_400
HEARTBEAT = DAY
USDC_ANSWER = 99_990_000  # 0.9999 USD
COMPONENT_ANSWERS = (1_00012345, 60_000_12345678, 3_000_50000000)
LLTV = 77 * 10**16
STALE_NAV = "navoracle: stale nav"


@pytest.fixture(scope="module")
def index(vault, depositor, tokens, create_feed, create_oracle, admin):
    """The vault minted, priced by its adapter, with its NavFeed."""
    with boa.env.prank(depositor):
        vault.mint(100 * WAD, [MAX] * 3, depositor)
    feeds = [create_feed(answer) for answer in COMPONENT_ANSWERS]
    adapter = create_oracle(vault)
    with boa.env.prank(admin):
        for token, feed in zip(tokens, feeds):
            adapter.set_feed(token.address, feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    nav_feed = deployer("NavFeed.vy").deploy(adapter.address, 0)
    return vault, nav_feed, feeds


@pytest.fixture(scope="module")
def usdc(create_token):
    return create_token(6, symbol="USDC")


@pytest.fixture(scope="module")
def usdc_feed(create_feed):
    return create_feed(USDC_ANSWER, description="USDC / USD")


def deploy_oracle(nav_feed, usdc_feed, vault, usdc, nav_max_age=HEARTBEAT, loan_max_age=HEARTBEAT):
    loan_feed = usdc_feed.address if usdc_feed is not None else ZERO_ADDRESS
    return deployer("periphery/MorphoNavOracle.vy").deploy(
        nav_feed.address, nav_max_age, loan_feed, loan_max_age, vault.address, usdc.address
    )


@pytest.fixture(scope="module")
def oracle(index, usdc_feed, usdc):
    vault, nav_feed, _ = index
    return deploy_oracle(nav_feed, usdc_feed, vault, usdc)


# --- the price ----------------------------------------------------------------------


def test_price__nav_over_the_loan_tokens_price__as_the_model(index, oracle, usdc_feed, usdc):
    vault, nav_feed, _ = index
    nav = nav_feed.latestAnswer()
    assert oracle.scale_factor() == 10**24  # 36 + 6 + 8 - 8 - 18
    assert oracle.price() == model.oracle_price(nav, 8, 18, 6, USDC_ANSWER, 8)
    # What Morpho reads for 10 whole index tokens: their NAV in USDC base units, at 0.9999 USD a USDC.
    in_usdc = 10 * WAD * oracle.price() // model.ORACLE_PRICE_SCALE
    assert in_usdc == 10 * nav * 10**6 * 10**8 // (10**8 * USDC_ANSWER)


def test_price__no_loan_feed__loan_token_at_one_usd(index, usdc):
    vault, nav_feed, _ = index
    oracle = deploy_oracle(nav_feed, None, vault, usdc, loan_max_age=0)
    assert oracle.scale_factor() == 10**16
    assert oracle.price() == nav_feed.latestAnswer() * 10**16 == model.oracle_price(nav_feed.latestAnswer(), 8, 18, 6)


def test_price__loan_token_depegs__collateral_worth_more_of_it(index, oracle, usdc_feed):
    _, nav_feed, _ = index
    before = oracle.price()
    usdc_feed.set_answer(90_000_000)  # 0.90 USD
    after, nav = oracle.price(), nav_feed.latestAnswer()
    assert after == nav * 10**24 // 90_000_000
    # The same USD value, now in more (cheaper) USDC: 0.9999 / 0.90 = 1.111 times the price.
    assert nav * 10**16 - 1 <= after * 90_000_000 // 10**8 <= nav * 10**16
    assert after * 10_000 // before == 11_110


@settings(max_examples=sized(12, 25), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    nav=st.integers(1, 2**128 - 1),
    loan=st.integers(1, 2**128 - 1),
    decimals=st.sampled_from([(18, 6, 8), (18, 18, 8), (18, 6, 18), (6, 6, 8), (18, 8, 6)]),
)
def test_price__any_answers__matches_the_model(create_feed, create_token, nav, loan, decimals):
    collateral_decimals, loan_decimals, loan_feed_decimals = decimals
    nav_feed = create_feed(nav)
    loan_feed = create_feed(loan, decimals=loan_feed_decimals)
    collateral, loan_token = create_token(collateral_decimals), create_token(loan_decimals)
    oracle = deploy_oracle(nav_feed, loan_feed, collateral, loan_token)
    assert oracle.price() == model.oracle_price(nav, 8, collateral_decimals, loan_decimals, loan, loan_feed_decimals)


# --- refusals -----------------------------------------------------------------------


def test_price__nav_older_than_max_age__reverts_stale(index, oracle, usdc_feed):
    _, _, feeds = index
    oldest = min(f.updated_at() for f in feeds)
    boa.env.time_travel(seconds=oldest + HEARTBEAT - boa.env.timestamp)
    usdc_feed.set_answer(USDC_ANSWER)
    assert oracle.price() > 0  # at the max age exactly: accepted
    boa.env.time_travel(seconds=1)
    with boa.reverts(STALE_NAV):
        oracle.price()


def test_price__component_unpriceable__carried_answer_bites_once_old(index, oracle, usdc_feed):
    """A component feed stops: the NavFeed carries its last recorded round, and the oracle
    refuses it once its updatedAt is older than the max age (not at once: Morpho keeps running
    on the last answer for up to the max age). `last_price` answers throughout: the price at the
    carried answer and the time `price()` began refusing it (what LeveragedIndex's unwind reads)."""
    _, nav_feed, feeds = index
    nav_feed.poke()
    carried = nav_feed.latestAnswer()
    stale_since = nav_feed.latestRoundData()[3] + HEARTBEAT
    assert oracle.last_price() == (oracle.price(), stale_since)
    boa.env.time_travel(seconds=HEARTBEAT // 2)
    for feed in feeds[1:]:
        feed.set_answer(feed.answer())
    usdc_feed.set_answer(USDC_ANSWER)
    feeds[0].set_answer(-1)  # the adapter refuses it: the NAV cannot be priced
    assert nav_feed.latestAnswer() == carried
    assert oracle.price() == carried * 10**24 // USDC_ANSWER
    boa.env.time_travel(seconds=HEARTBEAT // 2 + 1)
    usdc_feed.set_answer(USDC_ANSWER)
    with boa.reverts(STALE_NAV):
        oracle.price()
    assert oracle.last_price() == (carried * 10**24 // USDC_ANSWER, stale_since) and boa.env.timestamp > stale_since


def test_price__loan_feed_stale__reverts(index, oracle, usdc_feed):
    boa.env.time_travel(seconds=HEARTBEAT + 1)
    for feed in index[2]:
        feed.set_answer(feed.answer())  # the NAV is fresh: the loan token's price is what is stale
    with boa.reverts("navoracle: stale loan price"):
        oracle.price()


@pytest.mark.parametrize("answer", [0, -1])
def test_price__nav_not_positive__reverts(create_feed, create_token, usdc_feed, answer):
    oracle = deploy_oracle(create_feed(answer), usdc_feed, create_token(18), create_token(6))
    with boa.reverts("navoracle: nav not positive"):
        oracle.price()


@pytest.mark.parametrize("answer", [0, -1])
def test_price__loan_price_not_positive__reverts(index, oracle, usdc_feed, answer):
    usdc_feed.set_answer(answer)
    with boa.reverts("navoracle: loan price not positive"):
        oracle.price()


@pytest.mark.parametrize(
    ("nav_max_age", "loan_max_age", "loan_feed", "reason"),
    [
        (0, DAY, True, "navoracle: max age out of range"),
        (7 * DAY + 1, DAY, True, "navoracle: max age out of range"),
        (DAY, 0, True, "navoracle: max age out of range"),
        (DAY, DAY, False, "navoracle: max age without a loan feed"),
    ],
)
def test_deploy__bad_max_age__reverts(index, usdc_feed, usdc, nav_max_age, loan_max_age, loan_feed, reason):
    vault, nav_feed, _ = index
    with boa.reverts(reason):
        deploy_oracle(nav_feed, usdc_feed if loan_feed else None, vault, usdc, nav_max_age, loan_max_age)


def test_deploy__feed_without_code__reverts(index, usdc_feed, usdc):
    vault, _, _ = index
    with boa.reverts("navoracle: nav feed has no code"):
        deployer("periphery/MorphoNavOracle.vy").deploy(
            boa.env.generate_address(), DAY, usdc_feed.address, DAY, vault.address, usdc.address
        )


def test_deploy__decimals_out_of_range__reverts(index, usdc_feed, create_token):
    """A 6-decimal loan token against a 36-decimal collateral would need a negative scale."""
    _, nav_feed, _ = index
    with boa.reverts("navoracle: decimals out of range"):
        deploy_oracle(nav_feed, None, create_token(36), create_token(6), loan_max_age=0)


# --- on the real Morpho Blue ---------------------------------------------------------


@pytest.fixture
def morpho_market(index, oracle, usdc, depositor, admin):
    """Morpho Blue with the index/USDC market at 77 %, 100k USDC supplied, and the depositor
    borrowing 60 % of what the collateral allows against one index token (about 94k USD)."""
    vault = index[0]
    morpho = deploy_morpho(admin)
    params = market_params(usdc.address, vault.address, oracle.address, LLTV)
    morpho.createMarket(params)
    lender = boa.env.generate_address("lender")
    usdc.mint(lender, 100_000 * 10**6)
    with boa.env.prank(lender):
        usdc.approve(morpho.address, MAX)
        morpho.supply(params, 100_000 * 10**6, 0, lender, b"")
    with boa.env.prank(depositor):
        vault.approve(morpho.address, MAX)
        usdc.approve(morpho.address, MAX)
        morpho.supplyCollateral(params, WAD, depositor, b"")
        borrow = model.max_borrow(WAD, oracle.price(), LLTV) * 6 // 10
        morpho.borrow(params, borrow, 0, depositor, depositor)
    assert usdc.balanceOf(depositor) == borrow
    return morpho, params


def test_morpho__oracle_stale__borrow_withdraw_and_liquidate_stop_repay_and_supply_go_on(
    morpho_market, index, usdc, usdc_feed, depositor
):
    """The trade-off SECURITY.md states: a reverting oracle freezes the market's risk-taking
    and its liquidations alike, while positions can still be made safer."""
    morpho, params = morpho_market
    vault = index[0]
    boa.env.time_travel(seconds=HEARTBEAT + 1)
    usdc_feed.set_answer(USDC_ANSWER)  # the loan feed is fresh: the NAV is what is stale
    liquidator = boa.env.generate_address("liquidator")
    with boa.env.prank(depositor):
        with boa.reverts(STALE_NAV):
            morpho.borrow(params, 1, 0, depositor, depositor)
        with boa.reverts(STALE_NAV):
            morpho.withdrawCollateral(params, 1, depositor, depositor)
        morpho.repay(params, 10**6, 0, depositor, b"")
        morpho.supplyCollateral(params, WAD, depositor, b"")
    with boa.env.prank(liquidator), boa.reverts(STALE_NAV):
        morpho.liquidate(params, depositor, 1, 0, b"")
    assert vault.balanceOf(morpho.address) == 2 * WAD
