"""`ape run mint --from USDC` and `ape run redeem --to USDC` as the README's
user types them, on `make market-node`'s node (127.0.0.1:8545) with the
market10 index deployed and minted in kind first."""

from __future__ import annotations

import json
import re

import pytest

from indexvault.market import record as market_record
from indexvault.market import uniswap as uni
from indexvault.market.rpc import Tx
from tests.utils.node import ROOT, ape_run, readme_rpc

README_NODE = "market"  # make market-node (tests/e2e/conftest.py)


@pytest.fixture(scope="module")
def deployed(node, records):
    """market10 deployed and 3 shares minted in kind; the user (dev account 0)
    also holds 1,000 USDC, minted from the market's mock token."""
    assert ape_run(records, "deploy", str(ROOT / "examples" / "market10.yaml"), "--yes").returncode == 0
    assert ape_run(records, "mint", "--shares", "3").returncode == 0
    rpc = readme_rpc()
    user = rpc.call("eth_accounts")[0]
    market = market_record.MarketRecord.model_validate(
        json.loads((records / "ethereum-local.json").read_text())["market"]
    )
    rpc.transact([Tx(user, market.assets["USDC"].token, uni.MOCK_MINT(user, 1_000 * 10**6), "fund", gas=100_000)])
    return records


def test_mint_from_usdc__quote_route_by_route_then_the_result(deployed):
    result = ape_run(deployed, "mint", "--from", "USDC", "--shares", "1")
    assert result.returncode == 0, result.stdout
    out = result.stdout
    assert "Quote: 1 MKT10 from USDC, route by route:" in out
    for symbol in ("WBTC", "WETH", "BNB", "SOL", "XRP", "ADA", "AVAX", "DOGE", "DOT", "MATIC"):
        assert re.search(
            rf"^  {symbol}\s+v[23] USDC>{symbol} \(0\.\d+ %\)\s+[\d.]+ USDC\s+[\d.]+ {symbol}\s+"
            r"[\d.]+%\s+[\d.]+%$",
            out,
            re.M,
        ), symbol
    assert re.search(r"cost [\d.]+ USD \([\d.]+ bps\)", out)
    minted = re.search(r"Minted 1 MKT10 from USDC \(gas [\d,]+\), paying ([\d.]+) USDC \(quoted ([\d.]+)\)", out)
    assert minted and float(minted.group(1)) <= float(minted.group(2))  # the streaming fee only lowers it
    assert "router 0x" in out  # deployed on first use ...
    assert json.loads((deployed / "ethereum-local.json").read_text())["indexes"]["MKT10"]["router"]


def test_redeem_to_usdc__quote_route_by_route_then_the_result(deployed):
    result = ape_run(deployed, "redeem", "--to", "USDC", "--shares", "1")
    assert result.returncode == 0, result.stdout
    out = result.stdout
    assert "Quote: 1 MKT10 to USDC, route by route:" in out
    assert re.search(r"^  WBTC\s+v[23] WBTC>USDC", out, re.M)
    received = re.search(r"Redeemed 1 MKT10 to USDC \(gas [\d,]+\), receiving ([\d.]+) USDC \(quoted ([\d.]+)\)", out)
    assert received and 99 < float(received.group(1)) < 100.1
    assert "router 0x" not in out  # ... and reused after


def test_mint_from__max_in_below_the_quote__reverts_with_the_router_s_reason(deployed):
    result = ape_run(deployed, "mint", "--from", "USDC", "--shares", "1", "--max-in", "90")
    assert result.returncode == 1
    assert "reverted: router: max in exceeded (the call before sending it; nothing was sent)" in result.stdout
    assert "Traceback" not in result.stdout and "Call trace" not in result.stdout


def test_redeem_to__min_out_above_the_quote__reverts_with_the_router_s_reason(deployed):
    result = ape_run(deployed, "redeem", "--to", "USDC", "--shares", "1", "--min-out", "110")
    assert result.returncode == 1
    assert "reverted: router: min out not met (the call before sending it; nothing was sent)" in result.stdout
    assert "Call trace" not in result.stdout


def test_options__one_asset_bounds_without_the_asset__refused(deployed):
    result = ape_run(deployed, "mint", "--shares", "1", "--max-in", "90")
    assert result.returncode == 2
    assert "--max-in needs --from" in result.stdout
