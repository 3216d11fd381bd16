"""TwapFeed on a real Uniswap V3 pool: the mean tick and the price against the Python twin
(`indexvault.amm`) to the base unit, and every refusal by its reason."""

from __future__ import annotations

from fractions import Fraction

import boa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from benchmarks import v3_pool as v3
from indexvault import amm
from tests.contracts.oracle.conftest import QUOTE_HEARTBEAT, USDC_USD, WINDOW
from tests.utils import sized
from tests.utils.boa_env import deployer

EIP170 = 24_576


def expected_answer(pool, tick: int, quote_answer: int = USDC_USD, feed_decimals: int = 8) -> int:
    return amm.twap_usd(
        tick, pool.asset.decimals(), pool.quote.decimals(), pool.asset_is_token0, quote_answer, feed_decimals
    )


# --- the price -----------------------------------------------------------------


def test_twap__quiet_pool__is_the_pool_price(pool, twap):
    """No trade in the window: the mean tick is the pool's tick, the answer its price in USD."""
    mean_tick, liquidity = twap.consult()
    assert mean_tick == pool.tick
    assert liquidity == pool.contract.liquidity()
    round_id, answer, started_at, updated_at, answered_in_round = twap.latestRoundData()
    assert answer == expected_answer(pool, pool.tick)
    assert abs(answer - 8 * 10**18) < 8 * 10**18 // 1_000  # within a tick (1 bp) of the 8 USD set
    # Updated when the pool last wrote an observation: the liquidity added a window ago.
    assert updated_at == started_at == pool.ticks[-1][0] == boa.env.timestamp - WINDOW
    assert (round_id, answered_in_round) == (1, 1)
    assert twap.decimals() == 18


def test_twap__after_swaps__matches_the_reference_to_the_base_unit(pool, twap, trader):
    """Three moves inside the window, one of them negative for the mean's rounding: the
    pool's cumulatives give the mean tick the recorded ticks give, and the price follows."""
    start = pool.tick
    for offset, wait in ((700, 300), (-450, 500), (-1_333, 401)):
        pool.move_to_tick(trader, start + offset)
        boa.env.time_travel(seconds=wait)
    mean_tick = pool.reference_mean_tick(WINDOW)
    assert twap.consult()[0] == mean_tick
    assert mean_tick not in (start, pool.tick)
    answer = twap.latestRoundData()[1]
    assert answer == expected_answer(pool, mean_tick)
    exact = amm.twap_usd_exact(mean_tick, 18, 6, pool.asset_is_token0, USDC_USD, 8)
    assert 0 <= exact - answer < 2  # two floors, each under one unit here
    assert twap.latestRoundData()[3] == pool.ticks[-1][0]  # the last swap's observation


def test_twap__quote_priced_by_its_feed(pool, twap, usdc_feed):
    """A depegged USDC (0.87) prices the asset 13 % lower: the depeg is not carried in."""
    usdc_feed.set_answer(87_000_000)
    tick = twap.consult()[0]
    assert twap.latestRoundData()[1] == expected_answer(pool, tick, 87_000_000)


def test_twap__one_block_spike__moves_the_mean_by_its_share(pool, twap, trader):
    """A move held for 12 s of a 30 min window moves the mean tick by 12/1800 of the move."""
    start = pool.tick
    pool.move_to_tick(trader, start + 6_000)
    boa.env.time_travel(seconds=12)
    pool.move_to_tick(trader, start)
    assert twap.consult()[0] == start + 6_000 * 12 // WINDOW == pool.reference_mean_tick(WINDOW)


