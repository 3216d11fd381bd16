"""The router leaves an allowance behind (review finding, issue 15), on the
saved market's real Uniswap contracts.

USDT refuses an `approve` from a non-zero allowance to another non-zero one
(its guard against the approve race). An exact-input V3 swap with no price
limit fills only partly when its pool runs out of liquidity, so a router
that approves what it sells and never looks again keeps the rest as an
allowance. The attacker needs only his own vault (any vault will do: the
router takes the caller's) holding a thousandth of a USDT-style token and
his own thin pool of it: one redeem for a tenth of a cent. From then on
the router can never approve that token to SwapRouter again, and every
honest user's V3 route for it is dead, minting from it and redeeming to
it, and the arbitrage contract with it. The router must end every call
with no allowance to any DEX."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from indexvault import amm
from indexvault.market import uniswap as uni
from indexvault.model import WAD
from tests.utils import DEADLINE, MAX
from tests.utils.boa_env import deployer

DIRECT, V2, V3 = 0, 1, 2
DEEP_FEE, THIN_FEE = 500, 10_000  # the honest pool and the attacker's, both USDT/USDC
DUST = 1_000  # the attacker's whole stake: 0.001 USDT


def _v3_pool(market, maker, tokens, fee, lower, upper, amount):
    """A V3 pool of `tokens` at 1:1 (both 6 decimals) with one position of `amount` each side
    between the ticks, created through the market's NonfungiblePositionManager."""
    token0, token1 = amm.sort_tokens(*(t.address for t in tokens))
    npm = market.uniswap.position_manager
    for token in tokens:
        token.mint(maker, amount)
    with boa.env.prank(maker):
        for token in tokens:
            token.approve(npm, MAX)
    for call in (
        uni.V3_CREATE_POOL(token0, token1, fee, amm.Q96),
        uni.V3_MINT((token0, token1, fee, lower, upper, amount, amount, 0, 0, maker, DEADLINE)),
    ):
        boa.env.raw_call(npm, sender=maker, data=bytes.fromhex(call[2:]))


def _vault(owner, tokens, units):
    roles = [owner] * 4  # admin, manager, guardian, fee recipient
    with boa.env.prank(owner):
        return deployer("IndexVault.vy").deploy(
            "Test", "TIDX", [t.address for t in tokens], units, *roles, [0] * 3, [0] * 3, 10**9 * WAD
        )


def _mint_in_kind(vault, tokens, holder, shares):
    for token, amount in zip(tokens, vault.amounts_for_mint(shares)):
        token.mint(holder, amount)
        with boa.env.prank(holder):
            token.approve(vault.address, amount)
    with boa.env.prank(holder):
        vault.mint(shares, [MAX] * len(tokens), holder)


@pytest.fixture
def usdt_market(forked, market):
    """A USDT-style token on the saved market: a deep USDT/USDC V3 pool (0.05 %) and an honest
    vault of one USDT and one USDC a share (2 USD), seeded with 100 shares; the IndexRouter."""
    usdt = deployer("mocks/ApproveRaceToken.vy").deploy("Tether USD", "USDT", 6)
    usdc = deployer("mocks/MockToken.vy").at(market.assets["USDC"].token)
    maker = boa.env.generate_address("maker")
    _v3_pool(market, maker, (usdt, usdc), DEEP_FEE, -887_270, 887_270, 10**6 * 10**6)
    honest = _vault(boa.env.generate_address("manager"), (usdt, usdc), [10**6, 10**6])
    _mint_in_kind(honest, (usdt, usdc), boa.env.generate_address("depositor"), 100 * WAD)
    router = deployer("periphery/IndexRouter.vy").deploy(market.uniswap.v2_router, market.uniswap.swap_router)
    return SimpleNamespace(market=market, usdt=usdt, usdc=usdc, honest=honest, router=router, maker=maker)


def _attack(env, attacker):
    """The attacker's thin pool (10 base units each side, ticks -200..200) and his own vault of
    0.001 USDT a share; he redeems one share to USDC through that pool, min out 0."""
    _v3_pool(env.market, attacker, (env.usdt, env.usdc), THIN_FEE, -200, 200, 10)
    vault = _vault(attacker, (env.usdt,), [DUST])
    _mint_in_kind(vault, (env.usdt,), attacker, WAD)
    thin_route = (V3, THIN_FEE, [env.usdt.address, env.usdc.address])
    with boa.env.prank(attacker):
        vault.approve(env.router.address, WAD)
        received = env.router.redeem_to(vault.address, env.usdc.address, WAD, 0, [thin_route], attacker, DEADLINE)
    # The pool ran dry: a few base units sold, the rest of the dust paid back to the attacker.
    assert 0 < received < 20
    assert 0 < env.usdt.balanceOf(attacker) < DUST


