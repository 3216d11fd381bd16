"""The local market as the README has a user drive it: `make market-node`
(`ape run market serve`), then `ape run market status|replay`, and an index
of market assets deployed, minted and shown, with no other settings."""

from __future__ import annotations

import json
import re
import shlex
from decimal import Decimal

import pytest
import yaml

from tests.utils.node import ROOT, ape_run, readme_rpc

README_NODE = "market"  # make market-node (tests/e2e/conftest.py)


def test_status__every_pool_at_its_feed(node, records):
    result = ape_run(records, "market", "status")
    assert result.returncode == 0, result.stdout
    assert "Market of 2024-01-01 (21 assets, quote USDC), prices at the close of 2024-01-01" in result.stdout
    assert re.search(r"BTC\s+WBTC\s+USDC v3 0.05%\s+44,167.33\s+44,167.33", result.stdout)


def readme_section_commands(title: str) -> list[list[str]]:
    """The `ape run` lines of the first code block under README heading `title`, in order, as typed."""
    section = (ROOT / "README.md").read_text().split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]
    commands = []
    for line in section.splitlines():
        command = line.strip().split("  #", 1)[0].strip()
        if line.startswith("    ") and command.startswith("ape run "):
            commands.append(shlex.split(command)[2:])
    return commands


def test_readme_section__runs_as_typed_then_deploy_mint_status(node, records):
    # The section once had `market swap` before any `market fund`: the account held no USDC.
    commands = readme_section_commands("The local market")
    assert commands[:3] == [
        ["market", "status"],
        ["market", "fund", "USDC", "10000"],
        ["market", "swap", "--sell", "USDC", "--buy", "WBTC", "--amount", "10000"],
    ]
    outputs = {}
    for command in commands:
        result = ape_run(records, *command)
        assert result.returncode == 0, f"ape run {' '.join(command)}:\n{result.stdout}"
        outputs[" ".join(command[:2])] = result.stdout
    assert "paid 10000 USDC, received 0.2" in outputs["market swap"]
    replayed = outputs["market replay"]
    assert "31 days, 31 steps" in replayed
    worst = re.search(r"worst pool after the replay: \S+ \S+ ([0-9.]+) % from its feed", replayed)
    assert worst and Decimal(worst.group(1)) < Decimal("0.5")

    shown = ape_run(records, "market", "status", "--json")
    assert shown.returncode == 0, shown.stdout
    market = json.loads(shown.stdout[shown.stdout.index("{") :])
    assert market["day"] == "2024-02-01"
    assert max(abs(Decimal(p["gap"])) for p in market["pools"]) < Decimal("0.005")

    status = ape_run(records, "status", "--json")
    index = json.loads(status.stdout[status.stdout.index("{") :])
    assert [c["symbol"] for c in index["components"]] == [
        "WBTC",
        "WETH",
        "BNB",
        "SOL",
        "XRP",
        "ADA",
        "AVAX",
        "DOGE",
        "DOT",
        "MATIC",
    ]
    # Weights from the file at the feeds' prices: 100 USD a share at launch.
    assert Decimal(index["nav_per_share"]) == pytest.approx(Decimal(100), rel=Decimal("0.0001"))
    assert Decimal(index["components"][0]["weight"]) == pytest.approx(Decimal("0.25"), abs=Decimal("0.0001"))


