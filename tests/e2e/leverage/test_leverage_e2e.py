"""The README's leveraged-token story as a user types it, on `make market-node`'s market (here on the
README's second node, 127.0.0.1:8546): market10 deployed and minted, both products created (the -1x's
market lent 100 MKT10 by the signer), 5,000 USDC minted into each, the market replayed to 2024-01-23
(MKT10 -13.2 %: the 2x above its band, the -1x below), `keeper leverage --simulate` (nothing sent),
`keeper leverage` bringing both back to target (and recording the index NavFeed's live round), and both
redeemed in full (the refusals are tests/unit/leverage/test_product.py's); then the README's unwind lines."""

from __future__ import annotations

import re
import shlex
from decimal import Decimal

from tests.utils.node import ROOT, SECOND_PORT, ape_ok, ape_run

README_NODE = "market"  # `make market-node`: the saved market (tests/e2e/conftest.py)
README_PORT = SECOND_PORT  # the README's second node (tests/utils/node.py), beside the 8545 modules


def number(pattern: str, out: str) -> Decimal:
    found = re.search(pattern, out)
    assert found, out
    return Decimal(found.group(1).replace(",", ""))


def test_both_products_minted_kept_on_target_and_redeemed(node, records, rpc):
    ape_ok(records, "deploy", str(ROOT / "examples" / "market10.yaml"), "--yes")
    ape_ok(records, "mint", "--shares", "200")
    created = ape_ok(records, "leverage", "create")
    assert re.search(r"0x[0-9a-fA-F]{40} lent 100 MKT10 in the USDC/MKT10 market", created), created
    assert "ripcord above 2.5x" in created and "ripcord above 1.35x" in created
    ape_ok(records, "market", "fund", "USDC", "10000")

    long_in = ape_ok(records, "leverage", "mint", "--product", "2x", "--usdc", "5000")
    expected = number(r"expect ([\d,.]+) MKT2X", long_in)
    minted = number(r"Minted ([\d,.]+) MKT2X", long_in)
    assert minted == expected  # the model's preview, to the printed digit
    paid_long = number(r"for ([\d,.]+) USDC \(refund", long_in)
    short_in = ape_ok(records, "leverage", "mint", "--product", "-1x", "--usdc", "5000")
    assert number(r"Minted ([\d,.]+) MKTIX", short_in) == number(r"expect ([\d,.]+) MKTIX", short_in)
    paid_short = number(r"for ([\d,.]+) USDC \(refund", short_in)

    ape_ok(records, "market", "replay", "--to", "2024-01-23")
    status = ape_ok(records, "leverage", "status")
    assert re.search(r"leverage +2\.3[5-6]\dx .*: OUT OF BAND: the keeper rebalances", status), status
    assert re.search(r"leverage +0\.76\dx .*: OUT OF BAND: the keeper rebalances", status), status

    block = rpc.call("eth_blockNumber")
    simulated = ape_ok(records, "keeper", "leverage", "--simulate")
    assert "[simulate] MKT2X (2x): rebalance: leverage 2.35" in simulated and ": delever, sell " in simulated
    assert "[simulate] MKTIX (-1x): rebalance: leverage 0.76" in simulated and ": lever up, sell " in simulated
    assert "round 1: 2 products, 2 trades decided, 0 sent" in simulated
    assert rpc.call("eth_blockNumber") == block

    kept = ape_ok(records, "keeper", "leverage")
    assert number(r"MKT2X \(2x\): rebalance sent: leverage [\d.]+ -> ([\d.]+)", kept) == Decimal("2.001")
    assert number(r"MKTIX \(-1x\): rebalance sent: leverage [\d.]+ -> ([\d.]+)", kept) == Decimal("1.000")
    assert "round 1: 2 products, 2 trades decided, 2 sent" in kept
    # The NavFeed's recorded round dates from `leverage create`, three weeks behind: recorded (the unwind's anchor).
    assert re.search(r"NavFeed poked: its last recorded round was [\d,]+ s behind the live one", kept), kept

    long_out = number(
        r"for ([\d,.]+) USDC \(gas", ape_ok(records, "leverage", "redeem", "--product", "2x", "--shares", "all")
    )
    short_out = number(
        r"for ([\d,.]+) USDC \(gas", ape_ok(records, "leverage", "redeem", "--product", "-1x", "--shares", "all")
    )
    # The index -13.2 %: the 2x lost about twice that, the -1x gained about as much, costs included.
    assert Decimal("-0.29") < long_out / paid_long - 1 < Decimal("-0.25")
    assert Decimal("0.11") < short_out / paid_short - 1 < Decimal("0.14")


def readme_unwind_lines() -> list[list[str]]:
    """The `ape run` lines of the README's code block after "anyone may unwind the product", as typed."""
    after = (ROOT / "README.md").read_text().split("anyone may unwind the product", 1)[1]
    block = after.split("\n\n    ", 1)[1].split("\n\n", 1)[0]
    return [shlex.split(line.strip().split("  #", 1)[0])[2:] for line in ("    " + block).splitlines()]


def test_stale_nav__armed_by_anyone_unwound_a_day_later_then_redeemed_in_kind(node, records):
    """The README's unwind lines, after the walk above on the same node: a 2x minted, the clock moved two
    days with no replay (the feeds, so the NAV, go stale), the unwind armed, a day on, the unwind (its bound
    `max_slippage`, 2 %: timed from the arming, not from the NavFeed's last round two days back), and the
    holder's redeem in kind."""
    mint, advance, arm, wait, unwind, redeem = lines = readme_unwind_lines()
    assert lines == [
        ["leverage", "mint", "--product", "2x", "--usdc", "1000"],
        ["market", "advance", "2d"],
        ["leverage", "unwind", "--product", "2x"],
        ["market", "advance", "1d"],
        ["leverage", "unwind", "--product", "2x"],
        ["leverage", "redeem", "--product", "2x", "--shares", "all"],
    ]
    minted = number(r"Minted ([\d,.]+) MKT2X", ape_ok(records, *mint))
    ape_ok(records, *advance)
    armed = ape_ok(records, *arm)
    assert re.search(r"armed: anyone may unwind MKT2X from [\d-]+ [\d:]+ UTC, the bound then 2 % widening", armed)
    assert "Armed MKT2X's unwind" in armed, armed
    ape_ok(records, *wait)
    unwound = ape_ok(records, *unwind)
    assert "(the last NAV -2 %)" in unwound, unwound
    assert "Unwound MKT2X" in unwound and "pays each holder their fraction, in kind" in unwound, unwound
    held_index = number(r"it holds ([\d,.]+) MKT10", unwound)
    held_usdc = number(r"MKT10 and ([\d,.]+) USDC", unwound)
    redeemed = ape_ok(records, *redeem)
    # The only holder gets all of it, rounded down: the index in kind and the USDC.
    assert number(r"Redeemed ([\d,.]+) MKT2X", redeemed) == minted
    assert number(r"and ([\d,.]+) MKT10", redeemed) == held_index
    assert number(r"for ([\d,.]+) USDC", redeemed) == held_usdc
    closed = ape_run(records, "leverage", "mint", "--product", "2x", "--usdc", "1000")
    assert closed.returncode != 0 and "MKT2X is unwound: closed for good" in closed.stdout, closed.stdout
