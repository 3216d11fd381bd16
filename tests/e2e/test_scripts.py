"""The scripts end to end, as a user runs them: `make anvil` (here the README's second node, 8546),
then `ape run deploy|mint|status|redeem` with no settings the README does not give."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
import yaml

from tests.utils.node import ROOT, SECOND_PORT, ape_run

DEMO = ROOT / "examples" / "demo.yaml"

README_PORT = SECOND_PORT  # the README's second node (tests/utils/node.py), beside the 8545 modules


@pytest.fixture(scope="module")
def deployed(node, records):
    result = ape_run(records, "deploy", str(DEMO), "--yes")
    assert result.returncode == 0, result.stdout
    return json.loads((records / "ethereum-local.json").read_text())


def status(node, records) -> dict:
    result = ape_run(records, "status", "--json")
    assert result.returncode == 0, result.stdout
    return json.loads(result.stdout[result.stdout.index("{") :])


def test_deploy__records_the_index(deployed):
    record = deployed["indexes"]["DCI"]
    assert deployed["latest"] == "DCI"
    assert [c["symbol"] for c in record["components"]] == ["WBTC", "WETH", "LINK", "USDC", "USDT"]
    assert [c["decimals"] for c in record["components"]] == [8, 18, 18, 6, 6]
    assert record["chain_id"] == 31337


def test_mint_status_redeem(node, records, deployed):
    before = status(node, records)
    assert Decimal(before["supply"]) == 0
    # Weights are 40/30/10/10/10 of 100 USD at the demo's mock prices.
    assert Decimal(before["nav_per_share"]) == pytest.approx(Decimal(100), rel=Decimal("0.0001"))

    minted = ape_run(records, "mint", "--shares", "2")
    assert minted.returncode == 0, minted.stdout
    assert "Minted 2 DCI" in minted.stdout
    # 10 USDC a share, plus the 0.1 % mint fee: 2.002 * 10 USDC.
    assert "20.02 USDC" in minted.stdout

    after_mint = status(node, records)
    supply = Decimal(after_mint["supply"])
    assert Decimal("2.002") <= supply < Decimal("2.002000001")  # plus seconds of streaming fee
    assert Decimal(after_mint["nav"]) == pytest.approx(supply * 100, rel=Decimal("0.0001"))
    weights = [Decimal(c["weight"]) for c in after_mint["components"]]
    assert weights == pytest.approx(
        [Decimal("0.4"), Decimal("0.3"), Decimal("0.1"), Decimal("0.1"), Decimal("0.1")], abs=Decimal("0.0001")
    )
    for component in after_mint["components"]:
        # Every share fully backed; mint rounds up by at most one base unit.
        surplus = Decimal(component["held"]) - Decimal(component["owed"])
        assert 0 <= surplus <= Decimal(10) ** -component["decimals"]

    redeemed = ape_run(records, "redeem", "--shares", "1")
    assert redeemed.returncode == 0, redeemed.stdout
    assert "Redeemed 1 DCI" in redeemed.stdout
    after_redeem = status(node, records)
    # The 0.1 % redeem fee stays in supply as the fee recipient's shares.
    assert Decimal(after_redeem["supply"]) == pytest.approx(supply - Decimal("0.999"), abs=Decimal("0.000001"))


def test_status__table(node, records, deployed):
    # `ape run status` exactly as typed (no PYTHONWARNINGS, no -v: see tests/utils/node.py).
    result = ape_run(records, "status")
    assert result.returncode == 0, result.stdout
    for text in ("Demo Crypto Index (DCI)", "WBTC", "NAV per share", "streaming 0.95% a year"):
        assert text in result.stdout
    # Neither ape-vyper's config-model warning nor Ape's per-transaction log line.
    assert "Warning" not in result.stdout and "Confirmed" not in result.stdout, result.stdout
    # The account's own shares at NAV: 2 minted, 1 redeemed, the 0.2 % of fees its own as the fee recipient.
    mine = re.search(r"your shares\s+([0-9.,]+) DCI \(([0-9.,]+) USD at NAV\), (0x\w+)", result.stdout)
    assert mine, result.stdout
    shares, value = Decimal(mine.group(1)), Decimal(mine.group(2).replace(",", ""))
    assert Decimal("1.003") <= shares < Decimal("1.003001")
    nav_per_share = Decimal(re.search(r"NAV per share\s+([0-9.,]+) USD", result.stdout).group(1))
    assert value == pytest.approx(shares * nav_per_share, abs=Decimal("0.01"))
    assert mine.group(3) == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the first test account


def test_mint_zero_and_redeem_dust__refused_before_sending(node, records, deployed):
    zero = ape_run(records, "mint", "--shares", "0")
    assert zero.returncode == 2
    assert "'0': give a positive number of index tokens, at least 1e-18" in zero.stdout
    dust = ape_run(records, "redeem", "--shares", "0.000000000000000001")
    assert dust.returncode == 1
    assert (
        "Error: redeeming 1E-18 DCI would pay nothing (every component rounds down to zero): redeem more shares"
        in dust.stdout
    )
    for result in (zero, dust):
        assert "reverted" not in result.stdout and "Traceback" not in result.stdout


def test_redeem__more_than_held__clear_message(node, records, deployed):
    result = ape_run(records, "redeem", "--shares", "5000")
    assert result.returncode == 1
    assert "not 5000" in result.stdout
    assert "Traceback" not in result.stdout


def test_deploy__bad_index_file__names_each_field_and_deploys_nothing(node, tmp_path):
    bad = yaml.safe_load(DEMO.read_text())
    bad["components"][1]["token"] = "nope"
    bad["components"].append({"token": "WBTC", "weight": 0.1})
    bad["fees"]["mint"] = 0.02
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    result = ape_run(tmp_path, "deploy", str(path), "--yes")
    assert result.returncode == 1
    assert (
        "components[1].token: 'nope' is neither an address, a token under `mocks`, nor a market asset's symbol"
        in result.stdout
    )
    assert "components[5].token: duplicate of components[0] (WBTC)" in result.stdout
    assert "components: weights sum to 1.1, not 1" in result.stdout
    assert "fees.mint: 0.02 is above max_fees.mint" in result.stdout
    assert "Traceback" not in result.stdout
    assert not (tmp_path / "ethereum-local.json").exists()


def test_deploy__address_without_feed__names_the_field(node, tmp_path):
    path = tmp_path / "nofeed.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "No Feed",
                "symbol": "NOF",
                "supply_cap": 100,
                "components": [{"token": "0x" + "ab" * 20, "units": "1.5"}],
            }
        )
    )
    result = ape_run(tmp_path, "deploy", str(path), "--yes")
    assert result.returncode == 1
    assert "components[0].feed: missing; every component needs a price feed" in result.stdout
    assert not (tmp_path / "ethereum-local.json").exists()


def test_redeem__skip__leaves_that_component_as_a_claim(node, records, deployed):
    assert ape_run(records, "mint", "--shares", "1").returncode == 0
    before = {c["symbol"]: c for c in status(node, records)["components"]}
    result = ape_run(records, "redeem", "--shares", "0.5", "--skip", "USDC")
    assert result.returncode == 0, result.stdout
    assert "USDC  (kept as a claim)" in result.stdout
    after = {c["symbol"]: c for c in status(node, records)["components"]}
    # USDC stayed in the vault (now the redeemer's claim); the others left.
    assert Decimal(after["USDC"]["held"]) == Decimal(before["USDC"]["held"])
    assert Decimal(after["USDC"]["held"]) - Decimal(after["USDC"]["owed"]) >= Decimal("4.99")
    assert Decimal(after["WETH"]["held"]) < Decimal(before["WETH"]["held"])
    claim = Decimal(after["USDC"]["claims"])
    assert Decimal("4.99") <= claim <= Decimal("5")
    assert Decimal(after["WETH"]["claims"]) == 0

    withdrawn = ape_run(records, "claim", "USDC")
    assert withdrawn.returncode == 0, withdrawn.stdout
    assert f"Withdrew {claim:f} USDC" in withdrawn.stdout
    final = {c["symbol"]: c for c in status(node, records)["components"]}
    assert Decimal(final["USDC"]["claims"]) == 0
    assert Decimal(final["USDC"]["held"]) == Decimal(after["USDC"]["held"]) - claim

    again = ape_run(records, "claim", "USDC")
    assert again.returncode == 1
    assert "has no claim on USDC in DCI" in again.stdout


def test_redeem__skip_unknown_component__clear_message(node, records, deployed):
    result = ape_run(records, "redeem", "--shares", "0.1", "--skip", "DOGE")
    assert result.returncode == 1
    assert "DOGE: not a component of DCI (WBTC, WETH, LINK, USDC, USDT)" in result.stdout


def test_deploy__token_addresses_with_feeds(node, records, deployed):
    """The real-network path: components by address, with their own feeds
    (here the demo's mock tokens and feeds, already on the chain)."""
    demo = {c["symbol"]: c for c in deployed["indexes"]["DCI"]["components"]}
    path = records / "by_address.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Two Coins",
                "symbol": "TWO",
                "supply_cap": 1000,
                "components": [
                    {
                        "token": demo["WBTC"]["token"],
                        "units": "0.001",
                        "feed": {"primary": demo["WBTC"]["feed"], "heartbeat": 3600},
                    },
                    # USDC checked against the USDT feed: both answer 1 USD.
                    {
                        "token": demo["USDC"]["token"],
                        "units": "25.5",
                        "feed": {
                            "primary": demo["USDC"]["feed"],
                            "heartbeat": 3600,
                            "secondary": demo["USDT"]["feed"],
                            "secondary_heartbeat": 3600,
                            "max_deviation": 0.02,
                        },
                    },
                ],
            }
        )
    )
    result = ape_run(records, "deploy", str(path), "--yes")
    assert result.returncode == 0, result.stdout
    record = json.loads((records / "ethereum-local.json").read_text())["indexes"]["TWO"]
    assert [(c["symbol"], c["decimals"]) for c in record["components"]] == [("WBTC", 8), ("USDC", 6)]

    shown = ape_run(records, "status", "--index", "TWO", "--json")
    assert shown.returncode == 0, shown.stdout
    two = json.loads(shown.stdout[shown.stdout.index("{") :])
    # 0.001 WBTC at 60,000 USD plus 25.5 USDC at 1 USD.
    assert Decimal(two["nav_per_share"]) == Decimal("85.5")
    assert [Decimal(c["unit"]) for c in two["components"]] == [Decimal("0.001"), Decimal("25.5")]


