"""The testnet rehearsal as the README runs it (`ape run rehearsal`): anvil
with Sepolia's chain id, a keystore account imported from the test mnemonic
in a temporary Ape data folder, the factory and an index created (cut off
after its first step and resumed), mint, redeem, and a fee change queued and
executed through the timelock. About 80 s."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.utils.node import ape_run


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
