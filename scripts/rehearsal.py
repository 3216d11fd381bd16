"""The testnet rehearsal, in one command: `ape run rehearsal` (`make rehearsal`).
What it runs and why: `indexvault.rehearsal`."""

import click

from indexvault.rehearsal import rehearse


@click.command(short_help="Rehearse the testnet path on anvil with Sepolia's chain id")
def cli():
    rehearse()
