"""Helpers shared by the tests; the numbers every test file uses live here once (the product's own
constants come from `indexvault.constants`)."""

import os

from eth_utils import keccak

from indexvault.constants import MAX_UINT256 as MAX
from indexvault.constants import WAD, YEAR, ZERO_ADDRESS

DAY = 86_400
DEADLINE = 2**63  # a swap deadline that never passes
BTC = 10**8  # one whole WBTC (8 decimals)

# The access-control roles and snekmate's reason for a caller without one.
ADMIN_ROLE = b"\x00" * 32
MANAGER_ROLE = keccak(text="MANAGER_ROLE")
REBALANCER_ROLE = keccak(text="REBALANCER_ROLE")
MISSING_ROLE = "access_control: account is missing role"

# `make test` runs the campaigns (the fuzz campaign, the state machines, the extreme matrix) short, so that
# it stays under 12 minutes on two cores; `make test-long` (INDEXVAULT_TESTS=long) runs them at full length
# and adds the testnet rehearsal.
LONG = os.environ.get("INDEXVAULT_TESTS") == "long"


def sized(short: int, long: int) -> int:
    """A campaign's size: `short` in `make test`, `long` in `make test-long`."""
    return long if LONG else short


__all__ = [
    "ADMIN_ROLE",
    "BTC",
    "DAY",
    "DEADLINE",
    "LONG",
    "MANAGER_ROLE",
    "MAX",
    "MISSING_ROLE",
    "REBALANCER_ROLE",
    "WAD",
    "YEAR",
    "ZERO_ADDRESS",
    "sized",
]
