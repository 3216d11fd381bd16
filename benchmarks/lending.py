"""The crash of May 2021 with the index as Morpho collateral: are the loans
liquidated in time, at Morpho's own prices, and what bad debt is left?

One anvil node restored from the saved 2021-05-01 market (``ape run market
build --date 2021-05-01``, built here if missing; it carries Morpho Blue
1.0.0, the published code), replayed by day to the close of ``START``
(2021-05-12). There an index of BTC, ETH, BNB, ADA and DOGE (40/30/10/10/10 %
by value, fees 0.1 % to mint and to redeem) is deployed with its oracle
adapter on the market's feeds, its NavFeed, a MorphoNavOracle over it (the
loan token at 1 USD), the IndexRouter and the MorphoLiquidator; Morpho gets
a market of the index token against USDC at the LLTV `ape run lend open` chooses
(62.5 %, `indexvault.lending.position.DEFAULT_LLTV`), a lender supplies
10M USDC, and seven borrowers each post ``COLLATERAL_USD`` of index tokens
and borrow to health factors 1.05 to 2.00 at the oracle's price.

The market is then replayed to the close of ``END`` (2021-05-19) in
``STEPS_PER_DAY`` steps a day (each step posts the feeds and arbitrages
every pool to them: `indexvault.market.replay`), and after every step the
liquidation keeper runs one round (`indexvault.keepers.liquidate_chain`:
borrowers from Morpho's Borrow events, the decisions, each liquidation sent
through the MorphoLiquidator, flash-funded by Morpho's callback). After
each round the benchmark checks every position against Morpho's own
oracle price: one left under water is counted as missed.

Measured (``benchmarks/results/lending.json``): gas of a cold read of the
NavFeed (``latestRoundData``) and of the oracle's ``price()`` (a transaction
calling each, less the 21,000 intrinsic gas and the calldata), of the
first ``Morpho.borrow`` and of each liquidation (receipts); positions,
liquidated, missed, the bad debt Morpho wrote off (its Liquidate events'
``badDebtAssets``, in USD), the day the index's NAV fell most, the
collateral's value at the start, and a row per position.

The same crash is replayed again with one step a day (``one_step_a_day``):
the NAV's whole fall of 2021-05-19 (-23 %) then reaches the keeper at once.

Run it with ``python -m benchmarks lending`` (about 45 s). The node, the index and its Morpho oracle are
`benchmarks.morpho_index`'s, shared with the `leverage` benchmark.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from decimal import Decimal
from pathlib import Path

from benchmarks import RESULTS as RESULTS_DIR
from benchmarks import log
from benchmarks import morpho_index as setup
from indexvault.constants import MAX_UINT256, WAD
from indexvault.keepers import liquidate as decisions
from indexvault.keepers import liquidate_chain as keeper
from indexvault.lending import model, position
from indexvault.market import replay
from indexvault.market import uniswap as uni
from indexvault.market.rpc import Function, RpcError, Tx

MARKET_DATE = "2021-05-01"  # market snapshots are the 1st of each month
START, END = "2021-05-12", "2021-05-19"
STEPS_PER_DAY = 4
BASKET = setup.BASKET
FEE = WAD // 1000
LLTV = position.DEFAULT_LLTV  # what `ape run lend open` lists an index at
HEALTH = (
    Decimal("1.05"),
    Decimal("1.10"),
    Decimal("1.20"),
    Decimal("1.35"),
    Decimal("1.50"),
    Decimal("1.75"),
    Decimal(2),
)
COLLATERAL_USD = 50_000
LENT = 10_000_000 * 10**6
RESULT = RESULTS_DIR / "lending.json"

CREATE_MARKET = Function("createMarket((address,address,address,address,uint256))")
SUPPLY = Function("supply((address,address,address,address,uint256),uint256,uint256,address,bytes)")
SUPPLY_COLLATERAL = Function("supplyCollateral((address,address,address,address,uint256),uint256,address,bytes)")
BORROW = Function("borrow((address,address,address,address,uint256),uint256,uint256,address,address)")
LATEST = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")


class Scenario:
    """The node, the index, Morpho's market and the borrowers, as the module docstring sets them up."""

    def __init__(self) -> None:
        folder, _ = setup.market_folder(MARKET_DATE)
        self.anvil, self.record = setup.restore(folder, START)
        self.rpc = self.anvil.rpc
        accounts = self.rpc.call("eth_accounts")
        self.admin, self.lender, self.holder = accounts[0], accounts[1], accounts[2]
        self.borrowers = accounts[3 : 3 + len(HEALTH)]
        self.keeper = self.admin
        self._deploy()
        self._open()

    def _deploy(self) -> None:
        rpc, m, admin = self.rpc, self.record, self.admin
        self.index = setup.deploy_index(rpc, m, admin, BASKET, "Crash Index", "CRASH", FEE)
        i = self.index
        self.vault, self.adapter, self.nav_feed, self.oracle, self.router, self.usdc = (
            i.vault, i.adapter, i.nav_feed, i.oracle, i.router, i.usdc
        )  # fmt: skip
        self.lending = keeper.LendingMarket(m.lending.morpho, self.usdc, self.vault, self.oracle, setup.ZERO, LLTV)
        self.liquidator = rpc.deploy(
            admin, setup.bytecode("periphery/MorphoLiquidator.vy"), "liquidator", ["address", "address"],
            [m.lending.morpho, self.router],
        )  # fmt: skip

    def _open(self) -> None:
        rpc, m, params, morpho = self.rpc, self.record, self.lending.params, self.lending.morpho
        (price,) = rpc.read([(self.oracle, setup.PRICE, ())])[0]
        shares_each = COLLATERAL_USD * 10**6 * 10**36 // price
        total = shares_each * len(self.borrowers)
        setup.mint_index(rpc, m, self.index, self.holder, total)
        txs = []
        txs.append(Tx(self.admin, morpho, CREATE_MARKET(params), "create market", gas=500_000))
        txs.append(Tx(self.lender, self.usdc, uni.MOCK_MINT(self.lender, LENT), "usdc"))
        txs.append(Tx(self.lender, self.usdc, uni.ERC20_APPROVE(morpho, MAX_UINT256), "approve"))
        txs.append(Tx(self.lender, morpho, SUPPLY(params, LENT, 0, self.lender, b""), "supply", gas=500_000))
        rpc.transact(txs)
        self.positions = []
        borrows = []
        for who, health in zip(self.borrowers, HEALTH):
            assets = int(model.max_borrow(shares_each, price, LLTV) / health)
            rpc.transact(
                [
                    Tx(self.holder, self.vault, uni.ERC20_TRANSFER(who, shares_each), "transfer"),
                    Tx(who, self.vault, uni.ERC20_APPROVE(morpho, MAX_UINT256), "approve"),
                    Tx(who, morpho, SUPPLY_COLLATERAL(params, shares_each, who, b""), "collateral", gas=500_000),
                ]
            )
            [receipt] = rpc.transact([Tx(who, morpho, BORROW(params, assets, 0, who, who), "borrow", gas=1_000_000)])
            borrows.append(int(receipt["gasUsed"], 16))
            self.positions.append({"borrower": who, "health_at_open": float(health), "collateral": shares_each,
                                   "borrowed_usd": assets / 10**6})  # fmt: skip
        self.borrow_gas = borrows[0]
        self.collateral_usd = COLLATERAL_USD * len(self.borrowers)
        self.open_price = price

    def stop(self) -> None:
        self.anvil.stop()


