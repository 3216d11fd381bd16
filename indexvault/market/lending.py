"""Morpho Blue 1.0.0 on the local market: the published code compiled unmodified from its npm
sources (`indexvault.solidity`), deployed by the market maker, who owns it, with the zero-rate IRM
(address 0: Morpho's npm package ships no production interest rate model, so the local market's
loans accrue nothing) and the LLTVs Morpho's governance has enabled on mainnet."""

from __future__ import annotations

from indexvault.lending.model import MAINNET_LLTVS
from indexvault.market.record import Lending
from indexvault.market.rpc import Function, Rpc, Tx
from indexvault.solidity import artifact

ZERO_IRM = "0x" + "00" * 20
ENABLE_IRM = Function("enableIrm(address)")
ENABLE_LLTV = Function("enableLltv(uint256)")
IS_LLTV_ENABLED = Function("isLltvEnabled(uint256)", "bool")
OWNER = Function("owner()", "address")


def deploy_morpho(rpc: Rpc, owner: str) -> Lending:
    """Morpho Blue owned by `owner` (an unlocked account), its zero-rate IRM and mainnet's LLTVs enabled."""
    morpho = rpc.deploy(owner, artifact("Morpho")["bytecode"], "Morpho Blue", ("address",), (owner,))
    txs = [Tx(owner, morpho, ENABLE_IRM(ZERO_IRM), "Morpho: enable the zero-rate IRM", gas=100_000)]
    txs += [Tx(owner, morpho, ENABLE_LLTV(lltv), f"Morpho: enable LLTV {lltv}", gas=100_000) for lltv in MAINNET_LLTVS]
    rpc.transact(txs)
    return Lending(morpho=morpho, irm=ZERO_IRM, lltvs=list(MAINNET_LLTVS))