def test_deploy__address_with_no_contract__names_the_field(node, tmp_path):
    path = tmp_path / "nocode.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Nothing",
                "symbol": "NIL",
                "supply_cap": 100,
                "components": [
                    {"token": "0x" + "ab" * 20, "units": "1", "feed": {"primary": "0x" + "cd" * 20, "heartbeat": 3600}}
                ],
            }
        )
    )
    result = ape_run(tmp_path, "deploy", str(path), "--yes")
    assert result.returncode == 1
    assert "components[0].token: no contract at 0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB on local" in result.stdout
    assert not (tmp_path / "ethereum-local.json").exists()


def test_deploy__unit_rounds_to_zero__deploys_not_even_the_mocks(node, tmp_path):
    path = tmp_path / "dust.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "Dust",
                "symbol": "DUST",
                "supply_cap": 100,
                "initial_nav_per_share": 100,
                "components": [{"token": "GOLD", "weight": 1}],
                "mocks": {"GOLD": {"decimals": 0, "price": 60000}},
            }
        )
    )
    result = ape_run(tmp_path, "deploy", str(path), "--yes")
    assert result.returncode == 1
    assert "components[0]: less than one base unit of GOLD per index token; raise its units or weight" in result.stdout
    assert "mock GOLD" not in result.stdout
    assert not (tmp_path / "ethereum-local.json").exists()


def test_add_rebalancer__deployed_directly__granted_at_once_then_refused_twice(node, records, deployed):
    """An index deployed without a `rebalance:` section takes one from its admin in one command; a quote
    that is a component needs no market on the network."""
    added = ape_run(records, "keeper", "add-rebalancer", "--index", "DCI", "--quote", "USDC", "--timelock", "3600")
    assert added.returncode == 0, added.stdout
    dci = json.loads((records / "ethereum-local.json").read_text())["indexes"]["DCI"]
    assert dci["quote_symbol"] == "USDC" and dci["auction"] == 86_400
    assert f"rebalancer DCI    {dci['rebalancer']} (quote USDC, timelock 1 h, band 5%)" in added.stdout
    again = ape_run(records, "keeper", "add-rebalancer", "--index", "DCI", "--quote", "USDC")
    assert again.returncode == 1
    assert f"DCI already has a Rebalancer: {dci['rebalancer']}" in again.stdout
