"""The local market: build it once, serve it, replay history on it, show it.

    ape run market build                      # 2024-01-01, top 20: saved in markets/2024-01-01/
    ape run market serve                      # a node on 127.0.0.1:8545 from the saved market
    ape run market status                     # feeds, pools, gaps and depth
    ape run market replay --to 2024-02-01     # day by day, with a chart
    ape run market fund USDC 10000            # market tokens for the first test account
    ape run market swap --sell USDC --buy MKT10 --move 50%   # trade on a pool (an index token's too)
    ape run market advance 1h                 # move a local node's clock (a timelock, an auction)
    ape run market fork --network ethereum:mainnet-fork:foundry   # mainnet's own tokens, feeds, pools

The logic lives in `indexvault.market`.
"""

import json
import re
import signal
import sys
import time
from decimal import Decimal
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand, account_option

from indexvault import deployments as records
from indexvault.cli import DECIMAL, clean_errors, signer
from indexvault.index import DeployedIndex
from indexvault.keepers import arbitrage, arbitrage_runner
from indexvault.market import build as market_build
from indexvault.market import node as market_node
from indexvault.market import pools as market_pools
from indexvault.market import record as market_record
from indexvault.market import replay as market_replay
from indexvault.market import swap as market_swap
from indexvault.market import uniswap as market_uniswap
from indexvault.market.record import MarketError
from indexvault.market.rpc import Tx
from indexvault.network import deployments_root, load_market, market_rpc, project_bytecode, record_file, save_market
from indexvault.report import render_market
from indexvault.units import to_base


class _Symbols(click.ParamType):
    """A comma-separated list of data symbols: `AAVE,COMP,UNI`."""

    name = "SYMBOLS"

    def convert(self, value, param, ctx):
        if isinstance(value, list):
            return value
        symbols = [s.strip().upper() for s in value.split(",") if s.strip()]
        if value.strip() and not all(re.fullmatch(r"[A-Z0-9]{1,11}", s) for s in symbols):
            self.fail(f"{value!r} is not a comma-separated list of symbols (AAVE,COMP,UNI)", param, ctx)
        return symbols


SYMBOLS = _Symbols()
DATE = click.option("--date", default="2024-01-01", show_default=True, help="Snapshot date (the 1st of a month).")


@click.group(short_help="Build, serve, replay and show the local market")
def cli():
    """The local market: tokens, feeds and Uniswap pools from real history on anvil."""


@cli.command(short_help="Build a market and save its state")
@DATE
@click.option("--size", default=20, show_default=True, help="Assets, by market cap (no stablecoins or wrapped tokens).")
@click.option(
    "--assets",
    type=SYMBOLS,
    default=None,
    help="The assets, by data symbol (AAVE,COMP,UNI), instead of the top SIZE.",
)
@click.option(
    "--twap-only",
    type=SYMBOLS,
    default="",
    help="Long-tail assets (LDO,GRT): no Chainlink feed, no V2 pool, only a V3 pool to price them by TWAP.",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to save it (default: markets/DATE; required with --assets or --twap-only).",
)
@clean_errors
def build(date, size, assets, twap_only, out):
    """Build the market of DATE on a fresh anvil and save its state and record."""
    started = time.monotonic()
    if out is None and (assets or twap_only):
        raise MarketError("--out: a market with --assets or --twap-only is not DATE's; give it its own folder")
    plan = market_build.plan(date, size, assets=assets, twap_only=twap_only)
    out = out or market_node.market_dir(plan.date)
    long_tail = f"; long-tail (V3 pool only, no feed): {', '.join(sorted(plan.twap_only))}" if plan.twap_only else ""
    click.echo(f"Building the {plan.date} market: {', '.join(plan.symbols)} against USDC{long_tail}")
    genesis = str(market_build.genesis_timestamp(plan.date))
    with market_node.Anvil(args=["--timestamp", genesis]) as anvil:
        record = market_build.build(anvil.rpc, plan, project_bytecode, lambda m: click.echo(f"  {m}"))
        state = market_node.save_state(anvil.rpc, out)
    market_record.save(record, out / market_node.RECORD_FILE)
    pools = sum(len(a.pools) for a in record.assets.values())
    click.echo(
        f"Saved {len(record.assets)} tokens, {sum(a.feed is not None for a in record.assets.values())} feeds, "
        f"{pools} pools in {out} "
        f"({state.stat().st_size / 1e6:.1f} MB) in {time.monotonic() - started:.1f} s"
    )