def _router_allows_nothing(env, vaults=()):
    for token in (env.usdt, env.usdc):
        for spender in (env.market.uniswap.v2_router, env.market.uniswap.swap_router, *vaults):
            assert token.allowance(env.router.address, spender) == 0, (token.symbol(), spender)
        assert token.balanceOf(env.router.address) == 0


def test_router_leaves_an_allowance_behind__partial_v3_fill__honest_routes_still_work(usdt_market, attacker):
    env = usdt_market
    _attack(env, attacker)
    _router_allows_nothing(env)

    # An honest user mints from USDT (its USDC bought in the deep pool) and redeems to USDC
    # (its USDT sold there): both approve USDT to SwapRouter.
    user = boa.env.generate_address("user")
    deep = (V3, DEEP_FEE, [env.usdt.address, env.usdc.address])
    env.usdt.mint(user, 30 * 10**6)
    with boa.env.prank(user):
        env.usdt.approve(env.router.address, 30 * 10**6)
        spent = env.router.mint_from(
            env.honest.address, env.usdt.address, 30 * 10**6, 10 * WAD, [(DIRECT, 0, []), deep], user, DEADLINE
        )
    assert env.honest.balanceOf(user) == 10 * WAD
    assert 20 * 10**6 < spent < 20 * 10**6 * 1001 // 1000  # 10 USDT in kind, 10 USDC at 1:1 plus 0.05 %
    assert env.usdt.balanceOf(user) == 30 * 10**6 - spent
    _router_allows_nothing(env, [env.honest.address])

    with boa.env.prank(user):
        env.honest.approve(env.router.address, 10 * WAD)
        received = env.router.redeem_to(
            env.honest.address, env.usdc.address, 10 * WAD, 0, [deep, (DIRECT, 0, [])], user, DEADLINE
        )
    assert 20 * 10**6 * 999 // 1000 < received < 20 * 10**6
    assert env.usdc.balanceOf(user) == received
    _router_allows_nothing(env, [env.honest.address])


def test_router_leaves_an_allowance_behind__the_arbitrage_round_still_runs(usdt_market, attacker, keeper):
    """IndexArbitrage mints through the router: the attack would have killed its USDT rounds too."""
    env = usdt_market
    v2 = env.market.uniswap.v2_router
    arb = deployer("periphery/IndexArbitrage.vy").deploy(env.router.address, v2)
    # The honest index token's V2 pool against USDT, 5 % above NAV (2 USDT a share): minting and selling pays.
    lp = boa.env.generate_address("lp")
    _mint_in_kind(env.honest, (env.usdt, env.usdc), lp, 50 * WAD)
    env.usdt.mint(lp, 105 * 10**6)
    with boa.env.prank(lp):
        env.honest.approve(v2, 50 * WAD)
        env.usdt.approve(v2, 105 * 10**6)
    add = uni.V2_ADD_LIQUIDITY(env.honest.address, env.usdt.address, 50 * WAD, 105 * 10**6, 0, 0, lp, DEADLINE)
    boa.env.raw_call(v2, sender=lp, data=bytes.fromhex(add[2:]))
    _attack(env, attacker)

    routes = [(DIRECT, 0, []), (V3, DEEP_FEE, [env.usdt.address, env.usdc.address])]
    env.usdt.mint(keeper, 3 * 10**6)
    with boa.env.prank(keeper):
        env.usdt.approve(arb.address, 3 * 10**6)
        profit = arb.mint_and_sell(env.honest.address, env.usdt.address, 3 * 10**6, WAD, routes, 1, DEADLINE)
    assert profit > 0
    assert env.usdt.balanceOf(keeper) == 3 * 10**6 + profit
    for token in (env.usdt, env.usdc, env.honest):
        for spender in (env.router.address, v2, env.market.uniswap.swap_router):
            assert token.allowance(arb.address, spender) == 0
        assert token.balanceOf(arb.address) == 0
    _router_allows_nothing(env, [env.honest.address])
