"""One asset in, one asset out: gas and realised cost of IndexRouter's
mint_from / redeem_to against doing the same by hand (the swaps one by one
through Router02 / SwapRouter, then mint or redeem in kind), on the saved
2024-01-01 market with the README's examples/market10.yaml index.

    python -m benchmarks oneasset        # writes benchmarks/results/oneasset.json

Every scenario runs on its own node restored from the saved market, so both
ways meet the same pools. Routes are the package's quote (indexvault.oneasset),
the same for both ways. Cost is what was paid above (mint) or received below
(redeem) the components' value at the feeds, in USD and in bps of that
value; gas is receipts' gas_used, 21,000 a transaction included. Approvals
are counted apart: a user approves once, then never again.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
from decimal import Decimal
from pathlib import Path

import boa
import yaml
from boa.interpret import set_search_paths

from benchmarks import RESULTS as RESULTS_DIR
from benchmarks import ROOT
from indexvault import oneasset
from indexvault.constants import MAX_UINT256, WAD
from indexvault.market import node as market_node
from indexvault.market import pools as market_pools
from indexvault.market import record as market_record
from indexvault.market import uniswap as uni
from indexvault.market.rpc import Function, Tx
from indexvault.model import VAULT_CONSTRUCTOR_TYPES
from indexvault.units import to_base, units_from_weights

DATE = "2024-01-01"
INDEX = ROOT / "examples" / "market10.yaml"
OUT = RESULTS_DIR / "oneasset.json"
SIZES = [10, 100]  # shares, whole index tokens (about 100 USD each)
SEED = 1_000  # shares minted in kind first, so the vault is not empty
DEADLINE = 2**63
MAX = MAX_UINT256

AMOUNTS_FOR_MINT = Function("amounts_for_mint(uint256)", "uint256[]")
AMOUNTS_FOR_REDEEM = Function("amounts_for_redeem(uint256)", "uint256[]")
COMPONENTS = Function("components()", "address[]")
VAULT_MINT = Function("mint(uint256,uint256[],address)")
VAULT_REDEEM = Function("redeem(uint256,uint256[],address,uint256)")
ROUTE = "(uint8,uint24,address[])[]"
MINT_FROM = Function(f"mint_from(address,address,uint256,uint256,{ROUTE},address,uint256)")
REDEEM_TO = Function(f"redeem_to(address,address,uint256,uint256,{ROUTE},address,uint256)")
V2_EXACT_OUT = Function("swapTokensForExactTokens(uint256,uint256,address[],address,uint256)")
V3_EXACT_OUT = Function("exactOutputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))")


def bytecode(source: str) -> str:
    set_search_paths([str(ROOT / "contracts")])
    return "0x" + boa.load_partial(str(ROOT / "contracts" / source)).compiler_data.bytecode.hex()


class Scenario:
    """A node restored from the saved market, the market10 vault seeded with
    SEED shares in kind by dev account 1 (the holder), and the router; dev
    account 2 (the user) holds USDC."""

    def __init__(self, folder: Path, market, codes: dict[str, str]) -> None:
        self.anvil = market_node.restore(folder)
        self.rpc, self.market = self.anvil.rpc, market
        accounts = self.rpc.call("eth_accounts")
        self.deployer, self.holder, self.user = accounts[0], accounts[1], accounts[2]
        config = yaml.safe_load(INDEX.read_text())
        feeds = market_pools.feed_prices(self.rpc, market)
        self.feeds = feeds
        self.assets = [market.by_token_symbol(c["token"]) for c in config["components"]]
        units = units_from_weights(
            [Decimal(str(c["weight"])) for c in config["components"]],
            [feeds[a.symbol] for a in self.assets],
            [a.decimals for a in self.assets],
            Decimal(config["initial_nav_per_share"]),
        )
        fees = [to_base(Decimal(str(config["fees"][k])), 18) for k in ("mint", "redeem", "streaming")]
        d = self.deployer
        self.vault = self.rpc.deploy(
            d,
            codes["IndexVault"],
            "vault",
            list(VAULT_CONSTRUCTOR_TYPES),
            [
                config["name"],
                config["symbol"],
                [a.token for a in self.assets],
                units,
                d,
                d,
                d,
                d,
                fees,
                [WAD // 10] * 3,
                to_base(config["supply_cap"], 18),
            ],
        )
        self.router = self.rpc.deploy(
            d,
            codes["IndexRouter"],
            "router",
            ["address", "address"],
            [market.uniswap.v2_router, market.uniswap.swap_router],
        )
        self.usdc = market.assets["USDC"]
        seed = self.read(self.vault, AMOUNTS_FOR_MINT, SEED * WAD)
        txs = [self._fund(self.holder, a, amount) for a, amount in zip(self.assets, seed)]
        txs += [Tx(self.holder, a.token, uni.ERC20_APPROVE(self.vault, MAX), "approve") for a in self.assets]
        txs += [Tx(self.holder, self.vault, VAULT_MINT(SEED * WAD, seed, self.holder), "seed", gas=2_000_000)]
        txs += [Tx(self.user, self.usdc.token, uni.MOCK_MINT(self.user, 10**7 * 10**6), "usdc")]
        self.rpc.transact(txs)

    def _fund(self, holder, asset, amount) -> Tx:
        if asset.kind == "weth9":
            return Tx(holder, asset.token, uni.WETH_DEPOSIT(), "wrap", value=amount)
        return Tx(holder, asset.token, uni.MOCK_MINT(holder, amount), "fund")

    def read(self, to, fn, *args):
        return list(self.rpc.read([(to, fn, args)])[0][0])

    def balance(self, token, holder) -> int:
        return self.rpc.read([(token, uni.ERC20_BALANCE, (holder,))])[0][0]

    def quote(self, side, shares):
        states = market_pools.read(self.rpc, self.market, self.feeds)
        amounts = self.read(self.vault, AMOUNTS_FOR_MINT if side == "mint" else AMOUNTS_FOR_REDEEM, shares)
        build = oneasset.quote_mint if side == "mint" else oneasset.quote_redeem
        return build(
            self.market,
            states,
            self.feeds,
            self.read(self.vault, COMPONENTS),
            amounts,
            "USDC",
            shares,
            oneasset.v3_quoter(self.rpc, self.market),
        )

    def send(self, txs) -> list[int]:
        return [int(r["gasUsed"], 16) for r in self.rpc.transact(txs)]

    def usd(self, amount: int) -> Decimal:
        return Decimal(amount) / 10**self.usdc.decimals * self.feeds["USDC"]

    def stop(self):
        self.anvil.stop()


def _result(s: Scenario, quoted, gas: list[int], approvals: list[int], usdc_moved: int, side: str) -> dict:
    value = s.usd(usdc_moved)
    cost = value - quoted.notional if side == "mint" else quoted.notional - value
    return {
        "gas": sum(gas),
        "transactions": len(gas),
        "approval_gas": sum(approvals),
        "approvals": len(approvals),
        "usdc": float(Decimal(usdc_moved) / 10**6),
        "notional_usd": float(quoted.notional),
        "cost_usd": float(cost),
        "cost_bps": float(cost / quoted.notional * 10_000),
    }


def mint_router(s: Scenario, shares: int) -> dict:
    quoted = s.quote("mint", shares)
    max_in = quoted.bound(Decimal("0.005"))
    approvals = s.send([Tx(s.user, s.usdc.token, uni.ERC20_APPROVE(s.router, MAX), "approve router")])
    before = s.balance(s.usdc.token, s.user)
    gas = s.send(
        [
            Tx(
                s.user,
                s.router,
                MINT_FROM(s.vault, s.usdc.token, max_in, shares, quoted.route_args(), s.user, DEADLINE),
                "mint_from",
                gas=5_000_000,
            )
        ]
    )
    return _result(s, quoted, gas, approvals, before - s.balance(s.usdc.token, s.user), "mint")


def mint_by_hand(s: Scenario, shares: int) -> dict:
    quoted = s.quote("mint", shares)
    u = s.market.uniswap
    approvals = s.send(
        [Tx(s.user, s.usdc.token, uni.ERC20_APPROVE(r, MAX), "approve dex") for r in (u.v2_router, u.swap_router)]
        + [Tx(s.user, a.token, uni.ERC20_APPROVE(s.vault, MAX), "approve vault") for a in s.assets]
    )
    before = s.balance(s.usdc.token, s.user)
    swaps = []
    for r in quoted.routes:
        if r.dex == oneasset.V2:
            swaps.append(
                Tx(
                    s.user,
                    u.v2_router,
                    V2_EXACT_OUT(r.amount_out, MAX, list(r.path), s.user, DEADLINE),
                    f"buy {r.component}",
                    gas=1_000_000,
                )
            )
        elif r.dex == oneasset.V3:
            swaps.append(
                Tx(
                    s.user,
                    u.swap_router,
                    V3_EXACT_OUT((r.path[0], r.path[1], r.fee, s.user, DEADLINE, r.amount_out, MAX, 0)),
                    f"buy {r.component}",
                    gas=1_000_000,
                )
            )
    gas = s.send(swaps)
    amounts = s.read(s.vault, AMOUNTS_FOR_MINT, shares)
    gas += s.send([Tx(s.user, s.vault, VAULT_MINT(shares, amounts, s.user), "mint", gas=2_000_000)])
    return _result(s, quoted, gas, approvals, before - s.balance(s.usdc.token, s.user), "mint")


def redeem_router(s: Scenario, shares: int) -> dict:
    s.send([Tx(s.holder, s.vault, uni.ERC20_TRANSFER(s.user, shares), "shares")])
    quoted = s.quote("redeem", shares)
    approvals = s.send([Tx(s.user, s.vault, uni.ERC20_APPROVE(s.router, MAX), "approve router")])
    before = s.balance(s.usdc.token, s.user)
    gas = s.send(
        [
            Tx(
                s.user,
                s.router,
                REDEEM_TO(
                    s.vault, s.usdc.token, shares, quoted.bound(Decimal("0.005")), quoted.route_args(), s.user, DEADLINE
                ),
                "redeem_to",
                gas=5_000_000,
            )
        ]
    )
    return _result(s, quoted, gas, approvals, s.balance(s.usdc.token, s.user) - before, "redeem")


def redeem_by_hand(s: Scenario, shares: int) -> dict:
    s.send([Tx(s.holder, s.vault, uni.ERC20_TRANSFER(s.user, shares), "shares")])
    quoted = s.quote("redeem", shares)
    u = s.market.uniswap
    # One approval per component, to the router its route uses.
    approve_txs = [
        Tx(
            s.user,
            r.path[0],
            uni.ERC20_APPROVE(u.v2_router if r.dex == oneasset.V2 else u.swap_router, MAX),
            "approve dex",
        )
        for r in quoted.routes
        if r.dex != oneasset.DIRECT
    ]
    approvals = s.send(approve_txs)
    amounts = s.read(s.vault, AMOUNTS_FOR_REDEEM, shares)
    before = s.balance(s.usdc.token, s.user)
    gas = s.send([Tx(s.user, s.vault, VAULT_REDEEM(shares, amounts, s.user, 0), "redeem", gas=2_000_000)])
    swaps = []
    for r in quoted.routes:
        if r.dex == oneasset.V2:
            swaps.append(
                Tx(
                    s.user,
                    u.v2_router,
                    uni.V2_SWAP_EXACT_IN(r.amount_in, 0, list(r.path), s.user, DEADLINE),
                    f"sell {r.component}",
                    gas=1_000_000,
                )
            )
        elif r.dex == oneasset.V3:
            swaps.append(
                Tx(
                    s.user,
                    u.swap_router,
                    uni.V3_EXACT_INPUT_SINGLE((r.path[0], r.path[1], r.fee, s.user, DEADLINE, r.amount_in, 0, 0)),
                    f"sell {r.component}",
                    gas=1_000_000,
                )
            )
    gas += s.send(swaps)
    return _result(s, quoted, gas, approvals, s.balance(s.usdc.token, s.user) - before, "redeem")


def main(argv: list[str] | None = None) -> None:
    argparse.ArgumentParser(prog="python -m benchmarks oneasset", description=__doc__.splitlines()[0]).parse_args(argv)
    folder = market_node.market_dir(DATE)
    market = market_record.load(folder / market_node.RECORD_FILE)
    codes = {"IndexVault": bytecode("IndexVault.vy"), "IndexRouter": bytecode("periphery/IndexRouter.vy")}
    rows = []
    for shares in SIZES:
        for op, ways in (("mint", (mint_router, mint_by_hand)), ("redeem", (redeem_router, redeem_by_hand))):
            row = {"operation": op, "shares": shares}
            for name, way in zip(("router", "by_hand"), ways):
                scenario = Scenario(folder, market, codes)
                try:
                    row[name] = way(scenario, shares * WAD)
                finally:
                    scenario.stop()
            row["gas_saved"] = row["by_hand"]["gas"] - row["router"]["gas"]
            row["cost_bps_difference"] = row["router"]["cost_bps"] - row["by_hand"]["cost_bps"]
            rows.append(row)
            r, h = row["router"], row["by_hand"]
            print(
                f"{op:<6} {shares:>4} shares  router gas {r['gas']:>9,} cost {r['cost_usd']:>8.4f} USD "
                f"({r['cost_bps']:.2f} bps) | by hand gas {h['gas']:>9,} in {h['transactions']} txs "
                f"cost {h['cost_usd']:>8.4f} USD ({h['cost_bps']:.2f} bps)"
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "what": __doc__.strip().splitlines()[0] + " " + " ".join(__doc__.strip().splitlines()[1:3]),
                "market": DATE,
                "index": "examples/market10.yaml",
                "input_output": "USDC",
                "date": dt.date.today().isoformat(),
                "machine": platform.platform(),
                "definitions": {
                    "gas": "sum of receipts' gasUsed of the operation's transactions, approvals excluded",
                    "approval_gas": "one-time approvals the way needs (router: USDC or the index token; by hand: the "
                    "Uniswap routers and, for mint, each component to the vault)",
                    "cost_usd": (
                        "USDC paid minus (mint) or components' value minus USDC received (redeem), at the feeds"
                    ),
                    "cost_bps": "cost_usd / components' value at the feeds x 10,000",
                },
                "rows": rows,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"wrote {OUT.relative_to(ROOT)}")