def test_readme_one_asset_and_keeper_sections__run_as_typed_until_every_target_is_met(node, records):
    """The README's next two sections, as typed, on the state the one above left: one-asset mint and
    redeem, then the keeper section: propose, the local clock moved past the timelock, a simulated
    round, and rounds until every target is met. Before the index file had a `rebalance:` section,
    `propose` failed here: MKT10 had no Rebalancer and no command deployed one."""
    keeper = readme_section_commands("Rebalancing: the keeper and the demo")
    assert [c[:2] for c in keeper] == [
        ["mint", "--shares"],
        ["keeper", "propose"],
        ["market", "advance"],
        ["keeper", "rebalance"],
        ["keeper", "rebalance"],
        ["market", "replay"],
        ["keeper", "rebalance"],
    ]
    outputs = []
    for command in readme_section_commands("One asset in, one asset out") + keeper:
        result = ape_run(records, *command)
        assert result.returncode == 0, f"ape run {' '.join(command)}:\n{result.stdout}"
        outputs.append(result.stdout)
    proposed, advanced, simulated, first, _, rounds = outputs[-6:]
    assert "  LINK " in proposed and "added LINK; removed MATIC" in proposed
    assert re.search(
        r"proposed 11 targets for MKT10: auctions open at .* \(in 1 h, the Rebalancer's timelock\)", proposed
    )
    assert re.search(r"block time moved 28,\d{3} s", advanced)
    assert "[simulate] bid " in simulated and "signs nothing" not in simulated
    lines = [line for line in (first + rounds).splitlines() if line.startswith("round ")]
    assert lines and all(" base units" not in line for line in lines)
    assert re.search(r"^round 1 \(.*\): factor 0\.99\d\d, \d+ bid\(s\): sold ", lines[0])
    # A local node's clock stands still between transactions: the first run stops when nothing more pays.
    assert "nothing more pays at this block time" in first, first
    assert rounds.rstrip().endswith("every target met: MKT10 is rebalanced"), rounds

    status = ape_run(records, "status", "--json")
    index = json.loads(status.stdout[status.stdout.index("{") :])
    # The slots the auctions added (LINK, and USDC: the proposal's cash buffer stays in the quote) are
    # shown, and minting takes them.
    units = {c["symbol"]: Decimal(c["unit"]) for c in index["components"]}
    assert set(list(units)[10:]) == {"LINK", "USDC"} and units["MATIC"] == 0 and units["LINK"] > 0 < units["USDC"]
    assert ape_run(records, "market", "fund", "LINK", "10").returncode == 0  # deploy funded the launch basket
    minted = ape_run(records, "mint", "--shares", "1")
    assert minted.returncode == 0, minted.stdout
    assert "LINK" in minted.stdout


def test_deploy__unknown_market_symbol__named_with_the_market_s_assets(node, records, tmp_path):
    bad = yaml.safe_load((ROOT / "examples" / "market10.yaml").read_text())
    bad["symbol"] = "BAD"
    bad["components"][2]["token"] = "PEPE"
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(bad))
    result = ape_run(records, "deploy", str(path), "--yes")
    assert result.returncode == 1
    assert "components[2].token: 'PEPE' is not an asset of the 2024-01-01 market (USDC, WBTC, WETH" in result.stdout
    assert "BAD" not in json.loads((records / "ethereum-local.json").read_text())["indexes"]


def test_fork__on_a_chain_that_is_not_mainnet__refused_with_the_way_to_fork(node, records):
    result = ape_run(records, "market", "fork")
    assert result.returncode == 1
    assert "the address book is for chain 1, this node is chain 31337: fork a real network" in result.stdout
    assert "Traceback" not in result.stdout


def test_fund__mints_market_tokens_to_the_first_account(node, records):
    from indexvault.market.record import MarketRecord
    from indexvault.market.uniswap import ERC20_BALANCE

    market = MarketRecord.model_validate(json.loads((records / "ethereum-local.json").read_text())["market"])
    me = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the first test account
    rpc = readme_rpc()
    before = rpc.read([(market.assets["USDC"].token, ERC20_BALANCE, (me,))])[0][0]
    result = ape_run(records, "market", "fund", "USDC", "5000")
    assert result.returncode == 0, result.stdout
    assert f"{me} received 5000 USDC" in result.stdout
    assert rpc.read([(market.assets["USDC"].token, ERC20_BALANCE, (me,))])[0][0] == before + 5000 * 10**6

    unknown = ape_run(records, "market", "fund", "PEPE", "1")
    assert unknown.returncode == 1
    assert "'PEPE' is not an asset of the 2024-01-01 market" in unknown.stdout
