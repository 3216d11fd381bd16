"""IndexFactory.list_twap (issue 19): anyone lists a long-tail asset priced by a Uniswap V3
pool's TWAP, and the factory allows the feed only if it passes the rule SECURITY.md derives
("TWAP-priced assets"): a genuine pool of its Uniswap V3 factory, an allowed quote feed, a
window of at least 30 minutes, a feed that answers, and `min_liquidity` holding at least the
rule's depth in USD a side. On real pools (the npm bytecode, `benchmarks.v3_pool`)."""

from __future__ import annotations

import json
from fractions import Fraction

import boa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from benchmarks import ROOT
from benchmarks import v3_pool as v3
from indexvault import amm
from indexvault.launch import TWAP_DEPTH_PER_EXPOSURE, TWAP_MIN_DEPTH_USD, TWAP_MIN_WINDOW
from tests.utils import sized
from tests.utils.boa_env import WAD, ZERO_ADDRESS, deployer, events
from tests.utils.factory import HEARTBEAT, MAX_HEARTBEAT, NO_TWAP, IndexParams, at, deploy_factory

USDC_USD = 10**8
WINDOW = TWAP_MIN_WINDOW


@pytest.fixture(scope="module")
def uniswap():
    return v3.deploy_uniswap()


@pytest.fixture(scope="module")
def usdc():
    return v3.create_token("USDC", 6)


@pytest.fixture(scope="module")
def usdc_feed():
    return v3.create_feed(USDC_USD)


@pytest.fixture(scope="module")
def rule(uniswap):
    """The local market's rule (indexvault.launch): 30 min, 75,000 USD a side, 0.075 per USD exposed."""
    blueprint = deployer("TwapFeed.vy").deploy_as_blueprint().address
    return (blueprint, uniswap.factory.address, TWAP_MIN_WINDOW, TWAP_MIN_DEPTH_USD, TWAP_DEPTH_PER_EXPOSURE)


@pytest.fixture(scope="module")
def twap_factory(implementations, governance, usdc, usdc_feed, rule):
    return deploy_factory(
        implementations, governance.address, allowed_feeds=[(usdc.address, usdc_feed.address)], twap_rule=rule
    )


@pytest.fixture(scope="module")
def lister():
    """Whoever lists: anyone, no role."""
    return boa.env.generate_address("lister")


