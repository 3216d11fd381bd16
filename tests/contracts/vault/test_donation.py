"""Donations: tokens sent to the vault directly move no share's value, so the
first-minter inflation attack has no lever."""

import boa
import pytest

from indexvault.model import WAD, amount_in, amount_out
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS
from tests.utils.ledger import Ledger, mint_moves, redeem_moves
from tests.utils.oracle import usd_value

DONATION_WHOLE = 1_000_000  # whole tokens of each component
PRICE = 2_000 * 10**8  # every component at $2,000, 8-decimal feeds


@pytest.fixture
def oracle(each_vault, each_basket, create_feed, create_oracle, admin):
    oracle = create_oracle(each_vault)
    with boa.env.prank(admin):
        for token in each_basket[0]:
            feed = create_feed(PRICE, 8)
            oracle.set_feed(token.address, feed.address, 3_600, ZERO_ADDRESS, 0, 0)
    return oracle


def _donate(vault, tokens, donor):
    for token in tokens:
        amount = DONATION_WHOLE * 10 ** token.decimals()
        token.mint(donor, amount)
        with boa.env.prank(donor):
            token.transfer(vault.address, amount)


def _quotes(vault, oracle):
    return {
        "mint": vault.amounts_for_mint(7 * WAD + 1),
        "redeem": vault.amounts_for_redeem(7 * WAD + 1),
        "units": vault.units(),
        "backing": vault.backing(),
        "nav": oracle.nav(),
        "nav_per_share": oracle.nav_per_share(),
    }


def test_donation__changes_no_quote(each_vault, each_basket, oracle, depositor, attacker):
    tokens, units = each_basket
    with boa.env.prank(depositor):
        each_vault.mint(10 * WAD, [MAX] * len(tokens), depositor)
    before = _quotes(each_vault, oracle)
    held = [t.balanceOf(each_vault.address) for t in tokens]

    _donate(each_vault, tokens, attacker)

    assert [t.balanceOf(each_vault.address) - h for t, h in zip(tokens, held)] == [
        DONATION_WHOLE * 10 ** t.decimals() for t in tokens
    ]
    assert _quotes(each_vault, oracle) == before
    decimals = [t.decimals() for t in tokens]
    assert before["nav_per_share"] == usd_value(units, [PRICE * 10**10] * len(tokens), decimals)


def test_donation__to_an_empty_vault__changes_no_quote(each_vault, each_basket, oracle, attacker):
    before = _quotes(each_vault, oracle)
    _donate(each_vault, each_basket[0], attacker)
    assert _quotes(each_vault, oracle) == before
    assert before["backing"] == [0] * len(each_basket[0])


def test_first_minter_attack__victim_pays_and_gets_pro_rata(
    each_vault, each_basket, fund, depositor, attacker, fee_recipient
):
    vault = each_vault
    tokens, units = each_basket
    fund(vault, tokens, attacker)
    attacker_start = [t.balanceOf(attacker) for t in tokens]

    # The attacker mints the first wei of shares, then donates heavily.
    with boa.env.prank(attacker):
        vault.mint(1, [MAX] * len(tokens), attacker)
    _donate(vault, tokens, attacker)

    # The victim pays exactly the pro-rata amounts, as if nothing was donated.
    shares = 10 * WAD + 3
    paid = [amount_in(shares, u, WAD) for u in units]
    ledger = Ledger(vault, tokens, depositor=depositor, attacker=attacker, fee_recipient=fee_recipient)
    before = ledger.read()
    with boa.env.prank(depositor):
        vault.mint(shares, paid, depositor)
    assert ledger.changes(before) == mint_moves("depositor", paid, "depositor", shares)

    # And redeems them back, losing at most one base unit of each to rounding.
    back = [amount_out(shares, u, WAD) for u in units]
    before = ledger.read()
    with boa.env.prank(depositor):
        vault.redeem(shares, back, depositor)
    assert ledger.changes(before) == redeem_moves("depositor", back, "depositor", shares)
    assert all(0 <= p - b <= 1 for p, b in zip(paid, back))

    # The attacker's wei of shares redeems for what a wei is worth; the
    # donation stays in the vault, unowned.
    with boa.env.prank(attacker):
        vault.redeem(1, [0] * len(tokens), attacker)
    for token, unit, start in zip(tokens, units, attacker_start):
        donated = DONATION_WHOLE * 10 ** token.decimals()
        assert token.balanceOf(attacker) == start - amount_in(1, unit, WAD) + amount_out(1, unit, WAD)
        assert token.balanceOf(attacker) < start
        assert token.balanceOf(vault.address) >= donated
