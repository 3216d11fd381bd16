"""The DeFi index of 2021, priced from pools, end to end on a long-tail market: the eleven DeFi
governance tokens the data covers (`examples/defi2021.yaml`), each with only a Uniswap V3 pool
against USDC and no Chainlink feed, priced by a 30-minute TWAP (`contracts/TwapFeed.vy`) that
the factory lists under its TWAP rule; the index launched through the factory, rebalanced each
month to the methodology's capped market-cap weights by the keeper through the Rebalancer's
auctions, and its token's pool held to NAV by the arbitrage keeper, while the market replays
2021-05 to 2021-08 in half-hour steps.

Per month it accounts for the weights proposed, what the auctions cost against the oracle
(the TWAPs), and the worst gap between a component's TWAP and the day's close at each close.

`ape run defi_demo` (scripts/defi_demo.py) is the command; everything it does is here (`run`).
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

from demos.rebalance import ROUNDS_PER_STEP, Leg, add_fills, auction_window, curve_for, largest_fee, table
from indexvault import amm, history
from indexvault.constants import WAD
from indexvault.keepers import arbitrage_runner, runner
from indexvault.keepers import rebalance as decisions
from indexvault.market import replay as market_replay
from indexvault.market import uniswap as uni
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function, Tx

ASSETS = ("AAVE", "BAL", "COMP", "CRV", "LRC", "MKR", "REN", "SNX", "SUSHI", "UNI", "YFI")
MARKET_DATE = dt.date(2021, 5, 1)
MARKET_FOLDER = Path("markets") / "defi-2021-05-01"
INDEX_FILE = Path("examples") / "defi2021.yaml"
# The TWAPs need a window of history before the factory lists them: the first day is replayed first.
LAUNCH = dt.date(2021, 5, 2)
REBALANCES = (dt.date(2021, 6, 1), dt.date(2021, 7, 1), dt.date(2021, 8, 1))
CAP = Decimal("0.25")
POOL_DEPTH_USD = Decimal(200_000)  # the index token's pool against USDC, both sides
KEEPER_USDC = 1_000_000  # whole USDC the arbitrage keeper holds (`ape run market fund USDC 1000000`)
TWAP_WINDOW = 1800  # the index file's window
LATEST = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")
LIQUIDITY = Function("liquidity()", "uint128")
MOVES = (0.02, 0.05, 0.20)  # TWAP moves priced, as `python -m benchmarks oracles` measures them
BLOCK_TIME = 12
Log = Callable[[str], None]


def build_command() -> list[str]:
    """The README's command that builds the long-tail market this demo runs on."""
    listed = ",".join(ASSETS)
    return [
        "ape",
        "run",
        "market",
        "build",
        "--date",
        str(MARKET_DATE),
        "--assets",
        listed,
        "--twap-only",
        listed,
        "--out",
        str(MARKET_FOLDER),
    ]


def ensure_market(log: Log = print) -> Path:
    """The saved long-tail market, built once (about 40 s) if missing."""
    if not (MARKET_FOLDER / "market.json").exists():
        log(f"building the long-tail market: {' '.join(build_command())}")
        subprocess.run(build_command(), check=True, stdout=sys.stderr)
    return MARKET_FOLDER


@dataclass
class Gap:
    """A component's TWAP against the data's close, read at the close."""

    symbol: str
    day: dt.date
    twap: Decimal
    close: Decimal

    @property
    def gap(self) -> Decimal:
        return self.twap / self.close - 1


@dataclass
class Month:
    """One rebalance and the month of replay before it."""

    date: dt.date
    weights: dict[str, Decimal] = field(default_factory=dict)
    legs: list[Leg] = field(default_factory=list)
    gaps: list[Gap] = field(default_factory=list)
    nav_per_share: Decimal = Decimal(0)
    arbitrage_trades: int = 0
    pool_gap_after: Decimal = Decimal(0)  # the worst |pool / NAV - 1| after a keeper round

    @property
    def notional(self) -> Decimal:
        return sum((l.notional for l in self.legs), Decimal(0))

    @property
    def cost(self) -> Decimal:
        return sum((l.cost for l in self.legs), Decimal(0))

    @property
    def cost_bps(self) -> Decimal:
        return self.cost / self.notional * 10_000 if self.notional else Decimal(0)

    @property
    def pool_fee_bps(self) -> Decimal:
        fees = sum((l.pool_fees for l in self.legs), Decimal(0))
        return fees / self.notional * 10_000 if self.notional else Decimal(0)

    @property
    def worst(self) -> Gap | None:
        return max(self.gaps, key=lambda g: abs(g.gap), default=None)

    @property
    def targets_met(self) -> bool:
        return all(l.target_met for l in self.legs)


