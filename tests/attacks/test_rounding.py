"""Rounding: hundreds of tiny operations near zero supply and near the supply
cap, on every value path, and the attacker's balances never grow.

Rounding in the user's favour, repeated, drained real protocols: Hundred
Finance (April 2023) and the Compound v2 forks after it
redeemed with an exchange rate rounded the wrong way on a near-empty
market; Balancer v2's composable stable pools (November 2025) lost to batched
swaps whose per-step rounding an attacker amplified.
Here every amount rounds in the vault's favour: a mint pulls amounts rounded
up, a redeem pays them rounded down, fees round up, claims are the redeem's
rounded-down amounts, a bid's quote rounds up when the vault sells and down
when it buys, in whole unit steps. Hypothesis draws the sequences; after
every operation no token balance of the attacker is above where it started
(a bid, a trade at the oracle's price, is measured at the oracle), and the
vault holds at least what all shares and claims are owed."""

import boa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from indexvault.model import WAD
from tests.utils import MAX
from tests.utils.attacks import backed, balances, worth
from tests.utils.boa_env import ZERO_ADDRESS, deployer, index_lens
from tests.utils.rebalance import to_start

CAP = 2**100  # the vault's MAX_SUPPLY
TINY = st.integers(1, 10**4)
# No shrinking: a failure reports its whole sequence (shrinking one in py-evm takes minutes).
FAST = settings(
    max_examples=4,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

ops = st.lists(
    st.tuples(st.sampled_from(["mint", "redeem", "redeem-skip", "claim"]), TINY, st.integers(0, 7)),
    min_size=25,
    max_size=40,
)


@pytest.fixture(params=[6, 8, 18, 27], ids=lambda d: f"dec{d}")
def tiny_units(request, create_token, create_vault, fund, admin, attacker, depositor):
    """A vault whose units are a few base units per share (rounding is all
    there is), over three tokens of the given decimals and 18, with every fee
    at its maximum, the cap at MAX_SUPPLY; the attacker funded."""
    tokens = [create_token(request.param, symbol=f"T{i}") for i in range(2)] + [create_token(18, symbol="T2")]
    vault = create_vault(tokens, [1, 3, 7], fees=(WAD // 100, WAD // 100, WAD // 20), supply_cap=CAP)
    for who in (attacker, depositor):
        fund(vault, tokens, who, 10**9)
    return vault, tokens


def _run(vault, tokens, attacker, sequence):
    start = balances(tokens, attacker)
    for op, shares, pick in sequence:
        held = vault.balanceOf(attacker)
        with boa.env.prank(attacker):
            if op == "mint":
                fee_shares = -(-shares * vault.mint_fee() // WAD)
                if index_lens().total_supply_after_accrual(vault) + shares + fee_shares > vault.supply_cap():
                    with boa.reverts("vault: supply cap exceeded"):
                        vault.mint(shares, [MAX] * 3, attacker)
                else:
                    vault.mint(shares, [MAX] * 3, attacker)
            elif op.startswith("redeem") and held:
                vault.redeem(min(shares, held), [0] * 3, attacker, pick if op == "redeem-skip" else 0)
            elif op == "claim" and vault.claims(tokens[pick % 3].address, attacker):
                vault.withdraw_claim(tokens[pick % 3].address, attacker)
        boa.env.time_travel(seconds=pick * 600)  # the streaming fee accrues in between
        assert all(b <= s for b, s in zip(balances(tokens, attacker), start))
        assert backed(vault, tokens)
    # Everything back: every share redeemed, every claim withdrawn.
    with boa.env.prank(attacker):
        if vault.balanceOf(attacker):
            vault.redeem(vault.balanceOf(attacker), [0] * 3, attacker)
        for token in tokens:
            if vault.claims(token.address, attacker):
                vault.withdraw_claim(token.address, attacker)
    assert all(b <= s for b, s in zip(balances(tokens, attacker), start))
    assert backed(vault, tokens)


@FAST
@given(sequence=ops)
def test_tiny_operations__near_zero_supply__the_attacker_never_gains(tiny_units, attacker, sequence):
    """Hundred Finance (2023): rounding on a near-empty vault."""
    vault, tokens = tiny_units
    with boa.env.anchor():
        _run(vault, tokens, attacker, sequence)


@FAST
@given(sequence=ops)
def test_tiny_operations__near_the_supply_cap__the_attacker_never_gains(tiny_units, attacker, depositor, sequence):
    """Hundred Finance (2023), at the other edge: a supply just under the cap."""
    vault, tokens = tiny_units
    with boa.env.anchor():
        with boa.env.prank(depositor):
            vault.mint(CAP * 99 // 100 - 10**4, [MAX] * 3, depositor)  # with the 1 % fee: 10^4 wei under the cap
        _run(vault, tokens, attacker, sequence)


@FAST
@given(bids=st.lists(st.tuples(st.booleans(), st.integers(1, 10**4)), min_size=25, max_size=40))
def test_tiny_bids__at_par__the_bidder_never_gains_at_the_oracle(env, propose, keeper, bids):
    """Balancer v2 (2025): a batch of tiny trades, each rounding a little."""
    with boa.env.anchor():
        propose({env.wbtc: 600_000, env.weth: 6 * 10**17}, start_factor=WAD, end_factor=WAD)
        to_start(env)
        tokens = [env.usdc, env.wbtc, env.weth]
        start = worth(env.oracle, env.vault, tokens, keeper)
        nav_per_share = env.oracle.nav_per_share()
        # `nav_per_share` values `units()`, each rounded down to a base unit: a view's own rounding.
        view_rounding = sum(env.oracle.price(t.address) // 10 ** t.decimals() + 1 for t in tokens)
        for vault_sells, amount in bids:
            token = env.wbtc if vault_sells else env.weth
            _, supply, multiplier = env.vault.trade_basis(token.address)  # after the pending fee accrues
            with boa.env.prank(keeper):
                if amount * 10**36 // (supply * multiplier) == 0:  # under one unit step
                    with boa.reverts("rebalancer: bid below one unit step"):
                        env.rebalancer.bid(token.address, amount, MAX if vault_sells else 0, keeper)
                else:
                    env.rebalancer.bid(token.address, amount, MAX if vault_sells else 0, keeper)
            assert worth(env.oracle, env.vault, tokens, keeper) <= start
            assert env.oracle.nav_per_share() + view_rounding >= nav_per_share
            assert backed(env.vault, tokens)


@FAST
@given(trips=st.lists(st.tuples(TINY, st.integers(0, 2)), min_size=25, max_size=40))
def test_tiny_one_asset_routes__the_caller_never_gains(create_token, create_vault, fund, attacker, trips):
    """Hundred Finance (2023), through the one-asset router: a mint from and a
    redeem to the vault's own component (no swap: all the rounding is the
    vault's and the router's)."""
    with boa.env.anchor():
        token = create_token(8, symbol="WBTC")
        vault = create_vault([token], [3], fees=(WAD // 100, WAD // 100, 0))
        router = deployer("periphery/IndexRouter.vy").deploy(boa.env.generate_address("no-dex"), ZERO_ADDRESS)
        fund(vault, [token], attacker, 10**6)
        with boa.env.prank(attacker):
            token.approve(router.address, MAX)
            vault.approve(router.address, MAX)
        start = token.balanceOf(attacker)
        for shares, slack in trips:
            with boa.env.prank(attacker):
                need = vault.amounts_for_mint(shares)[0]
                router.mint_from(vault.address, token.address, need + slack, shares, [(0, 0, [])], attacker, 2**63)
                router.redeem_to(
                    vault.address, token.address, vault.balanceOf(attacker), 0, [(0, 0, [])], attacker, 2**63
                )
            assert token.balanceOf(attacker) <= start
            assert token.balanceOf(router.address) == vault.balanceOf(router.address) == 0
            assert backed(vault, [token])
