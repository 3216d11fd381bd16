"""RebalanceBidder against the real Uniswap V2 Router02 and V3 SwapRouter:
titanoboa forks a node restored from the saved market, and a vault, its
oracle adapter and a Rebalancer are deployed on top. The vault sells WBTC
and buys LINK and WETH; fills go through V2 and V3 both ways."""

from __future__ import annotations

from types import SimpleNamespace

import boa
import pytest

from indexvault.model import WAD
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS, deployer, events

V2, V3, V2_WETH = 0, 1, 2
SHARES = 1_000 * WAD
# Per share: 40 USDC, 0.001 WBTC, 1 LINK (about 100 USD at the 2024-01-01 closes).
UNITS = {"USDC": 40 * 10**6, "BTC": 10**5, "LINK": WAD}
TARGETS = {"BTC": 5 * 10**4, "LINK": 2 * WAD, "ETH": 4 * 10**15}  # sell half the WBTC; buy LINK, add WETH
TIMELOCK, BAND = 3_600, 5 * 10**16


@pytest.fixture(scope="module")
def forked(restored_node):
    with boa.fork(restored_node.url, block_identifier="latest"):
        yield


@pytest.fixture(scope="module")
def manager(forked):
    return boa.env.generate_address("manager")


@pytest.fixture(scope="module")
def keeper(forked):
    return boa.env.generate_address("keeper")


@pytest.fixture(scope="module")
def stranger(forked):
    return boa.env.generate_address("stranger")


