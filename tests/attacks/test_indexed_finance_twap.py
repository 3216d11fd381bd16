"""The Indexed Finance attack (October 2021, about 16M USD from DEFI5 and CC10) replayed against a
TWAP-priced index: the book, the index and what is measured are `benchmarks/indexed_finance.py`'s
(its docstring tells the incident and the book; `python -m benchmarks oracles` records the numbers).

Indexed lost because it valued a token from state the attacker moved inside one transaction (the
pool's own balance). A 30-minute TWAP does not move inside one transaction at all, so every path
that reads the price (the auction's bid, the NavFeed a Morpho lender credits) prices at the price
before and the attacker pays the pool's fees for nothing; mint and redeem in kind read no price.
Against a feed reading the pool's price now the same book pays. Held across blocks, the TWAP moves
by the spot's move to the power held/window: the holders lose that move on the auction's lot, and
the attacker's fees still exceed what it takes."""

from __future__ import annotations

from fractions import Fraction

import boa
import pytest

from benchmarks import indexed_finance as book
from tests.utils import WAD
from tests.utils.boa_env import deployer

HELD = 5  # blocks the multi-block attacker holds each move (a minute)


@pytest.fixture(scope="module")
def env():
    return book.build(deployer)


def test_indexed_finance__one_transaction__twap_priced__attacker_poorer_holders_and_lender_whole(env):
    """The flash-loan book in one transaction: every path prices at the TWAP before, unmoved."""
    out = book.replay(env, dump=True, pump=True, held=0)
    assert out.factor == WAD  # the bid at par: the auction pays a fair bidder nothing
    # Neither the dump nor the pump moved the price a path read, to the wei.
    assert out.price_dumped == out.price_pumped == out.fair
    # The auction sold at the price before (rounded for the vault); Morpho lent 77 % of the
    # collateral's worth: nothing to take from either.
    assert -1 < out.auction_gain <= 0
    assert not out.defaulted and out.loan <= out.collateral_value * Fraction(book.LLTV, WAD) + 1
    # Mint and redeem in kind read no price: back what was paid, but for rounding in the vault's favour.
    paid, redeemed = out.in_kind
    assert all(0 <= p - r <= 1 for p, r in zip(paid, redeemed))
    # The attacker paid the pool's fees on its round trips (about 2.2M USD traded), for nothing.
    assert out.pool_fees > 5_000
    assert abs(out.pnl - (out.auction_gain - out.pool_fees)) < Fraction(1, 100)
    assert out.pnl < -5_000
    assert out.holders_loss <= 0  # the honest holder's shares are worth no less


def test_indexed_finance__one_transaction__spot_priced__the_same_book_pays(env):
    """The control: the same book against a feed reading the pool's price now takes the auction's
    UNI at half price and a loan worth more than its collateral. The TWAP is what protects."""
    book.use_spot_feed(env)
    out = book.replay(env, dump=True, pump=True, held=0)
    assert abs(Fraction(out.price_dumped, out.fair) - book.DUMP) < Fraction(1, 10_000)
    assert abs(Fraction(out.price_pumped, out.fair) - book.PUMP) < Fraction(1, 10_000)
    # The auction's 5,000 UNI (40k USD) for 20k USD: the holders lose exactly what the bid took.
    assert 19_990 < out.auction_gain < 20_010
    assert abs(out.holders_loss - out.auction_gain) < 1
    # The NavFeed priced the collateral at 2x its worth (UNI, a third of it, at 4x): 77 % of that
    # is 54 % more than the collateral is worth, the lender's loss.
    assert out.defaulted and out.lender_gain > out.collateral_value / 2
    assert abs(out.pnl - (out.auction_gain + out.lender_gain - out.pool_fees)) < 1
    assert out.pnl > 50_000


def test_indexed_finance__held_blocks__twap_moves_its_share__attacker_still_poorer(env):
    """Across blocks: the dump held a minute (five blocks nobody else trades in) moves the 30-minute
    TWAP by 0.5^(60/1800), 2.3 %; the auction then sells that much below the price before, which
    the holders lose and the attacker gains, but the round trip's fees cost it more. The pump held
    likewise moves the NAV under 3 %, far from the 30 % a 77 % LLTV needs to pay."""
    down = book.replay(env, dump=True, pump=False, held=HELD)
    assert down.factor == WAD
    moved = Fraction(down.price_dumped, down.fair)
    expected = Fraction(float(book.DUMP) ** (HELD * book.BLOCK / book.WINDOW))
    assert abs(moved - expected) < Fraction(1, 1_000)
    lot_value = Fraction(5_000 * down.fair, WAD)  # the 5,000 UNI the auction sells
    assert abs(down.auction_gain - lot_value * (1 - moved)) < 1
    # The holders lose what the bid gained, bounded by the lot times the TWAP's move: the spot's
    # move to the power held/window, give or take the mean tick's rounding (two ticks, 0.02 %).
    assert abs(down.holders_loss - down.auction_gain) < 1
    assert 0 < down.holders_loss <= lot_value * (1 - expected / Fraction(10_002, 10_000))
    assert down.pool_fees > 2 * down.auction_gain
    assert down.pnl < -1_000

    boa.env.time_travel(seconds=book.WINDOW)  # the dump out of the window before the pump
    up = book.replay(env, dump=False, pump=True, held=HELD)
    assert 1 < Fraction(up.price_pumped, up.fair) < Fraction(105, 100)  # 4^(60/1800) = 1.047
    assert not up.defaulted and up.loan < up.collateral_value * Fraction(80, 100)
    assert up.pnl < -3_000
