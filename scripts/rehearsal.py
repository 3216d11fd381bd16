"""The testnet rehearsal, in one command: `ape run rehearsal` (`make rehearsal`).
What it runs and why: `tests/e2e/rehearsal.py`."""

import click

from tests.e2e.rehearsal import rehearse  # the harness lives beside the end-to-end tests


@click.command(short_help="Rehearse the testnet path on anvil with Sepolia's chain id")
def cli():
    rehearse()
