"""Gas benchmark: the index vault against Set Protocol v2 and the in-kind floor.

    ape run bench                 # all of n = 1, 5, 10, 20, 50, 100
    ape run bench --n 1 --n 10    # a quick run

Writes benchmarks/results/gas.json and gas.png and prints the table. The
logic lives in `indexvault.bench`; see benchmarks/README.md.
"""

import os
import sys
import time
from pathlib import Path

import click
from ape import accounts, project
from ape.cli import ConnectedProviderCommand
from ape.logging import LogLevel, logger

from benchmarks import gas as bench


@click.command(cls=ConnectedProviderCommand)
@click.option(
    "--n",
    "ns",
    type=click.IntRange(1, 128),
    multiple=True,
    default=bench.DEFAULT_NS,
    show_default=True,
    help="Basket sizes to measure (repeat the option).",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("benchmarks/results"),
    show_default=True,
    help="Directory for gas.json and gas.png (relative to the project).",
)
def cli(provider, ns, out):
    """Measure mint, redeem and NAV gas, and write gas.json and gas.png."""
    client = provider.web3.client_version
    if "anvil" not in client.lower():
        raise click.UsageError(f"the benchmark runs on anvil (e.g. --network ethereum:local:foundry), not {client}")

    # A thousand "Confirmed 0x..." lines would bury the table: unless -v is
    # given, show ape's warnings only (progress still goes to stderr).
    ctx = click.get_current_context()
    if ctx.get_parameter_source("verbosity") in (None, click.core.ParameterSource.DEFAULT):
        logger.set_level(LogLevel.WARNING)

    started = time.monotonic()
    out = out if out.is_absolute() else project.path / out
    set_package = project.path / bench.SET_PACKAGE
    deployer, user = accounts.test_accounts[0], accounts.test_accounts[1]

    # `make bench` sets APE_FOUNDRY_HOST=auto (anvil on a random port, so a node
    # on 8545 is left alone); set here, at import, it would leak into every
    # `ape run` command, since `ape run` imports every script to list them.
    host = os.environ.get("APE_FOUNDRY_HOST")
    command = " ".join([*([f"APE_FOUNDRY_HOST={host}"] if host else []), "ape", *sys.argv[1:]])
    run = bench.Benchmark(project, deployer, user, set_package, log=lambda m: click.echo(m, err=True))
    rows = run.run(ns)
    results = bench.analyse(rows, bench.metadata(provider, set_package, command), run.contract_limits)

    bench.write_json(out / "gas.json", results)
    bench.plot(out / "gas.png", results)
    click.echo(bench.format_table(results))
    click.echo(f"\nwrote {out / 'gas.json'} and {out / 'gas.png'} in {time.monotonic() - started:.0f} s", err=True)