def _pool(uniswap, usdc, symbol: str, price: int, usd_a_side: int, cardinality: int = 200):
    """ASSET/USDC at `price` USD, `usd_a_side` USD a side in full range, a window ago."""
    asset = v3.create_token(symbol, 18)
    pool = v3.create_pool(uniswap, asset, usdc, Fraction(price), cardinality=cardinality)
    lp = boa.env.generate_address("lp")
    pool.fund(lp)
    pool.add_liquidity(lp, usd_a_side * 10**18 // price, usd_a_side * 10**6)
    return pool


@pytest.fixture(scope="module")
def pools(uniswap, usdc):
    """A deep pool (UNI at 8 USD, 1M USD a side) and a thin one (THIN at 2 USD, 50,000 USD a
    side, under the rule's 75,000), both observed for a window."""
    deep = _pool(uniswap, usdc, "UNI", 8, 1_000_000)
    thin = _pool(uniswap, usdc, "THIN", 2, 50_000)
    boa.env.time_travel(seconds=WINDOW)
    return deep, thin


def _list(factory, pool, lister, quote_feed, min_liquidity=None, window=WINDOW, heartbeat=HEARTBEAT, asset=None):
    with boa.env.prank(lister):
        return factory.list_twap(
            asset or pool.asset.address,
            pool.contract.address,
            window,
            pool.contract.liquidity() if min_liquidity is None else min_liquidity,
            quote_feed.address,
            heartbeat,
        )


def test_local_rule__is_the_measured_listing_rule():
    """The local market's numbers (indexvault.launch) are oracles.json's `listing_rule`: its
    window, its USD a side per USD exposed (one block, ten times the gain), and a minimum depth
    covering a million USD of exposure."""
    rule = json.loads((ROOT / "benchmarks/results/oracles.json").read_text())["listing_rule"]
    assert TWAP_MIN_WINDOW == rule["window_s"] == 1_800
    per_exposure = rule["one_block"]["min_pool_usd_a_side_per_exposure_usd"]
    assert TWAP_DEPTH_PER_EXPOSURE == round(per_exposure * 10**18) == 75 * 10**15
    measured = rule["one_block"]["min_pool_usd_a_side"] / rule["exposure_usd"]  # before rounding up
    assert measured <= per_exposure
    assert TWAP_MIN_DEPTH_USD * 10**18 // TWAP_DEPTH_PER_EXPOSURE == 1_000_000


# --- a listing that passes ---------------------------------------------------------


def test_list_twap__deep_pool__feed_deployed_allowed_and_its_cover_recorded(
    twap_factory, pools, usdc, usdc_feed, lister
):
    """Anyone lists UNI on its 1M USD a side pool: the factory deploys the TwapFeed asked for,
    allows it for UNI, and records the depth (the pool's USDC side: 1M USD, to the rounding)
    and the exposure it covers, depth / 0.075 = 13.3M USD."""
    deep, _ = pools
    liquidity = deep.contract.liquidity()
    feed_address = _list(twap_factory, deep, lister, usdc_feed)
    gas = twap_factory._computation.get_gas_used()
    [listed] = events(twap_factory, "TwapListed")
    feed = deployer("TwapFeed.vy").at(feed_address)
    assert (feed.pool(), feed.asset(), feed.quote()) == (deep.contract.address, deep.asset.address, usdc.address)
    assert (feed.window(), feed.min_liquidity(), feed.quote_feed(), feed.quote_heartbeat()) == (
        WINDOW,
        liquidity,
        usdc_feed.address,
        HEARTBEAT,
    )
    assert twap_factory.feed_allowed(deep.asset.address, feed_address)
    answer = feed.latestRoundData()[1]
    assert abs(answer - 8 * WAD) < 8 * WAD // 1_000
    depth = amm.twap_depth_usd(liquidity, answer, 18, USDC_USD, 6, 8)
    assert (listed.asset, listed.feed, listed.pool) == (deep.asset.address, feed_address, deep.contract.address)
    assert (listed.window, listed.min_liquidity, listed.depth) == (WINDOW, liquidity, depth)
    # The pool holds only this full-range liquidity: its USDC is the quote side, 1M USD.
    quote_side = usdc.balanceOf(deep.contract.address) * 10**12
    assert abs(depth - quote_side) < quote_side // 1_000
    assert listed.exposure == depth * WAD // TWAP_DEPTH_PER_EXPOSURE == twap_factory.twap_exposure(feed_address)
    assert 13_300_000 * WAD < listed.exposure < 13_350_000 * WAD
    assert twap_factory.twap_depth(feed_address, liquidity) == depth
    print(f"\nlist_twap gas (execution, warm): {gas:,}")
    assert gas < 2_000_000


# Each example deploys two tokens, a pool and a feed (about 0.4 s): no shrinking.
@settings(
    max_examples=sized(5, 25),
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    tick=st.integers(-300_000, 300_000),
    decimals=st.sampled_from([(18, 6), (6, 18), (8, 18), (18, 18), (24, 6), (0, 8)]),
    quote_answer=st.integers(10**6, 10**13),
    liquidity=st.integers(10**6, 10**30),
)
def test_twap_depth__any_pool__matches_the_reference(twap_factory, uniswap, tick, decimals, quote_answer, liquidity):
    """The factory's depth of any pool (either token order, any decimals, any quote price) is
    the Python reference's (`amm.twap_depth_usd`, checked against Uniswap's full-range amounts
    in tests/unit/test_twap_math.py) to the base unit."""
    with boa.env.anchor():
        asset, quote = v3.create_token("A", decimals[0]), v3.create_token("Q", decimals[1])
        quote_feed = v3.create_feed(quote_answer)
        pool = v3.create_pool(uniswap, asset, quote, tick=tick, cardinality=2)
        pool.fund(boa.env.eoa)
        pool.add_full_range(boa.env.eoa, liquidity)
        feed = v3.create_twap_feed(pool, quote_feed, WINDOW)
        boa.env.time_travel(seconds=WINDOW)
        quote_feed.set_answer(quote_answer)  # fresh
        answer = feed.latestRoundData()[1]
        expected = amm.twap_depth_usd(liquidity, answer, decimals[0], quote_answer, decimals[1], 8)
        assert twap_factory.twap_depth(feed.address, liquidity) == expected


# --- refusals, by reason -----------------------------------------------------------


def test_list_twap__thin_pool__below_rule(twap_factory, pools, usdc_feed, lister):
    """50,000 USD a side, all of it as min_liquidity: under the rule's 75,000."""
    _, thin = pools
    assert amm.twap_depth_usd(thin.contract.liquidity(), 2 * WAD, 18, USDC_USD, 6, 8) < TWAP_MIN_DEPTH_USD * WAD
    with boa.reverts("factory: twap pool below rule"):
        _list(twap_factory, thin, lister, usdc_feed)


def test_list_twap__deep_pool_small_min_liquidity__below_rule(twap_factory, pools, usdc_feed, lister):
    """A deep pool, but a min_liquidity (what the feed keeps checking) of a twentieth: 50,000
    USD a side, under the rule; the pool could be drained to that and the feed still answer."""
    deep, _ = pools
    with boa.reverts("factory: twap pool below rule"):
        _list(twap_factory, deep, lister, usdc_feed, min_liquidity=deep.contract.liquidity() // 20)


def test_list_twap__min_liquidity_above_the_pool__feed_refuses_thin(twap_factory, pools, usdc_feed, lister):
    deep, _ = pools
    with boa.reverts("twap: thin pool"):
        _list(twap_factory, deep, lister, usdc_feed, min_liquidity=deep.contract.liquidity() + 1)


def test_list_twap__pool_younger_than_the_window__not_observed(twap_factory, uniswap, usdc, usdc_feed, lister):
    young = _pool(uniswap, usdc, "NEW", 8, 1_000_000)
    with boa.reverts("twap: window not observed"):
        _list(twap_factory, young, lister, usdc_feed)


def test_list_twap__short_window__below_rule(twap_factory, pools, usdc_feed, lister):
    with boa.reverts("factory: twap window below rule"):
        _list(twap_factory, pools[0], lister, usdc_feed, window=WINDOW - 1)


def test_list_twap__long_quote_heartbeat__refused(twap_factory, pools, usdc_feed, lister):
    with boa.reverts("factory: heartbeat too long"):
        _list(twap_factory, pools[0], lister, usdc_feed, heartbeat=MAX_HEARTBEAT + 1)


def test_list_twap__asset_not_in_pool__feed_refuses(twap_factory, pools, usdc_feed, lister):
    with boa.reverts("twap: asset not in pool"):
        _list(twap_factory, pools[0], lister, usdc_feed, asset=pools[1].asset.address)


def test_list_twap__attackers_quote_feed__refused(twap_factory, pools, lister):
    """The quote's USD price is the feed's: a feed the lister posts to would price the asset
    at will, so only a feed allowed for the quote token is taken."""
    with boa.env.prank(lister):
        own_feed = v3.create_feed(100 * USDC_USD)
    with boa.reverts("factory: quote feed not allowed"):
        _list(twap_factory, pools[0], lister, own_feed)


def test_list_twap__pool_of_another_uniswap__refused(twap_factory, usdc, usdc_feed, lister):
    """The attacker's own copy of Uniswap (the same bytecode, its own factory) makes a pool of
    UNI it alone trades, as deep as the rule asks with its own funds, which it can withdraw:
    only pools of the factory's Uniswap V3 factory are listed. An address with no code too."""
    with boa.env.prank(lister):
        copy = v3.deploy_uniswap()
        fake = _pool(copy, usdc, "UNI", 8, 1_000_000)
    boa.env.time_travel(seconds=WINDOW)
    with boa.reverts("factory: pool not from uniswap"):
        _list(twap_factory, fake, lister, usdc_feed)
    with boa.env.prank(lister), boa.reverts("factory: pool not from uniswap"):
        twap_factory.list_twap(fake.asset.address, lister, WINDOW, 1, usdc_feed.address, HEARTBEAT)


def test_list_twap__factory_without_a_rule__disabled(implementations, governance, pools, usdc_feed, lister):
    factory = deploy_factory(implementations, governance.address)
    assert factory.twap_blueprint() == ZERO_ADDRESS
    with boa.reverts("factory: twap listing disabled"):
        _list(factory, pools[0], lister, usdc_feed)


@pytest.mark.parametrize(
    "bad",
    [
        lambda rule: (ZERO_ADDRESS, *rule[1:]),  # numbers without a blueprint
        lambda rule: (*rule[:2], 59, *rule[3:]),  # a window TwapFeed refuses
        lambda rule: (*rule[:3], 0, rule[4]),  # no depth
        lambda rule: (*rule[:4], 0),  # no exposure ratio
        lambda rule: (rule[0], ZERO_ADDRESS, *rule[2:]),  # no Uniswap factory
    ],
    ids=["no-blueprint", "window", "depth", "ratio", "uniswap"],
)
def test_constructor__bad_twap_rule__refused(implementations, governance, rule, bad):
    with boa.reverts("factory: bad twap rule"):
        deploy_factory(implementations, governance.address, twap_rule=bad(rule))
    assert NO_TWAP == (ZERO_ADDRESS, ZERO_ADDRESS, 0, 0, 0)


# --- the label, and an index priced by a listed feed --------------------------------------


def test_index__listed_twap_allowed__hand_made_twap_custom(
    twap_factory, governance, pools, usdc, usdc_feed, lister, creator, manager, guardian, fee_recipient, governor
):
    """An index of UNI and USDC priced by the listed TwapFeed is not custom and its adapter
    prices UNI at the TWAP; the same TwapFeed deployed by hand (same pool, window, liquidity)
    is custom, as any feed the governance has not allowed; the governance can still disallow
    a listed feed, and the index is labelled custom at once."""
    deep, _ = pools
    listed = _list(twap_factory, deep, lister, usdc_feed)
    hand_made = v3.create_twap_feed(deep, usdc_feed, WINDOW, deep.contract.liquidity(), HEARTBEAT)

    def launch(feed):
        params = IndexParams(
            tokens=[deep.asset.address, usdc.address],
            units=[WAD, 8 * 10**6],
            feeds=[(feed, HEARTBEAT, ZERO_ADDRESS, 0, 0), (usdc_feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)],
            manager=manager,
            guardian=guardian,
            fee_recipient=fee_recipient,
            governor=governor,
        )
        with boa.env.prank(creator):
            return at(twap_factory.create_index(params.as_tuple())), twap_factory.index_count() - 1

    index, index_id = launch(listed)
    assert not twap_factory.custom_feeds(index_id)
    assert index.adapter.price(deep.asset.address) == deployer("TwapFeed.vy").at(listed).latestRoundData()[1]
    _, hand_made_id = launch(hand_made.address)
    assert twap_factory.custom_feeds(hand_made_id)
    with boa.env.prank(governance.address):
        twap_factory.allow_feed(deep.asset.address, listed, False)
    assert twap_factory.custom_feeds(index_id)
