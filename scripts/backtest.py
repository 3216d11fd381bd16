"""Backtest a top-N capped market-cap index on the real data: `ape run backtest`.

Needs no network: it reads the monthly snapshots and daily closes in
`indexvault/data/` and writes `backtest.json` and `backtest.png` to `--out`.
"""

from pathlib import Path

import click

from indexvault import backtest
from indexvault.cli import DECIMAL


@click.command(short_help="Backtest a capped market-cap index on the real data")
@click.option(
    "--start", default=backtest.DEFAULT_START, show_default=True, help="First rebalance, a snapshot date (YYYY-MM-01)."
)
@click.option("--end", default=None, help="Last day (default: as far as the daily closes allow).")
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 60), help="Number of components.")
@click.option("--cap", default="0.25", show_default=True, type=DECIMAL, help="Largest weight of one component.")
@click.option(
    "--cost-bps", default="30", show_default=True, type=DECIMAL, help="Cost of a trade, basis points of its notional."
)
@click.option(
    "--min-history-days",
    default=30,
    show_default=True,
    type=click.IntRange(0),
    help="Daily closes a new component needs before a rebalance.",
)
@click.option(
    "--max-fill-days",
    default=5,
    show_default=True,
    type=click.IntRange(0),
    help="Longest gap in a member's closes to forward-fill (each filled day is reported).",
)
@click.option(
    "--out",
    default=str(backtest.DEFAULT_OUT),
    show_default=True,
    type=click.Path(path_type=Path),
    help="Directory for backtest.json and backtest.png.",
)
def cli(start, end, top, cap, cost_bps, min_history_days, max_fill_days, out):
    settings = dict(
        start=start, end=end, top=top, cap=cap, min_history_days=min_history_days, max_fill_days=max_fill_days
    )
    try:
        result = backtest.run(cost_bps=cost_bps, **settings)
        frictionless = backtest.run(cost_bps=0, **settings) if cost_bps else result
        data, json_path, png_path = backtest.write(result, out, frictionless)
    except ValueError as error:  # bad dates, an infeasible cap, data that cannot answer
        raise click.ClickException(str(error)) from None
    click.echo(backtest.render(data))
    click.echo(f"\nwrote {json_path} and {png_path}")
