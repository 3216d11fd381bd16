"""The DeFi index of 2021, priced from pools, on its own node.

    ape run defi_demo

1. builds the long-tail market once (`markets/defi-2021-05-01`: eleven DeFi tokens with only a
   Uniswap V3 pool each, no Chainlink feed) and restores it on a free port;
2. creates `examples/defi2021.yaml` through the factory: a TwapFeed listed per component under
   the factory's TWAP rule, the index, its Rebalancer; mints, and seeds the index token's pool;
3. replays 2021-05 to 2021-08 in half-hour steps: TWAPs read against each day's close, the
   arbitrage keeper a round a day, and on the 1st of each month the methodology's targets
   proposed and the keeper's fills through the auctions;
4. prints per month the weights, the cost and the worst TWAP gap, and writes `defi_index` into
   benchmarks/results/oracles.json.

Deployments go to a temporary folder of their own. The logic is `demos.defi.run`.
"""

from decimal import Decimal
from pathlib import Path

import click

from demos import defi as demo  # at load: `ape run` puts the project on sys.path only then
from demos import on_own_node
from demos.rebalance import write_results
from indexvault.cli import clean_errors

# The keeper's bid limits a little past the TWAP at its snapshot: the TWAP slides on by the next block.
LIMIT_SLACK_BPS = 20


@click.command(short_help="The DeFi index of 2021 priced from pools, rebalanced and arbitraged over a replay")
@click.option("--shares", default=1000, show_default=True, help="Index tokens minted (100 USD each at launch).")
@click.option("--steps-per-day", default=48, show_default=True, help="Replay steps a day (48: every 30 minutes).")
@click.option(
    "--results",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("benchmarks/results/oracles.json"),
    show_default=True,
)
@clean_errors
def cli(shares, steps_per_day, results):
    from indexvault.keepers import rebalance as decisions

    settings = decisions.Settings(min_profit_usd=Decimal(0), max_impact_bps=100, limit_slack_bps=LIMIT_SLACK_BPS)
    with on_own_node(demo.ensure_market(click.echo), "defi-demo-", click.echo) as (rpc, market, account):
        # The replay stamps its steps; between them a block a second, as `ape run market serve` does.
        rpc.call("anvil_setBlockTimestampInterval", 1)
        months, out = demo.run(rpc, market, account, settings, click.echo, shares=shares, steps_per_day=steps_per_day)
    write_results(results, {"defi_index": out})
    chart = demo.plot(months, results.parent / "defi.png")
    click.echo(f"wrote defi_index into {results} and the chart {chart}")
