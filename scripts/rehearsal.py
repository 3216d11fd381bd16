"""The testnet rehearsal, in one command: `ape run rehearsal` (`make rehearsal`).
What it runs and why: `tests/e2e/rehearsal.py`, the harness, which lives beside the end-to-end tests
(it is no part of the product). Loaded from its file: another installed package may be called `tests`."""

import importlib.util
from pathlib import Path

import click

HARNESS = Path(__file__).resolve().parents[1] / "tests" / "e2e" / "rehearsal.py"


def _harness():
    spec = importlib.util.spec_from_file_location("indexvault_rehearsal_harness", HARNESS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@click.command(short_help="Rehearse the testnet path on anvil with Sepolia's chain id")
def cli():
    _harness().rehearse()
