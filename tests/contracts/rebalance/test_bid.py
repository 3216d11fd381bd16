"""Rebalancer.bid paying from an approved keeper: the price curve and its
band, the oracle read at the bid's block, partial fills, units against the
reference model, and what a rebalance does to the basket."""

from fractions import Fraction

import boa
import pytest

from indexvault import auction_model
from indexvault.model import WAD, preview_accrual
from tests.utils import BTC, MAX
from tests.utils.boa_env import ZERO_ADDRESS, events
from tests.utils.oracle import hex_address
from tests.utils.rebalance import (
    DURATION,
    HEARTBEAT,
    WBTC_TARGET,
    WETH_TARGET,
    expected_bid,
    refresh,
    to_start,
    unit_of,
)


def _step(env) -> int:
    """Base units per unit step now (supply after accrual), rounded up: the
    Rebalancer trades whole steps, so a bid is within one step of its ask
    and the quote within one step of the naive price."""
    _, supply, multiplier = env.vault.trade_basis(env.quote.address)
    return -(-supply * multiplier // 10**36)


def _near(env, expected, naive_per_unit) -> None:
    """The quote is the naive price of what was traded, rounded to a whole
    quote step in the vault's favour."""
    naive = expected.take * naive_per_unit
    step = _step(env)
    if expected.sell:
        assert naive <= expected.quote_amount < naive + step + 1
    else:
        assert naive - step - 1 < expected.quote_amount <= naive


def _bid(env, keeper, token, amount, limit=None):
    """Keeper bids; checks the quote paid and the units against the model."""
    expected = expected_bid(env, token, amount)
    if limit is None:
        limit = MAX if expected.sell else 0
    quote_before = env.quote.balanceOf(keeper)
    token_before = token.balanceOf(keeper)
    with boa.env.prank(keeper):
        paid = env.rebalancer.bid(token.address, amount, limit, keeper)
    assert paid == expected.quote_amount
    sign = 1 if expected.sell else -1
    assert env.quote.balanceOf(keeper) == quote_before - sign * expected.quote_amount
    assert token.balanceOf(keeper) == token_before + sign * expected.take
    assert unit_of(env.vault, token) == expected.unit
    assert unit_of(env.vault, env.quote) == expected.quote_unit
    return expected


@pytest.mark.parametrize(
    ("elapsed", "factor"),
    [(0, WAD + 5 * 10**16), (DURATION // 2, WAD), (DURATION // 4, WAD + 25 * 10**15), (DURATION, WAD - 5 * 10**16)],
)
def test_bid__along_the_curve__price_is_oracle_times_factor(started, keeper, elapsed, factor):
    boa.env.time_travel(seconds=elapsed)
    refresh(started)
    assert started.rebalancer.factor() == factor
    amount = BTC // 100  # 0.01 WBTC
    expected = _bid(started, keeper, started.wbtc, amount)
    # About 0.01 BTC (whole unit steps) at 100,000 USD, in USDC (6 decimals), times the factor.
    assert amount - _step(started) < expected.take <= amount
    _near(started, expected, Fraction(1_000 * factor, WAD))
    (traded,) = events(started.rebalancer, "Traded")
    assert (traded.token_out, traded.token_in, traded.amount_out, traded.amount_in) == (
        started.wbtc.address,
        started.quote.address,
        expected.take,
        expected.quote_amount,
    )
    (bid,) = events(started.rebalancer, "Bid")
    assert (bid.sell, bid.amount, bid.quote_amount, bid.factor) == (True, expected.take, expected.quote_amount, factor)


def test_bid__past_expiry__reverts(started, keeper):
    boa.env.time_travel(seconds=DURATION + 1)
    refresh(started)
    with boa.env.prank(keeper), boa.reverts("rebalancer: rebalance expired"):
        started.rebalancer.bid(started.wbtc.address, 1, MAX, keeper)
    assert not started.rebalancer.is_open()


def test_bid__price_read_at_the_bids_block(started, keeper):
    started.feeds["wbtc"].set_answer(90_000 * 10**8)  # same block as the bid
    expected = _bid(started, keeper, started.wbtc, BTC // 100)
    _near(started, expected, Fraction(900 * 105, 100))


@pytest.mark.parametrize(
    ("elapsed", "factor"), [(0, WAD + 5 * 10**16), (DURATION, WAD - 5 * 10**16), (DURATION // 4, WAD + 5 * 10**16)]
)
def test_bid__curve_beyond_band__factor_clamped(env, propose, keeper, elapsed, factor):
    # 1.20 -> 0.80 over the auction; the band (±5 %) clamps both ends, and a
    # quarter in (1.10) is still clamped to 1.05.
    propose({env.wbtc: WBTC_TARGET}, start_factor=12 * WAD // 10, end_factor=8 * WAD // 10)
    to_start(env)
    boa.env.time_travel(seconds=elapsed)
    refresh(env)
    assert env.rebalancer.factor() == factor
    expected = _bid(env, keeper, env.wbtc, BTC // 100)
    _near(env, expected, Fraction(1_000 * factor, WAD))


def test_bid__vault_buys__pays_price_times_two_minus_factor(started, keeper):
    # At the start the vault buys WETH 5 % below the oracle: 1 WETH for 3,800 USDC.
    expected = _bid(started, keeper, started.weth, WAD)
    assert not expected.sell
    _near(started, expected, Fraction(3_800 * 10**6, WAD))
    boa.env.time_travel(seconds=DURATION)
    refresh(started)
    expected = _bid(started, keeper, started.weth, WAD)
    _near(started, expected, Fraction(4_200 * 10**6, WAD))


def test_bid__price_limit__reverts(started, keeper):
    quote = started.rebalancer.preview_bid(started.wbtc.address, BTC // 100)[2]
    with boa.env.prank(keeper), boa.reverts("rebalancer: price above limit"):
        started.rebalancer.bid(started.wbtc.address, BTC // 100, quote - 1, keeper)
    quote = started.rebalancer.preview_bid(started.weth.address, WAD)[2]
    with boa.env.prank(keeper), boa.reverts("rebalancer: price below limit"):
        started.rebalancer.bid(started.weth.address, WAD, quote + 1, keeper)


def test_bid__not_listed_or_zero__reverts(started, keeper):
    with boa.env.prank(keeper), boa.reverts("rebalancer: not in rebalance"):
        started.rebalancer.bid(started.quote.address, 1, MAX, keeper)
    with boa.env.prank(keeper), boa.reverts("rebalancer: zero amount"):
        started.rebalancer.bid(started.wbtc.address, 0, MAX, keeper)


def test_bid__stale_oracle__bid_reverts_with_its_reason_redeem_works(started, keeper, depositor):
    boa.env.time_travel(seconds=DURATION // 2)
    refresh(started)
    # WBTC's feed stops: its last round is now one second past its heartbeat.
    last = boa.env.timestamp - HEARTBEAT - 1
    started.feeds["wbtc"].set_round(7, 100_000 * 10**8, last, last, 7)
    with boa.env.prank(keeper), boa.reverts(f"oracle: stale price for {hex_address(started.wbtc.address)}"):
        started.rebalancer.bid(started.wbtc.address, BTC // 100, MAX, keeper)
    started.feeds["weth"].set_round(9, 0, 0, boa.env.timestamp, 9)  # a failing (zero) price
    with boa.env.prank(keeper), boa.reverts(f"oracle: bad price for {hex_address(started.weth.address)}"):
        started.rebalancer.bid(started.weth.address, WAD, 0, keeper)

    expected = started.vault.amounts_for_redeem(WAD)
    before = [t.balanceOf(depositor) for t in (started.usdc, started.wbtc, started.weth)]
    with boa.env.prank(depositor):
        started.vault.redeem(WAD, expected, depositor)
    after = [t.balanceOf(depositor) for t in (started.usdc, started.wbtc, started.weth)]
    assert [a - b for a, b in zip(after, before)] == expected


def test_bid__partial_then_the_rest__target_met_exactly(started, keeper):
    sell, left = started.rebalancer.remaining(started.wbtc.address)
    unit, supply, multiplier = started.vault.trade_basis(started.wbtc.address)
    assert (sell, left) == auction_model.remaining(unit, WBTC_TARGET, supply, multiplier)
    first = _bid(started, keeper, started.wbtc, left // 3)
    assert started.rebalancer.remaining(started.wbtc.address)[1] > 0
    boa.env.time_travel(seconds=60)
    refresh(started)
    rest = _bid(started, keeper, started.wbtc, MAX)  # takes at most what remains
    assert first.take + rest.take <= left  # the streaming fee shrank what remained
    assert unit_of(started.vault, started.wbtc) == WBTC_TARGET
    assert started.rebalancer.remaining(started.wbtc.address) == (False, 0)
    with boa.env.prank(keeper), boa.reverts("rebalancer: target met"):
        started.rebalancer.bid(started.wbtc.address, 1, MAX, keeper)


def test_bid__buy_to_target__met_exactly_then_no_new_proposal_wait(started, propose, keeper):
    _bid(started, keeper, started.wbtc, MAX)
    _bid(started, keeper, started.weth, MAX)
    assert unit_of(started.vault, started.weth) == WETH_TARGET
    assert unit_of(started.vault, started.wbtc) == WBTC_TARGET
    # Every target met: the rebalance is over before it expires.
    assert not started.rebalancer.is_open()
    propose({started.weth: WETH_TARGET - 1})
    assert started.rebalancer.proposal_id() == 2


def test_bid__buy_without_enough_quote__reverts(env, propose, keeper):
    propose({env.weth: 10**20})  # 200x the WETH, far more than the USDC buys
    to_start(env)
    with boa.env.prank(keeper), boa.reverts("rebalancer: not enough quote"):
        env.rebalancer.bid(env.weth.address, MAX, 0, keeper)


def test_rebalance__remove_and_add_components(env, propose, admin, keeper):
    with boa.env.prank(admin):
        env.oracle.set_feed(env.link.address, env.feeds["link"].address, 3_600, ZERO_ADDRESS, 0, 0)
    propose({env.wbtc: 0, env.link: 50 * WAD})
    to_start(env)
    _bid(env, keeper, env.wbtc, MAX)
    # WBTC left the basket but keeps its slot (unit 0): indices never shift.
    assert env.vault.components() == [env.usdc.address, env.wbtc.address, env.weth.address]
    assert env.vault.position(1) == (env.wbtc.address, 0)
    _bid(env, keeper, env.link, MAX)
    assert env.vault.components() == [env.usdc.address, env.wbtc.address, env.weth.address, env.link.address]
    assert unit_of(env.vault, env.link) == 50 * WAD
    assert env.vault.component_count() == 4
    assert env.vault.backing()[1] == 0
    # The vault holds at least what its units promise, for every component.
    for token, owed in zip((env.usdc, env.wbtc, env.weth, env.link), env.vault.backing()):
        assert token.balanceOf(env.vault.address) >= owed


def test_rebalance__claims_never_auctioned(env, propose, depositor, keeper):
    env.wbtc.set_frozen(True)
    with boa.env.prank(depositor):
        env.vault.redeem(10 * WAD, [0, 0, 0], depositor, 2)  # skip WBTC: a claim
    claim = env.vault.claims(env.wbtc.address, depositor)
    assert claim > 0
    env.wbtc.set_frozen(False)
    propose({env.wbtc: 0})
    to_start(env)
    _bid(env, keeper, env.wbtc, MAX)
    assert env.vault.position(1) == (env.wbtc.address, 0)  # left the basket, slot kept
    assert env.wbtc.balanceOf(env.vault.address) >= claim
    with boa.env.prank(depositor):
        assert env.vault.withdraw_claim(env.wbtc.address, depositor) == claim


def test_rebalance__fees_keep_accruing(started, keeper, fee_recipient):
    multiplier, supply = started.vault.multiplier(), started.vault.totalSupply()
    last = started.vault.last_fee_accrual()
    _bid(started, keeper, started.wbtc, BTC // 100)
    new_supply, new_multiplier = preview_accrual(
        supply, multiplier, started.vault.streaming_fee(), boa.env.timestamp - last
    )
    assert started.vault.multiplier() == new_multiplier < multiplier
    assert started.vault.totalSupply() == new_supply
    assert started.vault.balanceOf(fee_recipient) == new_supply - supply
    assert started.vault.last_fee_accrual() == boa.env.timestamp


def test_trade__not_rebalancer__reverts(env, attacker):
    with boa.env.prank(attacker), boa.reverts("access_control: account is missing role"):
        env.vault.trade(env.wbtc.address, 1, 0, env.usdc.address, 0, 0, attacker, attacker, b"")
