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

Deployments go to a temporary folder unless INDEXVAULT_DEPLOYMENTS is set.
"""

import datetime as dt
import os
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import click

from indexvault.cli import clean_errors

START, PROPOSAL, AUCTION_DAY = "2024-01-01", "2024-02-01", dt.date(2024, 2, 2)


@click.command(short_help="Rebalance an index through its auctions on a replayed market")
@click.option("--shares", default=100_000, show_default=True, help="Index tokens minted (100 USD each at launch).")
@click.option("--top", default=10, show_default=True)
@click.option("--cap", default="0.25", show_default=True)
@click.option("--steps-per-day", default=288, show_default=True,
              help="Replay steps on the auction day (288: every 5 minutes), a keeper round after each.")
@click.option("--min-profit", default="1", show_default=True, help="Keeper's least profit per bid, USD.")
@click.option("--max-impact-bps", default=20, show_default=True, help="Largest pool price move per bid.")
@click.option("--results", type=click.Path(dir_okay=False, path_type=Path),
              default=Path("benchmarks/results/rebalance.json"), show_default=True)
@clean_errors
def cli(shares, top, cap, steps_per_day, min_profit, max_impact_bps, results):
    os.environ.setdefault("INDEXVAULT_DEPLOYMENTS", tempfile.mkdtemp(prefix="rebalance-demo-"))
    from ape import accounts, networks

    from indexvault.market import node as market_node
    from indexvault.market import record as market_record

    folder = market_node.market_dir(START)
    market = market_record.load(folder / market_node.RECORD_FILE)
    anvil = market_node.restore(folder)
    click.echo(f"market of {market.date} restored on {anvil.url}")
    try:
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": anvil.url}):
            _run(anvil.rpc, market, accounts.test_accounts[0], shares, top, Decimal(cap), steps_per_day,
                 Decimal(min_profit), max_impact_bps, results)
    finally:
        anvil.stop()


def _run(rpc, market, account, shares, top, cap, steps_per_day, min_profit, max_impact_bps, results):
    from ape import project

    from indexvault import chain as ichain
    from indexvault.keepers import demo, runner
    from indexvault.keepers import rebalance as decisions
    from indexvault.market import replay as market_replay

    started = time.monotonic()
    click.echo("== 1-2. deploy the index, mint, deploy the Rebalancer (quote USDC, band 5 %, timelock 1 h) and bidder")
    record = demo.launch(market, account, shares, top, cap, START, click.echo)
    oracle = project.OracleAdapter.at(record["oracle"])
    click.echo(f"   NAV at launch {oracle.nav() / 1e18:,.0f} USD")

    click.echo(f"== 3. replay {market.day} -> {PROPOSAL}")
    market, report = market_replay.replay(rpc, market, PROPOSAL, 1)
    ichain.save_market(market)
    nav = Decimal(oracle.nav()) / Decimal(10**18)
    nav_per_share = Decimal(oracle.nav_per_share()) / Decimal(10**18)
    click.echo(f"   {report.trades} arbitrage trades; NAV {nav:,.0f} USD ({nav_per_share:.4f} a share)")

    click.echo(f"== 4. propose the {PROPOSAL} targets")
    proposed_at = rpc.timestamp()
    duration = demo.auction_window(proposed_at, 3600, AUCTION_DAY)
    proposal = runner.read_proposal(rpc, market, record, PROPOSAL, top=top, cap=cap, duration=duration)
    added = ichain.set_missing_feeds(record, account, market, proposal.added)
    ichain.propose_rebalance(record, account, proposal)
    click.echo(f"   {len(proposal.tokens)} tokens; added {', '.join(proposal.added) or '-'} (feeds set: "
               f"{', '.join(added) or '-'}); removed {', '.join(proposal.removed) or '-'}; auction "
               f"{duration / 3600:.1f} h, factor {proposal.start_factor / 1e18:.3f} -> {proposal.end_factor / 1e18:.3f}")

    click.echo(f"== 5. replay {AUCTION_DAY}, {steps_per_day} steps, a keeper round after each")
    settings = decisions.Settings(min_profit_usd=min_profit, max_impact_bps=max_impact_bps)
    legs: dict = {}
    first = runner.read_snapshot(rpc, market, record)
    gaps = {c.symbol: c.remaining for c in first.components}
    v2_gas = []
    hourly = max(1, steps_per_day // 24)
    for n, step in enumerate(market_replay.steps(rpc, market, AUCTION_DAY, steps_per_day), 1):
        # The market's arbitrageur has just brought every pool back to the feeds; the keeper
        # then bids until its caps or its profit threshold stop it, and waits for the next step.
        for _ in range(5):
            result = runner.run_round(rpc, market, record, account, settings, log=lambda line: None)
            demo.account(legs, result.snapshot, result.fills)
            v2_gas += [f.gas_used for f in result.fills if f.ok and f.action.dex == "v2"]
            if not result.fills:
                break
        timestamp = step.timestamp
        left = runner.read_snapshot(rpc, market, record)
        done = sum(1 for c in left.components if c.remaining == 0)
        bids = sum(leg.bids for leg in legs.values())
        over = done == len(left.components) or left.timestamp > left.auction_start + left.auction_duration
        if n % hourly == 0 or over:
            click.echo(f"   {dt.datetime.fromtimestamp(timestamp, dt.timezone.utc):%m-%d %H:%M} factor "
                       f"{left.factor / 1e18:.4f}: {bids} bids so far, {done}/{len(left.components)} targets met")
        if over:
            break
    final = runner.read_snapshot(rpc, market, record)
    for c in final.components:
        leg = legs.setdefault(c.symbol, demo.Leg(c.symbol, "sell" if c.sell else "buy", c.decimals))
        leg.start_gap, leg.end_gap, leg.target_met = gaps[c.symbol], c.remaining, c.remaining == 0
    rows = sorted(legs.values(), key=lambda l: (l.side != "sell", -l.notional))
    click.echo("\n" + demo.table(rows))

    notional = sum((l.notional for l in rows), Decimal(0))
    cost = sum((l.cost for l in rows), Decimal(0))
    fees = sum((l.pool_fees for l in rows), Decimal(0))
    bids = sum(l.bids for l in rows)
    met = all(l.target_met for l in rows)
    budget = fees + notional * Decimal("0.0025")
    click.echo(f"\nNAV {nav:,.0f} USD; traded {notional:,.0f} USD in {bids} bids; vault cost {cost:,.0f} USD "
               f"({cost / notional * 10_000 if notional else 0:.1f} bps); pool fees {fees:,.0f} USD "
               f"({fees / notional * 10_000 if notional else 0:.1f} bps); budget fees + 25 bps {budget:,.0f} USD: "
               f"{'within' if cost <= budget else 'OVER'}")
    unmet = [l for l in rows if not l.target_met]
    if unmet:
        click.echo("Targets NOT met when the auction ended (pools too shallow for the band in a day):")
        for leg in unmet:
            click.echo(f"  {leg.symbol}: {leg.end_gap / 10**leg.decimals:,.4f} of {leg.start_gap / 10**leg.decimals:,.4f}"
                       f" left to {leg.side} ({leg.end_gap / leg.start_gap:.1%})")
    else:
        click.echo("Every target met.")
    demo.write_results(results, {
        "nav_usd": float(nav),
        "notional_usd": float(notional),
        "cost_bps": float(cost / notional * 10_000) if notional else 0.0,
        "pool_fee_bps": float(fees / notional * 10_000) if notional else 0.0,
        "cost_usd": float(cost),
        "pool_fee_usd": float(fees),
        "bids": bids,
        "targets_met": met,
        "bidder_fill_v2_gas_mean": round(sum(v2_gas) / len(v2_gas)) if v2_gas else None,
        "components": [
            {"symbol": l.symbol, "side": l.side, "notional_usd": float(l.notional), "cost_bps": float(l.bps(l.cost)),
             "pool_fee_bps": float(l.bps(l.pool_fees)), "bids": l.bids, "target_met": l.target_met,
             "left_fraction": float(l.end_gap / l.start_gap) if l.start_gap else 0.0}
            for l in rows
        ],
        "demo": {"start": START, "proposal": PROPOSAL, "auction_day": str(AUCTION_DAY),
                 "steps_per_day": steps_per_day, "max_impact_bps": max_impact_bps, "shares": shares, "band": 0.05, "timelock_s": 3600,
                 "seconds": round(time.monotonic() - started, 1), "command": "ape run rebalance_demo"},
    })
    click.echo(f"wrote {results} in {time.monotonic() - started:.0f} s")
