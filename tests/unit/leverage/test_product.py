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
