"""The arbitrage keeper on the saved market's real Uniswap pools (titanoboa
forking a restored node): a shocked index-token pool is brought back inside
the cost band by one round, through IndexArbitrage; a trade that does not
pay reverts with its reason and moves nothing."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import boa
import pytest

from indexvault import amm
from indexvault.keepers import arbitrage, arbitrage_runner
from indexvault.market import uniswap as uni
from tests.utils import DEADLINE
from tests.utils.boa_env import events

GAS_PRICE = 10**9  # 1 gwei
SETTINGS = arbitrage.Settings(min_profit_usd=Decimal(1))


def shock(pooled_index, trader, factor: Fraction):
    """Another trader moves the index token's pool price by `factor` (1.5: +50 %)."""
    snap = arbitrage_runner.read_snapshot(pooled_index.reader, pooled_index.market, pooled_index.deployment, GAS_PRICE)
    quote = pooled_index.usdc.address
    if factor > 1:  # buy shares with USDC: the pool's shares-per-USDC falls by the factor
        amount = amm.v2_amount_to_price(snap.pool_quote, snap.pool_shares, 1 / (snap.price * factor))
        path = [quote, pooled_index.vault.address]
    else:
        amount = amm.v2_amount_to_price(snap.pool_shares, snap.pool_quote, snap.price * factor)
        # the trader sells shares it holds: bought from the depositor
        with boa.env.prank(pooled_index.depositor):
            pooled_index.vault.transfer(trader, amount)
        path = [pooled_index.vault.address, quote]
    boa.env.raw_call(
        pooled_index.market.uniswap.v2_router,
        sender=trader,
        data=bytes.fromhex(uni.V2_SWAP_EXACT_IN(amount, 0, path, trader, DEADLINE)[2:]),
    )
    return arbitrage_runner.read_snapshot(pooled_index.reader, pooled_index.market, pooled_index.deployment, GAS_PRICE)


def _ratio(snap, price):
    return float(price / snap.nav)


@pytest.mark.parametrize("factor, kind", [(Fraction(3, 2), "mint_and_sell"), (Fraction(1, 2), "buy_and_redeem")])
def test_keeper_round__shocked_pool__is_back_inside_the_band(pooled_index, trader, keeper, factor, kind):
    shocked = shock(pooled_index, trader, factor)
    b = arbitrage.band(shocked)
    assert not (b.lower <= shocked.price <= b.upper)
    usdc_before = pooled_index.usdc.balanceOf(keeper)
    lines = []
    result = arbitrage_runner.run_round(
        pooled_index.reader,
        pooled_index.market,
        pooled_index.deployment,
        pooled_index.contracts,
        SETTINGS,
        GAS_PRICE,
        log=lines.append,
    )
    assert result.decision.kind == kind, lines
    assert result.ok, result.error
    after = result.after
    b_after = arbitrage.band(after)
    print(
        f"\n{kind}: pool/NAV {_ratio(shocked, shocked.price):.4f} -> {_ratio(after, after.price):.6f}, "
        f"band [{_ratio(after, b_after.lower):.6f}, {_ratio(after, b_after.upper):.6f}]; "
        f"profit {(pooled_index.usdc.balanceOf(keeper) - usdc_before) / 1e6:.2f} USDC; " + lines[0]
    )
    assert b_after.lower <= after.price <= b_after.upper
    assert pooled_index.usdc.balanceOf(keeper) - usdc_before >= result.decision.min_profit
    # The contract holds nothing after the transaction.
    for token in [*pooled_index.tokens.values(), pooled_index.vault]:
        assert token.balanceOf(pooled_index.arb.address) == 0
    # A second round finds nothing to do, and says why.
    again = arbitrage_runner.run_round(
        pooled_index.reader,
        pooled_index.market,
        pooled_index.deployment,
        pooled_index.contracts,
        SETTINGS,
        GAS_PRICE,
        log=lambda line: None,
    )
    assert again.decision.kind is None and "inside the cost band" in again.decision.reason


def test_keeper_round__simulate__decides_and_sends_nothing(pooled_index, trader, keeper):
    shock(pooled_index, trader, Fraction(3, 2))
    before = pooled_index.usdc.balanceOf(keeper)
    result = arbitrage_runner.run_round(
        pooled_index.reader,
        pooled_index.market,
        pooled_index.deployment,
        pooled_index.contracts,
        SETTINGS,
        GAS_PRICE,
        simulate=True,
        log=lambda line: None,
    )
    assert result.decision.kind == "mint_and_sell" and not result.sent
    assert pooled_index.usdc.balanceOf(keeper) == before


def _balances(pooled_index, holders):
    return {
        (str(h), name): t.balanceOf(h)
        for h in holders
        for name, t in [*pooled_index.tokens.items(), ("TIDX", pooled_index.vault)]
    }


def test_mint_and_sell__at_nav__reverts_unprofitable_and_moves_nothing(pooled_index, keeper):
    mint, _, _ = arbitrage_runner._quotes(
        pooled_index.reader, pooled_index.market, pooled_index.deployment, 10 * 10**18
    )
    max_in = mint.bound(Decimal("0.005"))
    with boa.env.prank(keeper):
        pooled_index.usdc.approve(pooled_index.arb.address, max_in)
    holders = [keeper, pooled_index.arb.address, pooled_index.pool, pooled_index.vault.address]
    before = _balances(pooled_index, holders)
    with boa.env.prank(keeper), boa.reverts("arbitrage: unprofitable"):
        pooled_index.arb.mint_and_sell(
            pooled_index.vault.address, pooled_index.usdc.address, max_in, 10 * 10**18, mint.route_args(), 0, DEADLINE
        )
    assert _balances(pooled_index, holders) == before


def test_buy_and_redeem__at_nav__reverts_unprofitable_and_moves_nothing(pooled_index, keeper):
    _, redeem, _ = arbitrage_runner._quotes(
        pooled_index.reader, pooled_index.market, pooled_index.deployment, 10 * 10**18
    )
    amount = 1_000 * 10**6
    with boa.env.prank(keeper):
        pooled_index.usdc.approve(pooled_index.arb.address, amount)
    holders = [keeper, pooled_index.arb.address, pooled_index.pool, pooled_index.vault.address]
    before = _balances(pooled_index, holders)
    with boa.env.prank(keeper), boa.reverts("arbitrage: unprofitable"):
        pooled_index.arb.buy_and_redeem(
            pooled_index.vault.address, pooled_index.usdc.address, amount, redeem.route_args(), 0, DEADLINE
        )
    assert _balances(pooled_index, holders) == before


def test_mint_and_sell__profitable__pays_the_keeper_and_logs(pooled_index, trader, keeper):
    shock(pooled_index, trader, Fraction(3, 2))
    before = pooled_index.usdc.balanceOf(keeper)
    result = arbitrage_runner.run_round(
        pooled_index.reader,
        pooled_index.market,
        pooled_index.deployment,
        pooled_index.contracts,
        SETTINGS,
        GAS_PRICE,
        log=lambda line: None,
    )
    [log] = events(pooled_index.arb, "Arbitraged")
    assert log.caller == keeper and log.minted and log.shares == result.decision.shares
    assert log.quote_out - log.quote_in == pooled_index.usdc.balanceOf(keeper) - before
