"""Gas of MorphoNavOracle.price() as Morpho pays it inside a borrow, withdraw or liquidation: every
account and slot cold (execution only; Morpho's own STATICCALL into the oracle, 2,600 cold, comes on
top), for indexes of 1 to 20 components, with the USDC feed divided out.

`python -m tests.utils.nav_oracle_gas` from the repository root prints the table README.md quotes
(resetting the access counters breaks `boa.env.anchor()`, so this runs outside the test suite)."""

from __future__ import annotations

from tests.utils.boa_env import deployer
from tests.utils.nav_feed_gas import HEARTBEAT, SIZES, cold_gas, deploy_index


def main() -> None:
    print("components  NavFeed.latestRoundData  MorphoNavOracle.price")
    for size in SIZES:
        _, plain, _, _ = deploy_index(size)
        usdc = deployer("mocks/MockToken.vy").deploy("USD Coin", "USDC", 6)
        usdc_feed = deployer("mocks/MockFeed.vy").deploy(8, "USDC / USD", 99_990_000)
        oracle = deployer("periphery/MorphoNavOracle.vy").deploy(
            plain.address, HEARTBEAT, usdc_feed.address, HEARTBEAT, plain.vault(), usdc.address
        )
        row = [cold_gas(plain, "latestRoundData"), cold_gas(oracle, "price")]
        print(f"{size:>10}  " + "  ".join(f"{g:>23,}" for g in row))


if __name__ == "__main__":
    main()
