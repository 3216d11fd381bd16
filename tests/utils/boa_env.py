"""Loading the project's contracts in titanoboa, for the fast contract tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import boa
from boa.interpret import set_search_paths

# Re-exported: the tests take these from here or from tests.utils.
from indexvault.constants import WAD as WAD
from indexvault.constants import ZERO_ADDRESS as ZERO_ADDRESS

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
set_search_paths([str(CONTRACTS)])

# Quirks a mock component can have.
PLAIN, NO_RETURN, FEE_ON_TRANSFER = "plain", "no-return", "fee-on-transfer"
YEAR = 365 * 86400


@cache
def deployer(relative_path: str):
    """A compiled contract, compiled once per test session."""
    return boa.load_partial(str(CONTRACTS / relative_path))


def events(contract, name: str) -> list:
    """The decoded events called `name` that the last call on `contract` emitted."""
    return [e for e in contract.get_logs() if type(e).__name__ == name]


_lens = None
_lens_code = b""


def index_lens():
    """The stateless IndexLens (reporting views moved out of the vault), deployed once per
    chain state: deployed again when an anchor or a fork has rolled the last one back (its
    address may then hold another contract, so the code itself is compared)."""
    global _lens, _lens_code
    if _lens is None or boa.env.get_code(_lens.address) != _lens_code:
        _lens = deployer("IndexLens.vy").deploy()
        _lens_code = boa.env.get_code(_lens.address)
    return _lens
