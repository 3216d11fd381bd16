"""Morpho Blue 1.0.0 (the published code, from `indexvault.solidity`) on titanoboa: deployed,
a market of an index token against a loan token created, and its state read for the model."""

from __future__ import annotations

import json
from functools import cache

import boa
from eth_abi import encode
from eth_utils import keccak

from indexvault.constants import ZERO_ADDRESS
from indexvault.lending import model
from indexvault.solidity import artifact

LLTV = 770_000_000_000_000_000  # 77 %, one of the LLTVs Morpho's governance enables


@cache
def _morpho_abi():
    return boa.loads_abi(json.dumps(artifact("Morpho")["abi"]), name="Morpho")


def deploy_morpho(owner):
    """Morpho with the zero-rate IRM (address 0) and LLTV enabled by `owner`."""
    code = bytes.fromhex(artifact("Morpho")["bytecode"][2:]) + encode(["address"], [owner])
    address, _ = boa.env.deploy_code(bytecode=code)
    morpho = _morpho_abi().at(address)
    with boa.env.prank(owner):
        morpho.enableIrm(ZERO_ADDRESS)
        morpho.enableLltv(LLTV)
    return morpho


def market_params(loan, collateral, oracle, lltv=LLTV) -> tuple:
    return (str(loan), str(collateral), str(oracle), ZERO_ADDRESS, lltv)


def market_id(params: tuple) -> bytes:
    return keccak(encode(["address", "address", "address", "address", "uint256"], list(params)))


def read(morpho, params: tuple, borrower) -> tuple[model.Market, model.Position]:
    """The market's totals and `borrower`'s position, as the model takes them."""
    totals = morpho.market(market_id(params))
    return model.Market(params[4], *totals[:4]), model.Position(*morpho.position(market_id(params), borrower))
