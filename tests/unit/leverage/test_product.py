"""What `ape run leverage` checks and previews (`indexvault.leverage.product`), pure: the bounds for a
market's LLTV, the requests refused before anything is sent, and previews that are the model's."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from indexvault.lending.model import Market, Position
from indexvault.leverage import model, product

WAD = 10**18
LLTV = 625 * 10**15
PRICE = 10**20  # 100 USDC an index token


def state(inverse: bool, **kw) -> product.State:
    bounds = product.default_bounds(inverse, LLTV)
    book = model.Book(inverse, Position(), Market(LLTV, 10**16, 10**22), PRICE)
    return product.State("-1x" if inverse else "2x", "IDXIX", "0x" + "11" * 20, "IDX", book, bounds, LLTV, False)


def test_default_bounds__ripcord_below_morphos_liquidation():
    long, inverse = product.default_bounds(False, LLTV), product.default_bounds(True, LLTV)
    assert (long.target, long.low, long.high, long.ripcord) == (2 * WAD, 17 * WAD // 10, 23 * WAD // 10, 25 * WAD // 10)
    assert (inverse.low, inverse.high, inverse.ripcord) == (85 * WAD // 100, 115 * WAD // 100, 135 * WAD // 100)
    # 62.5 % liquidates the 2x at 2.667x and the -1x at 1.667x.
    assert product.liquidation_leverage(False, LLTV) == 2_666_666_666_666_666_666
    assert product.liquidation_leverage(True, LLTV) == 1_666_666_666_666_666_666
    # At 38.5 % the 2x would be liquidated at 1.63x, inside its band: refused.
    with pytest.raises(ValueError, match="liquidates the 2x product at 1.63x: too close to its band"):
        product.default_bounds(False, 385 * 10**15)


@pytest.mark.parametrize("inverse", [False, True])
def test_mint_preview__the_models_mint(inverse):
    s = replace(state(inverse), liquidity=10**30)
    usdc = 5_000 * 10**6
    plan = product.check_mint(s, usdc, usdc)
    quoted = plan.index * PRICE // model.PRICE_SCALE  # the pools at the NAV
    preview = product.preview_mint(s, usdc, quoted, Decimal("0.005"))
    assert preview.result == model.mint(s.book, s.bounds, usdc, quoted)
    assert preview.min_shares == int(Decimal(preview.result.shares) * Decimal("0.995"))


def test_check_mint__refused_before_any_quote():
    s = replace(state(False), liquidity=1_000 * 10**6)
    with pytest.raises(ValueError, match="the signer holds 10 USDC, not 5,000.00"):
        product.check_mint(s, 5_000 * 10**6, 10 * 10**6)
    with pytest.raises(ValueError, match="can lend 1,000.00 USDC; this mint borrows 4,9"):
        product.check_mint(s, 5_000 * 10**6, 5_000 * 10**6)
    with pytest.raises(ValueError, match="refuses the index's NAV \\(stale\\)"):
        product.check_mint(replace(s, stale=True), 5_000 * 10**6, 5_000 * 10**6)


def test_check_redeem__dust_and_balance_refused():
    s = replace(state(False), liquidity=10**30)
    usdc = 5_000 * 10**6
    plan = model.mint_plan(s.book, s.bounds, usdc)
    book = model.mint(s.book, s.bounds, usdc, plan.index * PRICE // model.PRICE_SCALE).book
    s = replace(s, book=book)
    with pytest.raises(ValueError, match="the signer holds"):
        product.check_redeem(s, book.supply + 1, book.supply)
    with pytest.raises(ValueError, match="dust supply"):
        product.check_redeem(s, book.supply - 10, book.supply)
    assert product.check_redeem(s, book.supply, book.supply).collateral == book.collateral


def test_unwind__refused_on_a_fresh_nav__arms_on_a_stale_one__a_day_after_the_arming_the_models_plan():
    debt, price = 5_000 * 10**6, 10**26  # 100 index tokens at 100 USDC, 5,000 USDC owed
    book = model.Book(False, Position(0, debt * 10**6, 100 * WAD), Market(LLTV, 0, 0, debt, debt * 10**6), 0, WAD)
    # The feed's carried round went stale three days before anyone saw it: the clock starts at the arming.
    seen = 1_000_000 + 3 * model.UNWIND_DELAY
    s = replace(state(False), book=book, stale=True, last_price=price, stale_since=1_000_000, timestamp=seen)
    with pytest.raises(ValueError, match="takes the NAV: IDXIX unwinds only once it is stale"):
        product.check_unwind(replace(s, timestamp=999_999))
    assert product.check_unwind(s) is None and not s.armed  # the call arms
    assert s.unwind_opens == seen + model.UNWIND_DELAY
    armed = replace(s, unwind_armed_at=seen, unwind_armed_for=1_000_000)
    assert armed.armed and armed.unwind_opens == seen + model.UNWIND_DELAY
    assert product.describe(armed)["unwind_opens"] == seen + model.UNWIND_DELAY
    assert "unwind armed: anyone may unwind from 1970-01-16 13:46:40 UTC" in product.render(armed)
    with pytest.raises(ValueError, match="armed, wait: anyone may unwind IDXIX from 1970-01-16 .* \\(1 s from now\\)"):
        product.check_unwind(replace(armed, timestamp=seen + model.UNWIND_DELAY - 1))
    late = replace(armed, timestamp=seen + model.UNWIND_DELAY)
    assert product.check_unwind(late) == model.unwind_plan(book, late.bounds, price, model.UNWIND_DELAY)
    assert product.check_unwind(late).tolerance == late.bounds.max_slippage  # not widened by the old round
    assert product.check_unwind(late).limit >= debt  # the bound's sale repays the debt
    # The NAV came back and went stale again (another `stale_since`): the old arming no longer counts.
    assert product.check_unwind(replace(late, stale_since=late.timestamp - 1)) is None


def test_unwound__no_mint__redeem_previews_in_kind__status_says_so():
    s = replace(state(False), held=model.Holdings(3 * WAD, 600 * 10**6, 10 * WAD))
    with pytest.raises(ValueError, match="unwound: closed for good"):
        product.check_mint(s, 10**6, 10**6)
    with pytest.raises(ValueError, match="already unwound"):
        product.check_unwind(s)
    assert product.preview_redeem_unwound(s, 5 * WAD, 5 * WAD) == (3 * WAD // 2, 300 * 10**6)
    with pytest.raises(ValueError, match="dust supply"):
        product.preview_redeem_unwound(s, 10 * WAD - 1, 10 * WAD)
    assert "UNWOUND         holds 3 IDX and 600 USD" in product.render(s)
    assert product.describe(s)["unwound"] is True and product.describe(s)["held_usdc"] == "600"
