"""Swaps on the market's pools move prices as the AMM math says: the
constant product for Uniswap V2, sqrt-price over liquidity for V3."""

from __future__ import annotations

from fractions import Fraction

from indexvault import amm
from indexvault.market import pools as market_pools
from indexvault.market import replay as market_replay
from indexvault.market import uniswap as uni
from indexvault.market.build import DEADLINE
from indexvault.market.rpc import Tx

TRADER_INDEX = 5  # an anvil dev account the market does not use


def pool(rpc, market, label):
    return next(s for s in market_pools.read(rpc, market) if s.label == label)


def fund(rpc, market, trader, symbol, amount, spender):
    asset = market.assets[symbol]
    rpc.transact(
        [
            Tx(trader, asset.token, uni.MOCK_MINT(trader, amount), "mint", gas=100_000),
            Tx(trader, asset.token, uni.ERC20_APPROVE(spender, uni.MAX_UINT), "approve", gas=100_000),
        ]
    )


def balance(rpc, token, holder):
    return rpc.read([(token, uni.ERC20_BALANCE, (holder,))])[0][0]


def test_v2_swap__constant_product_with_the_fee(rpc, market):
    trader = rpc.call("eth_accounts")[TRADER_INDEX]
    usdc, link = market.assets["USDC"], market.assets["LINK"]
    before = pool(rpc, market, "LINK/USDC v2")
    amount_in = 50_000 * 10**6  # 50k USDC buys LINK
    fund(rpc, market, trader, "USDC", amount_in, market.uniswap.v2_router)
    r_link, r_usdc = before.reserves if before.asset_is_token0 else before.reserves[::-1]
    expected_out = amm.v2_amount_out(amount_in, r_usdc, r_link)
    rpc.transact(
        [
            Tx(
                trader,
                market.uniswap.v2_router,
                uni.V2_SWAP_EXACT_IN(amount_in, 0, [usdc.token, link.token], trader, DEADLINE),
                "swap",
            )
        ]
    )
    assert balance(rpc, link.token, trader) == expected_out
    after = pool(rpc, market, "LINK/USDC v2")
    a_link, a_usdc = after.reserves if after.asset_is_token0 else after.reserves[::-1]
    assert (a_link, a_usdc) == (r_link - expected_out, r_usdc + amount_in)
    # The fee stays in the pool: k grows by about 0.3 % of the trade's share.
    assert a_link * a_usdc > r_link * r_usdc
    assert after.price > before.price


def test_v3_swap__sqrt_price_moves_by_amount_over_liquidity(rpc, market):
    trader = rpc.call("eth_accounts")[TRADER_INDEX]
    state = pool(rpc, market, "BTC/USDC v3")
    usdc, wbtc = market.assets["USDC"], market.assets["BTC"]
    token0, token1 = amm.sort_tokens(wbtc.token, usdc.token)
    amount_in = 100_000 * 10**6  # 100k USDC, well inside the +-20 % position
    fund(rpc, market, trader, "USDC", amount_in, market.uniswap.swap_router)
    rpc.transact(
        [
            Tx(
                trader,
                market.uniswap.swap_router,
                uni.V3_EXACT_INPUT_SINGLE((usdc.token, wbtc.token, state.pool.fee, trader, DEADLINE, amount_in, 0, 0)),
                "swap",
                gas=1_500_000,
            )
        ]
    )
    after = pool(rpc, market, "BTC/USDC v3")
    net = amount_in - (amount_in * state.pool.fee + 999_999) // 1_000_000  # the pool's fee, rounded up
    if usdc.token == token1:  # token1 in: sqrt P rises by net / L
        expected = state.sqrt_x96 + net * amm.Q96 // state.liquidity
    else:  # token0 in: 1 / sqrt P rises by net / L, i.e. sqrt P' = L sqrt P / (L + net sqrt P)
        numerator = state.liquidity * amm.Q96
        expected = -(-numerator * state.sqrt_x96 // (numerator + net * state.sqrt_x96))
    assert abs(after.sqrt_x96 - expected) <= 2
    assert after.liquidity == state.liquidity  # no tick crossed
    assert after.price > state.price
    assert balance(rpc, wbtc.token, trader) > 0


def test_arbitrage__brings_a_moved_pool_back_to_its_feed(rpc, market):
    """A trader moves a pool; the replay's arbitrage trade puts it back."""
    trader = rpc.call("eth_accounts")[TRADER_INDEX]
    usdc, sol = market.assets["USDC"], market.assets["SOL"]
    fund(rpc, market, trader, "USDC", 5_000_000 * 10**6, market.uniswap.v2_router)
    rpc.transact(
        [
            Tx(
                trader,
                market.uniswap.v2_router,
                uni.V2_SWAP_EXACT_IN(5_000_000 * 10**6, 0, [usdc.token, sol.token], trader, DEADLINE),
                "pump",
            )
        ]
    )
    moved = pool(rpc, market, "SOL/USDC v2")
    assert moved.gap > Fraction(1, 2)  # a 5M USDC buy into a ~11M pool: SOL over 50 % dear
    feeds = market_pools.feed_prices(rpc, market)
    trade = market_replay.arbitrage(moved, feeds["SOL"], feeds["USDC"])
    assert trade.token_in == sol.token  # sells SOL back into the pool
    rpc.transact([market_replay.trade_tx(market, trade)])
    assert abs(pool(rpc, market, "SOL/USDC v2").gap) < Fraction(1, 10**6)
