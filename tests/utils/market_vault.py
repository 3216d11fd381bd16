"""A vault of market assets on a titanoboa fork of the saved market, as the
one-asset, arbitrage and attack tests build it, and how they fund holders."""

from __future__ import annotations

from decimal import Decimal

import boa

from indexvault.market import pools as market_pools
from indexvault.market import uniswap as uni
from indexvault.model import WAD
from indexvault.units import units_from_weights
from tests.utils import MAX
from tests.utils.boa_env import deployer

BASKET = {"BTC": Decimal("0.4"), "ETH": Decimal("0.3"), "ADA": Decimal("0.2"), "USDC": Decimal("0.1")}
NAV_PER_SHARE = Decimal(100)
FEE = WAD // 1000  # 0.1 % to mint and to redeem, as examples/market10.yaml


def fund(tokens, market, symbol, holder, amount):
    """Gives `holder` `amount` of a market asset: a mock's open mint, or WETH wrapped from ETH."""
    if market.assets[symbol].kind == "weth9":
        boa.env.set_balance(holder, boa.env.get_balance(holder) + amount)
        boa.env.raw_call(
            market.assets[symbol].token, sender=holder, value=amount, data=bytes.fromhex(uni.WETH_DEPOSIT()[2:])
        )
    else:
        tokens[symbol].mint(holder, amount)


def seeded_vault(market, reader, tokens, manager, depositor, seeded):
    """BASKET's vault at the feeds' prices (NAV_PER_SHARE a share, fees FEE each way, `manager`
    holding every role), with `seeded` shares minted in kind by `depositor`.
    Returns (vault, symbols, units, feed prices)."""
    feeds = market_pools.feed_prices(reader, market)
    symbols = list(BASKET)
    units = units_from_weights(
        [BASKET[s] for s in symbols],
        [feeds[s] for s in symbols],
        [market.assets[s].decimals for s in symbols],
        NAV_PER_SHARE,
    )
    with boa.env.prank(manager):
        vault = deployer("IndexVault.vy").deploy(
            "Test Index",
            "TIDX",
            [market.assets[s].token for s in symbols],
            units,
            manager,
            manager,
            manager,
            manager,
            [FEE, FEE, 0],
            [WAD // 10] * 3,
            10**9 * WAD,
        )
    for s, amount in zip(symbols, vault.amounts_for_mint(seeded)):
        fund(tokens, market, s, depositor, amount)
        with boa.env.prank(depositor):
            tokens[s].approve(vault.address, amount)
    with boa.env.prank(depositor):
        vault.mint(seeded, [MAX] * len(symbols), depositor)
    return vault, symbols, units, feeds
