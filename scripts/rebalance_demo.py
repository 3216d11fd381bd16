"""The rebalance demo on its own node: launch, drift, propose, auction.

    ape run rebalance_demo

1. restores the 2024-01-01 market on a free port and connects Ape to it;
2. deploys a 10-component capped (25 %) market-cap index of the market's
   assets (methodology on the 2024-01-01 snapshot) and mints 100,000 shares;
3. deploys a Rebalancer (quote USDC, band 5 %, timelock 1 h) and a bidder;
4. replays prices to 2024-02-01 and proposes that snapshot's targets;
5. replays 2024-02-02 in 5-minute steps, a keeper round after every step, until
   every target is met or the auction expires;
6. prints what the vault paid per component and writes
   benchmarks/results/rebalance.json (merged).

Deployments go to a temporary folder of their own.
The logic is `demos.rebalance.run`.
"""

from decimal import Decimal
from pathlib import Path

import click

from demos import on_own_node
from demos import rebalance as demo  # at load: `ape run` puts the project on sys.path only then
from indexvault.cli import clean_errors


@click.command(short_help="Rebalance an index through its auctions on a replayed market")
@click.option("--shares", default=100_000, show_default=True, help="Index tokens minted (100 USD each at launch).")
@click.option("--top", default=10, show_default=True)
@click.option("--cap", default="0.25", show_default=True)
@click.option(
    "--steps-per-day",
    default=288,
    show_default=True,
    help="Replay steps on the auction day (288: every 5 minutes), a keeper round after each.",
)
@click.option(
    "--min-profit",
    default="0",
    show_default=True,
    help="Keeper's least profit per bid, USD, on top of its gas (0: bid as soon as it pays the gas).",
)
@click.option("--max-impact-bps", default=100, show_default=True, help="Largest pool price move per bid.")
@click.option("--start-factor", default=None, help="Auction start factor [default: 1, the oracle].")
@click.option("--end-factor", default=None, help="Auction end factor [default: 1 - 10/3 x the largest pool fee, 0.99].")
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("benchmarks/results/rebalance.json"),
    show_default=True,
)
@clean_errors
def cli(shares, top, cap, steps_per_day, min_profit, max_impact_bps, start_factor, end_factor, results):
    from indexvault.keepers import rebalance as decisions
    from indexvault.market import node as market_node

    settings = decisions.Settings(min_profit_usd=Decimal(min_profit), max_impact_bps=max_impact_bps)
    curve = {
        k: int(Decimal(v) * 10**18)
        for k, v in (("start_factor", start_factor), ("end_factor", end_factor))
        if v is not None
    }
    folder = market_node.market_dir(demo.START)
    with on_own_node(folder, "rebalance-demo-", click.echo) as (rpc, market, account):
        demo.run(
            rpc,
            market,
            account,
            settings,
            click.echo,
            shares=shares,
            top=top,
            cap=Decimal(cap),
            steps_per_day=steps_per_day,
            results=results,
            **curve,
        )