@cli.command(short_help="Serve a saved market on a local node")
@DATE
@click.option("--port", default=8545, show_default=True, help="Port to listen on (Ape's local network uses 8545).")
@click.option(
    "--from",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="A market saved with `market build --out FOLDER` (instead of DATE's).",
)
@clean_errors
def serve(date, port, folder):
    """Start anvil from the market saved for DATE (or in --from) and keep it running (Ctrl-C stops it).
    Every `ape run` command on the local network then uses it."""
    folder = folder or market_node.market_dir(market_build.history.parse_date(date))
    record = market_record.load(folder / market_node.RECORD_FILE)
    started = time.monotonic()
    anvil = market_node.restore(folder, port, quiet=True)
    # A block a second of block time, whatever the wall clock does: the same commands give the same
    # blocks, times, auction prices and bids on every run and machine (anvil would otherwise stamp each
    # block with the wall clock, and a slower machine's walk would bid later on the auction's curve).
    anvil.rpc.call("anvil_setBlockTimestampInterval", 1)
    path = records.record_path(deployments_root(), "ethereum", "local")
    records.save_market(path, market_record.dumps(record))
    click.echo(
        f"Market of {record.date} (prices at {record.day}) on {anvil.url}, restored in "
        f"{time.monotonic() - started:.1f} s; recorded in {path}. Ctrl-C stops it."
    )
    # Ctrl-C, or a TERM from a supervisor, stops the node with this command.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        anvil.process.wait()
    except KeyboardInterrupt:
        click.echo("\nstopping")
    finally:
        anvil.stop()


def _market():
    market = load_market()
    if market is None:
        raise MarketError(f"no market on this network ({record_file()}): start one with `make market-node`")
    return market


@cli.command(cls=ConnectedProviderCommand, short_help="Show feeds, pools, gaps and depth")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@clean_errors
def status(as_json):
    """Per asset: the feed price, each pool's price, the gap, and depth (+-2 % in USD)."""
    market = _market()
    states = market_pools.read(market_rpc(), market)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "date": str(market.date),
                    "day": str(market.day),
                    "pools": [
                        {
                            "pool": s.label,
                            "address": s.pool.address,
                            "feed_usd": str(s.feed_usd),
                            "pool_usd": str(s.price_usd),
                            "gap": str(s.gap),
                            "depth_usd": str(s.depth_usd),
                        }
                        for s in states
                    ],
                },
                indent=2,
            )
        )
    else:
        click.echo(render_market(market, states))


@cli.command(cls=ConnectedProviderCommand, short_help="Replay history on the market")
@click.option("--to", "end", required=True, help="Last day to replay (YYYY-MM-DD).")
@click.option("--steps-per-day", default=1, show_default=True, help="Price steps per day (geometric in between).")
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PNG of pool prices against feeds (default: markets/replay-START-END.png).",
)
@clean_errors
def replay(end, steps_per_day, chart):
    """Move the market from its day to the close of END: feeds, block time and pools."""
    market = _market()
    click.echo(f"Replaying {len(market.assets)} assets from {market.day} to {end}, {steps_per_day} step(s) a day")
    with click.progressbar(length=1, label="replay", file=click.get_text_stream("stderr")) as bar:

        def progress(done, total):
            bar.length = total
            bar.update(done - bar.pos)

        updated, report = market_replay.replay(market_rpc(), market, end, steps_per_day, progress)
    save_market(updated)
    chart = chart or market_node.MARKETS / f"replay-{report.start}-{report.end}.png"
    market_replay.plot(report, chart, skip={market.quote})
    click.echo(
        f"{report.days} days, {len(report.steps)} steps, {report.trades} arbitrage trades in "
        f"{report.seconds:.1f} s; worst pool after the replay: {report.worst_pool} "
        f"{float(report.max_gap) * 100:.4f} % from its feed"
    )
    click.echo(f"chart: {chart}")


