"""Helpers shared by the tests; the numbers every test file uses live here once."""

from indexvault.constants import MAX_UINT256 as MAX
from indexvault.constants import WAD, ZERO_ADDRESS

__all__ = ["MAX", "WAD", "ZERO_ADDRESS"]
