"""The whole slice on one local chain: deploy a 5-component index with mixed
decimals, mint, show status with NAV, redeem, show status again.

`make demo` starts and stops its own anvil: its deployments are recorded in a
temporary folder removed at the end, so no record outlives the chain it describes."""

import os
import tempfile
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import click
from ape import project
from ape.cli import ConnectedProviderCommand

from indexvault.chain import deploy_index
from indexvault.cli import clean_errors, signer
from indexvault.config import load_index
from indexvault.operations import mint, read_status, redeem
from indexvault.report import render_status


@contextmanager
def _records_in_a_temporary_folder():
    before = os.environ.get("INDEXVAULT_DEPLOYMENTS")
    with tempfile.TemporaryDirectory(prefix="indexvault-demo-") as folder:
        os.environ["INDEXVAULT_DEPLOYMENTS"] = folder
        try:
            yield
        finally:
            if before is None:
                os.environ.pop("INDEXVAULT_DEPLOYMENTS")
            else:
                os.environ["INDEXVAULT_DEPLOYMENTS"] = before


@click.command(cls=ConnectedProviderCommand, short_help="Deploy, mint, show, redeem on a local chain")
@click.option(
    "--index-file", type=click.Path(dir_okay=False), default=None, help="Index file (default: examples/demo.yaml)."
)
@clean_errors
def cli(index_file):
    with _records_in_a_temporary_folder():
        _demo(index_file)


def _demo(index_file):
    account = signer(None)
    config = load_index(index_file or Path(project.path) / "examples" / "demo.yaml")
    click.echo(f"== 1. deploy {config.symbol}: {len(config.components)} components")
    record = deploy_index(config, account, click.echo)

    click.echo(f"\n== 2. mint 10 {record['symbol']} in kind")
    receipt, paid = mint(record, account, Decimal(10), Decimal("0.005"))
    click.echo(f"gas {receipt.gas_used:,}; paid " + ", ".join(str(t) for t in paid))

    click.echo("\n== 3. status")
    click.echo(render_status(read_status(record)))

    click.echo(f"\n== 4. redeem 4 {record['symbol']} in kind")
    receipt, received = redeem(record, account, Decimal(4), Decimal("0.005"))
    click.echo(f"gas {receipt.gas_used:,}; received " + ", ".join(str(t) for t in received))

    click.echo("\n== 5. status")
    click.echo(render_status(read_status(record)))
    click.echo("\nDone: anvil stops as this command exits.")