@cli.command(cls=ConnectedProviderCommand, short_help="Use a fork of a real network as the market")
@click.option(
    "--symbols",
    default="BTC,ETH,LINK,UNI,AAVE",
    show_default=True,
    help="Assets (data symbols) to take from the address book.",
)
@clean_errors
def fork(symbols):
    """On a fork of Ethereum mainnet (anvil --fork-url, or Ape's mainnet-fork network), record
    the market from the shipped address book (indexvault/data/mainnet.yaml) instead of
    building one: mainnet's tokens, Chainlink feeds and Uniswap pools, checked against the fork."""
    from indexvault.market import addressbook

    rpc = market_rpc()
    accounts = rpc.call("eth_accounts")
    book = addressbook.load_address_book()
    chain_id = rpc.chain_id()
    if chain_id != book.chain_id:
        raise MarketError(
            f"the address book is for chain {book.chain_id}, this node is chain {chain_id}: "
            "fork a real network (anvil --fork-url $RPC_URL, or --network ethereum:mainnet-fork:foundry)"
        )
    record = addressbook.market_record_from_address_book(
        book,
        [s.strip() for s in symbols.split(",") if s.strip()],
        chain_id,
        rpc.timestamp(),
        accounts[market_build.MAKER_INDEX] if len(accounts) > market_build.MAKER_INDEX else accounts[0],
    )
    market_record.check(record, rpc)
    record = addressbook.discover_pools(record, rpc)
    save_market(record)
    click.echo(f"Recorded the fork's market ({', '.join(record.assets)}) in {record_file()}")


@cli.command(cls=ConnectedProviderCommand, short_help="Give an account market tokens (local chains)")
@click.argument("symbol")
@click.argument("amount", type=DECIMAL)
@click.option("--to", "receiver", default=None, help="Who gets them (default: the first test account).")
@clean_errors
def fund(symbol, amount, receiver):
    """Mint AMOUNT whole tokens of a market asset (USDC, WBTC ...) to an account; WETH is
    wrapped from the account's own ETH. Only on a local market, whose tokens mint openly."""
    market = _market()
    asset = market.by_token_symbol(symbol)
    if asset is None:
        known = ", ".join(a.token_symbol for a in market.assets.values())
        raise MarketError(f"{symbol!r} is not an asset of the {market.date} market ({known})")
    if asset.kind == "erc20":
        raise MarketError(f"{asset.token_symbol} is a real token on this fork: it cannot be minted")
    account = signer(None) if receiver is None else None
    to = receiver or account.address
    base = to_base(amount, asset.decimals)
    if asset.kind == "weth9":
        if account is None:
            raise MarketError("WETH is wrapped from the receiving account's own ETH: leave out --to")
        tx = Tx(to, asset.token, market_uniswap.WETH_DEPOSIT(), f"wrap {amount} ETH", value=base, gas=100_000)
    else:
        tx = Tx(
            market.maker, asset.token, market_uniswap.MOCK_MINT(to, base), f"mint {asset.token_symbol}", gas=100_000
        )
    market_rpc().transact([tx])
    click.echo(f"{to} received {amount} {asset.token_symbol}")


class Percent(click.ParamType):
    """A percentage, written with its sign: 50%."""

    name = "percent"

    def convert(self, value, param, ctx):
        text = str(value).strip()
        if not text.endswith("%"):
            self.fail(f"{value!r}: give a percentage, e.g. 50%", param, ctx)
        return DECIMAL.convert(text[:-1], param, ctx) / 100


