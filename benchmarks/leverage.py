"""The 2x and -1x index tokens (`contracts/periphery/LeveragedIndex.vy`) through real crashes and a
rally, with the leverage keeper running: are they ever liquidatable, are they in their band at every
day's close, how far do they track the theoretical daily-reset 2x and -1x, what do the keeper's
trades and a user's round trip cost?

Per scenario (`SCENARIOS`): the saved market of its month (`ape run market build --date DATE`, built
here when missing: about 8 s each) restored on an anvil node and replayed a step a day to the
scenario's start (`benchmarks.morpho_index`, shared with the `lending` benchmark). There the index of
the lending benchmark (BTC, ETH, BNB, ADA, DOGE at 40/30/10/10/10 % by value) is deployed with its
NAV feed, MorphoNavOracle and the IndexRouter; both products are deployed as `ape run leverage
create` does (the 2x on the index/USDC Morpho market, the -1x on a USDC/index market priced by
MorphoInverseNavOracle, both at LLTV 62.5 %, `product.default_bounds`: band 1.7-2.3 and 0.85-1.15,
ripcord 2.5 and 1.35, at most 20,000 USDC a trade within 2 % of the NAV), a lender supplies both
markets, and a holder mints `EQUITY_USD` of each from USDC (`product.check_mint` and
`preview_mint` on the router's exact quote, as `ape run leverage mint` does).

A second user then mints `ROUND_TRIP_USD` of each and redeems it at once: its receipts give
`mint_gas` and `redeem_gas`, its USDC lost the round trip's cost, set against the pools' fees on the
two swaps (each route's fee times its value).

The window is then replayed in `STEPS_PER_DAY` steps a day (`indexvault.market.replay.steps`: each
step posts the feeds and arbitrages every pool to them). After every step Morpho's own health of both
positions is checked (`lending.model.is_healthy` at Morpho's oracle of the market: one not healthy
would be liquidated, and is counted), then the keeper runs one round, `keepers.leverage_chain.run_round`
as `ape run keeper leverage` runs it: each product read (`read_snapshot`), the pure
`keepers.leverage.decide`, and the decided `rebalance` or `ripcord` sent with routes quoted exactly
(QuoterV2), here by the node's unlocked keeper over JSON-RPC (`RpcSender`) rather than through Ape.
Leverage, the NAV per share of each product and the index's price (Morpho's oracle) are recorded after
each step and after the keeper's round.

Tracking: a day's return of each product (NAV per share, close to close) against the target
leverage times the index's (`benchmarks.tracking`); the chart (`leverage.png`) shows leverage at every
step and the products' value against the theoretical daily-reset product.

Run it with ``python -m benchmarks leverage`` (the README states its time).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from benchmarks import RESULTS as RESULTS_DIR
from benchmarks import log, tracking
from benchmarks import morpho_index as setup
from indexvault import oneasset
from indexvault.constants import MAX_UINT256, WAD
from indexvault.keepers import leverage as decisions
from indexvault.keepers import leverage_chain as keeper
from indexvault.lending import model as lending_model
from indexvault.lending import position as lending_position
from indexvault.leverage import chain as leverage
from indexvault.leverage import model, product
from indexvault.market import replay
from indexvault.market import uniswap as uni
from indexvault.market.rpc import Function, Tx

STEPS_PER_DAY = 4
BASKET = setup.BASKET
FEE = WAD // 1000  # the index's mint and redeem fee (the products' own start at 0)
LLTV = lending_position.DEFAULT_LLTV
EQUITY_USD = 100_000  # each product's size, minted at the start
ROUND_TRIP_USD = 10_000
LENT_USDC = 10_000_000 * 10**6  # in the 2x's market
LENT_INDEX_USD = 1_000_000  # index lent in the -1x's market, at the start's NAV
SLIPPAGE = Decimal("0.005")
GOAL_ROUND_TRIP_BPS = 25  # over the pools' fees
RESULT = RESULTS_DIR / "leverage.json"
CHART = RESULTS_DIR / "leverage.png"
KEYS = (
    "scenarios",
    "liquidations",
    "ripcords",
    "rebalances",
    "max_leverage",
    "tracking_error_median_bps",
    "tracking_error_worst_bps",
    "mint_gas",
    "redeem_gas",
    "round_trip_cost_bps",
    "keeper_gas_per_day",
)


@dataclass(frozen=True)
class Scenario:
    name: str
    market: str  # the saved market's date (a month's 1st)
    start: str  # the close the products are minted at
    end: str  # the last close replayed
    why: str
    size: int = 20  # the market's assets (`--size`): fewer where the data ends within a month of it


SCENARIOS = (
    Scenario("2021-05 crash", "2021-05-01", "2021-05-11", "2021-05-24", "2021-05-19: the index -23 % in a day"),
    Scenario("2022-05 LUNA", "2022-05-01", "2022-05-04", "2022-05-16", "Terra's collapse, 2022-05-07 to 05-12"),
    Scenario("2022-06 3AC", "2022-06-01", "2022-06-08", "2022-06-20", "Celsius and Three Arrows, 2022-06-12 to 06-18"),
    Scenario("2022-11 FTX", "2022-11-01", "2022-11-05", "2022-11-15", "FTX's collapse, 2022-11-07 to 11-10", 19),
    Scenario(
        "2024-11 rally",
        "2024-11-01",
        "2024-11-01",
        "2024-11-30",
        "a broad rally (BTC +40 %, ETH +48 %, ADA +224 %, DOGE +176 %; the basket +72 %), the third month for "
        "this basket in the data: 2021-01 (+100 %) is DOGE's +513 % and its market has no DOGE, 2021-02 (+90 %) "
        "is mostly BNB's +393 %",
        19,
    ),
)

CREATE_MARKET = Function("createMarket((address,address,address,address,uint256))")
SUPPLY = Function("supply((address,address,address,address,uint256),uint256,uint256,address,bytes)")
ROUTES = "(uint8,uint24,address[])[]"
L_MINT = Function(f"mint(uint256,uint256,{ROUTES},address)", "uint256")
L_REDEEM = Function(f"redeem(uint256,uint256,{ROUTES},address)", "uint256")


class _IndexRecord(dict):
    """What `leverage_chain.read_snapshot` reads of an index record: its symbol and `["vault"]`."""

    symbol = "LIX"


exact_quote = keeper.exact_quote  # the router's exact trade now (the keeper's chain layer quotes with it)


def pool_fees(quoted: oneasset.Quote) -> Decimal:
    """USD the pools' fees take on a quote's swaps: each route's fee fraction times its USDC side."""
    return sum(
        (r.fee_fraction * (r.value_in if quoted.side == "mint" else r.value_out) for r in quoted.routes), Decimal(0)
    )


