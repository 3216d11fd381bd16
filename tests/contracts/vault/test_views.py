"""Views: components, position, units, backing, amounts_for_mint,
amounts_for_redeem and total_supply_after_accrual, against the model and
against what mint and redeem actually move."""

import boa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexvault.model import WAD, YEAR, amount_in, amount_out, fee_on, preview_accrual
from tests.utils import MAX, sized
from tests.utils.boa_env import events, index_lens
from tests.utils.ledger import Ledger, mint_moves, redeem_moves

MINT_FEE = WAD // 100 - 3
REDEEM_FEE = WAD // 200 + 1
STREAMING_FEE = WAD // 20
SUPPLY = 1_000 * WAD + 1


@pytest.fixture(scope="module")
def fee_vault(each_basket, create_vault, fund, depositor):
    """A vault with every fee, SUPPLY shares minted by the depositor."""
    tokens, units = each_basket
    vault = create_vault(tokens, units, fees=(MINT_FEE, REDEEM_FEE, STREAMING_FEE))
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * len(tokens), depositor)
    return vault


def _ledger(vault, tokens, depositor, receiver, fee_recipient):
    return Ledger(vault, tokens, depositor=depositor, receiver=receiver, fee_recipient=fee_recipient)


# --- the basket -----------------------------------------------------------------


def test_components_and_positions(each_vault, each_basket):
    tokens, units = each_basket
    assert each_vault.components() == [t.address for t in tokens]
    assert each_vault.component_count() == len(tokens)
    for i, (token, unit) in enumerate(zip(tokens, units)):
        assert each_vault.position(i) == (token.address, unit)


def test_position__past_the_basket__reverts(each_vault, each_basket):
    with boa.reverts("vault: no such component"):
        each_vault.position(len(each_basket[0]))


# --- units, backing, total_supply_after_accrual ---------------------------------


def test_units__fresh_vault__are_the_base_units(each_vault, each_basket):
    assert each_vault.units() == each_basket[1]


@pytest.mark.parametrize("elapsed", [0, 86_400, YEAR])
def test_units__include_the_pending_streaming_fee(fee_vault, each_basket, elapsed):
    _, units = each_basket
    multiplier_before = fee_vault.multiplier()
    supply_before = fee_vault.totalSupply()
    boa.env.time_travel(seconds=elapsed)
    supply, multiplier = preview_accrual(supply_before, multiplier_before, STREAMING_FEE, elapsed)

    assert fee_vault.units() == [amount_out(WAD, u, multiplier) for u in units]
    assert index_lens().total_supply_after_accrual(fee_vault) == supply
    # A view writes nothing.
    assert (fee_vault.multiplier(), fee_vault.totalSupply()) == (multiplier_before, supply_before)

    fee_vault.accrue_fees()
    assert (fee_vault.totalSupply(), fee_vault.multiplier()) == (supply, multiplier)
    assert fee_vault.units() == [amount_out(WAD, u, multiplier) for u in units]


def test_backing__is_what_all_shares_are_owed(fee_vault, each_basket):
    tokens, units = each_basket
    backing = fee_vault.backing()
    assert backing == [amount_out(SUPPLY + fee_on(SUPPLY, MINT_FEE), u, WAD) for u in units]
    assert all(b <= t.balanceOf(fee_vault.address) for b, t in zip(backing, tokens))


def test_backing__never_grows_with_the_streaming_fee(fee_vault, each_basket):
    _, units = each_basket
    before = fee_vault.backing()
    boa.env.time_travel(seconds=YEAR)
    # Pending accrual moves value between holders, not out of the vault.
    assert fee_vault.backing() == before
    fee_vault.accrue_fees()
    after = fee_vault.backing()
    assert after == [amount_out(fee_vault.totalSupply(), u, fee_vault.multiplier()) for u in units]
    assert all(a <= b for a, b in zip(after, before))


def test_backing__empty_vault__is_zero(each_vault, each_basket):
    assert each_vault.backing() == [0] * len(each_basket[0])


# --- amounts_for_mint and amounts_for_redeem --------------------------------------


