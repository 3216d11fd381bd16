"""Gas of a NavFeed read as a consumer's transaction pays it: every account and
slot cold (the access counters reset before each read), execution only (the
consumer's own CALL into the feed, 2,600 cold, comes on top).

`python -m tests.utils.nav_feed_gas` from the repository root prints the table
README.md quotes. Resetting the access counters breaks `boa.env.anchor()`, so
this runs outside the test suite."""

from __future__ import annotations

import boa

from indexvault.model import WAD
from tests.utils.boa_env import ZERO_ADDRESS, deployer

SIZES = (1, 3, 10, 20)
HEARTBEAT = 86_400


def deploy_index(size: int):
    """A vault of `size` 18-decimal components, one 8-decimal feed each,
    minted, with its adapter and an unbounded and a bounded NavFeed."""
    admin = boa.env.generate_address("admin")
    boa.env.eoa = admin
    tokens = [deployer("mocks/MockToken.vy").deploy(f"T{i}", f"T{i}", 18) for i in range(size)]
    feeds = [deployer("mocks/MockFeed.vy").deploy(8, f"T{i} / USD", (i + 1) * 10**8) for i in range(size)]
    vault = deployer("IndexVault.vy").deploy(
        "Gas Index", "GAS", [t.address for t in tokens], [WAD] * size,
        admin, admin, admin, admin, [0, WAD // 200, 0], [WAD // 100] * 3, 10**9 * WAD,
    )  # fmt: skip
    for token in tokens:
        token.mint(admin, 10 * WAD)
        token.approve(vault.address, 2**256 - 1)
    vault.mint(WAD, [2**256 - 1] * size, admin)
    oracle = deployer("OracleAdapter.vy").deploy(vault.address, admin)
    for token, feed in zip(tokens, feeds):
        oracle.set_feed(token.address, feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    plain = deployer("NavFeed.vy").deploy(oracle.address, 0)
    bounded = deployer("NavFeed.vy").deploy(oracle.address, 1_000)
    return oracle, plain, bounded, feeds


def cold_gas(contract, method: str) -> int:
    boa.env._reset_access_counters()
    getattr(contract, method)()
    return contract._computation.get_gas_used()


def main() -> None:
    print("components  adapter.latestRoundData  latestAnswer  latestRoundData  bounded latestAnswer  poke  carried")
    for size in SIZES:
        oracle, plain, bounded, feeds = deploy_index(size)
        row = [
            cold_gas(oracle, "latestRoundData"),
            cold_gas(plain, "latestAnswer"),
            cold_gas(plain, "latestRoundData"),
            cold_gas(bounded, "latestAnswer"),
            cold_gas(plain, "poke"),
        ]
        boa.env.time_travel(seconds=HEARTBEAT + 1)  # every component stale: the open round carries
        row.append(cold_gas(plain, "latestAnswer"))
        print(f"{size:>10}  " + "  ".join(f"{g:>,}" for g in row))


if __name__ == "__main__":
    main()