UNDERWATER = 999.0  # the leverage recorded for a position worth less than its debt


def _leverage(s: product.State) -> float:
    return UNDERWATER if s.book.leverage >= 2**255 else s.book.leverage / WAD


def _gas(receipt) -> int:
    return int(receipt["gasUsed"], 16)


@dataclass
class Product:
    key: str
    entry: dict
    inverse: bool
    morpho_oracle: str  # what Morpho prices the market with (the inverse's own)
    points: list = field(default_factory=list)  # (when, leverage, nav per share) after each keeper round
    before_keeper: list = field(default_factory=list)  # (when, leverage) after each price step
    rebalances: int = 0
    ripcords: int = 0
    failed: int = 0
    keeper_gas: int = 0
    unhealthy: list = field(default_factory=list)
    min_health: float | None = None


class Run:
    """One scenario's node, index, products and replay."""

    def __init__(self, scenario: Scenario, steps_per_day: int, log=log) -> None:
        self.s, self.steps_per_day, self.log = scenario, steps_per_day, log
        started = time.monotonic()
        folder, self.build_s = setup.market_folder(scenario.market, scenario.size)
        self.anvil, self.m = setup.restore(folder, scenario.start, log)
        self.setup_s = time.monotonic() - started
        self.rpc = self.anvil.rpc
        accounts = self.rpc.call("eth_accounts")
        self.admin, self.lender, self.holder, self.tripper = accounts[:4]
        self.keeper = self.admin

    def stop(self) -> None:
        self.anvil.stop()

    # --- deployment, as `ape run leverage create` makes it ---------------------------------

    def deploy(self) -> None:
        rpc, m, admin = self.rpc, self.m, self.admin
        self.index = setup.deploy_index(rpc, m, admin, BASKET, "Leveraged Index", "LIX", FEE)
        i = self.index
        morpho = m.lending.morpho
        inverse_oracle = rpc.deploy(
            admin, setup.bytecode("periphery/MorphoInverseNavOracle.vy"), "inverse oracle", ["address"], [i.oracle]
        )
        (price,) = rpc.read([(i.oracle, setup.PRICE, ())])[0]
        lent_index = LENT_INDEX_USD * 10**6 * model.PRICE_SCALE // price
        setup.mint_index(rpc, m, i, self.lender, lent_index)
        self.products = {}
        txs = []
        for key, inverse in product.PRODUCTS.items():
            if inverse:
                params = (i.vault, i.usdc, inverse_oracle, setup.ZERO, LLTV)
            else:
                params = (i.usdc, i.vault, i.oracle, setup.ZERO, LLTV)
            bounds = product.default_bounds(inverse, LLTV)
            address = rpc.deploy(
                admin,
                setup.bytecode("periphery/LeveragedIndex.vy"),
                f"{key} product",
                ["string", "string", "address", "(address,address,address,address,uint256)", "address", "address",
                 "bool", "(uint256,uint256,uint256,uint256,uint256,uint256,uint256,uint256)", "address", "address",
                 "address", "address", "uint256[2]", "uint256"],
                [f"LIX {key}", "LIXIX" if inverse else "LIX2X", morpho, params, i.oracle, i.router, inverse,
                 tuple(bounds), admin, admin, self.keeper, admin, [product.MAX_FEE, product.MAX_FEE],
                 product.SUPPLY_CAP],
            )  # fmt: skip
            entry = {
                "key": key,
                "address": address,
                "inverse": inverse,
                "morpho": morpho,
                "params": [*params[:4], str(params[4])],
                "nav_oracle": i.oracle,
                "index_nav_feed": i.nav_feed,
            }
            self.products[key] = Product(key, entry, inverse, inverse_oracle if inverse else i.oracle)
            lent, token = (lent_index, i.vault) if inverse else (LENT_USDC, i.usdc)
            txs.append(Tx(admin, morpho, CREATE_MARKET(params), f"create the {key} market", gas=500_000))
            if not inverse:
                txs.append(Tx(self.lender, i.usdc, uni.MOCK_MINT(self.lender, lent), "usdc"))
            txs.append(Tx(self.lender, token, uni.ERC20_APPROVE(morpho, MAX_UINT256), "approve"))
            txs.append(Tx(self.lender, morpho, SUPPLY(params, lent, 0, self.lender, b""), "lend", gas=500_000))
        for who in (self.holder, self.tripper):
            txs.append(Tx(who, i.usdc, uni.MOCK_MINT(who, 10 * EQUITY_USD * 10**6), "usdc"))
            txs += [
                Tx(who, i.usdc, uni.ERC20_APPROVE(p.entry["address"], MAX_UINT256), "approve")
                for p in self.products.values()
            ]
        rpc.transact(txs)
        self.record = _IndexRecord(vault=i.vault)

    def state(self, p: Product) -> product.State:
        return leverage.read(self.rpc, p.entry, "LIX")

    # --- a user's mint and redeem, as `ape run leverage mint|redeem` sends them ------------

    def mint(self, p: Product, who: str, usdc_in: int) -> tuple[int, dict, oneasset.Quote]:
        s = self.state(p)
        plan = product.check_mint(s, usdc_in, usdc_in)
        quoted = exact_quote(self.rpc, self.m, self.index.vault, not p.inverse, plan.index)
        preview = product.preview_mint(s, usdc_in, quoted.total, SLIPPAGE)
        data = L_MINT(usdc_in, preview.min_shares, [tuple(r) for r in quoted.route_args()], who)
        [receipt] = self.rpc.transact([Tx(who, p.entry["address"], data, f"mint {p.key}", gas=6_000_000)])
        return preview.result.shares, receipt, quoted

    def redeem(self, p: Product, who: str, shares: int) -> tuple[int, dict, oneasset.Quote]:
        s = self.state(p)
        plan = product.check_redeem(s, shares, shares)
        quoted = exact_quote(
            self.rpc, self.m, self.index.vault, p.inverse, plan.repaid if p.inverse else plan.collateral
        )
        preview = product.preview_redeem(s, shares, quoted.total, SLIPPAGE)
        data = L_REDEEM(shares, preview.min_out, [tuple(r) for r in quoted.route_args()], who)
        [receipt] = self.rpc.transact([Tx(who, p.entry["address"], data, f"redeem {p.key}", gas=6_000_000)])
        return preview.usdc_out, receipt, quoted

    def open(self) -> dict:
        """The holder's `EQUITY_USD` in each product, then a second user's round trip of `ROUND_TRIP_USD`."""
        out = {}
        for p in self.products.values():
            self.mint(p, self.holder, EQUITY_USD * 10**6)
            usdc = ROUND_TRIP_USD * 10**6
            before = self._usdc(self.tripper)
            shares, minted, bought = self.mint(p, self.tripper, usdc)
            _, redeemed, sold = self.redeem(p, self.tripper, shares)
            lost = before - self._usdc(self.tripper)
            fees = pool_fees(bought) + pool_fees(sold)
            index_fees = (bought.notional + sold.notional) * Decimal(FEE) / WAD
            cost = lost / usdc * 10_000
            fees_bps = float(fees / Decimal(ROUND_TRIP_USD) * 10_000)
            index_bps = float(index_fees / Decimal(ROUND_TRIP_USD) * 10_000)
            out[p.key] = {
                "mint_gas": _gas(minted),
                "redeem_gas": _gas(redeemed),
                "round_trip_cost_bps": round(cost, 1),
                "pool_fees_bps": round(fees_bps, 1),
                "index_fees_bps": round(index_bps, 1),
                "round_trip_over_pool_fees_bps": round(cost - fees_bps, 1),
                "round_trip_over_fees_bps": round(cost - fees_bps - index_bps, 1),
                "swapped_usd": round(float(bought.notional + sold.notional), 2),
            }
        return out

    def _usdc(self, who: str) -> int:
        ((balance,),) = self.rpc.read([(self.index.usdc, uni.ERC20_BALANCE, (who,))])
        return balance

    # --- the replay with the keeper ---------------------------------------------------------

    def check_health(self, p: Product, when: str) -> product.State:
        """Morpho's own check of the product's position, at the market's oracle."""
        s = self.state(p)
        ((price,),) = self.rpc.read([(p.morpho_oracle, setup.PRICE, ())])
        book = s.book
        factor = lending_model.health_factor(book.position, book.market, price)
        if factor is not None:
            p.min_health = min(float(factor), p.min_health or float(factor))
        if not lending_model.is_healthy(book.position, book.market, price) and when not in p.unhealthy:
            p.unhealthy.append(when)  # a step counts once, before or after the keeper's round
        return s

    def keeper_round(self, p: Product, when: str) -> None:
        """One keeper round on the product, as `ape run keeper leverage` runs it (`leverage_chain.run_round`),
        sent over JSON-RPC by the node's unlocked keeper (`RpcSender`); in-band rounds are not logged."""

        def quiet(line: str) -> None:
            if "in band" not in line:
                self.log(f"  {when} {line.strip()}")

        sender = keeper.RpcSender(self.rpc, self.m, self.index.vault, self.keeper)
        result = keeper.run_round(
            self.record, self.m, None, decisions.Settings(), False, quiet, self.rpc, sender, [p.entry]
        )
        for sent in result.sent:
            if not sent.ok:
                p.failed += 1
                continue
            p.keeper_gas += sent.gas_used
            if sent.kind == "ripcord":
                p.ripcords += 1
            else:
                p.rebalances += 1

    def replay(self) -> list[tuple[str, float]]:
        """The window step by step, the keeper after each; returns the index's price at every point."""
        rpc = self.rpc
        start_when = f"{self.s.start} 23:59"
        index_points = [(start_when, self._index_price())]
        for p in self.products.values():
            s = self.state(p)
            p.points.append((start_when, _leverage(s), s.book.nav_per_share / WAD))
        day, started = None, time.monotonic()
        end = dt.date.fromisoformat(self.s.end)
        for step in replay.steps(rpc, self.m, end, self.steps_per_day):
            when = dt.datetime.fromtimestamp(step.timestamp, dt.UTC).strftime("%Y-%m-%d %H:%M")
            for p in self.products.values():
                s = self.check_health(p, when)
                p.before_keeper.append((when, _leverage(s)))
            for p in self.products.values():
                self.keeper_round(p, when)
            for p in self.products.values():
                s = self.check_health(p, when)
                p.points.append((when, _leverage(s), s.book.nav_per_share / WAD))
            index_points.append((when, self._index_price()))
            if when[:10] != day and when.endswith("23:59"):
                day = when[:10]
                lev = ", ".join(f"{p.key} {p.points[-1][1]:.3f}" for p in self.products.values())
                self.log(
                    f"  {self.s.name}: {day} closed, index {index_points[-1][1] / index_points[0][1] - 1:+.1%}, "
                    f"leverage {lev} ({time.monotonic() - started:.0f} s)"
                )
        return index_points

    def _index_price(self) -> float:
        ((price,),) = self.rpc.read([(self.index.oracle, setup.PRICE, ())])
        return price / 10**24  # USD per index token

    def report(self, index_points, trip: dict, seconds: float) -> dict:
        days = (dt.date.fromisoformat(self.s.end) - dt.date.fromisoformat(self.s.start)).days
        out = {
            "market": self.s.market,
            "window": f"{self.s.start} close to {self.s.end} close",
            "why": self.s.why,
            "days": days,
            "steps": len(index_points) - 1,
            "index_return": round(index_points[-1][1] / index_points[0][1] - 1, 4),
            "worst_index_day": round(min(tracking.returns([v for _, v in tracking.day_closes(index_points)])), 4),
            "best_index_day": round(max(tracking.returns([v for _, v in tracking.day_closes(index_points)])), 4),
            "build_s": round(self.build_s, 1),
            "restore_s": round(self.setup_s - self.build_s, 1),
            "seconds": round(seconds, 1),
            "index": [(w, round(v, 6)) for w, v in index_points],
            "products": {},
        }
        for p in self.products.values():
            s = self.state(p)
            b = s.bounds
            target = -1.0 if p.inverse else b.target / WAD
            navs = [(w, nav) for w, _, nav in p.points]
            errors = tracking.tracking_errors_bps(navs, index_points, target)
            drift, rest = tracking.decomposed_bps(navs, [(w, lev) for w, lev, _ in p.points], index_points, target)
            closes = tracking.day_closes([(w, lev) for w, lev, _ in p.points])[1:]
            out_of_band = [w for w, lev in closes if not b.low / WAD <= lev <= b.high / WAD]
            close_steps = tracking.day_closes(p.before_keeper)
            out_before = [w for w, lev in close_steps if not b.low / WAD <= lev <= b.high / WAD]
            theory = tracking.theoretical(index_points, target)
            before = [p.points[0][1]] + [lev for _, lev in p.before_keeper]
            out["products"][p.key] = trip[p.key] | {
                "liquidations": len(p.unhealthy),
                "unhealthy_at": p.unhealthy,
                "min_health_factor": None if p.min_health is None else round(p.min_health, 4),
                "ripcords": p.ripcords,
                "rebalances": p.rebalances,
                "failed_sends": p.failed,
                "max_leverage": round(max(lev for _, lev in p.before_keeper), 4),
                "band": [b.low / WAD, b.high / WAD],
                "ripcord_leverage": b.ripcord / WAD,
                "in_band_at_every_close": not out_of_band,
                "out_of_band_closes": out_of_band,
                "out_of_band_closes_before_keeper": out_before,
                "tracking_error_median_bps": tracking.stats_bps(errors)["median"],
                "tracking_error_worst_bps": tracking.stats_bps(errors)["worst"],
                "tracking_errors_bps": [round(e, 1) for e in errors],
                "tracking_from_drift_bps": [round(e, 1) for e in drift],
                "tracking_from_costs_bps": [round(e, 1) for e in rest],
                "return": round(navs[-1][1] / navs[0][1] - 1, 4),
                "theoretical_return": round(theory[-1][1] - 1, 4),
                "keeper_gas": p.keeper_gas,
                "keeper_gas_per_day": round(p.keeper_gas / days),
                "steps": [
                    {"at": w, "leverage_before_keeper": round(lb, 4), "leverage": round(lev, 4), "nav": round(nav, 6),
                     "theoretical_nav": round(navs[0][1] * t, 6)}
                    for (w, lev, nav), (_, t), lb in zip(p.points, theory, before)
                ],
            }  # fmt: skip
        return out


