"""Finding (issue 15, defect 2): "A bid before `sync` spends what backs skipped claims".

`trade` checked units, not that the vault's balance beyond the token's total
claims covered what it sent out. Holder A skip-redeems and holds a claim on
half the WBTC; the token seizes the other half from the vault; before anyone
syncs, the auction sells the remaining holders' WBTC at a fair price out of
the only WBTC left, the balance that backs A's claim, and A's claim can never
be paid. Claims are paid first (SECURITY.md): `trade` now refuses to send out
more than the vault holds beyond the token's claims.
"""

import boa

from tests.utils import BTC, MAX

WBTC_SLOT = 1


def _seize(env, token, amount):
    """An issuer wipes part of the vault's balance (a blocklist seizure)."""
    with boa.env.prank(env.vault.address):
        token.transfer(boa.env.generate_address("issuer"), amount)


def _skip_redeem_half(env, holder):
    """`holder` redeems half its shares while WBTC is frozen, keeping a claim on it."""
    shares = env.vault.balanceOf(holder) // 2
    env.wbtc.set_frozen(True)
    with boa.env.prank(holder):
        env.vault.redeem(shares, [0, 0, 0], holder, 1 << WBTC_SLOT)
    env.wbtc.set_frozen(False)
    return env.vault.claims(env.wbtc.address, holder)


def test_bid_before_sync__spends_what_backs_skipped_claims__reverts(started, depositor, keeper):
    env = started
    claim = _skip_redeem_half(env, depositor)
    held = env.wbtc.balanceOf(env.vault.address)
    assert claim > 0 and env.vault.total_claims(env.wbtc.address) == claim
    # Everything beyond the claim is seized: what the vault holds backs the claim alone.
    _seize(env, env.wbtc, held - claim)
    sell, left = env.rebalancer.remaining(env.wbtc.address)
    assert sell and left > 0  # the units still say the shares hold WBTC to sell

    with boa.env.prank(keeper), boa.reverts("vault: sells claimed balance"):
        env.rebalancer.bid(env.wbtc.address, BTC // 100, MAX, keeper)

    # The claim is still paid in full.
    with boa.env.prank(depositor):
        assert env.vault.withdraw_claim(env.wbtc.address, depositor) == claim
    assert env.wbtc.balanceOf(env.vault.address) == 0


def test_bid_before_sync__within_the_balance_beyond_claims__fills_and_the_claim_stays_paid(started, depositor, keeper):
    env = started
    claim = _skip_redeem_half(env, depositor)
    held = env.wbtc.balanceOf(env.vault.address)
    free = BTC // 1000
    _seize(env, env.wbtc, held - claim - free)

    # Twice the free balance would dip into the claim.
    with boa.env.prank(keeper), boa.reverts("vault: sells claimed balance"):
        env.rebalancer.bid(env.wbtc.address, 2 * free, MAX, keeper)
    with boa.env.prank(keeper):
        env.rebalancer.bid(env.wbtc.address, free, MAX, keeper)

    assert env.wbtc.balanceOf(env.vault.address) >= claim
    with boa.env.prank(depositor):
        assert env.vault.withdraw_claim(env.wbtc.address, depositor) == claim
