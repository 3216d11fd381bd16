"""The testnet rehearsal as the README runs it (`ape run rehearsal`): anvil
with Sepolia's chain id, a keystore account imported from the test mnemonic
in a temporary Ape data folder, the factory and an index created (cut off
after its first step and resumed), mint, redeem, a fee change queued and
executed through the timelock; then the keepers against the rehearsal's own
Uniswap V2, found through its address book with no local market recorded:
propose, rebalance through the auctions until every target is met, the index
token's pool created and an arbitrage round. About 3 min, mostly waiting for a block a second: it runs in
`make test-long` (and as `make rehearsal`), not in `make test`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.utils import LONG
from tests.utils.node import ape_run

pytestmark = pytest.mark.skipif(not LONG, reason="the testnet rehearsal (3 min): make test-long, or make rehearsal")


@pytest.fixture(scope="module")
def rehearsal(tmp_path_factory):
    keystore = Path.home() / ".ape" / "accounts" / "rehearsal.json"
    existed = keystore.exists()
    result = ape_run(tmp_path_factory.mktemp("deployments"), "rehearsal")
    assert result.returncode == 0, result.stdout
    # The keystore went to the rehearsal's temporary data folder, not the user's ~/.ape.
    assert keystore.exists() == existed
    return result.stdout


def test_rehearsal__imports_the_account_on_the_sepolia_chain(rehearsal):
    assert (
        "A new account '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266' has been added with the id 'rehearsal'" in rehearsal
    )
    assert "on ethereum:sepolia (chain id 11155111), signed by 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" in rehearsal
    assert "Traceback" not in rehearsal


def test_rehearsal__create_cut_off_is_incomplete_then_resumed(rehearsal):
    killed = re.search(r"killed after: (.+)", rehearsal).group(1).split(", ")
    assert killed[0] == "implementation IndexVault"
    assert f"INCOMPLETE, not live: factory ({len(killed)} step(s) done)" in rehearsal
    assert f"resuming factory: {len(killed)} step(s) already done" in rehearsal
    assert re.search(r"implementation IndexVault\s+done \(recorded\), skipped", rehearsal)
    assert "Created MAJ (index 0 of the factory)" in rehearsal
    # One factory, one index: the resumed run made neither twice.
    assert rehearsal.count("IndexFactory 0x") == 2  # deployed once, then listed by status
    assert "(version 1): 1 index" in rehearsal


def test_rehearsal__mint_redeem_and_fee_change_through_the_timelock(rehearsal):
    assert "Minted 2 MAJ" in rehearsal
    assert "Redeemed 1 MAJ" in rehearsal
    assert "Queued MAJ: fees mint 0.3%, redeem 0.2%, streaming 1% a year" in rehearsal
    assert "Executed MAJ: fees mint 0.3%, redeem 0.2%, streaming 1% a year" in rehearsal
    # The final status: the new fees, and the registry's NAV feed at the file's 50 USD a share.
    assert "fees             mint 0.30%, redeem 0.20%, streaming 1.00% a year" in rehearsal
    nav = re.search(r" 0  MAJ .* (\d+\.\d+)\n", rehearsal).group(1)
    assert abs(float(nav) - 50) < 0.01
    assert "Rehearsal passed" in rehearsal


def test_rehearsal__keepers_find_the_market_through_the_address_book_alone(rehearsal):
    # Checked by the rehearsal before the keepers ran and after the last: no local market on the network.
    assert (
        rehearsal.count(
            "# no local market recorded for ethereum:sepolia; the address book is address-book-11155111.yaml"
        )
        == 2
    )
    pools = re.search(r"pools 100,000,000 USD deep at the feeds' prices: BTC/USDC (0x\w+), ETH/USDC (0x\w+)", rehearsal)
    assert pools is not None, "the book's factory found a pool for each component"
    assert "Minted 1000 MAJ" in rehearsal


def test_rehearsal__rebalance_through_auctions_until_every_target_is_met(rehearsal):
    # Market-cap weights of BTC and ETH on 2024-02-01, not the file's 50/50: the auctions have work to do.
    assert re.search(r"BTC +0\.000624\d* BTC +a share \(75\.32%\)", rehearsal)
    assert re.search(r"ETH +0\.00409\d* ETH +a share \(24\.68%\)", rehearsal)
    assert "proposed 2 targets for MAJ" in rehearsal
    rounds = re.findall(
        r"round \d+ \(.*\): factor (0\.99\d\d), (\d) bid\(s\): (.*); keeper profit ([\d.,]+) USD", rehearsal
    )
    assert rounds, "at least one round bid"
    assert all(float(factor) < 1 for factor, *_ in rounds)  # inside the auction, below par
    trades = " ".join(r[2] for r in rounds)
    assert re.search(r"sold 4\.2\d* ETH", trades) and re.search(r"bought 0\.20\d* BTC", trades)
    assert all(float(r[3].replace(",", "")) > 1 for r in rounds)  # each round's bids paid the keeper
    assert "every target met: MAJ is rebalanced" in rehearsal


def test_rehearsal__arbitrage_creates_the_pool_and_brings_it_back_to_nav(rehearsal):
    seeded = re.search(r"pool (0x\w+): ([\d.]+) MAJ and ([\d.]+) USDC at NAV ([\d.]+) USD", rehearsal)
    assert seeded is not None
    assert abs(float(seeded.group(3)) - 10_000) < 1  # half of --create-pool 20000 on each side
    assert "Redeemed 20 MAJ to USDC" in rehearsal
    done = re.search(r"done: pool ([\d.]+), NAV ([\d.]+), band \[([\d.]+), ([\d.]+)\]: inside the cost band", rehearsal)
    assert done is not None, "the round after the trader's push traded"
    pool, nav, low, high = map(float, done.groups())
    assert low <= pool <= high and abs(pool / nav - 1) < 0.01
    assert "Rehearsal passed" in rehearsal
