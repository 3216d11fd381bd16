"""Change an index's fees through its timelock, as its governor:

    ape run timelock queue --mint 0.002 --redeem 0.001 --streaming 0.01
    ape run timelock execute --mint 0.002 --redeem 0.001 --streaming 0.01   # once the delay has passed

`queue` schedules the change in public; holders see it and can redeem
during the delay. `execute` with the same values runs it once the delay has
passed. Only for indexes created through the factory (`ape run create-index`).
"""

import datetime

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import launch
from indexvault.cli import DECIMAL, clean_errors, index_option, signer
from indexvault.index import DeployedIndex


def fee_options(command):
    for name, what in (("streaming", "a year"), ("redeem", ""), ("mint", "")):
        command = click.option(
            f"--{name}", type=DECIMAL, required=True, help=f"New {name} fee, a fraction {what}".rstrip() + "."
        )(command)
    return command


@click.group(short_help="Queue and execute fee changes through an index's timelock")
def cli():
    pass


@cli.command(cls=ConnectedProviderCommand, short_help="Schedule a fee change; it waits out the timelock's delay")
@fee_options
@index_option()
@account_option(prompt=False)
@clean_errors
def queue(mint, redeem, streaming, symbol, account):
    account = signer(account)
    operation = launch.fee_change(DeployedIndex.load(symbol), mint, redeem, streaming)
    receipt, ready_at = launch.queue(operation, account)
    when = datetime.datetime.fromtimestamp(ready_at, datetime.UTC).isoformat(timespec="seconds")
    click.echo(
        f"Queued {operation.description} (gas {receipt.gas_used:,}); executable from {when} "
        f"(unix {ready_at}) with `ape run timelock execute` and the same values"
    )


@cli.command(cls=ConnectedProviderCommand, short_help="Execute a queued fee change once its delay has passed")
@fee_options
@index_option()
@account_option(prompt=False)
@clean_errors
def execute(mint, redeem, streaming, symbol, account):
    account = signer(account)
    operation = launch.fee_change(DeployedIndex.load(symbol), mint, redeem, streaming)
    receipt = launch.execute(operation, account)
    click.echo(f"Executed {operation.description} (gas {receipt.gas_used:,})")
