"""Gas of mint, bid and redeem in every cell of the extreme matrix:
components {1, 10, 50, 128} x token decimals {6, 8, 18, 27}.

    python -m benchmarks matrix          # from the repository root, about a minute

Each cell is the vault, oracle adapter and Rebalancer that the matrix
property test (`tests/contracts/matrix/`) checks for values, set up by the same code
(`benchmarks/matrix_cells.py`) in titanoboa. Measured per cell, each call with
storage and accounts cold as a new transaction has them: a first mint of
1,000 shares, a bid taking half of what the auction has left (less where
its quote would pass the vault's bound on one trade), and a redeem
of half the supply. Gas is as a receipt shows it (21,000 + calldata +
execution - refund, `benchmarks.matrix_cells.tx_gas`); fees are zero and the
auction's factor is 1. Writes benchmarks/results/matrix.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from datetime import UTC, datetime
from importlib.metadata import version

import boa

from benchmarks import RESULTS as RESULTS_DIR
from benchmarks import ROOT
from benchmarks import matrix_cells as matrix

RESULTS = RESULTS_DIR / "matrix.json"
SHARES = 1_000 * matrix.WAD


def measure(n: int, decimals: int) -> dict:
    cell = matrix.deploy(n, decimals)
    vault, rebalancer, sold = cell.vault, cell.rebalancer, cell.tokens[cell.sold]
    gas = {"components": n, "decimals": decimals}
    boa.env._reset_access_counters()
    with boa.env.prank(cell.depositor):
        vault.mint(SHARES, [2**256 - 1] * n, cell.depositor)
    gas["mint_gas"] = matrix.tx_gas(vault)
    _, left = rebalancer.remaining(sold.address)
    # Half of what is left, or less where its quote would pass the vault's bound on one trade.
    amount = left // 2
    _, _, quote = rebalancer.preview_bid(sold.address, amount)
    if quote > matrix.MAX_TRADE_AMOUNT // 2:
        amount = amount * (matrix.MAX_TRADE_AMOUNT // 2) // quote
    boa.env._reset_access_counters()
    with boa.env.prank(cell.bidder):
        rebalancer.bid(sold.address, amount, 2**256 - 1, cell.bidder)
    gas["bid_gas"] = matrix.tx_gas(rebalancer)
    count = vault.component_count()
    boa.env._reset_access_counters()
    with boa.env.prank(cell.depositor):
        vault.redeem(SHARES // 2, [0] * count, cell.depositor)
    gas["redeem_gas"] = matrix.tx_gas(vault)
    return gas


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(prog="python -m benchmarks matrix", description=__doc__.splitlines()[0]).parse_args(argv)
    started = time.monotonic()
    cells = []
    for n in matrix.COMPONENTS:
        for decimals in matrix.DECIMALS:
            row = measure(n, decimals)
            cells.append(row)
            print(
                f"{n:>4} components, {decimals:>2} decimals: mint {row['mint_gas']:>10,}  "
                f"bid {row['bid_gas']:>8,}  redeem {row['redeem_gas']:>10,}",
                file=sys.stderr,
                flush=True,
            )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "metadata": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%d"),
                    "command": "python -m benchmarks matrix",
                    "engine": f"titanoboa {version('titanoboa')} (py-evm), vyper {version('vyper')}, "
                    f"Python {platform.python_version()}",
                    "measured": "each call cold (access counters reset), gas = 21,000 + calldata + execution - refund "
                    "(refund capped at a fifth); a first mint of 1,000 shares, a bid of half of what the "
                    "auction has left (less where its quote would pass the vault's 2^128 bound on one "
                    "trade; factor 1), a redeem of 500 shares; fees zero",
                    "notes": "with one component the quote is a separate token, so the bid appends it as a new slot "
                    "(a fresh storage slot and a cold token): more gas than the 10-component bid; decimals "
                    "change no gas (the vault never converts them)",
                    "units": "log-spaced per cell from 1 base unit to 2^96 - 1 per share (benchmarks/matrix_cells.py)",
                    "seconds": round(time.monotonic() - started, 1),
                },
                "cells": cells,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {RESULTS.relative_to(ROOT)} in {time.monotonic() - started:.0f} s", file=sys.stderr)