# Each example deploys a pool (about 0.3 s): no shrinking, which would take minutes.
@settings(
    max_examples=sized(12, 25),
    deadline=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    tick=st.integers(-887_000, 887_000),  # inside the full-range position
    window=st.integers(60, 7 * 86_400),
    decimals=st.sampled_from([(18, 6), (6, 18), (8, 18), (18, 18), (0, 36)]),
)
def test_twap__any_tick_and_window__matches_the_reference(uniswap, usdc_feed, tick, window, decimals):
    """A pool initialized at any tick and left for the window: the feed prices that tick as
    the reference does, for any window and decimals on either side (and either token order)."""
    with boa.env.anchor():
        asset, quote = v3.create_token("A", decimals[0]), v3.create_token("Q", decimals[1])
        pool = v3.create_pool(uniswap, asset, quote, tick=tick)
        assert pool.tick == tick  # TickMath's inverse gives the tick back: the port is exact there
        feed = v3.create_twap_feed(pool, usdc_feed, window)
        boa.env.time_travel(seconds=window)
        assert feed.consult()[0] == tick
        # No liquidity: the harmonic mean is 0, below any minimum.
        with boa.reverts("twap: thin pool"):
            feed.latestRoundData()
        quote_per_whole = amm.quote_at_tick(tick, 10 ** (decimals[0] + 18), pool.asset_is_token0)
        if quote_per_whole * USDC_USD < 2**255 * 10 ** (decimals[1] + 8):
            probe = v3.create_twap_feed(pool, usdc_feed, window, min_liquidity=1)
            pool.fund(boa.env.eoa)
            pool.add_full_range(boa.env.eoa, 10**24)
            boa.env.time_travel(seconds=window)
            usdc_feed.set_answer(USDC_USD)  # fresh whatever the window
            assert probe.latestRoundData()[1] == expected_answer(pool, tick)


# --- refusals, by reason ---------------------------------------------------------


def test_twap__window_longer_than_history__not_observed(uniswap, usdc, usdc_feed, lp):
    """A pool younger than the window (observe reverts "OLD"), then one whose single
    observation a swap overwrote (cardinality 1)."""
    pool = v3.create_pool(uniswap, v3.create_token("NEW", 18), usdc, Fraction(2))
    twap = v3.create_twap_feed(pool, usdc_feed, WINDOW)
    boa.env.time_travel(seconds=WINDOW - 1)
    with boa.reverts("twap: window not observed"):
        twap.latestRoundData()
    boa.env.time_travel(seconds=1)
    assert twap.consult()[0] == pool.tick
    pool.fund(lp)
    pool.add_liquidity(lp, 10**24, 2 * 10**12)  # in range: writes the one observation again
    with boa.reverts("twap: window not observed"):
        twap.consult()


def test_twap__thin_pool(pool, usdc_feed):
    liquidity = pool.contract.liquidity()
    enough = v3.create_twap_feed(pool, usdc_feed, WINDOW, min_liquidity=liquidity)
    assert enough.latestRoundData()[1] > 0
    thin = v3.create_twap_feed(pool, usdc_feed, WINDOW, min_liquidity=liquidity + 1)
    with boa.reverts("twap: thin pool"):
        thin.latestRoundData()


@pytest.mark.parametrize("mode", [0, 1, 2])
def test_twap__quote_feed_failed(pool, mode):
    broken = deployer("mocks/BrokenFeed.vy").deploy()
    broken.set_mode(mode)
    twap = v3.create_twap_feed(pool, broken, WINDOW)
    with boa.reverts("twap: quote feed failed"):
        twap.latestRoundData()


@pytest.mark.parametrize("answer", [0, -1])
def test_twap__bad_quote_price(twap, usdc_feed, answer):
    usdc_feed.set_answer(answer)
    with boa.reverts("twap: bad quote price"):
        twap.latestRoundData()


@pytest.mark.parametrize("updated_at, answered_in_round", [(0, 5), (None, 4)])
def test_twap__incomplete_quote_round(twap, usdc_feed, updated_at, answered_in_round):
    now = boa.env.timestamp
    usdc_feed.set_round(5, USDC_USD, now, now if updated_at is None else updated_at, answered_in_round)
    with boa.reverts("twap: incomplete quote round"):
        twap.latestRoundData()


