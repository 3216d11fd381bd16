"""Fee timing: minting just before, and redeeming just after, a streaming
fee accrual or a fee change, and an admin raising a fee in front of a
user's mint or redeem.

No single incident: both are standard findings in audits of vaults and
index tokens with streaming and mutable fees (Set Protocol's
StreamingFeeModule, 2020, accrues before every issuance and fee change for
this reason; fee front-running by an owner is a recurring audit finding).
Here mint and redeem accrue first, `set_fees` accrues at the old rate and
restarts the clock, and the per-component limits of mint and redeem make a
fee raised in front of a user's call revert it."""

import boa
import pytest

from indexvault.model import WAD
from tests.utils import DAY, MAX
from tests.utils.attacks import worth

ATTACK = 1_000 * WAD  # ten times the honest supply


def _tokens(env):
    return [env.usdc, env.wbtc, env.weth]


def _honest(env, depositor) -> list[int]:
    """What the honest depositor's whole balance redeems for now."""
    return env.vault.amounts_for_redeem(env.vault.balanceOf(depositor))


@pytest.mark.parametrize("event", ["accrual", "streaming-fee-raised", "streaming-fee-cut", "mint-fee-cut"])
def test_mint_before_redeem_after__a_fee_event__gains_nothing(env, fund, admin, attacker, depositor, event):
    """Streaming-fee timing (StreamingFeeModule, 2020): a minter's round trip around
    an accrual or a fee change returns no more than it paid, and the honest
    holder ends exactly where he would have without it."""
    fund(env.vault, _tokens(env), attacker, 10**7)
    boa.env.time_travel(seconds=180 * DAY)  # half a year of fee pending
    for feed in env.feeds.values():
        feed.set_answer(feed.answer())
    start = worth(env.oracle, env.vault, _tokens(env), attacker)

    def fee_event():
        if event == "accrual":
            env.vault.accrue_fees()
        else:
            mint, redeem, streaming = env.vault.mint_fee(), env.vault.redeem_fee(), env.vault.streaming_fee()
            new = {
                "streaming-fee-raised": (mint, redeem, env.vault.max_streaming_fee()),
                "streaming-fee-cut": (mint, redeem, 0),
                "mint-fee-cut": (0, redeem, streaming),
            }[event]
            with boa.env.prank(admin):
                env.vault.set_fees(*new)

    with boa.env.anchor():
        fee_event()
        boa.env.time_travel(seconds=DAY)
        env.vault.accrue_fees()
        alone = _honest(env, depositor)

    with boa.env.prank(attacker):
        env.vault.mint(ATTACK, [MAX] * 3, attacker)
    fee_event()
    with boa.env.prank(attacker):
        env.vault.redeem(env.vault.balanceOf(attacker), [0] * 3, attacker)
    assert worth(env.oracle, env.vault, _tokens(env), attacker) <= start
    boa.env.time_travel(seconds=DAY)
    env.vault.accrue_fees()
    # Rounding in the vault's favour may leave the honest holder a base unit better off, never worse.
    assert all(0 <= w - a <= 1 for w, a in zip(_honest(env, depositor), alone))


@pytest.mark.parametrize("side", ["mint", "redeem"])
def test_fee_raised_in_front_of_a_user__the_users_limits_revert_it(env, admin, depositor, side):
    """Owner fee front-running (a standard vault audit finding): the user's
    call, with limits quoted before the change, reverts rather than pay it."""
    shares = 5 * WAD
    quoted = env.vault.amounts_for_mint(shares) if side == "mint" else env.vault.amounts_for_redeem(shares)
    with boa.env.prank(admin):
        if side == "mint":
            env.vault.set_fees(env.vault.max_mint_fee(), env.vault.redeem_fee(), env.vault.streaming_fee())
        else:
            env.vault.set_fees(env.vault.mint_fee(), env.vault.max_redeem_fee(), env.vault.streaming_fee())
    held = [t.balanceOf(depositor) for t in _tokens(env)]
    with boa.env.prank(depositor), boa.reverts("vault: slippage exceeded"):
        if side == "mint":
            env.vault.mint(shares, quoted, depositor)
        else:
            env.vault.redeem(shares, quoted, depositor)
    assert [t.balanceOf(depositor) for t in _tokens(env)] == held
