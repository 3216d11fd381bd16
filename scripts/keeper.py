"""Keepers: propose a methodology's targets, fill the rebalance auctions, hold the index token's pool at NAV.

    ape run keeper propose --date 2024-02-01 --top 10 --cap 0.25
    ape run keeper rebalance --simulate            # read, decide, print; sign nothing
    ape run keeper rebalance --rounds 0            # until every target is met (one line a round)
    ape run keeper liquidate --simulate            # the index's Morpho market: who is under water, what pays
    ape run keeper leverage --simulate             # the 2x and -1x products: in band, a rebalance step, a ripcord

They take the index (`--index`, default the latest: `DeployedIndex.load`) and
the market it trades on: the local market its node serves, or the network's
address book (`DeployedIndex.trading_market`); the logic lives in
`indexvault.keepers`.
"""

import datetime
import time
from decimal import Decimal

import click
from ape import chain
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import launch
from indexvault.chain import Resolved, ensure_bidder, market_quote, propose_rebalance, set_missing_feeds
from indexvault.cli import DECIMAL, clean_errors, index_option, signer
from indexvault.errors import DeploymentError
from indexvault.index import DeployedIndex
from indexvault.keepers import arbitrage_runner, runner
from indexvault.keepers import rebalance as decisions
from indexvault.network import market_rpc
from indexvault.units import format_amount, format_duration


def _context(symbol):
    index = DeployedIndex.load(symbol)
    if not index.has("rebalancer"):
        raise DeploymentError(
            f"index {index.symbol} has no Rebalancer: give its index file a `rebalance:` section "
            "(quote, timelock, band, auction) and deploy it with that, or add one to this index with "
            "`ape run keeper add-rebalancer`"
        )
    return index, index.trading_market()


@click.group(short_help="Keepers: propose targets, fill auctions, arbitrage the pool, liquidate loans")
def cli():
    """Keepers for an index's Rebalancer and its token's pool."""


def _round_options(until: str = "until stopped"):
    """The options every keeper takes: --simulate, --rounds (0 runs `until`) and --interval."""

    def decorate(command):
        for option in reversed(
            (
                click.option(
                    "--simulate", is_flag=True, help="Read and decide, print what would be sent; sign nothing."
                ),
                click.option("--rounds", default=1, show_default=True, help=f"Rounds to run (0: {until})."),
                click.option("--interval", default=12.0, show_default=True, help="Seconds between rounds."),
            )
        ):
            command = option(command)
        return command

    return decorate


def _rounds(rounds: int, interval: float, one_round) -> None:
    """Run `one_round` `rounds` times (0: until stopped), `interval` seconds apart, printing its summary."""
    done = 0
    while rounds == 0 or done < rounds:
        if done:
            time.sleep(interval)
        summary = one_round()
        done += 1
        click.echo(f"round {done}: {summary}")


def _utc(timestamp: int) -> str:
    return datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


@cli.command(cls=ConnectedProviderCommand, short_help="Fill the open auctions through Uniswap")
@index_option()
@account_option(prompt=False)
@_round_options("until every target is met")
@click.option("--min-profit", type=DECIMAL, default=Decimal(1), show_default=True, help="USD per bid, after gas.")
@click.option("--max-impact-bps", default=50, show_default=True, help="Largest pool price move per bid.")
@click.option(
    "--limit-slack-bps",
    default=0,
    show_default=True,
    help="How far a bid's limit may pass the auction's price at the snapshot: 20 for TWAP-priced components.",
)
@click.option("--verbose", "-V", is_flag=True, help="Every token's decision and every fill, not one line a round.")
@clean_errors
def rebalance(symbol, account, simulate, rounds, interval, min_profit, max_impact_bps, limit_slack_bps, verbose):
    """Each round reads the chain again and decides afresh, so it is safe to
    stop and start at any time; a failed fill is logged and the next round
    decides again. One line a round; the run ends when every target is met,
    the auction expired or nothing is proposed."""
    index, market = _context(symbol)
    account = None if simulate else signer(account)
    if account is not None:
        index = ensure_bidder(index, account, market, click.echo)
    settings = decisions.Settings(
        min_profit_usd=min_profit, max_impact_bps=max_impact_bps, limit_slack_bps=limit_slack_bps
    )
    done, last = 0, None
    local = chain.provider.network.is_local
    while rounds == 0 or done < rounds:
        if done:
            time.sleep(interval)
        result = runner.run_round(market_rpc(), market, index, account, settings, simulate, click.echo, verbose=verbose)
        done += 1
        click.echo(f"round {done} ({_utc(result.snapshot.timestamp)}): {runner.summary(result)}")
        if result.finished:
            if result.finished == "every target met":
                click.echo(f"every target met: {index.symbol} is rebalanced")
            break
        if local and not result.fills and result.snapshot.timestamp == last:
            # A local node's clock moves only with its transactions: no later round here can differ.
            click.echo(
                "nothing more pays at this block time, and a local node's clock stands still between "
                "transactions: move it (`ape run market advance 1h`, or `ape run market replay --to DAY`, "
                "which also brings the pools back to the feeds) and run again"
            )
            break
        last = result.snapshot.timestamp


