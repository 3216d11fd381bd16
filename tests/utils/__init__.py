"""Helpers shared by the tests; the numbers every test file uses live here once (the product's own
constants come from `indexvault.constants`)."""

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

__all__ = [
    "ADMIN_ROLE",
    "BTC",
    "DAY",
    "DEADLINE",
    "MANAGER_ROLE",
    "MAX",
    "MISSING_ROLE",
    "REBALANCER_ROLE",
    "WAD",
    "YEAR",
    "ZERO_ADDRESS",
]
