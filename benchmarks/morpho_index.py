"""What the Morpho benchmarks (`lending`, `leverage`) share: a saved market of a given date (built
once with ``ape run market build --date DATE``, kept under ``markets/``), restored on an anvil node
and replayed to a start day, and an index deployed there over the market's own feeds, with its
OracleAdapter, NavFeed, a MorphoNavOracle (the loan token at 1 USD) and the IndexRouter, every
contract compiled by titanoboa and sent through the node's JSON-RPC (`indexvault.market.rpc`), the
fast path: anvil runs the EVM natively, the replay is a few batched blocks a step."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import boa
from boa.interpret import set_search_paths

from benchmarks import ROOT, BenchError, log
from indexvault.constants import MAX_UINT256, WAD
from indexvault.market import node as market_node
from indexvault.market import pools as market_pools
from indexvault.market import record as market_record
from indexvault.market import replay
from indexvault.market import uniswap as uni
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Function, Tx
from indexvault.model import VAULT_CONSTRUCTOR_TYPES
from indexvault.units import units_from_weights

# The benchmarks' index: the crash of May 2021's five largest non-stable assets with a market of their own
# in every month the benchmarks replay (40/30/10/10/10 % by value).
BASKET = {
    "BTC": Decimal("0.4"),
    "ETH": Decimal("0.3"),
    "BNB": Decimal("0.1"),
    "ADA": Decimal("0.1"),
    "DOGE": Decimal("0.1"),
}
NAV_MAX_AGE = 86_400  # the component feeds' heartbeat
ZERO = "0x" + "00" * 20

SET_FEED = Function("set_feed(address,address,uint256,address,uint256,uint256)")
AMOUNTS_FOR_MINT = Function("amounts_for_mint(uint256)", "uint256[]")
VAULT_MINT = Function("mint(uint256,uint256[],address)")
NAV_PER_SHARE = Function("nav_per_share()", "uint256")
PRICE = Function("price()", "uint256")


def bytecode(source: str) -> str:
    """A contract's deployment bytecode, compiled by titanoboa from `contracts/`."""
    set_search_paths([str(ROOT / "contracts")])
    return "0x" + boa.load_partial(str(ROOT / "contracts" / source)).compiler_data.bytecode.hex()


def market_folder(date: str, size: int = 20) -> tuple[Path, float]:
    """The saved market of `date` (of `size` assets when built here) and the seconds its build took (0 when
    it was already saved)."""
    folder = market_node.market_dir(date)
    if (folder / market_node.STATE_FILE).exists():
        return folder, 0.0
    command = ["ape", "run", "market", "build", "--date", date, "--size", str(size)]
    log(f"building the {date} market ({' '.join(command)})")
    started = time.monotonic()
    done = subprocess.run([str(Path(sys.executable).parent / "ape"), *command[1:]], cwd=ROOT)
    if done.returncode:
        raise BenchError(f"could not build the {date} market: `{' '.join(command)}`")
    return folder, time.monotonic() - started


def read_gas(rpc, sender: str, to: str, fn: Function) -> int:
    """Gas of a view read, cold, as a contract calling it pays: a transaction that calls it, from its
    receipt, less the 21,000 intrinsic gas and the calldata."""
    data = fn()
    calldata = sum(16 if b else 4 for b in bytes.fromhex(data[2:]))
    [receipt] = rpc.transact([Tx(sender, to, data, f"read {fn.signature}", gas=1_000_000)])
    return int(receipt["gasUsed"], 16) - 21_000 - calldata


def restore(folder: Path, start: str, log=log):
    """The saved market on a new anvil node, replayed a step a day to the close of `start`; returns the
    node and the record as of `start` (it must carry Morpho Blue)."""
    anvil = market_node.restore(folder)
    try:
        record = market_record.load(folder / market_node.RECORD_FILE)
        if record.lending is None:
            raise BenchError(f"the {record.date} market has no Morpho: build it again (`ape run market build`)")
        if dt.date.fromisoformat(start) > record.day:
            log(f"replaying {record.day} to {start}")
            record, _ = replay.replay(anvil.rpc, record, start)
    except BaseException:
        anvil.stop()
        raise
    return anvil, record