def test_twap__stale_quote_price(twap, usdc_feed):
    usdc_feed.set_answer(USDC_USD)
    boa.env.time_travel(seconds=QUOTE_HEARTBEAT)
    assert twap.latestRoundData()[1] > 0  # at the heartbeat: still fresh
    boa.env.time_travel(seconds=1)
    with boa.reverts("twap: stale quote price"):
        twap.latestRoundData()
    now = boa.env.timestamp
    usdc_feed.set_round(9, USDC_USD, now, now + 1, 9)  # from the future
    with boa.reverts("twap: stale quote price"):
        twap.latestRoundData()


def test_twap__price_too_large(uniswap, lp):
    """An answer from 2^255 up cannot be an int256 (a quote feed of 0 decimals answering ~6e58)."""
    asset, quote = v3.create_token("A", 18), v3.create_token("Q", 18)
    pool = v3.create_pool(uniswap, asset, quote, tick=0)
    pool.fund(lp)
    pool.add_liquidity(lp, 10**24, 10**24)
    boa.env.time_travel(seconds=WINDOW)
    per_whole = amm.quote_at_tick(0, 10**36, pool.asset_is_token0)  # 1e36: one quote per asset
    fits = (2**255 - 1) * 10**18 // per_whole
    feed = v3.create_feed(fits, decimals=0)
    twap = v3.create_twap_feed(pool, feed, WINDOW)
    assert twap.latestRoundData()[1] == expected_answer(pool, 0, fits, 0) <= 2**255 - 1
    feed.set_answer(fits + 1)
    with boa.reverts("twap: price too large"):
        twap.latestRoundData()


# --- deployment checks ----------------------------------------------------------------


def _deploy(pool, asset, window=WINDOW, min_liquidity=1, quote_feed=None, heartbeat=QUOTE_HEARTBEAT, address=None):
    return deployer("TwapFeed.vy").deploy(
        address or pool.contract.address, asset, window, min_liquidity, quote_feed, heartbeat, "TWAP"
    )


def test_twap__deployment__records_its_listing(pool, twap, usdc_feed):
    assert (twap.pool(), twap.asset(), twap.quote()) == (
        pool.contract.address,
        pool.asset.address,
        pool.quote.address,
    )
    assert (twap.window(), twap.min_liquidity(), twap.quote_feed(), twap.quote_heartbeat()) == (
        WINDOW,
        1,
        usdc_feed.address,
        QUOTE_HEARTBEAT,
    )


@pytest.mark.parametrize(
    "change, reason",
    [
        ({"address": "0x000000000000000000000000000000000000dEaD"}, "twap: pool has no code"),
        ({"asset": "other"}, "twap: asset not in pool"),
        ({"window": 59}, "twap: bad window"),
        ({"window": 7 * 86_400 + 1}, "twap: bad window"),
        ({"min_liquidity": 0}, "twap: zero min liquidity"),
        ({"quote_feed": "0x000000000000000000000000000000000000dEaD"}, "twap: feed has no code"),
        ({"heartbeat": 0}, "twap: bad heartbeat"),
    ],
)
def test_twap__deployment__refused(pool, usdc_feed, change, reason):
    args = {"asset": pool.asset.address, "quote_feed": usdc_feed.address, **change}
    if args["asset"] == "other":
        args["asset"] = v3.create_token("X", 18).address
    with boa.reverts(reason):
        _deploy(pool, **args)


@pytest.mark.parametrize("which", ["asset", "quote", "feed"])
def test_twap__deployment__bad_decimals(uniswap, which):
    asset = v3.create_token("A", 37 if which == "asset" else 18)
    quote = v3.create_token("Q", 37 if which == "quote" else 6)
    pool = v3.create_pool(uniswap, asset, quote, tick=0)
    feed = v3.create_feed(10**8, decimals=37 if which == "feed" else 8)
    with boa.reverts("twap: bad decimals"):
        _deploy(pool, asset.address, quote_feed=feed.address)


def test_twap__code_size():
    """A feed of its own beside the adapter, far under EIP-170 (the adapter is unchanged)."""
    size = len(deployer("TwapFeed.vy").compiler_data.bytecode_runtime)
    assert size < EIP170 // 4