def _decimal(ratio: Fraction) -> Decimal:
    return Decimal(ratio.numerator) / Decimal(ratio.denominator)


def read_gaps(rpc, market: MarketRecord, record, day: dt.date) -> list[Gap]:
    """Each component's TWAP (its feed in the adapter, 18 decimals) against `day`'s close in the data."""
    components = record["components"]
    answers = rpc.read([(c["feed"], LATEST, ()) for c in components])
    symbols = [market.by_token_symbol(c["symbol"]).symbol for c in components]
    return [
        Gap(symbol, day, Decimal(a[1]) / Decimal(WAD), history.close(symbol, day))
        for symbol, a in zip(symbols, answers)
    ]


def manipulation(rpc, market: MarketRecord, record, exposure_usd: dict[str, Decimal]) -> list[dict]:
    """Per component, at launch: its pool's depth a side (its liquidity over the full range, at its
    TWAP), and what moving its TWAP 2, 5 and 20 % costs (the constant-product closed form that
    `python -m benchmarks oracles` checks on a real V3 pool within 0.01 %) for an attacker holding one
    block and one holding the whole window, against what the move takes: the move times the index's
    holding of the asset (what a lender crediting the index at its NAV feed credits)."""
    usdc = market.assets[market.quote]
    components = record["components"]
    assets = [market.by_token_symbol(c["symbol"]) for c in components]
    reads = rpc.read(
        [(usdc.feed, LATEST, ())]
        + [(a.v3_pool.address, LIQUIDITY, ()) for a in assets]
        + [(c["feed"], LATEST, ()) for c in components]
    )
    quote_answer, n = reads[0][1], len(components)
    rows = []
    for asset, (liquidity,), answer in zip(assets, reads[1 : 1 + n], reads[1 + n :]):
        depth = amm.twap_depth_usd(
            liquidity, answer[1], asset.decimals, quote_answer, usdc.decimals, usdc.feed_decimals
        )
        depth_usd = depth / 1e18
        for move in MOVES:
            for hold, blocks in (("one_block", 1), ("whole_window", TWAP_WINDOW // BLOCK_TIME)):
                cost = amm.manipulation_cost_usd(depth_usd, amm.twap_spot_factor(move, TWAP_WINDOW, blocks))
                extractable = move * float(exposure_usd[asset.symbol])
                rows.append(
                    {
                        "asset": asset.symbol,
                        "source": f"uniswap-v3-twap-{TWAP_WINDOW // 60}m",
                        "pool_usd_a_side": round(depth_usd),
                        "exposure_usd": round(float(exposure_usd[asset.symbol])),
                        "move": move,
                        "hold": hold,
                        "cost_usd": round(cost, 2),
                        "extractable_usd": round(extractable, 2),
                        "cost_over_extractable": round(cost / extractable, 3),
                    }
                )
    return rows


def manipulation_table(rows: list[dict]) -> str:
    head = (
        f"{'asset':<6} {'pool USD a side':>15} {'exposed USD':>11} "
        + "".join(f"{f'{m:.0%} 1 block':>12}" for m in MOVES)
        + "".join(f"{f'{m:.0%} window':>11}" for m in MOVES)
    )
    lines = [head + "   (cost / what the move takes)", "-" * len(head)]
    for asset in dict.fromkeys(r["asset"] for r in rows):
        mine = {(r["move"], r["hold"]): r for r in rows if r["asset"] == asset}
        first = next(iter(mine.values()))
        ratios = [mine[(m, "one_block")]["cost_over_extractable"] for m in MOVES]
        ratios += [mine[(m, "whole_window")]["cost_over_extractable"] for m in MOVES]
        lines.append(
            f"{asset:<6} {first['pool_usd_a_side']:>15,} {first['exposure_usd']:>11,} "
            + "".join(f"{r:>12.3g}" for r in ratios[:3])
            + "".join(f"{r:>11.3g}" for r in ratios[3:])
        )
    return "\n".join(lines)


class Run:
    """The demo's state on the connected node: the market record (its day moves with the replay),
    the index and its keepers."""

    def __init__(self, rpc, market: MarketRecord, account, settings: decisions.Settings, echo: Log, steps: int):
        self.rpc, self.market, self.account, self.settings, self.echo = rpc, market, account, settings, echo
        self.steps_per_day = steps
        self.index = None
        self.arbitrage = None
        self.day = LAUNCH  # the market's day: replayed through its close
        self.manipulation: list[dict] = []

    def _save(self, day: dt.date) -> None:
        from indexvault import chain

        self.market = self.market.model_copy(update={"day": day, "timestamp": self.rpc.timestamp()})
        chain.save_market(self.market)

    def replay_day(self, day: dt.date, month: Month | None, on_step: Callable[[], bool] | None = None) -> None:
        """Replay `day` in steps (`on_step` after each, until it says stop), then at the close read
        the TWAPs against the close and run an arbitrage round."""
        for _ in market_replay.steps(self.rpc, self.market, day, self.steps_per_day):
            if on_step is not None and on_step():
                on_step = None
        self._save(day)
        if month is None or self.index is None:
            return
        month.gaps += read_gaps(self.rpc, self.market, self.index, day)
        # The arbitrage keeper trades on the NAV the TWAPs give: a window after the close, when they
        # have caught up with the pools (at the close itself they still average the last step's price).
        self.rpc.call("evm_increaseTime", TWAP_WINDOW + 60)
        self.rpc.call("evm_mine")
        # A long-tail asset's price in the market record is the data's close of the record's day, so
        # the keeper is given the record as replayed (a bot holding one from its start would not be).
        self.arbitrage.market = self.market
        result = self.arbitrage.round()
        month.arbitrage_trades += bool(result.sent and result.ok)
        after = result.after or result.snapshot
        if after.nav_per_share:
            month.pool_gap_after = max(month.pool_gap_after, abs(_decimal(after.price / after.nav) - 1))

    def launch(self, shares: int) -> None:
        """Through the factory, as `ape run create-index examples/defi2021.yaml` does: the factory
        (with its TWAP rule), a TwapFeed listed per component, the index and its Rebalancer; then
        `shares` minted in kind, the keeper's bidder, and the index token's pool."""
        from indexvault import launch, operations
        from indexvault.chain import ensure_bidder, resolve_basket
        from indexvault.config import load_index

        config = load_index(INDEX_FILE)
        basket = resolve_basket(config)
        launch.ensure_factory(self.account, self.echo)
        index = launch.create_index(config, self.account, echo=self.echo, fund_shares=Decimal(shares), basket=basket)
        operations.mint(index, self.account, Decimal(shares), Decimal("0.005"))
        nav = Decimal(shares) * config.initial_nav_per_share
        exposure = {self.market.by_token_symbol(c.token).symbol: nav * c.weight for c in config.components}
        self.manipulation = manipulation(self.rpc, self.market, index, exposure)
        index = ensure_bidder(index, self.account, self.market, self.echo)
        index = arbitrage_runner.create_pool(index, self.account, self.market, POOL_DEPTH_USD, self.echo)
        usdc = self.market.assets[self.market.quote]
        mint = uni.MOCK_MINT(self.account.address, KEEPER_USDC * 10**usdc.decimals)
        self.rpc.transact([Tx(self.market.maker, usdc.token, mint, "fund the keeper", gas=100_000)])
        self.arbitrage = arbitrage_runner.NetworkKeeper.connect(self.account, index, log=lambda line: None)
        self.index = self.arbitrage.index

    def rebalance(self, month: Month) -> None:
        """Propose `month.date`'s targets at its close; replay the next day with keeper rounds after
        every step until every target is met or the auction ends."""
        from indexvault import chain

        rpc, market, index = self.rpc, self.market, self.index
        timelock = index.rebalancer.timelock()
        # Proposed at the close: the auctions open `timelock` later and run through the next whole day.
        waiting = [month.date + dt.timedelta(days=d) for d in range(1, -(-timelock // 86_400) + 1)]
        auction_day = month.date + dt.timedelta(days=len(waiting) + 1)
        start, end = curve_for(largest_fee(market))
        duration = auction_window(rpc.timestamp(), timelock, auction_day)
        proposal = runner.read_proposal(
            rpc,
            market,
            index,
            month.date,
            top=len(ASSETS),
            cap=CAP,
            duration=duration,
            start_factor=start,
            end_factor=end,
        )
        chain.propose_rebalance(index, self.account, proposal)
        month.weights = dict(proposal.weights)
        for day in waiting:
            self.replay_day(day, month)
        first = runner.read_snapshot(rpc, market, index)
        gaps = {c.symbol: c.remaining for c in first.components}
        legs: dict[str, Leg] = {}

        def round_after_step() -> bool:
            for _ in range(ROUNDS_PER_STEP):
                result = runner.run_round(rpc, self.market, index, self.account, self.settings, log=lambda line: None)
                add_fills(legs, result.snapshot, result.fills)
                if not any(f.ok for f in result.fills):
                    break
            left = runner.read_snapshot(rpc, self.market, index)
            return all(c.remaining == 0 or decisions.is_dust(c, c.remaining) for c in left.components) or (
                left.timestamp > left.auction_start + left.auction_duration
            )

        self.replay_day(auction_day, month, round_after_step)
        self.day = auction_day
        final = runner.read_snapshot(rpc, self.market, index)
        for c in final.components:
            leg = legs.setdefault(c.symbol, Leg(c.symbol, "sell" if c.sell else "buy", c.decimals))
            met = c.remaining == 0 or decisions.is_dust(c, c.remaining)  # as the keeper counts it
            leg.start_gap, leg.end_gap, leg.target_met = gaps[c.symbol], c.remaining, met
        month.legs = sorted(legs.values(), key=lambda l: (l.side != "sell", -l.notional))


def month_line(month: Month) -> str:
    worst = month.worst
    gap = f"{worst.gap:+.2%} ({worst.symbol} {worst.day})" if worst else "-"
    return (
        f"{month.date}  traded {month.notional:>10,.0f} USD  cost {month.cost_bps:6.1f} bps "
        f"(pool fees {month.pool_fee_bps:5.1f})  {'met' if month.targets_met else 'NOT met':>7}  "
        f"worst TWAP vs close {gap}  arbitrage {month.arbitrage_trades} trade(s), pool within "
        f"{month.pool_gap_after:.2%} of NAV"
    )


def weights_table(months: list[Month]) -> str:
    symbols = sorted({s for m in months for s in m.weights}, key=lambda s: -months[0].weights.get(s, Decimal(0)))
    head = f"{'weights':<11}" + "".join(f"{s:>7}" for s in symbols)
    rows = [head, "-" * len(head)]
    for m in months:
        rows.append(f"{m.date!s:<11}" + "".join(f"{m.weights.get(s, Decimal(0)):>7.1%}" for s in symbols))
    return "\n".join(rows)


def summary(months: list[Month], steps_per_day: int, seconds: float, manipulated: list[dict] = ()) -> dict:
    """`defi_index` in benchmarks/results/oracles.json."""
    notional = sum((m.notional for m in months), Decimal(0))
    cost = sum((m.cost for m in months), Decimal(0))
    gaps = [g for m in months for g in m.gaps]
    worst = max(gaps, key=lambda g: abs(g.gap), default=None)
    return {
        "components": len(ASSETS),
        "assets": list(ASSETS),
        "months": len(months),
        "cost_bps": round(float(cost / notional * 10_000), 1) if notional else 0.0,
        "max_twap_gap": round(float(abs(worst.gap)), 6) if worst else 0.0,
        "max_twap_gap_at": {"symbol": worst.symbol, "day": str(worst.day)} if worst else None,
        "targets_met": all(m.targets_met for m in months),
        "by_month": [
            {
                "date": str(m.date),
                "weights": {s: round(float(w), 4) for s, w in m.weights.items()},
                "traded_usd": round(float(m.notional), 2),
                "cost_bps": round(float(m.cost_bps), 1),
                "pool_fee_bps": round(float(m.pool_fee_bps), 1),
                "targets_met": m.targets_met,
                "max_twap_gap": round(float(abs(m.worst.gap)), 6) if m.worst else 0.0,
                "nav_per_share": round(float(m.nav_per_share), 4),
                "arbitrage_trades": m.arbitrage_trades,
                "pool_gap_after_arbitrage": round(float(m.pool_gap_after), 6),
            }
            for m in months
        ],
        "manipulation": list(manipulated),
        "steps_per_day": steps_per_day,
        "twap_window_s": TWAP_WINDOW,
        "what": (
            "max_twap_gap: the largest |TWAP / close - 1| of any component, read at each day's close "
            "(the replay moves each pool in geometric steps, so at the close a 30-minute TWAP averages "
            "the last step's price: it measures the window's lag along the replayed path, not "
            "intraday noise, which the daily data does not have)"
        ),
        "seconds": round(seconds, 1),
        "command": "ape run defi_demo",
    }


def plot(months: list[Month], path: Path) -> Path:
    """Each component's TWAP against the day's close at every close (bps), and the weights each
    month's rebalance proposed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), gridspec_kw={"height_ratios": [3, 2]})
    symbols = sorted({g.symbol for m in months for g in m.gaps})
    styles = dict(zip(symbols, market_replay.series_styles(len(symbols))))
    for symbol in symbols:
        gaps = [g for m in months for g in m.gaps if g.symbol == symbol]
        color, style = styles[symbol]
        top.plot(
            [g.day for g in gaps], [float(g.gap) * 10_000 for g in gaps], lw=1, color=color, ls=style, label=symbol
        )
    top.set_ylabel("30-minute TWAP vs the day's close (bps)")
    top.set_title("DeFi 2021, priced from its V3 pools: each TWAP at each day's close")
    top.legend(ncol=6, fontsize=7)
    left = [0.0] * len(months)
    labels = [str(m.date) for m in months]
    for symbol in sorted(symbols, key=lambda s: -float(months[0].weights.get(s, 0))):
        weights = [float(m.weights.get(symbol, 0)) for m in months]
        bottom.barh(labels, weights, left=left, color=styles[symbol][0], label=symbol)
        left = [a + b for a, b in zip(left, weights)]
    bottom.set_xlabel("weights proposed (capped market cap, 25 %)")
    bottom.set_xlim(0, 1)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def run(
    rpc,
    market: MarketRecord,
    account,
    settings: decisions.Settings,
    echo: Log = print,
    *,
    shares: int = 1000,
    steps_per_day: int = 48,
) -> tuple[list[Month], dict]:
    """The demo on a node restored from the long-tail market (Ape connected to it too)."""
    started = time.monotonic()
    demo = Run(rpc, market, account, settings, echo, steps_per_day)
    echo(f"== replay {LAUNCH}: a day of TWAP history before the factory lists the pools")
    demo.replay_day(LAUNCH, None)
    echo(f"== launch {INDEX_FILE} through the factory, mint {shares:,} shares, create its pool")
    demo.launch(shares)
    from ape import project

    oracle = project.OracleAdapter.at(demo.index["oracle"])
    echo(f"   NAV {oracle.nav_per_share() / 1e18:,.4f} USD a share")
    months = []
    for date in REBALANCES:
        month = Month(date)
        echo(f"== replay to {date} ({steps_per_day} steps a day), TWAPs read at each close, arbitrage daily")
        while demo.day < date:
            demo.day += dt.timedelta(days=1)
            demo.replay_day(demo.day, month)
        echo(f"== propose the {date} targets at its close; the keeper fills the auctions when they open")
        demo.rebalance(month)
        month.nav_per_share = Decimal(oracle.nav_per_share()) / Decimal(WAD)
        echo("   " + month_line(month))
        months.append(month)
    echo("\n" + weights_table(months))
    for m in months:
        echo(f"\n{m.date}\n" + table(m.legs))
    echo("")
    for m in months:
        echo(month_line(m))
    echo("\nmanipulating each TWAP at launch: cost / what the move takes (index exposure)\n")
    echo(manipulation_table(demo.manipulation))
    out = summary(months, steps_per_day, time.monotonic() - started, demo.manipulation)
    echo(
        f"\n{len(ASSETS)} components, {len(months)} months: auctions cost {out['cost_bps']} bps of what they "
        f"traded; the worst TWAP was {out['max_twap_gap']:.2%} from the close"
    )
    return months, out