@dataclass
class Index:
    """An index deployed on the market with the contracts Morpho and the router need."""

    basket: dict[str, Decimal]
    vault: str
    adapter: str
    nav_feed: str
    oracle: str  # MorphoNavOracle: USDC base units per index wei, x 1e36
    router: str
    usdc: str


def deploy_index(
    rpc, m: MarketRecord, admin: str, basket: dict[str, Decimal], name: str, symbol: str, fee: int,
    nav_per_share: Decimal = Decimal(100),
) -> Index:  # fmt: skip
    """An IndexVault of `basket` (weights by value at the feeds now) at `nav_per_share` USD, fees `fee` to mint
    and to redeem, its OracleAdapter on the market's feeds, NavFeed, MorphoNavOracle and an IndexRouter."""
    feeds = market_pools.feed_prices(rpc, m)
    symbols = list(basket)
    missing = [s for s in symbols if s not in m.assets]
    if missing:
        raise BenchError(f"the {m.date} market has no {', '.join(missing)}")
    assets = [m.assets[s] for s in symbols]
    units = units_from_weights(
        [basket[s] for s in symbols], [feeds[s] for s in symbols], [a.decimals for a in assets], nav_per_share
    )
    vault = rpc.deploy(
        admin,
        bytecode("IndexVault.vy"),
        "vault",
        list(VAULT_CONSTRUCTOR_TYPES),
        [name, symbol, [a.token for a in assets], units, admin, admin, admin, admin,
         [fee, fee, 0], [WAD // 10] * 3, 10**9 * WAD],
    )  # fmt: skip
    adapter = rpc.deploy(admin, bytecode("OracleAdapter.vy"), "adapter", ["address", "address"], [vault, admin])
    rpc.transact(
        [Tx(admin, adapter, SET_FEED(a.token, a.feed, a.heartbeat, ZERO, 0, 0), f"feed {a.symbol}") for a in assets]
    )
    nav_feed = rpc.deploy(admin, bytecode("NavFeed.vy"), "nav feed", ["address", "uint256"], [adapter, 0])
    usdc = m.assets[m.quote].token
    oracle = rpc.deploy(
        admin,
        bytecode("periphery/MorphoNavOracle.vy"),
        "morpho oracle",
        ["address", "uint256", "address", "uint256", "address", "address"],
        [nav_feed, NAV_MAX_AGE, ZERO, 0, vault, usdc],
    )
    router = rpc.deploy(
        admin, bytecode("periphery/IndexRouter.vy"), "router", ["address", "address"],
        [m.uniswap.v2_router, m.uniswap.swap_router],
    )  # fmt: skip
    return Index(dict(basket), vault, adapter, nav_feed, oracle, router, usdc)


def mint_index(rpc, m: MarketRecord, index: Index, holder: str, shares: int) -> None:
    """`holder` mints `shares` index wei in kind, its components minted (mocks) or wrapped (WETH) first."""
    (amounts,) = rpc.read([(index.vault, AMOUNTS_FOR_MINT, (shares,))])[0]
    txs = []
    for symbol, amount in zip(index.basket, amounts):
        a = m.assets[symbol]
        if a.kind == "weth9":
            rpc.set_balance(holder, 10**30)
            txs.append(Tx(holder, a.token, uni.WETH_DEPOSIT(), "wrap", value=amount))
        else:
            txs.append(Tx(holder, a.token, uni.MOCK_MINT(holder, amount), f"fund {symbol}"))
        txs.append(Tx(holder, a.token, uni.ERC20_APPROVE(index.vault, MAX_UINT256), "approve"))
    txs.append(Tx(holder, index.vault, VAULT_MINT(shares, amounts, holder), "mint", gas=3_000_000))
    rpc.transact(txs)


def index_nav(rpc, index: Index) -> Decimal:
    """The adapter's NAV per index token, USD."""
    (answer,) = rpc.read([(index.adapter, NAV_PER_SHARE, ())])[0]
    return Decimal(answer) / WAD
