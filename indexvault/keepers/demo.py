"""The rebalance demo, end to end on a node restored from the saved market:
launch a capped market-cap index on the 2024-01-01 snapshot, let prices
move to 2024-02-01, propose that day's targets, and let the keeper fill the
auctions through Uniswap while the market replays 2024-02-02 hour by hour.
Then account for what the vault paid: against the oracle, against the pool
fees the keeper paid, and against "pool fees + 25 bps of notional".

`scripts/rebalance_demo.py` is the command; everything it does is here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Callable

from indexvault import history, methodology
from indexvault.keepers import rebalance as decisions
from indexvault.keepers import runner
from indexvault.market.build import close_timestamp
from indexvault.market.record import MarketRecord

WAD = 10**18
PIPS = 1_000_000
Log = Callable[[str], None]


def launch(market: MarketRecord, account, shares: int, top: int = 10, cap: Decimal = Decimal("0.25"),
           date: str = "2024-01-01", echo: Log = print) -> dict:
    """Deploy a capped market-cap index of the market's assets with `date`'s
    weights at 100 USD a share, mint `shares`, deploy its Rebalancer (quote
    the market's, band 5 %, timelock 1 h) and bidder. Returns the record."""
    from indexvault import chain
    from indexvault.config import IndexConfig

    chain.save_market(market)
    weights = launch_weights(date, market, top, cap)
    config = IndexConfig(
        name=f"Market Cap {top} Capped", symbol=f"MC{top}",
        components=[{"token": market.asset(s).token_symbol, "weight": w} for s, w in weights.items()],
        initial_nav_per_share=Decimal(100), supply_cap=Decimal(10**7),
    )
    echo(f"deploy {config.symbol} ({date} weights: " + ", ".join(f"{s} {w:.2%}" for s, w in weights.items()) + ")")
    record = chain.deploy_index(config, account, echo, fund_shares=Decimal(shares))
    chain.mint(record, account, Decimal(shares), Decimal("0.005"))
    echo(f"minted {shares:,} {config.symbol}")
    return chain.deploy_rebalancer(record, account, market, timelock=3600, band=Decimal("0.05"), echo=echo)


def launch_weights(date: str, market: MarketRecord, top: int, cap: Decimal) -> dict[str, Decimal]:
    """The index's launch weights: the methodology on `date`'s snapshot, over the market's assets."""
    listings = [l for l in history.snapshot(date) if l.symbol in market.assets and l.symbol != market.quote]
    return methodology.select(listings, methodology.Rules(top=top, weighting=methodology.capped(cap))).weights


@dataclass
class Leg:
    """One component's trades in the auction, summed over its fills."""

    symbol: str
    side: str
    decimals: int
    fee_pips: set = field(default_factory=set)
    amount: int = 0  # base units traded
    notional: Decimal = Decimal(0)  # USD at the oracle at each bid
    quote_usd: Decimal = Decimal(0)  # USD the vault received (sale) or paid (purchase)
    pool_fees: Decimal = Decimal(0)  # USD the keeper paid the pools
    profit: Decimal = Decimal(0)  # USD the keeper kept
    bids: int = 0
    target_met: bool = False
    start_gap: int = 0  # base units to trade at the start
    end_gap: int = 0

    @property
    def cost(self) -> Decimal:
        """USD the vault gave up against the oracle."""
        return self.notional - self.quote_usd if self.side == "sell" else self.quote_usd - self.notional

    def bps(self, usd: Decimal) -> Decimal:
        return usd / self.notional * 10_000 if self.notional else Decimal(0)


def account(legs: dict[str, Leg], snapshot: decisions.Snapshot, fills: list[runner.Fill]) -> None:
    """Add a round's fills to the legs, priced at the oracle of the round's snapshot."""
    by_symbol = {c.symbol: c for c in snapshot.components}
    for fill in fills:
        if not fill.ok:
            continue
        a = fill.action
        c = by_symbol[a.symbol]
        leg = legs.setdefault(a.symbol, Leg(a.symbol, "sell" if a.sell else "buy", c.decimals))
        notional = Decimal(fill.amount) / Decimal(10**c.decimals) * Decimal(c.price) / Decimal(WAD)
        quote_usd = (Decimal(fill.quote_amount) / Decimal(10**snapshot.quote_decimals)
                     * Decimal(snapshot.quote_price) / Decimal(WAD))
        fee = Decimal(a.fee) / Decimal(PIPS)
        # The pool's fee is charged on what goes in: the token sold, or the quote paid for the token bought.
        swapped_in = notional if a.sell else quote_usd - Decimal(fill.profit) / Decimal(10**snapshot.quote_decimals)
        leg.amount += fill.amount
        leg.notional += notional
        leg.quote_usd += quote_usd
        leg.pool_fees += swapped_in * fee
        leg.profit += Decimal(fill.profit) / Decimal(10**snapshot.quote_decimals)
        leg.fee_pips.add(a.fee)
        leg.bids += 1


def table(legs: list[Leg]) -> str:
    head = (f"{'token':<6} {'side':<4} {'amount':>16} {'notional USD':>14} {'vs oracle bps':>13} "
            f"{'cost bps':>8} {'pool fees':>10} {'cost USD':>10} {'fees+25bps':>11} {'bids':>4} {'filled':>7}")
    lines = [head, "-" * len(head)]
    for leg in legs:
        realised = (leg.quote_usd / leg.notional - 1) * 10_000 if leg.notional else Decimal(0)
        filled = 1 - Decimal(leg.end_gap) / Decimal(leg.start_gap) if leg.start_gap else Decimal(1)
        lines.append(
            f"{leg.symbol:<6} {leg.side:<4} {Decimal(leg.amount) / Decimal(10**leg.decimals):>16.6f} "
            f"{leg.notional:>14,.0f} {realised:>13.1f} {leg.bps(leg.cost):>8.1f} {leg.pool_fees:>10,.0f} "
            f"{leg.cost:>10,.0f} {leg.pool_fees + leg.notional * Decimal('0.0025'):>11,.0f} {leg.bids:>4} "
            f"{filled:>7.1%}"
        )
    return "\n".join(lines)


def write_results(path: Path, results: dict) -> None:
    """Merge `results` into the JSON file at `path` (other keys, e.g. gas, are kept)."""
    data = json.loads(path.read_text()) if path.exists() else {}
    data.update(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2) + "\n")


def auction_window(proposed_at: int, timelock: int, day: dt.date) -> int:
    """An auction length that runs from the proposal's start through `day`'s
    close (the last replay step), plus 30 minutes for the last round."""
    return close_timestamp(day) + 1800 - (proposed_at + timelock)
