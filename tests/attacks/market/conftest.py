"""The attacks on the saved market: the root conftest's pooled index (WBTC, WETH, ADA, USDC; its oracle
adapter, IndexRouter, IndexArbitrage and the index token's USDC pool on a fork of the restored market),
with a Rebalancer auction running on it."""

from __future__ import annotations

import boa
import pytest

from indexvault.model import WAD
from tests.utils.boa_env import deployer

TIMELOCK = 3_600
BAND = WAD // 20
START_FACTOR = WAD + WAD // 50  # the auction opens 2 % in the vault's favour


@pytest.fixture
def auction(pooled_index):
    """A Rebalancer on the pooled index's vault, quoting in USDC, at the first second of
    an auction that sells a fifth of the WBTC and buys a tenth more WETH."""
    env = pooled_index
    admin = env.manager
    with boa.env.prank(admin):
        rebalancer = deployer("Rebalancer.vy").deploy(
            env.vault.address, env.oracle.address, env.usdc.address, TIMELOCK, BAND
        )
        env.vault.grantRole(env.vault.REBALANCER_ROLE(), rebalancer.address)
    btc, eth = env.market.assets["BTC"].token, env.market.assets["ETH"].token
    units = dict(zip(env.vault.components(), env.vault.units()))
    with boa.env.prank(admin):
        rebalancer.propose([btc, eth], [units[btc] * 4 // 5, units[eth] * 11 // 10], 86_400, START_FACTOR, WAD - BAND)
    boa.env.time_travel(seconds=TIMELOCK)
    env.rebalancer = rebalancer
    return env
