"""The streaming fee's floor under the multiplier: redemption never stops.

Finding (issue 10, "Redemption must never stop"): after 378 yearly accruals of
the highest streaming fee a vault may charge (10 % a year) the multiplier
reached 0 and every mint and redeem reverted with "vault: multiplier
exhausted". Accrual now stops charging at MIN_MULTIPLIER, so a vault of any
age mints and redeems, and holders are paid pro rata.
"""

import boa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from indexvault.model import MIN_MULTIPLIER, WAD, YEAR, amount_in, amount_out, preview_accrual
from tests.utils import MAX, sized
from tests.utils.boa_env import events

CEILING = WAD // 10  # the highest streaming fee any vault may set
DEPOSIT = 100 * WAD + 3
SECOND = 40 * WAD + 1
# Years of the fee at CEILING after which the multiplier sits on the floor.
YEARS_TO_FLOOR = 132
# Yearly accruals the aged vault has seen: without the floor the multiplier
# reached 0 after about 400 of them.
AGE = 500


@pytest.fixture(scope="module")
def aged(create_vault, tokens, units, fund, depositor, receiver):
    """A vault charged the ceiling fee every year for AGE years, long past
    the floor; the depositor and the receiver hold shares minted at birth."""
    vault = create_vault(tokens, units, fees=(0, 0, CEILING), max_fees=(0, 0, CEILING), supply_cap=2**100)
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(DEPOSIT, [MAX] * 3, depositor)
        vault.mint(SECOND, [MAX] * 3, receiver)
    for _ in range(AGE):
        boa.env.time_travel(seconds=YEAR)
        vault.accrue_fees()
    return vault


def test_accrue_fees__yearly_at_the_ceiling__matches_the_model_down_to_the_floor(
    create_vault, tokens, units, fund, depositor
):
    vault = create_vault(tokens, units, fees=(0, 0, CEILING), max_fees=(0, 0, CEILING))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(DEPOSIT, [MAX] * 3, depositor)
    supply, multiplier = DEPOSIT, WAD
    years = 0
    while multiplier > MIN_MULTIPLIER:
        boa.env.time_travel(seconds=YEAR)
        vault.accrue_fees()
        supply, multiplier = preview_accrual(supply, multiplier, CEILING, YEAR)
        years += 1
        assert (vault.totalSupply(), vault.multiplier()) == (supply, multiplier)

    assert multiplier == MIN_MULTIPLIER
    assert 130 <= years <= YEARS_TO_FLOOR


def test_accrue_fees__on_the_floor__charges_nothing_more(aged):
    supply = aged.totalSupply()
    boa.env.time_travel(seconds=1_000 * YEAR)

    aged.accrue_fees()

    assert events(aged, "FeesAccrued") == []
    assert (aged.totalSupply(), aged.multiplier()) == (supply, MIN_MULTIPLIER)
    assert aged.last_fee_accrual() == boa.env.timestamp


@pytest.mark.parametrize("years", [1_000, 5_000])
def test_redeem__thousands_of_years_at_the_ceiling__pays_every_holder_pro_rata(
    aged, tokens, units, depositor, receiver, fee_recipient, years
):
    boa.env.time_travel(seconds=years * YEAR)
    supply = aged.totalSupply()
    holders = [depositor, receiver, fee_recipient]
    balances = [aged.balanceOf(h) for h in holders]
    assert sum(balances) == supply
    held = [t.balanceOf(aged.address) for t in tokens]

    for holder, shares in zip(holders, balances):
        paid_before = [t.balanceOf(holder) for t in tokens]
        with boa.env.prank(holder):
            aged.redeem(shares, [0, 0, 0], holder)
        paid = [t.balanceOf(holder) - b for t, b in zip(tokens, paid_before)]
        # Pro rata: each share is paid the same unit * multiplier, rounded down.
        assert paid == [amount_out(shares, u, MIN_MULTIPLIER) for u in units]

    assert aged.totalSupply() == 0
    left = [t.balanceOf(aged.address) for t in tokens]
    # Everything held was paid out but the rounding dust the vault kept.
    assert left == [h - sum(amount_out(b, u, MIN_MULTIPLIER) for b in balances) for h, u in zip(held, units)]
    assert all(0 <= dust * 10**6 <= h for dust, h in zip(left, held))


def test_redeem__holders_who_minted_at_birth__keep_a_millionth_of_their_basket(aged, tokens, units, receiver):
    """The fee stops at the floor: the holders keep MIN_MULTIPLIER / WAD of what they paid."""
    boa.env.time_travel(seconds=3_000 * YEAR)
    with boa.env.prank(receiver):
        aged.redeem(SECOND, [0, 0, 0], receiver)
    for token, unit in zip(tokens, units):
        assert token.balanceOf(receiver) == amount_out(SECOND, unit, MIN_MULTIPLIER)
        assert token.balanceOf(receiver) * WAD // MIN_MULTIPLIER <= amount_in(SECOND, unit, WAD)


def test_mint__thousands_of_years_at_the_ceiling__prices_at_the_floor(aged, tokens, units, depositor, receiver):
    boa.env.time_travel(seconds=2_000 * YEAR)
    shares = 10**6 * WAD + 7  # worth one WAD-share at birth
    expected = [amount_in(shares, u, MIN_MULTIPLIER) for u in units]
    assert aged.amounts_for_mint(shares) == expected
    before = [t.balanceOf(depositor) for t in tokens]
    with boa.env.prank(depositor):
        aged.mint(shares, expected, receiver)

    assert [b - t.balanceOf(depositor) for t, b in zip(tokens, before)] == expected
    assert aged.balanceOf(receiver) == SECOND + shares


@settings(max_examples=sized(30, 60), deadline=None)
@given(
    seconds=st.integers(min_value=1, max_value=3 * YEAR),
    rate=st.integers(min_value=1, max_value=CEILING),
)
def test_accrue_fees__near_the_floor__contract_matches_the_model(aged, admin, seconds, rate):
    with boa.env.anchor():
        with boa.env.prank(admin):
            aged.set_fees(0, 0, rate)
        supply, multiplier = aged.totalSupply(), aged.multiplier()
        boa.env.time_travel(seconds=seconds)

        aged.accrue_fees()

        assert (aged.totalSupply(), aged.multiplier()) == preview_accrual(supply, multiplier, rate, seconds)


@settings(max_examples=300, deadline=None)
@given(
    supply=st.integers(min_value=1, max_value=2**100),
    multiplier=st.integers(min_value=MIN_MULTIPLIER, max_value=WAD),
    rate=st.integers(min_value=0, max_value=CEILING),
    elapsed=st.integers(min_value=0, max_value=2 * YEAR),
)
def test_preview_accrual__model__never_below_the_floor_and_never_grows_the_basket(supply, multiplier, rate, elapsed):
    new_supply, new_multiplier = preview_accrual(supply, multiplier, rate, elapsed)

    assert new_multiplier >= MIN_MULTIPLIER
    assert new_supply >= supply
    assert new_supply * new_multiplier <= supply * multiplier
    if multiplier == MIN_MULTIPLIER:
        assert (new_supply, new_multiplier) == (supply, multiplier)
