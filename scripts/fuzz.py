"""A long fuzz campaign on the saved market: `ape run fuzz --ops 1000000`.

Starts its own node from the saved market (a free port, stopped at the end),
deploys a fresh IndexVault and OracleAdapter over `--assets` (and, on first
use, IndexRouter, the index token's pool and a Rebalancer), and runs the
fast engine (indexvault/fuzz/engine.py) with every invariant checked after
every step; writes campaign.json (what ran, the worst cases found) and
campaign.png (NAV per share, backing surplus, gas) to `--out`.
"""

from pathlib import Path

import click

from indexvault.fuzz import campaign, engine
from indexvault.market.record import MarketError

DEFAULT_OUT = Path(__file__).resolve().parents[1] / "benchmarks" / "results" / "fuzz"


@click.command(short_help="Fuzz the vault on the saved market, with a report")
@click.option("--ops", default=100_000, show_default=True, type=click.IntRange(1), help="Vault operations to run.")
@click.option("--seed", default=0, show_default=True, type=int, help="Seed of the campaign's random choices.")
@click.option("--date", default="2024-01-01", show_default=True, help="The saved market (markets/<date>/).")
@click.option(
    "--assets",
    default=",".join(engine.Scenario().assets),
    show_default=True,
    help="Comma-separated market symbols of the index's components.",
)
@click.option(
    "--out",
    default=str(DEFAULT_OUT),
    show_default=True,
    type=click.Path(path_type=Path),
    help="Directory for campaign.json and campaign.png.",
)
def cli(ops, seed, date, assets, out):
    scenario = engine.Scenario(assets=tuple(a.strip() for a in assets.split(",") if a.strip()), seed=seed)
    try:
        with campaign.market_node_for(date) as (node, record):
            for symbol in scenario.assets:
                record.asset(symbol)  # an unknown symbol is named before anything runs
            with click.progressbar(length=ops, label="vault operations") as bar:
                done = [0]

                def progress(n):
                    if n - done[0] >= 500 or n >= ops:
                        bar.update(min(n, ops) - done[0])
                        done[0] = min(n, ops)

                result = campaign.run_campaign(node.url, record, ops, seed=seed, scenario=scenario, progress=progress)
    except MarketError as error:
        raise click.ClickException(str(error)) from None
    json_path, png_path = campaign.write_report(result, out)
    click.echo(
        f"{result.vault_ops:,} vault operations in {result.seconds:.1f} s ({result.ops_per_s:,.0f}/s), "
        f"{result.steps:,} steps"
    )
    if result.rebalance:
        click.echo(
            f"rebalancing: {result.rebalance['proposals']:,} proposals, {result.rebalance['bids']:,} bids "
            f"held to the auction model, {result.rebalance['targets_met_by_a_bid']:,} targets met"
        )
    click.echo(f"violation: {result.violation}" if result.violation else "no invariant violated")
    click.echo(f"wrote {json_path} and {png_path}")
    if result.violation:
        raise SystemExit(1)
