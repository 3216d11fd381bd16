"""The arbitrage keeper through Ape, as `ape run keeper arbitrage` and
bots/arbitrage.py run it, on a node restored from the saved market: the
README's capped top-10 index launched, its pool created at NAV and recorded,
a trader's +50 % shock, and one round that brings the pool back in the band."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from indexvault import amm
from indexvault.keepers import arbitrage, arbitrage_runner

SHARES = 1_000
DEPTH_USD = Decimal(40_000)


@pytest.fixture(scope="module")
def launched(ape_node, market):
    from ape import accounts

    from demos import rebalance as demo

    keeper = accounts.test_accounts[0]  # also the index's deployer here
    record = demo.launch(market, keeper, SHARES, echo=lambda line: None)
    record = arbitrage_runner.create_pool(record, keeper, market, DEPTH_USD, log=lambda line: None)
    return record, keeper


def test_create_pool__seeded_at_nav_and_recorded(ape_node, market, launched):
    from indexvault import chain, deployments

    record, _ = launched
    assert deployments.load(chain.record_file(), record["symbol"])["pool"] == record["pool"]
    snap = arbitrage_runner.read_snapshot(ape_node.rpc, market, record, 10**9)
    assert abs(float(snap.price / snap.nav) - 1) < 1e-6
    assert abs(float(snap.whole(snap.price)) * snap.pool_shares / 1e18 * 2 - float(DEPTH_USD)) < 50


def test_round_on_network__simulates_then_brings_a_shocked_pool_back(ape_node, market, launched):
    from ape import accounts, project

    record, keeper = launched
    rpc = ape_node.rpc
    trader = accounts.test_accounts[1]
    usdc = project.MockToken.at(market.assets[market.quote].token)
    snap = arbitrage_runner.read_snapshot(rpc, market, record, 10**9)
    paid = amm.v2_amount_to_price(snap.pool_quote, snap.pool_shares, 1 / (snap.price * Fraction(3, 2)))
    usdc.mint(trader.address, paid, sender=trader)
    usdc.approve(market.uniswap.v2_router, paid, sender=trader)
    from ape import Contract

    router = Contract(
        market.uniswap.v2_router,
        abi=[
            {
                "type": "function",
                "name": "swapExactTokensForTokens",
                "stateMutability": "nonpayable",
                "inputs": [
                    {"name": "amountIn", "type": "uint256"},
                    {"name": "amountOutMin", "type": "uint256"},
                    {"name": "path", "type": "address[]"},
                    {"name": "to", "type": "address"},
                    {"name": "deadline", "type": "uint256"},
                ],
                "outputs": [{"name": "amounts", "type": "uint256[]"}],
            }
        ],
    )
    router.swapExactTokensForTokens(paid, 0, [usdc.address, record["vault"]], trader.address, 2**63, sender=trader)
    shocked = arbitrage_runner.read_snapshot(rpc, market, record, 10**9)
    assert shocked.price > arbitrage.band(shocked).upper

    usdc.mint(keeper.address, 100_000 * 10**6, sender=keeper)  # the keeper's capital (`ape run market fund`)
    lines = []
    simulated = arbitrage_runner.round_on_network(None, log=lines.append)
    assert simulated.decision.kind == "mint_and_sell" and not simulated.sent
    assert arbitrage_runner.read_snapshot(rpc, market, record, 10**9).pool_shares == shocked.pool_shares

    result = arbitrage_runner.round_on_network(keeper, log=lines.append)
    assert result.ok, lines
    after = result.after
    b = arbitrage.band(after)
    print(
        f"\nApe round: pool/NAV {float(shocked.price / shocked.nav):.4f} -> {float(after.price / after.nav):.6f}, "
        f"band [{float(b.lower / after.nav):.6f}, {float(b.upper / after.nav):.6f}], gas {result.gas_used:,}"
    )
    assert result.gas_used < arbitrage.Settings().gas_mint_and_sell  # the keeper's gas estimate covers it
    assert b.lower <= after.price <= b.upper
