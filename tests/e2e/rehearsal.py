"""The testnet rehearsal: the README's real-network commands on anvil with Sepolia's chain id.

Starts anvil with Sepolia's chain id (11155111, a block a second) as a
stand-in for Sepolia, and runs the README's real-network commands against
it, each as a user types it, with `SEPOLIA_RPC_URL` pointing at the node and
Ape's data folder (the keystore) in a temporary directory, so ~/.ape is never
touched:

1. `ape accounts import --use-mnemonic rehearsal` (the test mnemonic; the
   passphrase typed in, then given to every command in
   APE_ACCOUNTS_rehearsal_PASSPHRASE, so nothing prompts);
2. `ape run create-index examples/second.yaml` (its `rebalance:` section
   gives the index a Rebalancer against its mock USDC), killed once its
   first step is recorded; `status` shows it incomplete; the same command
   again resumes it;
3. `ape run mint`, `ape run redeem`;
4. `ape run timelock queue` a fee change, the delay waited out, then
   `ape run timelock execute`; `status` shows the new fees;
5. the keepers, with no local market recorded for the network (checked
   before and after): `mint` 1,000 shares so that bids pay, `keeper
   propose` (BTC and ETH by market cap on 2024-02-01: 75/25 against the
   file's 50/50), `keeper rebalance --rounds 0` through the auctions until
   every target is met, `keeper arbitrage --create-pool` (the index token's
   pool at NAV), `redeem --to USDC` (the keeper's quote, through the pools),
   and `keeper arbitrage`, a round that brings the pool back to NAV.

What the network would do by itself, `World` does directly on the node, never
through a user's command or account: Uniswap V2 deployed from the npm
bytecode with a pool of each of the index's mock tokens against its mock
USDC at the feeds' prices, and the address book that lists them written as
the user's own (`address-book-11155111.yaml` in the deployments folder, read
before the shipped Sepolia book, whose real addresses are not used); time
passing (the node's clock moved past the timelocks: `ape run market advance`
is for local networks only), the feeds posting again as it does; a trader who
lifts the index token's pool above NAV.

Stops anvil and removes the temporary directory at the end.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import click
import yaml
from eth_utils import to_checksum_address

from indexvault import deployments
from indexvault.market import addressbook, build
from indexvault.market import pools as market_pools
from indexvault.market import uniswap as uni
from indexvault.market.node import Anvil
from indexvault.market.rpc import Function, Tx

ROOT = Path(__file__).resolve().parents[2]  # the repository: commands run from it
MNEMONIC = "test test test test test test test test test test test junk"  # Ape's and anvil's test mnemonic
ALIAS = "rehearsal"
# A test passphrase for a throwaway keystore in a temporary folder.
PASSPHRASE = "rehearsal-only-passphrase-1"
INDEX_FILE = "examples/second.yaml"
SEPOLIA_CHAIN_ID = 11155111
DELAY = 3_600
COMMAND_TIMEOUT = 150  # seconds for one command
NETWORK = ("--network", "ethereum:sepolia:node", "--account", ALIAS)
# The keepers' part: shares minted so that bids pay (50k USD of index), each seeded V2 pool's depth
# (USD, both sides: deep enough that the rebalance's largest bid, about 12k USD, moves a pool about
# 5 bps, and nothing resets the pools between bids), the point of the auction the clock moves to (the
# factor then 1.01 - 0.06 x 0.27 = 0.9938: a 0.62 % edge on the feeds pays the 0.3 % pools, and the
# sales' and purchases' discounts, 2 x 0.62 % of the quarter traded, fit the 0.5 % of NAV the
# proposal leaves in the quote), the index token's pool and the trade that lifts it off NAV.
KEEPER_SHARES = 1000
POOL_DEPTH_USD = 100_000_000
INTO_AUCTION = 0.27
INDEX_POOL_USD = 20_000
KEEPER_QUOTE_SHARES = 20  # redeemed to the quote: the arbitrage keeper's USDC (about 1,000)
PUSH_USD = 400
PROPOSE = ("--date", "2024-02-01", "--top", "2", "--cap", "1")
R_AUCTION_START = Function("auction_start()", "uint256")
R_DURATION = Function("auction_duration()", "uint256")
O_FEED = Function("feed(address)", "(address,uint256,address,uint256,uint256,uint256)")
# Ape's progress bars and warnings about what the rehearsal does on purpose
# (a simple test passphrase typed through a pipe, an unlocked test account).
NOISE = (
    "Confirmations (",
    "it/s]",
    "Using cached key",
    "Danger! This account",
    "Passphrase complexity",
    "warn(",
    "GetPassWarning",
    "fallback_getpass",
    "Password input may be echoed",
)


class Rehearsal:
    def __init__(self, folder: Path, anvil: Anvil):
        self.anvil = anvil
        self.records = folder / "deployments"
        self.env = {
            **os.environ,
            "SEPOLIA_RPC_URL": anvil.url,
            "APE_DATA_FOLDER": str(folder / "ape"),
            f"APE_ACCOUNTS_{ALIAS}_PASSPHRASE": PASSPHRASE,
            "INDEXVAULT_DEPLOYMENTS": str(self.records),
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        self.env.pop("APE_FOUNDRY_HOST", None)

    def _command(self, args: tuple[str, ...]) -> list[str]:
        return [str(Path(sys.executable).parent / "ape"), *args]

    def _show(self, output: str) -> None:
        for line in output.splitlines():
            if line.strip() and not any(noise in line for noise in NOISE) and not line.startswith("INFO:"):
                click.echo(f"    {line}")

    def run(self, *args: str, stdin: str | None = None) -> str:
        click.echo(f"$ ape {' '.join(args)}")
        started = time.monotonic()
        try:
            result = subprocess.run(
                self._command(args),
                cwd=ROOT,
                env=self.env,
                input=stdin,
                text=True,
                timeout=COMMAND_TIMEOUT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # no terminal: Ape's hidden prompts read the piped stdin
            )
        except subprocess.TimeoutExpired as error:
            output = error.output.decode() if isinstance(error.output, bytes) else error.output or ""
            self._show(output)
            raise click.ClickException(f"`ape {' '.join(args)}` did not end in {COMMAND_TIMEOUT} s") from None
        self._show(result.stdout)
        click.echo(f"    ({time.monotonic() - started:.0f} s)")
        if result.returncode != 0:
            raise click.ClickException(f"`ape {' '.join(args)}` failed (exit {result.returncode})")
        return result.stdout

    def cut_off(self, *args: str) -> str:
        """Runs a deploying command and kills it once its first step is recorded."""
        click.echo(f"$ ape {' '.join(args)}    # killed once its first step is recorded")
        path = self.records / "ethereum-sepolia.json"
        process = subprocess.Popen(
            self._command(args),
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 120
        while True:
            pending = json.loads(path.read_text()).get("pending", {}) if path.exists() else {}
            steps = [step for job in pending.values() for step in job["steps"]]
            if steps:
                break
            if process.poll() is not None or time.monotonic() > deadline:
                raise click.ClickException("the command ended before its first step was recorded")
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait()
        click.echo(f"    killed after: {', '.join(steps)}")
        return steps[0]

    def advance(self, seconds: int) -> None:
        click.echo(f"# the timelock's delay: the node's clock moves {seconds:,} s on")
        self.anvil.rpc.call("evm_increaseTime", seconds)
        self.anvil.rpc.mine()


class World:
    """What the network does around the user, stood in for by the rehearsal (never by the user's
    account, nor through a user's command): Uniswap V2 with pools for the index's mock tokens, the
    feeds posting again as a day passes, and a trader who moves the index token's pool. All through
    the market's batched JSON-RPC (`indexvault.market.rpc`), from anvil's dev account 9, as the local
    market's builder does (`indexvault.market.build`)."""

    def __init__(self, anvil: Anvil, records: Path):
        self.rpc = anvil.rpc
        self.records = records
        self.maker = to_checksum_address(self.rpc.call("eth_accounts")[build.MAKER_INDEX])

    def _send(self, txs: list[Tx]) -> None:
        """Mines `txs` (`Rpc.transact` turns interval mining off for them), then a block a second again:
        the Sepolia network's Ape waits for blocks after each transaction."""
        self.rpc.transact(txs)
        self.rpc.call("evm_setIntervalMining", 1)

    @property
    def book_path(self) -> Path:
        return self.records / f"address-book-{SEPOLIA_CHAIN_ID}.yaml"

    def index(self) -> dict:
        return deployments.load(self.records / "ethereum-sepolia.json")

    def market(self):
        """The index's market as the keepers find it: from the rehearsal's address book."""
        record = self.index()
        components = [(c["token"], c["symbol"]) for c in record["components"]]
        components.append((record["quote"], record["quote_symbol"]))
        book = addressbook.load_address_book(self.book_path)
        return addressbook.market_for_index(
            book, self.rpc, components, record["oracle"], self.rpc.timestamp(), record["quote"]
        )

    def open_market(self) -> None:
        """Uniswap V2 (and V3's factory) from the npm bytecode, a V2 pool of each of the index's
        tokens against its quote at the feeds' prices, and the address book that lists them: the
        user's own book for chain 11155111 (`address-book-11155111.yaml` in the deployments folder),
        read before the shipped Sepolia one. Like the shipped one it turns V3 routes off (no
        SwapRouter), so the keepers trade V2 pools only, as on Sepolia."""
        record = self.index()
        self.rpc.set_balance(self.maker, build.MAKER_ETH)
        dex = build.deploy_uniswap(self.rpc, self.maker)
        ((feed, beat, _, _, _, decimals),) = self.rpc.read([(record["oracle"], O_FEED, (record["quote"],))])[0]
        ((feed_decimals,),) = self.rpc.read([(feed, uni.ERC20_DECIMALS, ())])
        quote = record["quote_symbol"]
        off = dict.fromkeys(addressbook.OPTIONAL_UNISWAP, addressbook.ZERO)
        book = {
            "chain_id": SEPOLIA_CHAIN_ID,
            "quote": quote,
            "uniswap": {**dex.model_dump(), **off},
            "feeds": {
                f"{quote}/USD": {"address": to_checksum_address(feed), "decimals": feed_decimals, "heartbeat": beat},
            },
            "tokens": {
                quote: {
                    "token_symbol": quote,
                    "name": f"Mock {quote}",
                    "address": to_checksum_address(record["quote"]),
                    "decimals": decimals,
                }
            },
        }
        self.book_path.write_text(
            "# The rehearsal's Sepolia: its Uniswap V2 and the index's mock quote. The index's other tokens\n"
            "# are found through its oracle adapter, their pools through the factories.\n"
            + yaml.safe_dump(book, sort_keys=False)
        )
        market = self.market()
        prices = market_pools.feed_prices(self.rpc, market)
        q = market.assets[market.quote]
        half = Decimal(POOL_DEPTH_USD) / 2
        quote_side = int(half / prices[q.symbol] * 10**q.decimals)
        sides = [
            (a, int(half / prices[a.symbol] * 10**a.decimals)) for a in market.assets.values() if a.symbol != q.symbol
        ]
        txs = [Tx(self.maker, q.token, uni.MOCK_MINT(self.maker, quote_side * (len(sides) + 1)), "mint quote")]
        txs.append(Tx(self.maker, q.token, uni.ERC20_APPROVE(dex.v2_router, uni.MAX_UINT), "approve quote"))
        for asset, amount in sides:
            txs.append(Tx(self.maker, asset.token, uni.MOCK_MINT(self.maker, amount), f"mint {asset.symbol}"))
            txs.append(Tx(self.maker, asset.token, uni.ERC20_APPROVE(dex.v2_router, amount), f"approve {asset.symbol}"))
        self._send(txs)
        add = uni.V2_ADD_LIQUIDITY
        self._send(
            [
                Tx(
                    self.maker,
                    dex.v2_router,
                    add(a.token, q.token, amount, quote_side, 0, 0, self.maker, build.DEADLINE),
                    f"V2 {a.symbol}/{q.symbol}",
                    gas=5_000_000,
                )
                for a, amount in sides
            ]
        )
        pools = ", ".join(f"{a.symbol}/{q.symbol} {p.address}" for a in self.market().assets.values() for p in a.pools)
        click.echo(
            f"# the network's Uniswap V2 (factory {dex.v2_factory}), pools {POOL_DEPTH_USD:,} USD deep at the feeds' "
            f"prices: {pools}; address book written to {self.book_path}"
        )
        self.check_no_market()

    def check_no_market(self) -> None:
        """The network's record holds no local market: the keepers found theirs through the book."""
        if deployments.load_market(self.records / "ethereum-sepolia.json") is not None:
            raise click.ClickException("a local market is recorded for this network: the rehearsal must have none")
        click.echo(f"# no local market recorded for ethereum:sepolia; the address book is {self.book_path.name}")

    def post_feeds(self) -> None:
        """Every feed the index prices with posts its answer again, stamped now (Chainlink's would,
        within their heartbeats, as a day passes)."""
        assets = list(self.market().assets.values())
        rounds = self.rpc.read([(a.feed, uni.FEED_LATEST, ()) for a in assets])
        self._send([Tx(self.maker, a.poster[0], a.poster[1](r[1]), f"feed {a.symbol}") for a, r in zip(assets, rounds)])

    def into_auction(self, r: Rehearsal) -> None:
        """The clock moved past the Rebalancer's timelock and into the auction, the feeds posted again."""
        record = self.index()
        (start,), (duration,) = self.rpc.read(
            [(record["rebalancer"], R_AUCTION_START, ()), (record["rebalancer"], R_DURATION, ())]
        )
        seconds = start + int(duration * INTO_AUCTION) - self.rpc.timestamp()
        click.echo(
            f"# the Rebalancer's timelock, and {INTO_AUCTION:.0%} of the auction: the node's clock moves "
            f"{seconds:,} s on; the feeds post their prices again"
        )
        r.anvil.rpc.call("evm_increaseTime", seconds)
        self.rpc.mine()
        self.post_feeds()

    def push_index_pool(self) -> None:
        """A trader buys the index token in its pool for PUSH_USD of the quote, lifting it above NAV."""
        record, market = self.index(), self.market()
        q = market.assets[market.quote]
        amount = PUSH_USD * 10**q.decimals
        self._send(
            [
                Tx(self.maker, q.token, uni.MOCK_MINT(self.maker, amount), "mint quote"),
                Tx(
                    self.maker,
                    market.uniswap.v2_router,
                    uni.V2_SWAP_EXACT_IN(amount, 0, [q.token, record["vault"]], self.maker, build.DEADLINE),
                    f"buy {record['symbol']}",
                    gas=500_000,
                ),
            ]
        )
        click.echo(f"# a trader buys {record['symbol']} for {PUSH_USD:,} {q.token_symbol} in its pool, above NAV")


def rehearse() -> None:
    """Runs the rehearsal; raises `click.ClickException` naming the command that failed."""
    started = time.monotonic()
    anvil = Anvil(args=["--chain-id", str(SEPOLIA_CHAIN_ID), "--block-time", "1"])
    try:
        with tempfile.TemporaryDirectory(prefix="rehearsal-") as folder:
            click.echo(
                f"# anvil with chain id {SEPOLIA_CHAIN_ID} on {anvil.url} stands in for Sepolia; "
                f"SEPOLIA_RPC_URL={anvil.url}, Ape's data folder in {folder}"
            )
            r = Rehearsal(Path(folder), anvil)
            r.run("accounts", "import", "--use-mnemonic", ALIAS, stdin=f"{MNEMONIC}\n{PASSPHRASE}\n{PASSPHRASE}\n")
            create = ("run", "create-index", INDEX_FILE, "--delay", str(DELAY), *NETWORK, "--yes")
            r.cut_off(*create)
            r.run("run", "status", "--network", "ethereum:sepolia:node")
            r.run(*create)
            r.run("run", "mint", "--shares", "2", *NETWORK)
            r.run("run", "redeem", "--shares", "1", *NETWORK)
            fees = ("--mint", "0.003", "--redeem", "0.002", "--streaming", "0.01")
            r.run("run", "timelock", "queue", *fees, *NETWORK)
            r.advance(DELAY + 1)
            r.run("run", "timelock", "execute", *fees, *NETWORK)
            r.run("run", "status", "--network", "ethereum:sepolia:node")
            world = World(anvil, r.records)
            world.open_market()
            r.run("run", "mint", "--shares", str(KEEPER_SHARES), *NETWORK)
            r.run("run", "keeper", "propose", *PROPOSE, *NETWORK)
            world.into_auction(r)
            r.run("run", "keeper", "rebalance", "--rounds", "0", "--interval", "1", *NETWORK)
            r.run("run", "keeper", "arbitrage", "--create-pool", str(INDEX_POOL_USD), *NETWORK)
            r.run("run", "redeem", "--to", "USDC", "--shares", str(KEEPER_QUOTE_SHARES), *NETWORK)
            world.push_index_pool()
            r.run("run", "keeper", "arbitrage", *NETWORK)
            world.check_no_market()
    finally:
        anvil.stop()
    click.echo(f"Rehearsal passed in {time.monotonic() - started:.0f} s")