@cli.command(cls=ConnectedProviderCommand, short_help="Propose a snapshot's targets")
@index_option()
@account_option(prompt=False)
@click.option("--date", required=True, help="Snapshot date (YYYY-MM-DD, the 1st of a month).")
@click.option("--top", default=10, show_default=True, help="Components, by market cap.")
@click.option("--cap", type=DECIMAL, default=Decimal("0.25"), show_default=True, help="Largest weight.")
@click.option("--duration", type=int, default=None, help="Auction length, seconds [default: the index file's].")
@click.option("--simulate", is_flag=True, help="Print the proposal; sign nothing.")
@clean_errors
def propose(symbol, account, date, top, cap, duration, simulate):
    """Targets from the methodology (capped market cap, top N of the market's
    assets on DATE), priced now; sets the oracle feed of every added token
    first. Manager (and, for feeds, the oracle's admin) only."""
    index, market = _context(symbol)
    duration = duration or index.get("auction", 86_400)
    proposal = runner.read_proposal(market_rpc(), market, index, date, top=top, cap=cap, duration=duration)
    decimals = {a.token.lower(): a.decimals for a in market.assets.values()}
    for name, token, target in zip(proposal.symbols, proposal.tokens, proposal.targets):
        weight = proposal.weights.get(name, Decimal(0))
        asset = market.by_token_symbol(name)
        unit = asset.token_symbol if asset else name
        click.echo(f"  {name:<6} {format_amount(target, decimals[token.lower()]):>14} {unit:<6} a share ({weight:.2%})")
    click.echo(f"  added {', '.join(proposal.added) or '-'}; removed {', '.join(proposal.removed) or '-'}")
    if simulate:
        return
    account = signer(account)
    feeds = set_missing_feeds(index, account, market, proposal.added)
    if feeds:
        click.echo(f"  feeds set for {', '.join(feeds)}")
    propose_rebalance(index, account, proposal)
    start = index.rebalancer.auction_start()
    wait = start - chain.blocks.head.timestamp
    click.echo(
        f"proposed {len(proposal.tokens)} targets for {index.symbol}: auctions open at {_utc(start)} "
        f"(in {format_duration(wait)}, the Rebalancer's timelock) and run {format_duration(duration)}"
    )
    if chain.provider.network.is_local:
        click.echo(f"  on a local node, `ape run market advance {wait}` moves its clock there")


@cli.command(cls=ConnectedProviderCommand, short_help="Give an existing index a Rebalancer")
@index_option()
@account_option(prompt=False)
@click.option("--quote", default=None, help="The asset its auctions trade against [default: the market's quote].")
@click.option(
    "--timelock", type=int, default=86_400, show_default=True, help="Seconds from a proposal to its auctions."
)
@click.option(
    "--band", type=DECIMAL, default=Decimal("0.05"), show_default=True, help="Largest distance from the oracle."
)
@click.option("--auction", type=int, default=86_400, show_default=True, help="Default auction length, seconds.")
@clean_errors
def add_rebalancer(symbol, account, quote, timelock, band, auction):
    """Deployed directly, its admin (`--account`) deploys the Rebalancer and grants its role at once.
    Through the factory the index's timelock grants it: the first run deploys it and queues the grant
    in public, the same command after the delay executes it (and says when, if run too early)."""
    index = DeployedIndex.load(symbol)
    component = next((c for c in index.components if quote is not None and c["symbol"] == quote), None)
    if component is not None:  # already priced by the index's adapter: no market needed
        resolved = Resolved(component["symbol"], component["decimals"], Decimal(0), component["token"], None)
    else:
        resolved = market_quote(index.trading_market(), quote)
    launch.add_rebalancer(index, signer(account), resolved, timelock, band, auction, click.echo)


