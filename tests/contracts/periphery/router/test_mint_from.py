"""IndexRouter.mint_from on the market's real Uniswap pools: exact amounts
into the vault, the refund, nothing left in the router, and the bound."""

from __future__ import annotations

import json
from decimal import Decimal

import boa

from indexvault import oneasset
from indexvault.model import WAD
from tests.utils import DEADLINE, MAX
from tests.utils.boa_env import events
from tests.utils.market_vault import fund
from tests.utils.oneasset import balances, quote

SHARES = 10 * WAD
SLIPPAGE = Decimal("0.005")
ATTACK = 20_000_000 * 10**6  # USDC


def _pay(router_index, minter, symbol, amount):
    fund(router_index.tokens, router_index.market, symbol, minter, amount)
    with boa.env.prank(minter):
        router_index.tokens[symbol].approve(router_index.router.address, amount)


def test_mint_from__within_bounds__vault_gets_exact_amounts_and_the_rest_is_refunded(router_index, minter):
    quoted = quote(router_index, "mint", "USDC", SHARES)
    max_in = quoted.total * 1005 // 1000
    _pay(router_index, minter, "USDC", max_in)
    owed = list(router_index.vault.amounts_for_mint(SHARES))
    held = [router_index.tokens[s].balanceOf(router_index.vault.address) for s in router_index.symbols]
    receiver = boa.env.generate_address("receiver")

    with boa.env.prank(minter):
        spent = router_index.router.mint_from(
            router_index.vault.address, quoted.token, max_in, SHARES, quoted.route_args(), receiver, DEADLINE
        )

    assert spent == quoted.total  # V2 exact, V3 from QuoterV2: the chain spends what was quoted
    assert [
        router_index.tokens[s].balanceOf(router_index.vault.address) - h for s, h in zip(router_index.symbols, held)
    ] == owed
    assert router_index.vault.balanceOf(receiver) == SHARES
    assert router_index.tokens["USDC"].balanceOf(minter) == max_in - spent  # the refund
    for s, token in router_index.tokens.items():  # the router holds nothing and allows nothing
        assert token.balanceOf(router_index.router.address) == 0, s
        for spender in (
            router_index.market.uniswap.v2_router,
            router_index.market.uniswap.swap_router,
            router_index.vault.address,
        ):
            assert token.allowance(router_index.router.address, spender) == 0, s
    [log] = events(router_index.router, "MintedFrom")
    assert (log.sender, log.receiver, log.amount_in, log.shares) == (minter, receiver, spent, SHARES)


def test_mint_from__max_in_one_below_the_need__reverts_and_spends_nothing(router_index, minter):
    quoted = quote(router_index, "mint", "USDC", SHARES)
    _pay(router_index, minter, "USDC", quoted.total)
    before = balances(router_index, [minter, router_index.vault.address, router_index.router.address])
    with boa.env.prank(minter), boa.reverts("router: max in exceeded"):
        router_index.router.mint_from(
            router_index.vault.address, quoted.token, quoted.total - 1, SHARES, quoted.route_args(), minter, DEADLINE
        )
    assert balances(router_index, [minter, router_index.vault.address, router_index.router.address]) == before


def test_mint_from__max_in_exactly_the_need__mints(router_index, minter):
    quoted = quote(router_index, "mint", "USDC", SHARES)
    _pay(router_index, minter, "USDC", quoted.total)
    with boa.env.prank(minter):
        router_index.router.mint_from(
            router_index.vault.address, quoted.token, quoted.total, SHARES, quoted.route_args(), minter, DEADLINE
        )
    assert router_index.tokens["USDC"].balanceOf(minter) == 0
    assert router_index.vault.balanceOf(minter) == SHARES


def test_mint_from__component_is_the_input_token__taken_without_a_swap(router_index, minter):
    quoted = quote(router_index, "mint", "USDC", SHARES)
    direct = [r for r in quoted.routes if r.dex == oneasset.DIRECT]
    assert [r.component for r in direct] == ["USDC"]
    owed_usdc = router_index.vault.amounts_for_mint(SHARES)[router_index.symbols.index("USDC")]
    assert direct[0].amount_in == direct[0].amount_out == owed_usdc
    # Only the USDC component is bought "directly": the rest of the input goes to the pools.
    max_in = quoted.total + 1000
    _pay(router_index, minter, "USDC", max_in)
    vault_usdc = router_index.tokens["USDC"].balanceOf(router_index.vault.address)
    with boa.env.prank(minter):
        spent = router_index.router.mint_from(
            router_index.vault.address, quoted.token, max_in, SHARES, quoted.route_args(), minter, DEADLINE
        )
    assert router_index.tokens["USDC"].balanceOf(router_index.vault.address) == vault_usdc + owed_usdc
    assert spent == quoted.total