def run_scenario(scenario: Scenario, steps_per_day: int = STEPS_PER_DAY, log=log) -> dict:
    started = time.monotonic()
    r = Run(scenario, steps_per_day, log)
    try:
        r.deploy()
        trip = r.open()
        log(f"{scenario.name}: both products minted ({EQUITY_USD:,} USDC each); replaying to {scenario.end}")
        index_points = r.replay()
        return r.report(index_points, trip, time.monotonic() - started)
    finally:
        r.stop()


def summarize(by_scenario: dict[str, dict]) -> dict:
    """The issue's keys over every scenario, per product: counts summed, leverage and costs at their
    worst, tracking error's median over every day of every scenario and its worst."""
    out: dict = {"scenarios": list(by_scenario)}
    for key in product.PRODUCTS:
        rows = [s["products"][key] for s in by_scenario.values()]
        errors = [e for r in rows for e in r["tracking_errors_bps"]]
        drift = tracking.stats_bps([e for r in rows for e in r["tracking_from_drift_bps"]])
        rest = tracking.stats_bps([e for r in rows for e in r["tracking_from_costs_bps"]])
        days = sum(s["days"] for s in by_scenario.values())
        stats = tracking.stats_bps(errors)
        out[key] = {
            "liquidations": sum(r["liquidations"] for r in rows),
            "ripcords": sum(r["ripcords"] for r in rows),
            "rebalances": sum(r["rebalances"] for r in rows),
            "max_leverage": max(r["max_leverage"] for r in rows),
            "in_band_at_every_close": all(r["in_band_at_every_close"] for r in rows),
            "out_of_band_closes": sum(len(r["out_of_band_closes"]) for r in rows),
            "tracking_error_median_bps": stats["median"],
            "tracking_error_worst_bps": stats["worst"],
            "tracking_from_drift_bps": drift,
            "tracking_from_costs_bps": rest,
            "mint_gas": max(r["mint_gas"] for r in rows),
            "redeem_gas": max(r["redeem_gas"] for r in rows),
            "round_trip_cost_bps": max(r["round_trip_cost_bps"] for r in rows),
            "pool_fees_bps": max(r["pool_fees_bps"] for r in rows),
            "index_fees_bps": max(r["index_fees_bps"] for r in rows),
            "round_trip_over_pool_fees_bps": max(r["round_trip_over_pool_fees_bps"] for r in rows),
            "round_trip_over_fees_bps": max(r["round_trip_over_fees_bps"] for r in rows),
            "out_of_band_closes_before_keeper": sum(len(r["out_of_band_closes_before_keeper"]) for r in rows),
            "keeper_gas_per_day": round(sum(r["keeper_gas"] for r in rows) / days),
        }
    for key in KEYS[1:]:  # the keys at the top, per product
        out[key] = {p: out[p][key] for p in product.PRODUCTS}
    return out


