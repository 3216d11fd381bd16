"""First-minter and donation inflation, at 6, 8, 18 and 27 decimals.

ERC-4626 vaults that price shares from their own balances lost depositors'
money to it: the attacker mints the first wei of shares, donates a large
amount so one share is worth a fortune, and the next deposit rounds down to
zero shares (Hundred Finance on Optimism, April 2023; Sonne Finance on
Optimism, May 2024; the same lever in Compound v2 forks' empty markets).
Here shares are priced from units fixed at deployment, never from balances:
the donation changes no share's value, the victim pays exactly pro rata, and
the attacker loses what he donated.

`tests/contracts/vault/test_donation.py` runs the first-minter attack over the
6/8/18 and no-return baskets with exact ledgers; this module adds 27
decimals, the donation made before the first mint, and the attacker's and
the victim's value at the oracle's prices."""

import boa
import pytest

from indexvault.model import WAD, amount_in, amount_out
from tests.utils import MAX
from tests.utils.attacks import backed, balances, worth
from tests.utils.boa_env import ZERO_ADDRESS

PRICE = 2_000 * 10**8  # USD per whole token, 8-decimal feeds
DONATION_WHOLE = 10**6  # whole tokens donated of each component


@pytest.fixture(params=[6, 8, 18, 27], ids=lambda d: f"dec{d}")
def market(request, create_basket, create_vault, create_feed, create_oracle, fund, admin, depositor, attacker):
    """A fee-free vault over one token of the given decimals and a second
    18-decimal one, its oracle, victim and attacker funded."""
    tokens, units = create_basket((request.param, 18))
    vault = create_vault(tokens, units)
    oracle = create_oracle(vault)
    with boa.env.prank(admin):
        for token in tokens:
            oracle.set_feed(token.address, create_feed(PRICE).address, 3_600, ZERO_ADDRESS, 0, 0)
    fund(vault, tokens, depositor, 10**7)
    fund(vault, tokens, attacker, 10**7)
    return vault, oracle, tokens, units


def _donate(vault, tokens, donor):
    with boa.env.prank(donor):
        for token in tokens:
            token.transfer(vault.address, DONATION_WHOLE * 10 ** token.decimals())


@pytest.mark.parametrize("donate_first", [True, False], ids=["donation-before-first-mint", "donation-after"])
def test_first_minter_donation__victim_pays_pro_rata_and_attacker_loses_the_donation(
    market, depositor, attacker, donate_first
):
    """Hundred Finance (2023) / Sonne Finance (2024): first wei of shares plus a
    donation, then a victim's deposit."""
    vault, oracle, tokens, units = market
    attacker_start, victim_start = worth(oracle, vault, tokens, attacker), worth(oracle, vault, tokens, depositor)
    victim_tokens = balances(tokens, depositor)
    nav_per_share = oracle.nav_per_share()

    if donate_first:
        _donate(vault, tokens, attacker)
    with boa.env.prank(attacker):
        vault.mint(1, [MAX] * len(tokens), attacker)
    if not donate_first:
        _donate(vault, tokens, attacker)
    # Nothing a share is worth moved: quotes are the deployment's units.
    assert oracle.nav_per_share() == nav_per_share
    assert vault.amounts_for_mint(WAD) == [amount_in(WAD, u, WAD) for u in units]

    # The victim mints a small amount (1 share + 1 wei) and pays exactly pro rata.
    shares = WAD + 1
    with boa.env.prank(depositor):
        vault.mint(shares, [amount_in(shares, u, WAD) for u in units], depositor)
    assert vault.balanceOf(depositor) == shares
    assert [v - b for v, b in zip(victim_tokens, balances(tokens, depositor))] == [
        amount_in(shares, u, WAD) for u in units
    ]

    # The attacker redeems his wei and gets a wei's worth, not the donation.
    with boa.env.prank(attacker):
        vault.redeem(1, [0] * len(tokens), attacker)
    assert worth(oracle, vault, tokens, attacker) < attacker_start
    # The victim redeems everything, losing at most one base unit of each to rounding.
    with boa.env.prank(depositor):
        vault.redeem(shares, [amount_out(shares, u, WAD) for u in units], depositor)
    lost = [v - b for v, b in zip(victim_tokens, balances(tokens, depositor))]
    assert all(0 <= x <= 1 for x in lost)
    assert victim_start - worth(oracle, vault, tokens, depositor) <= sum(
        oracle.price(t.address) // 10 ** t.decimals() + 1 for t in tokens
    )
    assert vault.totalSupply() == 0 and backed(vault, tokens)


def test_donation_then_streaming_fee__tiny_supply_inflates_nothing(market, create_vault, fund, attacker, admin):
    """The 2023 inflation attacks' other lever: a rate computed from a tiny
    supply. With one wei outstanding, a year of streaming fee rounds to no fee
    shares and the multiplier holds, so the next minter pays the same units."""
    vault, oracle, tokens, units = market
    with boa.env.prank(admin):
        vault.set_fees(0, 0, vault.max_streaming_fee())
    with boa.env.prank(attacker):
        vault.mint(1, [MAX] * len(tokens), attacker)
    _donate(vault, tokens, attacker)
    boa.env.time_travel(seconds=365 * 86_400)
    vault.accrue_fees()
    assert (vault.totalSupply(), vault.multiplier()) == (1, WAD)
    assert vault.amounts_for_mint(WAD) == [amount_in(WAD, u, WAD) for u in units]