def test_mint_from__from_weth__direct_for_weth_and_v2_through_weth(router_index, minter):
    quoted = quote(router_index, "mint", "WETH", SHARES)
    routes = {r.component: r for r in quoted.routes}
    assert routes["WETH"].dex == oneasset.DIRECT
    assert routes["WBTC"].symbols == ("WETH", "WBTC")  # the WBTC/WETH pair
    assert routes["ADA"].symbols == ("WETH", "USDC", "ADA")  # one hop through USDC
    max_in = quoted.bound(Decimal("0.005"))
    _pay(router_index, minter, "ETH", max_in)
    with boa.env.prank(minter):
        spent = router_index.router.mint_from(
            router_index.vault.address, quoted.token, max_in, SHARES, quoted.route_args(), minter, DEADLINE
        )
    assert spent == quoted.total
    assert router_index.vault.balanceOf(minter) == SHARES
    assert router_index.tokens["ETH"].balanceOf(router_index.router.address) == 0


def test_mint_from__front_run_moves_a_pool__reverts_on_max_in_rather_than_overpay(router_index, minter, attacker):
    """A sandwich's first leg: a large WBTC buy lands before the mint_from,
    whose max_in (the quote plus 0.5 %) then cannot pay for the WBTC."""
    quoted = quote(router_index, "mint", "USDC", SHARES)
    max_in = quoted.bound(SLIPPAGE)
    _pay(router_index, minter, "USDC", max_in)
    wbtc = next(r for r in quoted.routes if r.component == "WBTC")
    # The attacker buys 20M USDC of WBTC in the pool the WBTC route uses (about 2 % up).
    swap_router = boa.loads_abi(json.dumps(_SWAP_ROUTER_ABI), name="SwapRouter").at(
        router_index.market.uniswap.swap_router
    )
    fund(router_index.tokens, router_index.market, "USDC", attacker, ATTACK)
    with boa.env.prank(attacker):
        router_index.tokens["USDC"].approve(swap_router.address, MAX)
        swap_router.exactInputSingle((wbtc.path[0], wbtc.path[-1], wbtc.fee, attacker, DEADLINE, ATTACK, 0, 0))
    before = balances(router_index, [minter, router_index.vault.address, router_index.router.address])
    with boa.env.prank(minter), boa.reverts("router: max in exceeded"):
        router_index.router.mint_from(
            router_index.vault.address, quoted.token, max_in, SHARES, quoted.route_args(), minter, DEADLINE
        )
    assert balances(router_index, [minter, router_index.vault.address, router_index.router.address]) == before
    # A fresh quote routes WBTC around the moved pool.
    requoted = next(r for r in quote(router_index, "mint", "USDC", SHARES).routes if r.component == "WBTC")
    assert (requoted.dex, requoted.path) != (wbtc.dex, wbtc.path)


def test_mint_from__bad_routes__refused(router_index, minter):
    quoted = quote(router_index, "mint", "USDC", SHARES)
    _pay(router_index, minter, "USDC", quoted.total * 2)
    args = quoted.route_args()
    wrong_end = [args[1]] + args[1:]  # WBTC's slot routed to WETH
    usdc_as_swap = [(oneasset.DIRECT, 0, [])] * len(args)
    with boa.env.prank(minter):
        with boa.reverts("router: wrong number of routes"):
            router_index.router.mint_from(
                router_index.vault.address, quoted.token, quoted.total * 2, SHARES, args[:-1], minter, DEADLINE
            )
        with boa.reverts("router: bad route"):
            router_index.router.mint_from(
                router_index.vault.address, quoted.token, quoted.total * 2, SHARES, wrong_end, minter, DEADLINE
            )
        with boa.reverts("router: bad route"):
            router_index.router.mint_from(
                router_index.vault.address, quoted.token, quoted.total * 2, SHARES, usdc_as_swap, minter, DEADLINE
            )
        with boa.reverts("router: expired"):
            router_index.router.mint_from(
                router_index.vault.address, quoted.token, quoted.total * 2, SHARES, args, minter, boa.env.timestamp - 1
            )


_SWAP_ROUTER_ABI = [
    {
        "type": "function",
        "name": "exactInputSingle",
        "stateMutability": "payable",
        "inputs": [
            {
                "name": "params",
                "type": "tuple",
                "components": [
                    {"name": "tokenIn", "type": "address"},
                    {"name": "tokenOut", "type": "address"},
                    {"name": "fee", "type": "uint24"},
                    {"name": "recipient", "type": "address"},
                    {"name": "deadline", "type": "uint256"},
                    {"name": "amountIn", "type": "uint256"},
                    {"name": "amountOutMinimum", "type": "uint256"},
                    {"name": "sqrtPriceLimitX96", "type": "uint160"},
                ],
            }
        ],
        "outputs": [{"name": "amountOut", "type": "uint256"}],
    }
]
