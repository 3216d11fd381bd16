"""Morpho Blue 1.0.0 on titanoboa: the published code (`indexvault.solidity`), owned by `owner`,
with the zero-rate IRM (address 0) and mainnet's LLTVs enabled, as `ape run market build`
deploys it on the local market."""

from __future__ import annotations

from eth_abi import encode
from eth_utils import keccak

from benchmarks.indexed_finance import deploy_morpho  # noqa: F401  (the tests' Morpho, as the benchmark's)
from indexvault.lending import model

ZERO = "0x" + "00" * 20


def market_params(loan: str, collateral: str, oracle: str, lltv: int) -> tuple:
    return (loan, collateral, oracle, ZERO, lltv)


def market_id(params: tuple) -> bytes:
    return keccak(encode(["address", "address", "address", "address", "uint256"], list(params)))


def snapshot(morpho, params: tuple, user: str) -> tuple[model.Market, model.Position]:
    """The market's totals and `user`'s position, as the model takes them."""
    mid = market_id(params)
    totals = morpho.market(mid)
    return model.Market(params[4], *totals[:4]), model.Position(*morpho.position(mid, user))
