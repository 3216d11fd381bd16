"""IndexVault.sync during a rebalance auction cannot be used to profit.

`sync` only ever lowers a unit to what the vault really holds, and the
Rebalancer prices every bid from the oracle and the auction's factor, never
from the unit: a sync moves only how much is left to trade, by exactly the
loss the vault already took. A seizure is simulated by moving part of the
vault's balance out as the vault (an issuer wiping a blocklisted holder).
"""

import boa

from indexvault.model import UNIT_SCALE
from tests.utils import BTC, MAX
from tests.utils.boa_env import events


def _value(env, who) -> int:
    """`who`'s USDC, WBTC and WETH at oracle prices, USD 1e18 (rounded down)."""
    total = 0
    for token in (env.usdc, env.wbtc, env.weth):
        total += token.balanceOf(who) * env.oracle.price(token.address) // 10 ** token.decimals()
    return total


def _seize(env, token, amount):
    with boa.env.prank(env.vault.address):
        token.transfer(boa.env.generate_address("issuer"), amount)


def test_sync__healthy_components_mid_auction__moves_no_unit_and_no_price(auction, attacker):
    env = auction
    tokens = (env.usdc, env.wbtc, env.weth)
    basis = [env.vault.trade_basis(t.address) for t in tokens]
    quotes = [env.rebalancer.preview_bid(t.address, 10**30) for t in (env.wbtc, env.weth)]

    with boa.env.prank(attacker):
        for token in tokens:
            env.vault.sync(token.address)
            assert events(env.vault, "Synced") == []

    assert [env.vault.trade_basis(t.address) for t in tokens] == basis
    assert [env.rebalancer.preview_bid(t.address, 10**30) for t in (env.wbtc, env.weth)] == quotes


def test_sync__after_a_seizure_of_the_sold_token__bidder_gains_no_more_and_holders_lose_only_the_seizure(
    auction, fund, attacker
):
    env = auction
    fund(env.vault, [env.usdc, env.wbtc, env.weth], attacker)
    seized = env.wbtc.balanceOf(env.vault.address) // 10
    _seize(env, env.wbtc, seized)
    value_before = _value(env, attacker)
    sell, left_before = env.rebalancer.remaining(env.wbtc.address)
    assert sell

    with boa.env.anchor():
        with boa.env.prank(attacker):
            env.rebalancer.bid(env.wbtc.address, BTC // 10, MAX, attacker)
        alone = _value(env, attacker) - value_before

    with boa.env.prank(attacker):
        env.vault.sync(env.wbtc.address)
        env.rebalancer.bid(env.wbtc.address, BTC // 10, MAX, attacker)
    synced = _value(env, attacker) - value_before

    # The bid is priced the same with or without the sync.
    assert synced == alone
    # Less is left to sell: the bid and the seizure, to within rounding (the
    # vault's surplus from minting rounded up, and sync's unit rounded down:
    # under a base unit per whole share each).
    sell, left_after = env.rebalancer.remaining(env.wbtc.address)
    assert sell
    assert abs(left_before - BTC // 10 - left_after - seized) <= env.vault.totalSupply() // 10**18 + 1


def test_sync__after_a_seizure__nav_falls_by_exactly_the_seized_value(auction, attacker):
    env = auction
    nav_before = env.oracle.nav()
    seized = env.wbtc.balanceOf(env.vault.address) // 10
    _seize(env, env.wbtc, seized)
    assert env.oracle.nav() == nav_before  # units still claim what the vault lost

    with boa.env.prank(attacker):
        env.vault.sync(env.wbtc.address)

    lost = nav_before - env.oracle.nav()
    seized_value = seized * env.oracle.price(env.wbtc.address) // BTC
    supply = env.vault.totalSupply()
    # Down by the seizure, up to the unit's rounding (under one base unit a share).
    assert seized_value <= lost <= seized_value + (supply // 10**18 + 1) * env.oracle.price(env.wbtc.address) // BTC


def test_sync__donated_bought_token_mid_auction__leaves_the_purchase_unchanged(auction, attacker):
    env = auction
    sell, left = env.rebalancer.remaining(env.weth.address)
    assert not sell
    env.weth.mint(attacker, 10**20)
    with boa.env.prank(attacker):
        env.weth.transfer(env.vault.address, 10**20)
        env.vault.sync(env.weth.address)

    assert env.rebalancer.remaining(env.weth.address) == (False, left)
    unit, supply, multiplier = env.vault.trade_basis(env.weth.address)
    assert env.weth.balanceOf(env.vault.address) * UNIT_SCALE > supply * unit * multiplier


WETH_BIT = 1 << 2  # the rebalance env's basket: USDC, WBTC, WETH


def test_redeem_skip_before_sync__claim_capped_at_the_redeemers_share_of_what_is_held(env, depositor, attacker):
    """Found in review: a redeemer who skipped a component after it lost balance, before anyone
    synced, was credited the old unit as a claim, more than the vault held; `sync` paid claims
    first, so the claim took the other holders' share (and later any WETH the vault bought). Now a
    skipped component's claim is at most the redeemer's share of what the vault holds beyond earlier
    claims: both halves of the supply end with the same WETH."""
    vault, weth = env.vault, env.weth
    half = vault.balanceOf(depositor) // 2
    with boa.env.prank(depositor):
        vault.transfer(attacker, half)
    supply = vault.totalSupply()
    _seize(env, weth, weth.balanceOf(vault.address) * 7 // 10)  # 70 % of the WETH seized, nobody synced
    held = weth.balanceOf(vault.address)
    with boa.env.prank(attacker):
        vault.redeem(half, [0, 0, 0], attacker, WETH_BIT)
    claim = vault.claims(weth.address, attacker)
    assert claim == held * half // supply  # the fair share, not the old unit's 0.5 x 50 WETH
    vault.sync(weth.address)
    before = weth.balanceOf(depositor)
    with boa.env.prank(depositor):
        vault.redeem(vault.balanceOf(depositor), [0, 0, 0], depositor)
    # The same WETH each, to the unit's resolution (a base unit per 1e18 shares: 100 base units here).
    assert abs(weth.balanceOf(depositor) - before - claim) <= supply // 10**18
    with boa.env.prank(attacker):
        assert vault.withdraw_claim(weth.address, attacker) == claim
    assert weth.balanceOf(vault.address) <= supply // 10**18  # only rounding dust left, nothing owed


def test_redeem_skip__healthy_component__claims_the_whole_amount(env, depositor, attacker):
    """A vault that holds what it owes never caps a skipped component's claim."""
    vault, weth = env.vault, env.weth
    shares = vault.balanceOf(depositor) // 4
    [_, _, owed] = vault.amounts_for_redeem(shares)
    with boa.env.prank(depositor):
        vault.redeem(shares, [0, 0, 0], attacker, WETH_BIT)
    assert vault.claims(weth.address, attacker) == owed
