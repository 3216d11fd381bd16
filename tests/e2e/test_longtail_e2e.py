"""The README's "Long-tail assets" walk as typed: a market whose LDO and GRT have only a Uniswap V3
pool (`market build --twap-only`, served with `market serve --from`), an index of them priced by
TwapFeeds from `examples/longtail.yaml`, minted, replayed, shown at the pools' TWAPs, redeemed, then
created from the same file through the factory (each TwapFeed listed by `IndexFactory.list_twap`).

`make test` keeps it to the commands this walk adds: the market is built by the code `market build`
runs (`plan` and `build`, in this process, 1 s instead of an `ape run`'s 7), and `mint` and `redeem`,
which every other walk runs, are left out. `make test-long` runs every line as typed."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import pytest

from indexvault import history
from indexvault.chain import project_bytecode
from indexvault.market import build as market_build
from indexvault.market import node as market_node
from indexvault.market import record as market_record
from tests.e2e.market.test_market import readme_section_commands
from tests.utils import LONG
from tests.utils.node import PORT, SECOND_PORT, MarketNode, ape_ok, use_port

README_PORT = SECOND_PORT  # the README's second node (tests/utils/node.py), beside the 8545 modules
SECTION = "Long-tail assets: priced by Uniswap V3 TWAPs"


@pytest.fixture(scope="module")
def node(records):
    """The walk starts its own node (`market serve --from`), stopped here afterwards."""
    use_port(SECOND_PORT)
    started: list[MarketNode] = []
    yield started
    for served in started:
        served.stop()
    use_port(PORT)


def build_in_process(folder, twap_only):
    """What `ape run market build --twap-only ... --out FOLDER` does, without the command's start-up."""
    plan = market_build.plan("2024-01-01", twap_only=twap_only)
    with market_node.Anvil(args=["--timestamp", str(market_build.genesis_timestamp(plan.date))]) as anvil:
        record = market_build.build(anvil.rpc, plan, project_bytecode)
        market_node.save_state(anvil.rpc, folder)
    market_record.save(record, folder / market_node.RECORD_FILE)


def status_row(output: str, symbol: str) -> tuple[Decimal, Decimal]:
    """A component's units a share and price from `ape run status`'s table."""
    row = re.search(rf"^{symbol}\s+\d+\s+([\d.]+)\s+.*?\s([\d,]+\.\d+)\s+[\d.]+\s+[\d.]+%$", output, re.M)
    assert row, output
    return Decimal(row.group(1)), Decimal(row.group(2).replace(",", ""))


def test_readme_longtail_section__runs_as_typed_and_the_nav_follows_the_twaps(node, records, tmp_path):
    commands = readme_section_commands(SECTION)
    assert [c[:2] for c in commands[:2]] == [["market", "build"], ["market", "serve"]]
    build, serve, *rest = commands
    folder = tmp_path / "longtail"  # the README's markets/longtail, kept out of the checkout
    build[build.index("--out") + 1] = str(folder)
    assert serve[2:] == ["--from", "markets/longtail"]
    started = time.monotonic()
    if LONG:
        built = ape_ok(records, *build)
        assert "long-tail (V3 pool only, no feed): GRT, LDO" in built
        assert re.search(r"Saved 21 tokens, 19 feeds, 42 pools", built)
    else:
        assert build[2:] == ["--twap-only", "LDO,GRT", "--out", str(folder)]
        build_in_process(folder, twap_only=["LDO", "GRT"])
    node.append(MarketNode(records, port=SECOND_PORT, folder=folder))
    outputs = {}
    for command in rest:
        if LONG or command[0] not in ("mint", "redeem"):
            outputs[" ".join(command[:2])] = ape_ok(records, *command)
    assert "(LDO / USD TWAP 30m, heartbeat 86,400 s)" in outputs["deploy examples/longtail.yaml"]
    assert "(GRT / USD TWAP 30m, heartbeat 86,400 s)" in outputs["deploy examples/longtail.yaml"]

    # Half an hour past the 2024-01-05 close, each TWAP is that close (its pool's tick rounds down).
    shown = outputs["status"]
    closes = {s: history.close(s, "2024-01-05") for s in ("BTC", "ETH", "LDO", "GRT")}
    units = {}
    for symbol, token in (("BTC", "WBTC"), ("ETH", "WETH"), ("LDO", "LDO"), ("GRT", "GRT")):
        units[symbol], price = status_row(shown, token)
        assert price == pytest.approx(closes[symbol], rel=Decimal("0.0003")), symbol
    nav = Decimal(re.search(r"^NAV per share\s+([\d.]+) USD", shown, re.M).group(1))
    assert nav == pytest.approx(sum(units[s] * closes[s] for s in units), rel=Decimal("0.0003"))
    # LDO's 15 USD a share at launch followed its pool up 22 %, GRT's down 15 %.
    assert units["LDO"] * closes["LDO"] > Decimal(18) and units["GRT"] * closes["GRT"] < Decimal(13)
    # The factory path of the README's sentence: each TwapFeed listed through `IndexFactory.list_twap`,
    # which checks its window and depth rule and allowlists it, so the index is not labelled custom.
    created = outputs["create-index examples/longtail.yaml"]
    assert "(LDO / USD TWAP 30m, heartbeat 86,400 s)" in created and "Created LTAIL (index 0" in created
    assert "TWAP listing: pools of Uniswap V3" in created and ">= 75,000 USD a side" in created
    registry = ape_ok(records, "status")
    row = re.search(r"^ 0\s+LTAIL\s+.*allowlisted feeds\s+1 d\s+([\d.]+)$", registry, re.M)
    assert row, registry
    # Weights became units at the TWAPs the feeds then answer: the file's 100 USD a share, to rounding.
    assert Decimal(row.group(1)) == pytest.approx(Decimal(100), rel=Decimal("0.00001"))
    if not LONG:
        return
    # Redeemed in kind, the 0.1 % fee kept: four shares' LDO, whatever its price does.
    redeemed = outputs["redeem --shares"]
    assert "Redeemed 4 LTAIL" in redeemed
    ldo = Decimal(re.search(r"^  ([\d.]+) LDO", redeemed, re.M).group(1))
    assert ldo == pytest.approx(4 * units["LDO"] * Decimal("0.999"), rel=Decimal("0.00001"))
    print(f"long-tail walk: {time.monotonic() - started:.1f} s")