@pytest.mark.parametrize("elapsed", [0, 86_400 + 1, YEAR])
@pytest.mark.parametrize("shares", [1, WAD + 1, 777 * WAD + 3])
def test_amounts_for_mint__is_what_mint_pulls(
    fee_vault, each_basket, depositor, receiver, fee_recipient, elapsed, shares
):
    tokens, units = each_basket
    boa.env.time_travel(seconds=elapsed)
    supply, multiplier = preview_accrual(fee_vault.totalSupply(), fee_vault.multiplier(), STREAMING_FEE, elapsed)
    accrued = supply - fee_vault.totalSupply()
    fee = fee_on(shares, MINT_FEE)
    quoted = fee_vault.amounts_for_mint(shares)
    assert quoted == [amount_in(shares + fee, u, multiplier) for u in units]
    ledger = _ledger(fee_vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        fee_vault.mint(shares, quoted, receiver)

    assert ledger.changes(before) == mint_moves("depositor", quoted, "receiver", shares, fee_shares=fee + accrued)


@pytest.mark.parametrize("elapsed", [0, 86_400 + 1, YEAR])
@pytest.mark.parametrize("shares", [1, WAD + 1, SUPPLY])
def test_amounts_for_redeem__is_what_redeem_pays(
    fee_vault, each_basket, depositor, receiver, fee_recipient, elapsed, shares
):
    tokens, units = each_basket
    boa.env.time_travel(seconds=elapsed)
    supply, multiplier = preview_accrual(fee_vault.totalSupply(), fee_vault.multiplier(), STREAMING_FEE, elapsed)
    accrued = supply - fee_vault.totalSupply()
    fee = fee_on(shares, REDEEM_FEE)
    quoted = fee_vault.amounts_for_redeem(shares)
    assert quoted == [amount_out(shares - fee, u, multiplier) for u in units]
    ledger = _ledger(fee_vault, tokens, depositor, receiver, fee_recipient)
    before = ledger.read()

    with boa.env.prank(depositor):
        fee_vault.redeem(shares, quoted, receiver)

    (event,) = events(fee_vault, "Redeem")
    assert event.fee_shares == fee
    assert ledger.changes(before) == redeem_moves("depositor", quoted, "receiver", shares, fee_shares=fee + accrued)


def test_amounts_for_mint__quote_is_tight(fee_vault, depositor):
    # The quote is tight: one base unit less of any component is refused.
    quoted = fee_vault.amounts_for_mint(5 * WAD)
    for i in range(len(quoted)):
        short = list(quoted)
        short[i] -= 1
        with boa.env.prank(depositor), boa.reverts("vault: slippage exceeded"):
            fee_vault.mint(5 * WAD, short, depositor)


# The autouse isolation fixture is function-scoped; the plugin's per-example
# anchor is what isolates examples, so that health check does not apply.
@settings(max_examples=sized(15, 30), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    shares=st.integers(1, 10**30),
    mint_fee=st.integers(0, WAD // 100),
    redeem_fee=st.integers(0, WAD // 100),
    streaming_fee=st.integers(0, WAD // 20),
    elapsed=st.integers(0, 2 * YEAR),
)
def test_views__agree_with_the_model(
    vault, units, admin, depositor, shares, mint_fee, redeem_fee, streaming_fee, elapsed
):
    with boa.env.prank(depositor):
        vault.mint(SUPPLY, [MAX] * 3, depositor)
    with boa.env.prank(admin):
        vault.set_fees(mint_fee, redeem_fee, streaming_fee)
    boa.env.time_travel(seconds=elapsed)
    supply, multiplier = preview_accrual(SUPPLY, WAD, streaming_fee, elapsed)

    assert index_lens().total_supply_after_accrual(vault) == supply
    assert vault.units() == [amount_out(WAD, u, multiplier) for u in units]
    assert vault.backing() == [amount_out(SUPPLY, u, WAD) for u in units]
    total = shares + fee_on(shares, mint_fee)
    assert vault.amounts_for_mint(shares) == [amount_in(total, u, multiplier) for u in units]
    net = shares - fee_on(shares, redeem_fee)
    assert vault.amounts_for_redeem(shares) == [amount_out(net, u, multiplier) for u in units]
