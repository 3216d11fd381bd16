"""What moving a TWAP costs on the real pool, against the closed form the benchmark's table
(`python -m benchmarks oracles`, SECURITY.md) quotes: one block needs the spot moved
(1 + m)^(window / 12), a whole window only 1 + m."""

from __future__ import annotations

import math
from fractions import Fraction

import boa
import pytest

from indexvault import amm
from indexvault.model import WAD
from tests.contracts.oracle.conftest import WINDOW

BLOCK = 12


@pytest.mark.parametrize("blocks", [1, WINDOW // BLOCK])
def test_manipulation__two_percent__costs_the_closed_form(pool, twap, usdc_feed, trader, blocks):
    fair = Fraction(twap.latestRoundData()[1], WAD)
    ticks = math.ceil(math.log(1.02) / math.log(1.0001)) * (WINDOW // BLOCK) // blocks + 1
    up = 1 if pool.asset_is_token0 else -1
    usdc_before, uni_before = pool.quote.balanceOf(trader), pool.asset.balanceOf(trader)
    pool.move_to_tick(trader, pool.tick + up * ticks)
    paid = Fraction(usdc_before - pool.quote.balanceOf(trader), 10**6)
    bought = Fraction(pool.asset.balanceOf(trader) - uni_before, WAD)
    boa.env.time_travel(seconds=blocks * BLOCK)
    usdc_feed.set_answer(10**8)
    moved = Fraction(twap.latestRoundData()[1], WAD) / fair - 1
    assert Fraction(2, 100) <= moved < Fraction(21, 1000)
    # The pool holds 1M USD a side at the fair price: the loss when arbitrage takes it back.
    cost = float(paid - bought * fair)
    expected = amm.manipulation_cost_usd(1_000_000, 1.0001**ticks)
    assert abs(cost - expected) < expected / 1_000
    assert cost > (1_000_000 if blocks == 1 else 100)