def table(result: dict) -> str:
    cols = ["liquidations", "ripcords", "rebalances", "max_leverage", "in_band_at_every_close",
            "tracking_error_median_bps", "tracking_error_worst_bps", "round_trip_cost_bps", "pool_fees_bps",
            "index_fees_bps",
            "keeper_gas_per_day"]  # fmt: skip
    heads = ["liq", "ripcord", "rebal", "max lev", "in band", "TE med", "TE worst", "trip bps", "pool fees", "idx fees",
             "keeper gas/d"]  # fmt: skip
    lines = [f"{'scenario':<15} {'prod':<4} {'return':>8} {'theory':>8} " + " ".join(f"{h:>9}" for h in heads)]
    rows = [(name, s["products"]) for name, s in result["by_scenario"].items()]
    for name, products in rows:
        for key, r in products.items():
            cells = [str(r[c]) if not isinstance(r[c], int) or isinstance(r[c], bool) else f"{r[c]:,}" for c in cols]
            lines.append(
                f"{name:<15} {key:<4} {r['return']:>+8.2%} {r['theoretical_return']:>+8.2%} "
                + " ".join(f"{c:>9}" for c in cells)
            )
    for key in product.PRODUCTS:
        r = result[key]
        cells = [str(r[c]) if not isinstance(r[c], int) or isinstance(r[c], bool) else f"{r[c]:,}" for c in cols]
        lines.append(f"{'all':<15} {key:<4} {'':>8} {'':>8} " + " ".join(f"{c:>9}" for c in cells))
    gas = ", ".join(f"{k} mint {result[k]['mint_gas']:,} redeem {result[k]['redeem_gas']:,}" for k in product.PRODUCTS)
    lines.append(f"gas: {gas}")
    for key in product.PRODUCTS:
        r = result[key]
        lines.append(
            f"{key} daily tracking error, median (worst) bps: {r['tracking_error_median_bps']} "
            f"({r['tracking_error_worst_bps']}); from leverage drift {r['tracking_from_drift_bps']['median']} "
            f"({r['tracking_from_drift_bps']['worst']}), from costs and the day's path "
            f"{r['tracking_from_costs_bps']['median']} ({r['tracking_from_costs_bps']['worst']})"
        )
    for name, s in result["by_scenario"].items():
        lines.append(
            f"{name}: {s['days']} days, {s['steps']} steps, index {s['index_return']:+.1%} (worst day "
            f"{s['worst_index_day']:+.1%}, best {s['best_index_day']:+.1%}); market build {s['build_s']} s "
            f"(0: saved), restore and replay to the start {s['restore_s']} s, in all {s['seconds']} s"
        )
    return "\n".join(lines)