@cli.command(cls=ConnectedProviderCommand, short_help="Hold the index token's pool at NAV by arbitrage")
@index_option()
@account_option(prompt=False)
@_round_options()
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
    index = DeployedIndex.load(symbol)
    market = index.trading_market()
    if pool_depth is not None:
        if index.has("pool"):
            raise DeploymentError(f"index {index.symbol} already has a pool: {index['pool']}")
        if simulate:
            plan = arbitrage_runner.describe_pool_plan(market_rpc(), market, index, pool_depth)
            click.echo(f"[simulate] {plan}; signs nothing")
            return
        index = arbitrage_runner.create_pool(index, signer(account), market, pool_depth, click.echo)
    if not index.has("pool"):
        raise DeploymentError(f"index {index.symbol} has no pool recorded: add --create-pool <USD>")
    settings = arbitrage_runner.Settings(min_profit_usd=min_profit)
    contracts = None
    if not simulate:
        contracts, index = arbitrage_runner.ape_contracts(index, signer(account), market, click.echo)
    keeper = arbitrage_runner.NetworkKeeper(index, market, contracts, settings, click.echo)
    done = 0
    while rounds == 0 or done < rounds:
        if done:
            time.sleep(interval)
        keeper.round()
        done += 1


@cli.command(cls=ConnectedProviderCommand, short_help="Liquidate the loans against the index that are under water")
@index_option()
@account_option(prompt=False)
@_round_options()
@click.option(
    "--min-profit", type=DECIMAL, default=Decimal(1), show_default=True, help="USD per liquidation, after gas."
)
@clean_errors
def liquidate(symbol, account, simulate, rounds, interval, min_profit):
    """Finds every borrower of the index's Morpho market (Morpho's Borrow events), liquidates each
    position under water through MorphoLiquidator (flash-funded by Morpho's callback: no capital;
    the seized index tokens redeemed to the loan token through the IndexRouter), sized so the
    pools pay for it, and prints a line per borrower saying what it decided and why. Each round
    reads the chain again, so it is safe to stop and start at any time."""
    from indexvault.keepers import liquidate as liquidation
    from indexvault.keepers import liquidate_chain

    account = None if simulate else signer(account)
    settings = liquidation.Settings(min_profit_usd=min_profit)
    _rounds(
        rounds,
        interval,
        lambda: liquidate_chain.summary(liquidate_chain.round_on_network(account, symbol, settings, click.echo)),
    )


@cli.command(cls=ConnectedProviderCommand, short_help="Keep the index's 2x and -1x products within their band")
@index_option()
@account_option(prompt=False)
@_round_options()
@click.option(
    "--max-cost-bps",
    default=100,
    show_default=True,
    help="Most a step may pay against the NAV (a larger move goes in several steps, a round each).",
)
@clean_errors
def leverage(symbol, account, simulate, rounds, interval, max_cost_bps):
    """For each product of the index (`ape run leverage create`): nothing inside its band; a rebalance
    step toward the target when outside (keeper role: at most the contract's max trade, cut to what
    the pools take within --max-cost-bps of the NAV); the ripcord above its ripcord leverage (anyone,
    for the reward). A line per product says what and why. Each round reads the chain again, so it is
    safe to stop and start at any time."""
    from indexvault.keepers import leverage as leverage_decisions
    from indexvault.keepers import leverage_chain

    account = None if simulate else signer(account)
    settings = leverage_decisions.Settings(max_cost_bps=max_cost_bps)
    _rounds(
        rounds,
        interval,
        lambda: leverage_chain.summary(leverage_chain.round_on_network(account, symbol, settings, click.echo)),
    )