@cli.command(cls=ConnectedProviderCommand, short_help="Trade on a market pool, or an index token's pool")
@click.option("--sell", required=True, help="Token sold (USDC, WBTC ..., or an index's symbol).")
@click.option("--buy", required=True, help="Token bought.")
@click.option("--amount", type=DECIMAL, default=None, help="Whole tokens to sell.")
@click.option(
    "--move",
    type=Percent(),
    default=None,
    help="Instead of --amount: sell until the bought token's pool price is this much higher (50%).",
)
@click.option(
    "--dex", type=click.Choice(["v2", "v3"]), default=None, help="The pool, where the pair has both (default: v2)."
)
@account_option(prompt=False)
@clean_errors
def swap(sell, buy, amount, move, dex, account):
    """Sell --amount of one token for another on the market's pool between
    them, from the account's own balance (`ape run market fund` gives it a
    local market's tokens), and print the pool's price before and after
    against the feeds, or, on an index token's pool, against NAV and the
    arbitrage keeper's cost band."""
    if (amount is None) == (move is None):
        raise click.UsageError("give --amount (tokens to sell) or --move (a percentage), not both or neither")
    market = _market()
    indexes = DeployedIndex.live()  # only those on this chain: a local chain's record may be older than the chain
    ref = market_swap.find_pool(market, indexes, sell, buy, dex)
    account = signer(account)
    rpc = market_rpc()

    def where() -> str:
        if ref.index is not None:
            gas_price = int(rpc.call("eth_gasPrice"), 16)
            snapshot = arbitrage_runner.read_snapshot(rpc, market, indexes[ref.index], gas_price)
            return arbitrage.where(snapshot)
        return market_swap.against_feed(rpc, market, ref)

    click.echo(f"Swap on {ref.label} ({ref.address}): sell {ref.sell.symbol} for {ref.buy.symbol} as {account.address}")
    click.echo(f"  before: {where()}")
    base = None if amount is None else to_base(amount, ref.sell.decimals)
    done = market_swap.trade(rpc, market, ref, account.address, market_swap.ape_sender(account), base, move)
    click.echo(
        f"  paid {Decimal(done.paid) / 10**ref.sell.decimals:f} {ref.sell.symbol}, received "
        f"{Decimal(done.received) / 10**ref.buy.decimals:f} {ref.buy.symbol} (gas {done.gas_used:,})"
    )
    click.echo(f"  after:  {where()}")
    click.echo(
        f"{ref.label}: {done.before:,.6g} -> {done.after:,.6g} {ref.pair.symbol} per {ref.asset.symbol} "
        f"({done.move:+.2%})"
    )


def _seconds(text: str) -> int:
    """ "3600", "90m", "1h", "1d" or "1h30m" as seconds."""
    units = {"s": 1, "m": 60, "min": 60, "h": 3_600, "d": 86_400}
    total, number = 0, ""
    for part in [p for p in re.split(r"(\d+)", text.strip().lower()) if p]:
        if part.isdigit():
            number = part
        elif number and part in units:
            total, number = total + int(number) * units[part], ""
        else:
            raise click.BadParameter(f"{text!r}: give seconds (3600) or a duration such as 90m, 1h, 1d, 1h30m")
    return total + (int(number) if number else 0)


@cli.command(cls=ConnectedProviderCommand, short_help="Move a local node's clock (a timelock, an auction)")
@click.argument("duration")
@clean_errors
def advance(duration):
    """Move the local node's block time forward by DURATION (3600, 90m, 1h, 1d) and mine a block:
    what waiting does on a real network, for a timelock or an auction. Local nodes only; prices and
    pools do not move (`ape run market replay` moves them)."""
    from ape import chain

    seconds = _seconds(duration)
    if seconds <= 0:
        raise click.BadParameter(f"{duration!r}: give a positive duration")
    if not chain.provider.network.is_local:
        raise click.UsageError(f"{chain.provider.network.name} is not a local network: its clock moves only by waiting")
    rpc = market_rpc()
    before = rpc.timestamp()
    rpc.set_next_timestamp(before + seconds)
    rpc.mine()
    after = rpc.timestamp()
    stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(after))
    click.echo(f"block time moved {after - before:,} s, to {stamp}")
