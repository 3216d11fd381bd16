"""Prices from a Uniswap V3 TWAP against a Chainlink-style feed: the gas of a read, and
what it costs to move a TWAP.

    python -m benchmarks oracles          # from the repository root, about a minute

Everything runs in titanoboa on real Uniswap V3 contracts (the npm packages' bytecode,
`benchmarks/v3_pool.py`): pools of 18-decimal tokens against a 6-decimal USDC priced
by its own feed, full-range liquidity, a window of 30 minutes.

Gas: each read cold (access counters reset), execution only (the caller's CALL into
the feed, 2,600 cold, comes on top): the latestRoundData of a TwapFeed, of a Chainlink
feed (its EACAggregatorProxy in front of its MockV3Aggregator) and of the project's MockFeed,
the OracleAdapter's price() of an asset priced by each, and its nav() over 1 and 5
components priced by each, whence the gas per component. Each pool has a history
of 120 swaps 30 s apart (a ring of 200 observations), so observe() searches it.

Manipulation: on a pool of `--pool-usd` a side, the cost of moving the TWAP up by
2, 5 and 20 % by holding the spot price for one block (12 s) or for the whole window
(an attacker who holds every block of it, so no arbitrageur trades in between). The
cost is what the attacker loses when the market takes the price back (arbitrage to the
price before): what it paid, fees included, less what it bought, at the price before.
`extractable_usd` is the move times `--exposure-usd`, the USD of the asset whose
price the move inflates in what a lender credits (the index's holding of it). The
listing rule follows: the least pool depth (and in-range liquidity) at which the
cheapest measured move costs ten times what it can take.

Indexed Finance replay (`benchmarks/indexed_finance.py`, asserted by
tests/attacks/test_indexed_finance_twap.py): the attacker's P&L, the holders' loss and the
pool fees, against the TWAP in one transaction and held 1 and 5 blocks, and against a
spot-priced feed.
Writes benchmarks/results/oracles.json."""

from __future__ import annotations

import argparse
import json
import math
import platform
import time
from datetime import UTC, datetime
from fractions import Fraction
from importlib.metadata import version

import boa

from benchmarks import RESULTS as RESULTS_DIR
from benchmarks import ROOT, indexed_finance, log
from benchmarks import v3_pool as v3
from indexvault import amm
from indexvault.constants import WAD, ZERO_ADDRESS

RESULTS = RESULTS_DIR / "oracles.json"
WINDOW = 1_800
BLOCK = 12
HEARTBEAT = 86_400
MOVES = (Fraction(2, 100), Fraction(5, 100), Fraction(20, 100))
SAFETY = 10  # the rule: moving a price costs at least this many times what the move takes
USDC_USD = 10**8


# ---- gas ------------------------------------------------------------------------------------


def cold_gas(call) -> int:
    """Execution gas of a view call with every account and slot cold."""
    boa.env._reset_access_counters()
    contract, method, *args = call
    getattr(contract, method)(*args)
    return contract._computation.get_gas_used()