def plot(result: dict, path: Path) -> Path:
    """Per scenario: leverage at every step (after the keeper; the band dashed), and each product's value
    against the theoretical daily-reset product."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import dates

    scenarios = result["by_scenario"]
    fig, axes = plt.subplots(len(scenarios), 2, figsize=(13, 3.2 * len(scenarios)), squeeze=False)
    colors = {"2x": "tab:blue", "-1x": "tab:red"}
    for (name, s), (left, right) in zip(scenarios.items(), axes):
        for key, r in s["products"].items():
            steps = r["steps"]
            times = [dt.datetime.strptime(x["at"], "%Y-%m-%d %H:%M") for x in steps]
            left.plot(times, [x["leverage_before_keeper"] for x in steps], ":", color=colors[key], lw=0.8)
            left.plot(times, [x["leverage"] for x in steps], "-", color=colors[key], lw=1.2, label=f"{key}")
            for edge in r["band"]:
                left.axhline(edge, color=colors[key], ls="--", lw=0.6)
            left.axhline(r["ripcord_leverage"], color=colors[key], ls="-.", lw=0.6)
            nav0 = steps[0]["nav"]
            right.plot(times, [x["nav"] / nav0 for x in steps], "-", color=colors[key], lw=1.2, label=f"{key}")
            right.plot(
                times,
                [x["theoretical_nav"] / nav0 for x in steps],
                "--",
                color=colors[key],
                lw=1,
                label=f"{key} theory",
            )
        index = s["index"]
        right.plot(
            [dt.datetime.strptime(w, "%Y-%m-%d %H:%M") for w, _ in index],
            [v / index[0][1] for _, v in index],
            color="grey",
            lw=1,
            label="index",
        )
        left.set_title(f"{name}: leverage (dotted: before the keeper; dashed: band; dash-dot: ripcord)", fontsize=9)
        right.set_title(f"{name}: value / start (dashed: daily-reset 2x and -1x)", fontsize=9)
        left.legend(fontsize=7)
        right.legend(fontsize=7, ncol=3)
        for ax in (left, right):
            ax.tick_params(labelsize=7)
            ax.xaxis.set_major_formatter(dates.DateFormatter("%m-%d"))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks leverage", description=__doc__.split("\n\n")[0])
    names = [s.name for s in SCENARIOS]
    parser.add_argument("--scenario", action="append", choices=names, help="only these (default: all)")
    parser.add_argument("--steps-per-day", type=int, default=STEPS_PER_DAY, help="replay steps a day")
    parser.add_argument("--out", type=Path, default=RESULT, help="where the JSON goes")
    parser.add_argument("--chart", type=Path, default=CHART, help="where the chart goes")
    args = parser.parse_args(argv)
    started = time.monotonic()
    chosen = [s for s in SCENARIOS if not args.scenario or s.name in args.scenario]
    by_scenario = {s.name: run_scenario(s, args.steps_per_day) for s in chosen}
    daily = None
    if args.steps_per_day != 1 and SCENARIOS[0] in chosen:
        log(f"{SCENARIOS[0].name} again, the feeds and pools moved once a day")
        once = run_scenario(SCENARIOS[0], 1, log=lambda message: None)
        keep = ("liquidations", "unhealthy_at", "min_health_factor", "ripcords", "rebalances", "max_leverage",
                "in_band_at_every_close", "out_of_band_closes", "tracking_error_median_bps",
                "tracking_error_worst_bps", "return", "theoretical_return")  # fmt: skip
        daily = {"scenario": SCENARIOS[0].name} | {key: {k: r[k] for k in keep} for key, r in once["products"].items()}
    result = summarize(by_scenario) | {
        "goals": {},
        "steps_per_day": args.steps_per_day,
        "equity_usd_each": EQUITY_USD,
        "round_trip_usd": ROUND_TRIP_USD,
        "basket": {k: float(v) for k, v in BASKET.items()},
        "lltv": LLTV / WAD,
        "by_scenario": by_scenario,
        "one_step_a_day": daily,
        "seconds": round(time.monotonic() - started, 1),
        "command": "python -m benchmarks leverage",
        "date": dt.date.today().isoformat(),
    }
    result["goals"] = {
        "never_liquidated": all(result[k]["liquidations"] == 0 for k in product.PRODUCTS),
        "in_band_at_every_close": all(result[k]["in_band_at_every_close"] for k in product.PRODUCTS),
        f"round_trip_at_most_pool_fees_plus_{GOAL_ROUND_TRIP_BPS}_bps": all(
            result[k]["round_trip_over_pool_fees_bps"] <= GOAL_ROUND_TRIP_BPS for k in product.PRODUCTS
        ),
        f"round_trip_at_most_pool_and_index_fees_plus_{GOAL_ROUND_TRIP_BPS}_bps": all(
            result[k]["round_trip_over_fees_bps"] <= GOAL_ROUND_TRIP_BPS for k in product.PRODUCTS
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    plot(result, args.chart)
    print(table(result))
    if daily:
        for key in product.PRODUCTS:
            r = daily[key]
            print(
                f"one step a day, {daily['scenario']}, {key}: {r['liquidations']} steps liquidatable "
                f"{r['unhealthy_at']}, min health {r['min_health_factor']}, max leverage {r['max_leverage']}, "
                f"{r['ripcords']} ripcords, {r['rebalances']} rebalances, "
                f"out of band at {len(r['out_of_band_closes'])} closes"
            )
    print(f"goals: {result['goals']}")
    print(f"written to {args.out} and {args.chart} in {result['seconds']} s")


if __name__ == "__main__":
    main()
