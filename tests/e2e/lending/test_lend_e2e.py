"""README's "Borrow against the index" as a user types it, on `make market-node`'s node
(127.0.0.1:8545): market10 deployed and minted, its Morpho market opened, 10 MKT10 supplied, a
borrow too large refused with the most one may borrow (nothing sent), 500 USDC borrowed, the status,
then everything repaid and withdrawn."""

from __future__ import annotations

import json
import re
from decimal import Decimal

from indexvault.market.rpc import Function
from tests.utils.node import ROOT, ape_ok, ape_run, readme_rpc

MORPHO_POSITION = Function("position(bytes32,address)", "uint256,uint128,uint128")
ACCOUNT_0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # anvil's first dev account, the commands' default


README_NODE = "market"  # `make market-node`: the saved market on 127.0.0.1:8545 (tests/e2e/conftest.py)


def figure(out: str, label: str) -> str:
    match = re.search(rf"^\s+{label}\s+(.+)$", out, re.MULTILINE)
    assert match, out
    return match.group(1)


def test_borrow_against_the_index__as_the_readme_types_it(node, records):
    rpc = readme_rpc()
    ape_ok(records, "deploy", str(ROOT / "examples" / "market10.yaml"), "--yes")
    ape_ok(records, "mint", "--shares", "10")

    opened = ape_ok(records, "lend", "open")
    assert "Created the MKT10/USDC market at LLTV 62.5 %" in opened
    assert "the market maker lent 1,000,000.00 USDC in the market" in opened
    lending = json.loads((records / "ethereum-local.json").read_text())["indexes"]["MKT10"]["lending"]
    assert lending["lltv"] == "625000000000000000" and lending["loan_symbol"] == "USDC"
    other = ape_run(records, "lend", "open", "--lltv", "0.77")  # a second market would orphan the first's positions
    assert other.returncode == 1 and "MKT10 already has a market" in other.stdout and "differ in lltv" in other.stdout

    supplied = ape_ok(records, "lend", "supply", "10")
    assert figure(supplied, "collateral").startswith("10 MKT10 = ")
    most = Decimal(re.search(r"can borrow\s+([\d.,]+) USDC more", supplied).group(1).replace(",", ""))
    assert 600 < most < 630  # 62.5 % of about 1,000 USD

    block = rpc.call("eth_blockNumber")
    refused = ape_run(records, "lend", "borrow", "5000")
    assert refused.returncode == 1
    assert (
        f"Error: a borrow of 5,000 USDC would leave the position unhealthy: the most you can borrow now is "
        f"{most:f} USDC" in refused.stdout
    )
    assert rpc.call("eth_blockNumber") == block  # nothing sent

    borrowed = ape_ok(records, "lend", "borrow", "500")
    assert re.search(r"Borrowed 500 USDC \(gas [\d,]+\)", borrowed)
    status = ape_ok(records, "lend", "status")
    assert figure(status, "debt") == "500 USDC"
    assert 1.24 < float(figure(status, "health factor").split()[0]) < 1.26  # 62.5 % of ~999 USD over 500
    liquidation = Decimal(re.search(r"liquidation at\s+([\d.]+) USD a MKT10", status).group(1))
    assert 79 < liquidation < 81  # 500 / (10 * 0.625), times USDC's 1.0001 USD
    assert figure(status, "wallet") == "0.01 MKT10, 500 USDC"
    position = rpc.read([(lending["morpho"], MORPHO_POSITION, (bytes.fromhex(lending["market_id"][2:]), ACCOUNT_0))])
    assert position[0][1] > 0 and position[0][2] == 10 * 10**18  # borrow shares, collateral on chain

    repaid = ape_ok(records, "lend", "repay", "all")
    assert "Repaid 500 USDC" in repaid and figure(repaid, "debt") == "0 USDC"
    withdrawn = ape_ok(records, "lend", "withdraw", "all")
    assert "Withdrew 10 MKT10" in withdrawn
    assert figure(withdrawn, "wallet") == "10.01 MKT10, 0 USDC"