def _priced_market(uniswap, n: int, usdc, usdc_feed, who: str):
    """n assets, each with a pool of 1M USD a side and a history, a TwapFeed, a Chainlink feed (proxy and
    aggregator) and the project's MockFeed (what the gas benchmark's feeds are)."""
    assets, pools, twaps, feeds, mocks = [], [], [], [], []
    for i in range(n):
        asset = v3.create_token(f"T{i}", 18)
        pool = v3.create_pool(uniswap, asset, usdc, Fraction(i + 1), cardinality=200)
        pool.fund(who)
        pool.add_liquidity(who, 10**6 * WAD // (i + 1), 10**12)
        assets.append(asset)
        pools.append(pool)
        feeds.append(v3.create_chainlink_feed((i + 1) * 10**8))
        mocks.append(v3.create_feed((i + 1) * 10**8, 8, f"T{i} / USD"))
    for step in range(120):  # a history: observe() searches a ring of observations
        boa.env.time_travel(seconds=30)
        for pool in pools:
            pool.swap(who, sell_asset=step % 2 == 0, amount_in=10**9 if step % 2 else 10**21)
    usdc_feed.set_answer(USDC_USD)
    twaps = [v3.create_twap_feed(pool, usdc_feed, WINDOW) for pool in pools]
    return assets, twaps, feeds, mocks


def _index(assets, feeds_by_kind: dict, who: str):
    """A vault of `assets` (one whole share minted) and one adapter per kind of feed."""
    vault = v3.deployer("IndexVault.vy").deploy(
        "Gas Index", "GAS", [a.address for a in assets], [WAD] * len(assets),
        who, who, who, who, [0, WAD // 200, 0], [WAD // 100] * 3, 10**9 * WAD,
    )  # fmt: skip
    for asset in assets:
        asset.mint(who, 10 * WAD)
        asset.approve(vault.address, 2**256 - 1)
    vault.mint(WAD, [2**256 - 1] * len(assets), who)
    adapters = {}
    for kind, feeds in feeds_by_kind.items():
        adapter = v3.deployer("OracleAdapter.vy").deploy(vault.address, who)
        for asset, feed in zip(assets, feeds):
            adapter.set_feed(asset.address, feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
        adapters[kind] = adapter
    return adapters


def measure_gas(uniswap) -> dict:
    who = boa.env.generate_address("gas")
    boa.env.eoa = who
    usdc = v3.create_token("USDC", 6)
    usdc_feed = v3.create_feed(USDC_USD)
    assets, twaps, feeds, mocks = _priced_market(uniswap, 5, usdc, usdc_feed, who)
    kinds = {"twap": twaps, "chainlink": feeds, "mockfeed": mocks}
    one = _index(assets[:1], {kind: f[:1] for kind, f in kinds.items()}, who)
    five = _index(assets, kinds, who)
    gas = {}
    for kind, f in kinds.items():
        gas[f"{kind}_read_gas"] = cold_gas((f[0], "latestRoundData"))
    for kind in kinds:
        gas[f"adapter_price_gas_{kind}"] = cold_gas((one[kind], "price", assets[0].address))
    for kind in kinds:
        nav1, nav5 = cold_gas((one[kind], "nav")), cold_gas((five[kind], "nav"))
        gas[f"nav_gas_1_component_{kind}"] = nav1
        gas[f"nav_gas_5_components_{kind}"] = nav5
        gas[f"nav_gas_per_component_{kind}"] = (nav5 - nav1) // 4
    return gas


# ---- manipulation -----------------------------------------------------------------------------


def _ticks_for(move: Fraction) -> int:
    """Ticks that raise a price by at least `move` (1.0001 per tick)."""
    return math.ceil(math.log(1 + float(move)) / math.log(1.0001))


def measure_manipulation(uniswap, pool_usd: int, exposure_usd: int) -> tuple[list, dict]:
    attacker, lp = boa.env.generate_address("attacker"), boa.env.generate_address("lp")
    usdc = v3.create_token("USDC", 6)
    usdc_feed = v3.create_feed(USDC_USD)
    asset = v3.create_token("ASSET", 18)
    pool = v3.create_pool(uniswap, asset, usdc, Fraction(10), cardinality=400)
    pool.fund(lp)
    pool.fund(attacker)
    pool.add_liquidity(lp, pool_usd * WAD // 10, pool_usd * 10**6)
    boa.env.time_travel(seconds=WINDOW)
    usdc_feed.set_answer(USDC_USD)
    twap = v3.create_twap_feed(pool, usdc_feed, WINDOW)
    fair = Fraction(twap.latestRoundData()[1], WAD)  # USD per whole asset before the attack
    liquidity = pool.contract.liquidity()
    up = 1 if pool.asset_is_token0 else -1  # the direction of the pool's tick when the asset's price rises
    rows = []
    for move in MOVES:
        for hold, blocks in (("one_block", 1), ("whole_window", WINDOW // BLOCK)):
            with boa.env.anchor():
                spot_ticks = _ticks_for(move) * (WINDOW // BLOCK) // blocks + 1
                start = pool.tick
                paid_before = usdc.balanceOf(attacker)
                bought_before = asset.balanceOf(attacker)
                pool.move_to_tick(attacker, start + up * spot_ticks)
                paid = Fraction(paid_before - usdc.balanceOf(attacker), 10**6)
                bought = Fraction(asset.balanceOf(attacker) - bought_before, WAD)
                boa.env.time_travel(seconds=blocks * BLOCK)
                usdc_feed.set_answer(USDC_USD)
                moved = Fraction(twap.latestRoundData()[1], WAD) / fair - 1
                cost = paid - bought * fair
                extractable = move * exposure_usd
                rows.append(
                    {
                        "asset": "ASSET/USDC 0.3 % full range",
                        "source": f"uniswap-v3-twap-{WINDOW // 60}m",
                        "move": float(move),
                        "hold": hold,
                        "blocks_held": blocks,
                        "spot_move": round(1.0001**spot_ticks - 1, 6),
                        "twap_move": round(float(moved), 6),
                        "cost_usd": round(float(cost), 2),
                        "closed_form_cost_usd": round(amm.manipulation_cost_usd(pool_usd, 1.0001**spot_ticks), 2),
                        "extractable_usd": round(float(extractable), 2),
                        "cost_over_extractable": round(float(cost / extractable), 3),
                    }
                )
                log(
                    f"  {float(move):>4.0%} {hold:<12} spot x{1.0001**spot_ticks:<12.4g} twap {float(moved):+.4f} "
                    f"cost {float(cost):>18,.0f} USD"
                )
    rule = {}
    for hold in ("one_block", "whole_window"):
        worst = max(SAFETY * r["extractable_usd"] / r["cost_usd"] for r in rows if r["hold"] == hold)
        rule[hold] = {
            "min_pool_usd_a_side": round(pool_usd * worst),
            "min_pool_usd_a_side_per_exposure_usd": round(pool_usd * worst / exposure_usd, 3),
            "min_liquidity": int(liquidity * worst),
        }
    return rows, {
        "window_s": WINDOW,
        "safety": SAFETY,
        "exposure_usd": exposure_usd,
        "measured_on": {"pool_usd_a_side": pool_usd, "liquidity": liquidity},
        **rule,
        "rule": (
            f"list a TWAP-priced asset (window {WINDOW} s, full-range liquidity) only when its pool holds at least "
            f"{rule['one_block']['min_pool_usd_a_side_per_exposure_usd']} USD a side per USD of the asset a lender "
            "credits (one-block manipulation costs 10x its gain at every measured move: min_liquidity in the "
            "TwapFeed); against an attacker who holds every block of the window, depth alone needs "
            f"{rule['whole_window']['min_pool_usd_a_side_per_exposure_usd']} USD a side per USD exposed: check the "
            "TWAP against a Chainlink feed (the adapter's secondary) or cap the exposure instead"
        ),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks oracles", description=__doc__.splitlines()[0])
    parser.add_argument("--pool-usd", type=int, default=1_000_000, help="pool depth, USD a side (default 1M)")
    parser.add_argument("--exposure-usd", type=int, default=100_000, help="USD of the asset a lender credits")
    args = parser.parse_args(argv)
    started = time.monotonic()
    uniswap = v3.deploy_uniswap()
    log("manipulation:")
    manipulation, rule = measure_manipulation(uniswap, args.pool_usd, args.exposure_usd)
    log("gas:")
    gas = measure_gas(uniswap)  # after the manipulation: resetting the access counters breaks anchors
    for key, value in gas.items():
        log(f"  {key:<32} {value:>8,}")
    log("indexed finance replay:")
    replay_env = boa.Env()  # a chain of its own, after the gas (its access counters reset break anchors)
    replay_env.set_random_seed("indexed_finance")
    with boa.swap_env(replay_env):
        replayed = indexed_finance.measure()
    for case, row in replayed.items():
        if isinstance(row, dict):
            pnl, lost = row["pnl_usd"], row["holders_loss_usd"]
            log(f"  {case:<28} attacker {pnl:>+12,.0f} USD  holders lose {lost:>10,.0f} USD")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    # `defi_index` is `ape run defi_demo`'s (demos/defi.py), kept as it is.
    kept = {k: v for k, v in json.loads(RESULTS.read_text()).items() if k == "defi_index"} if RESULTS.exists() else {}
    RESULTS.write_text(
        json.dumps(
            {
                "metadata": {
                    "date": datetime.now(UTC).strftime("%Y-%m-%d"),
                    "command": "python -m benchmarks oracles" + (" " + " ".join(argv) if argv else ""),
                    "engine": f"titanoboa {version('titanoboa')} (py-evm), vyper {version('vyper')}, "
                    f"Python {platform.python_version()}",
                    "measured": "gas: each read cold (access counters reset), execution only; chainlink: "
                    "Chainlink's EACAggregatorProxy in front of its MockV3Aggregator (the local market's feeds); "
                    "mockfeed: the project's MockFeed (one contract, five slots; the gas benchmark's feeds). "
                    "Manipulation: real Uniswap V3 swaps through SwapRouter, cost = paid - bought "
                    "at the price before (the loss when arbitrage takes the price back), USD",
                    "seconds": round(time.monotonic() - started, 1),
                },
                **gas,
                "manipulation": manipulation,
                "listing_rule": rule,
                "indexed_finance": replayed,
                **kept,
            },
            indent=2,
        )
        + "\n"
    )
    print(json.dumps(gas, indent=2))
    log(f"wrote {RESULTS.relative_to(ROOT)} in {time.monotonic() - started:.0f} s")