def run(end: str = END, steps_per_day: int = STEPS_PER_DAY, log=log) -> dict:
    started = time.monotonic()
    s = Scenario()
    try:
        return _crash(s, end, steps_per_day, started, log)
    finally:
        s.stop()


def _crash(s: Scenario, end: str, steps_per_day: int, started: float, log) -> dict:
    rpc = s.rpc
    contracts = keeper.Contracts(keeper.RpcLiquidator(rpc, s.liquidator), s.keeper, (RpcError,))
    settings = decisions.Settings(min_profit_usd=Decimal(1))
    nav = [(s.record.day.isoformat(), _nav(rpc, s))]
    liquidations: list[tuple[str, keeper.Liquidation, int]] = []
    missed: list[str] = []
    steps = 0
    for step in replay.steps(rpc, s.record, dt.date.fromisoformat(end), steps_per_day):
        steps += 1
        when = dt.datetime.fromtimestamp(step.timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M")
        borrowers = keeper.find_borrowers(rpc, s.lending)
        lines: list[str] = []
        result = keeper.run_round(
            rpc,
            s.record,
            s.lending,
            borrowers,
            contracts,
            settings,
            int(rpc.call("eth_gasPrice"), 16),
            log=lines.append,
        )
        for sent in result.sent:
            if sent.ok:
                liquidations.append((when, sent.receipt.liquidation, sent.gas_used))
        for line in lines:
            if not line.startswith("skip") or "under water" in line:
                log(f"  {when} {line}")
        after = keeper.read_snapshot(rpc, s.record, s.lending, borrowers)
        for b in after.borrowers:
            if after.price and not model.is_healthy(b.position, after.market, after.price):
                missed.append(f"{when} {b.address}")
        nav.append((when, _nav(rpc, s)))
    return _report(s, nav, liquidations, missed, steps, steps_per_day, end, time.monotonic() - started)


def _nav(rpc, s: Scenario) -> float:
    return float(setup.index_nav(rpc, s.index))


def _report(s, nav, liquidations, missed, steps, steps_per_day, end, seconds) -> dict:
    daily = {}
    for when, value in nav:
        daily[when[:10]] = value  # the day's last step: its close
    days = list(daily)
    drops = {days[i]: daily[days[i]] / daily[days[i - 1]] - 1 for i in range(1, len(days))}
    crash_day = min(drops, key=drops.get)
    worst_step = min(nav[i][1] / nav[i - 1][1] - 1 for i in range(1, len(nav)))
    by_borrower: dict[str, list] = {}
    for when, liq, gas in liquidations:
        by_borrower.setdefault(liq.borrower.lower(), []).append((when, liq, gas))
    rows = []
    for p in s.positions:
        mine = by_borrower.get(p["borrower"].lower(), [])
        rows.append(
            p | {
                "collateral": p["collateral"] / WAD,
                "liquidated_at": [w for w, _, _ in mine],
                "seized": sum(liq.seized for _, liq, _ in mine) / WAD,
                "repaid_usd": sum(liq.repaid_assets for _, liq, _ in mine) / 10**6,
                "bad_debt_usd": sum(liq.bad_debt_assets for _, liq, _ in mine) / 10**6,
                "keeper_profit_usd": sum(liq.profit for _, liq, _ in mine) / 10**6,
            }
        )  # fmt: skip
    gas = [g for _, _, g in liquidations]
    bad = sum(liq.bad_debt_assets for _, liq, _ in liquidations) / 10**6
    lif = model.liquidation_incentive_factor(LLTV) / WAD
    return {
        "feed_read_gas": setup.read_gas(s.rpc, s.keeper, s.nav_feed, LATEST),
        "oracle_price_gas": setup.read_gas(s.rpc, s.keeper, s.oracle, setup.PRICE),
        "borrow_gas": s.borrow_gas,
        "liquidation_gas": max(gas) if gas else None,
        "liquidation_gas_all": gas,
        "positions": len(s.positions),
        "liquidated": sum(1 for r in rows if r["liquidated_at"]),
        "liquidations": len(liquidations),
        "missed": missed,
        "bad_debt_usd": round(bad, 6),
        "crash_day": crash_day,
        "crash_day_nav_change": round(drops[crash_day], 4),
        "nav_start": round(nav[0][1], 4),
        "nav_end": round(nav[-1][1], 4),
        "nav_low": round(min(v for _, v in nav), 4),
        "worst_step_nav_change": round(worst_step, 4),
        "collateral_usd": s.collateral_usd,
        "lltv": LLTV / WAD,
        "liquidation_incentive": round(lif, 6),
        "bad_debt_threshold_health": round(LLTV / WAD * lif, 4),
        "keeper_profit_usd": round(sum(r["keeper_profit_usd"] for r in rows), 2),
        "market": MARKET_DATE,
        "replay": f"{START} to {end}, {steps_per_day} steps a day ({steps} steps), a keeper round after each",
        "basket": {k: float(v) for k, v in BASKET.items()},
        "rows": rows,
        "seconds": round(seconds, 1),
        "notes": (
            "Bad debt appears only when a position's collateral, at the oracle's price, is worth less than its debt "
            "times Morpho's incentive when the keeper reaches it: a health factor below LLTV x incentive "
            f"({LLTV / WAD * lif:.3f}). The feeds and pools move once a step and the keeper runs after each, so a "
            "position that was healthy after one step is reached the next at the NAV's move over that one step; "
            "the worst one-step move of the NAV decides whether any position jumps from above 1 to under "
            f"{LLTV / WAD * lif:.3f} before the keeper sees it."
        ),
        "command": "python -m benchmarks lending",
        "date": dt.date.today().isoformat(),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks lending", description=__doc__.split("\n\n")[0])
    parser.add_argument("--end", default=END, help=f"last day replayed (default {END})")
    parser.add_argument("--steps-per-day", type=int, default=STEPS_PER_DAY, help="replay steps a day")
    parser.add_argument("--out", type=Path, default=RESULT, help="where the JSON goes")
    args = parser.parse_args(argv)
    result = run(args.end, args.steps_per_day)
    if args.steps_per_day != 1:
        log("the same crash with the feeds and pools moved once a day")
        daily = run(args.end, 1, log=lambda message: None)
        keep = ("liquidated", "liquidations", "missed", "bad_debt_usd", "worst_step_nav_change", "keeper_profit_usd")
        result["one_step_a_day"] = {key: daily[key] for key in keep} | {
            "bad_debt_by_health": {str(r["health_at_open"]): r["bad_debt_usd"] for r in daily["rows"]}
        }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    keys = ("feed_read_gas", "oracle_price_gas", "borrow_gas", "liquidation_gas", "positions", "liquidated",
            "bad_debt_usd", "crash_day", "crash_day_nav_change", "worst_step_nav_change", "collateral_usd",
            "keeper_profit_usd")  # fmt: skip
    for key in keys:
        print(f"{key:<24} {result[key]}")
    for row in result["rows"]:
        print(
            f"  HF {row['health_at_open']:.2f}: borrowed {row['borrowed_usd']:>10,.2f} USD; "
            f"liquidated {', '.join(row['liquidated_at']) or 'never'}; bad debt {row['bad_debt_usd']:,.2f} USD"
        )
    if "one_step_a_day" in result:
        daily = result["one_step_a_day"]
        print(
            f"one step a day: {daily['liquidated']} liquidated, bad debt {daily['bad_debt_usd']:,.2f} USD "
            f"(worst step {daily['worst_step_nav_change']:+.2%})"
        )
    print(f"missed: {len(result['missed'])}; written to {args.out} in {result['seconds']} s")


if __name__ == "__main__":
    main()