@pytest.fixture(scope="module")
def env(forked, market, manager):
    """A vault over USDC, WBTC and LINK; a Rebalancer whose proposal sells
    WBTC and buys LINK and WETH is open, its factor at 0.99."""
    token = deployer("mocks/MockToken.vy")
    tokens = {s: token.at(market.asset(s).token) for s in ("USDC", "BTC", "LINK", "ETH")}
    basket = ["USDC", "BTC", "LINK"]
    with boa.env.prank(manager):
        vault = deployer("IndexVault.vy").deploy(
            "Test",
            "TIDX",
            [tokens[s].address for s in basket],
            [UNITS[s] for s in basket],
            manager,
            manager,
            manager,
            manager,
            [0, 0, 0],
            [0, 0, 0],
            10**9 * WAD,
        )
        oracle = deployer("OracleAdapter.vy").deploy(vault.address, manager)
        for s in ("USDC", "BTC", "LINK", "ETH"):
            asset = market.asset(s)
            oracle.set_feed(asset.token, asset.feed, asset.heartbeat, ZERO_ADDRESS, 0, 0)
        rebalancer = deployer("Rebalancer.vy").deploy(
            vault.address, oracle.address, tokens["USDC"].address, TIMELOCK, BAND
        )
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
    depositor = boa.env.generate_address("depositor")
    for s in basket:
        tokens[s].mint(depositor, UNITS[s] * SHARES // WAD)
        with boa.env.prank(depositor):
            tokens[s].approve(vault.address, MAX)
    with boa.env.prank(depositor):
        vault.mint(SHARES, [MAX] * 3, depositor)
    bidder = deployer("periphery/RebalanceBidder.vy").deploy(
        rebalancer.address, market.uniswap.v2_router, market.uniswap.swap_router
    )
    with boa.env.prank(manager):
        rebalancer.propose([tokens[s].address for s in TARGETS], list(TARGETS.values()), 36_000, WAD, WAD * 9 // 10)
    # One hour into a ten-hour fall from 1.00 to 0.90: factor 0.99, clear of the pools' fees.
    boa.env.time_travel(seconds=TIMELOCK + 3_600)
    assert rebalancer.factor() == WAD * 99 // 100
    return SimpleNamespace(
        vault=vault,
        oracle=oracle,
        rebalancer=rebalancer,
        bidder=bidder,
        market=market,
        **{s.lower(): t for s, t in tokens.items()},
    )


@pytest.fixture(autouse=True)
def isolated(env):  # each test from the same open auction
    with boa.env.anchor():
        yield


def _held(env) -> dict:
    return {s: getattr(env, s).balanceOf(env.bidder.address) for s in ("usdc", "btc", "link", "eth")}


def _allowances(env) -> list:
    routers = (env.market.uniswap.v2_router, env.market.uniswap.swap_router)
    return [getattr(env, s).allowance(env.bidder.address, r) for s in ("usdc", "btc", "link", "eth") for r in routers]


@pytest.mark.parametrize(("dex", "fee"), [(V2, 0), (V3, 500)], ids=["v2", "v3"])
def test_fill__vault_sells__swaps_exact_input_and_pays_profit(env, keeper, dex, fee):
    amount = 10**6  # 0.01 WBTC, about 440 USD
    _, take, owed = env.rebalancer.preview_bid(env.btc.address, amount)
    vault_btc, vault_usdc = env.btc.balanceOf(env.vault.address), env.usdc.balanceOf(env.vault.address)
    with boa.env.prank(keeper):
        profit = env.bidder.fill(env.btc.address, amount, owed, True, dex, fee, 1)
    assert take == amount and profit > 0
    assert env.usdc.balanceOf(keeper) == profit
    assert env.btc.balanceOf(env.vault.address) == vault_btc - amount
    assert env.usdc.balanceOf(env.vault.address) == vault_usdc + owed
    assert _held(env) == {"usdc": 0, "btc": 0, "link": 0, "eth": 0}
    assert _allowances(env) == [0] * 8  # V2 trades with the pair itself; V3's exact allowance was used up
    [filled] = events(env.bidder, "Filled")
    assert (filled.keeper, filled.token, filled.profit) == (keeper, env.btc.address, profit)


@pytest.mark.parametrize(
    ("symbol", "amount", "dex", "fee"),
    [("link", 10 * WAD, V2, 0), ("eth", WAD // 10, V3, 500)],
    ids=["v2-link", "v3-weth"],
)
def test_fill__vault_buys__swaps_exact_output_and_pays_profit(env, keeper, symbol, amount, dex, fee):
    token = getattr(env, symbol)
    _, take, paid = env.rebalancer.preview_bid(token.address, amount)
    vault_token = token.balanceOf(env.vault.address)
    with boa.env.prank(keeper):
        profit = env.bidder.fill(token.address, amount, paid, False, dex, fee, 1)
    assert take == amount and profit > 0
    assert env.usdc.balanceOf(keeper) == profit
    assert token.balanceOf(env.vault.address) == vault_token + amount  # exactly what it is owed
    assert _held(env) == {"usdc": 0, "btc": 0, "link": 0, "eth": 0}
    assert _allowances(env) == [0] * 8  # what the swap did not spend (the profit) is no longer approved


def test_fill__v2_gas(env, keeper):
    """A V2 sale's gas, for the report (titanoboa's count on the fork)."""
    with boa.env.prank(keeper):
        env.bidder.fill(env.btc.address, 10**6, MAX, True, V2, 0, 1)
    gas = env.bidder._computation.get_gas_used()
    print(f"RebalanceBidder.fill, V2 sale: {gas} gas (titanoboa computation on the fork)")
    assert 100_000 < gas < 400_000


def test_fill__profit_below_minimum__reverts(env, keeper):
    with boa.env.prank(keeper), boa.reverts("bidder: profit below minimum"):
        env.bidder.fill(env.btc.address, 10**6, MAX, True, V2, 0, 10**12)
    assert _held(env) == {"usdc": 0, "btc": 0, "link": 0, "eth": 0}


def test_fill__bad_route__reverts(env, keeper):
    with boa.env.prank(keeper), boa.reverts("bidder: bad route"):
        env.bidder.fill(env.btc.address, 10**6, MAX, True, 3, 0, 0)


def test_callback__from_stranger__reverts(env, stranger):
    with boa.env.prank(stranger), boa.reverts("bidder: not the vault"):
        env.bidder.on_rebalance_bid(env.btc.address, 1, env.usdc.address, 1, b"\x00" * 32)


def test_callback__from_vault_outside_fill__reverts(env):
    with boa.env.prank(env.vault.address), boa.reverts("bidder: not filling"):
        env.bidder.on_rebalance_bid(env.btc.address, 1, env.usdc.address, 1, b"\x00" * 32)


def test_callback__direct_bid_naming_the_bidder__reverts(env, stranger):
    """A stranger bidding with the bidder as receiver cannot make it pay: the
    vault calls the stranger back, not the bidder."""
    held = [token.balanceOf(env.bidder.address) for token in (env.btc, env.usdc)]
    units = env.vault.units()
    # The vault's callback goes to the stranger, an account with no code: Vyper's
    # external call refuses it before any data comes back, so there is no reason
    # string to match. What matters is that nothing moved.
    with boa.env.prank(stranger), boa.reverts():
        env.rebalancer.bid(env.btc.address, 10**6, MAX, env.bidder.address, b"\x00" * 64)
    assert [token.balanceOf(env.bidder.address) for token in (env.btc, env.usdc)] == held
    assert env.vault.units() == units


@pytest.mark.parametrize(
    ("symbol", "vault_sells", "amount"), [("btc", True, 10**6), ("link", False, 10 * WAD)], ids=["sell-btc", "buy-link"]
)
def test_fill__two_hops_through_weth(env, keeper, symbol, vault_sells, amount):
    """V2_WETH: token/WETH then WETH/USDC through Router02, one swap; nothing left behind."""
    token = getattr(env, symbol)
    _, take, quote_amount = env.rebalancer.preview_bid(token.address, amount)
    vault_token = token.balanceOf(env.vault.address)
    with boa.env.prank(keeper):
        profit = env.bidder.fill(token.address, amount, quote_amount, vault_sells, V2_WETH, 0, 0)
    assert env.usdc.balanceOf(keeper) == profit
    assert token.balanceOf(env.vault.address) == vault_token + (-amount if vault_sells else amount)
    assert _held(env) == {"usdc": 0, "btc": 0, "link": 0, "eth": 0}


@pytest.mark.parametrize(
    ("symbol", "vault_sells", "amount", "dex", "fee"),
    [
        ("btc", True, 10**6, V3, 500),
        ("eth", False, WAD // 10, V3, 500),
        ("btc", True, 10**6, V2_WETH, 0),
        ("link", False, 10 * WAD, V2_WETH, 0),
    ],
    ids=["v3-sell", "v3-buy", "v2-weth-sell", "v2-weth-buy"],
)
def test_allowance_left_behind__every_router_route__none_after_each_fill(
    env, keeper, symbol, vault_sells, amount, dex, fee
):
    """Review finding (issue 15): no fill leaves an allowance to Router02 or SwapRouter, not even
    a standing maximum. A USDT-style token refuses to approve from non-zero to non-zero, so one
    left behind (or a maximum the token counts down) would block that token's later fills."""
    token = getattr(env, symbol)
    for _ in range(2):  # the second fill approves again from zero
        _, _, quote_amount = env.rebalancer.preview_bid(token.address, amount)
        with boa.env.prank(keeper):
            env.bidder.fill(token.address, amount, quote_amount, vault_sells, dex, fee, 0)
        assert _allowances(env) == [0] * 8
        assert _held(env) == {"usdc": 0, "btc": 0, "link": 0, "eth": 0}


def test_fill__v2__trades_with_the_markets_pair(env, keeper):
    """The bidder finds the V2 pair by CREATE2 (Router02's init code hash): the market's own pair trades."""
    pair = next(p for p in env.market.asset("BTC").pools if p.dex == "v2" and p.pair == "USDC").address
    before = env.btc.balanceOf(pair)
    with boa.env.prank(keeper):
        env.bidder.fill(env.btc.address, 10**6, MAX, True, V2, 0, 1)
    assert env.btc.balanceOf(pair) == before + 10**6


@pytest.mark.parametrize(
    ("symbol", "vault_sells"), [("btc", False), ("link", True)], ids=["sale-as-buy", "buy-as-sale"]
)
def test_fill__v2_wrong_side__reverts(env, keeper, symbol, vault_sells):
    """A V2 fill that guesses the vault's side wrong reverts: a purchase's quote never goes to a pair."""
    token = getattr(env, symbol)
    with boa.env.prank(keeper), boa.reverts("bidder: wrong side"):
        env.bidder.fill(token.address, 10**6, 0 if vault_sells else MAX, vault_sells, V2, 0, 0)
    assert _held(env) == {"usdc": 0, "btc": 0, "link": 0, "eth": 0}
