"""Keepers: fill the rebalance auctions, propose a methodology's targets.

    ape run keeper rebalance --simulate            # read, decide, print; sign nothing
    ape run keeper rebalance --rounds 10 --interval 12
    ape run keeper propose --date 2024-02-01 --top 10 --cap 0.25

Both read the index's deployment record (`--index`, default the latest) and
the market its node serves; the logic lives in `indexvault.keepers`.
"""

import time
from decimal import Decimal

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault.chain import load_deployment, load_market, market_rpc, propose_rebalance, set_missing_feeds
from indexvault.cli import DECIMAL, clean_errors, index_option, signer
from indexvault.deployments import DeploymentError
from indexvault.keepers import rebalance as decisions
from indexvault.keepers import runner


def _context(symbol):
    record = load_deployment(symbol)
    if "rebalancer" not in record:
        raise DeploymentError(
            f"index {record['symbol']} has no Rebalancer recorded: deploy one first "
            "(indexvault.chain.deploy_rebalancer)"
        )
    market = load_market()
    if market is None:
        raise DeploymentError("no market recorded for this network: start one with `make market-node`")
    return record, market


@click.group(short_help="Rebalance keepers: fill auctions, propose targets")
def cli():
    """Keepers for an index's Rebalancer."""


@cli.command(cls=ConnectedProviderCommand, short_help="Fill the open auctions through Uniswap")
@index_option()
@account_option(prompt=False)
@click.option("--simulate", is_flag=True, help="Read and decide, print what would be sent; sign nothing.")
@click.option("--rounds", default=1, show_default=True, help="Rounds to run (0: until stopped).")
@click.option("--interval", default=12.0, show_default=True, help="Seconds between rounds.")
@click.option("--min-profit", type=DECIMAL, default=Decimal(1), show_default=True, help="USD per bid, after gas.")
@click.option("--max-impact-bps", default=50, show_default=True, help="Largest pool price move per bid.")
@clean_errors
def rebalance(symbol, account, simulate, rounds, interval, min_profit, max_impact_bps):
    """Each round reads the chain again and decides afresh, so it is safe to
    stop and start at any time; a failed fill is logged and the next round
    decides again."""
    record, market = _context(symbol)
    account = None if simulate else signer(account)
    settings = decisions.Settings(min_profit_usd=min_profit, max_impact_bps=max_impact_bps)
    done = 0
    while rounds == 0 or done < rounds:
        if done:
            time.sleep(interval)
        result = runner.run_round(market_rpc(), market, record, account, settings, simulate, click.echo)
        done += 1
        if not result.decision.actions and all(c.remaining == 0 for c in result.snapshot.components):
            click.echo("every target met")
            break


@cli.command(cls=ConnectedProviderCommand, short_help="Propose a snapshot's targets")
@index_option()
@account_option(prompt=False)
@click.option("--date", required=True, help="Snapshot date (YYYY-MM-DD, the 1st of a month).")
@click.option("--top", default=10, show_default=True, help="Components, by market cap.")
@click.option("--cap", type=DECIMAL, default=Decimal("0.25"), show_default=True, help="Largest weight.")
@click.option("--duration", default=86_400, show_default=True, help="Auction length, seconds.")
@click.option("--simulate", is_flag=True, help="Print the proposal; sign nothing.")
@clean_errors
def propose(symbol, account, date, top, cap, duration, simulate):
    """Targets from the methodology (capped market cap, top N of the market's
    assets on DATE), priced now; sets the oracle feed of every added token
    first. Manager (and, for feeds, the oracle's admin) only."""
    record, market = _context(symbol)
    proposal = runner.read_proposal(market_rpc(), market, record, date, top=top, cap=cap, duration=duration)
    for name, token, target in zip(proposal.symbols, proposal.tokens, proposal.targets):
        weight = proposal.weights.get(name, Decimal(0))
        click.echo(f"  {name:<6} {token} target {target} ({weight:.2%})")
    click.echo(f"  added {', '.join(proposal.added) or '-'}; removed {', '.join(proposal.removed) or '-'}")
    if simulate:
        return
    account = signer(account)
    feeds = set_missing_feeds(record, account, market, proposal.added)
    if feeds:
        click.echo(f"  feeds set for {', '.join(feeds)}")
    propose_rebalance(record, account, proposal)
    click.echo(f"proposed {len(proposal.tokens)} targets for {record['symbol']}")


@cli.command(cls=ConnectedProviderCommand, short_help="Hold the index token's pool at NAV by arbitrage")
@index_option()
@account_option(prompt=False)
@click.option("--simulate", is_flag=True, help="Read and decide, print what would be sent; sign nothing.")
@click.option("--rounds", default=1, show_default=True, help="Rounds to run (0: until stopped).")
@click.option("--interval", default=12.0, show_default=True, help="Seconds between rounds.")
@click.option("--min-profit", type=DECIMAL, default=Decimal(1), show_default=True, help="USD per trade, after gas.")
@click.option(
    "--create-pool",
    "pool_depth",
    type=DECIMAL,
    default=None,
    help="First create the index token's Uniswap V2 pool against USDC at NAV, this deep (USD, both sides).",
)
@clean_errors
def arbitrage(symbol, account, simulate, rounds, interval, min_profit, pool_depth):
    """Mints and sells into the index token's pool when it trades above NAV
    by more than the round trip's costs, buys and redeems when below, through
    IndexArbitrage (one transaction, reverting when unprofitable). Each round
    reads the chain again, so it is safe to stop and start at any time."""
    from indexvault.keepers import arbitrage as arb

    record = load_deployment(symbol)
    market = load_market()
    if market is None:
        raise DeploymentError("no market recorded for this network: start one with `make market-node`")
    if pool_depth is not None:
        if "pool" in record:
            raise DeploymentError(f"index {record['symbol']} already has a pool: {record['pool']}")
        if simulate:
            click.echo(
                "[simulate] " + arb.describe_pool_plan(market_rpc(), market, record, pool_depth) + "; signs nothing"
            )
            return
        record = arb.create_pool(record, signer(account), market, pool_depth, click.echo)
    if "pool" not in record:
        raise DeploymentError(f"index {record['symbol']} has no pool recorded: add --create-pool <USD>")
    settings = arb.Settings(min_profit_usd=min_profit)
    contracts = None
    if not simulate:
        contracts, record = arb.ape_contracts(record, signer(account), market, click.echo)
    done = 0
    while rounds == 0 or done < rounds:
        if done:
            time.sleep(interval)
        rpc = market_rpc()
        arb.run_round(rpc, market, record, contracts, settings, int(rpc.call("eth_gasPrice"), 16), simulate, click.echo)
        done += 1
