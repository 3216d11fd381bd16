"""The market record: every address of a market, what each token is, and
the day its prices are at. Written by the build, kept beside the saved
state and in the network's deployments file, checked against the chain
before anything uses it."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from indexvault.errors import MarketError
from indexvault.market.rpc import Function, Rpc, RpcError
from indexvault.market.uniswap import AGGREGATOR_UPDATE, ERC20_SYMBOL, FEED_SET


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Pool(_Strict):
    dex: Literal["v2", "v3"]
    pair: str  # the other side's asset symbol (USDC or ETH)
    address: str
    fee: int  # hundredths of a basis point, as Uniswap counts (3000 is 0.3 %)


class Asset(_Strict):
    symbol: str  # as in the data (BTC)
    token_symbol: str  # as on chain (WBTC)
    name: str
    decimals: int
    token: str
    kind: Literal["mock", "weth9", "erc20"]  # MockToken (mint open locally), Uniswap's WETH9, or a real token
    # What prices read: Chainlink's EACAggregatorProxy (or the project's MockFeed in older records); None
    # for a long-tail asset (`market build --twap-only`), which has only its V3 pool: an index prices it
    # by that pool's TWAP (`feed: {twap: ...}` in the index file, contracts/TwapFeed.vy).
    feed: str | None
    feed_decimals: int  # 0 without a feed
    heartbeat: int  # 0 without a feed
    pools: list[Pool] = []
    # Where the market posts answers: Chainlink's MockV3Aggregator behind the proxy; None when `feed`
    # is a MockFeed, which takes them itself.
    aggregator: str | None = None

    @property
    def v3_pool(self) -> Pool | None:
        """Its V3 pool against the market's quote, the one a TWAP prices it from."""
        return next((p for p in self.pools if p.dex == "v3"), None)

    @property
    def poster(self) -> tuple[str, Function]:
        """The contract a new answer is sent to, and the function that takes it (one int256)."""
        if self.aggregator:
            return self.aggregator, AGGREGATOR_UPDATE
        return self.feed, FEED_SET


class Uniswap(_Strict):
    weth: str
    v2_factory: str
    v2_router: str
    v3_factory: str
    swap_router: str
    quoter: str
    position_manager: str


class Lending(_Strict):
    """A lending protocol the market has (Morpho Blue): where it is, the IRM its markets use and the
    LLTVs it has enabled (on a fork: as its governance enabled them)."""

    morpho: str
    irm: str = "0x0000000000000000000000000000000000000000"  # Morpho's zero-rate IRM
    lltvs: list[int] = []


class MarketRecord(_Strict):
    date: dt.date  # the snapshot the market was built from
    day: dt.date  # the day whose closes the feeds and pools show now
    chain_id: int
    timestamp: int  # block time when `day` was posted
    quote: str
    maker: str  # the account that provides liquidity and arbitrages the pools
    depth_rule: str
    uniswap: Uniswap
    assets: dict[str, Asset]
    lending: Lending | None = None  # absent in records written before Morpho was deployed

    def asset(self, symbol: str) -> Asset:
        if symbol not in self.assets:
            raise MarketError(f"{symbol!r} is not an asset of the {self.date} market ({', '.join(self.assets)})")
        return self.assets[symbol]

    def by_token_symbol(self, token_symbol: str) -> Asset | None:
        """An asset by its data symbol (BTC) or its token's symbol (WBTC)."""
        for asset in self.assets.values():
            if token_symbol in (asset.symbol, asset.token_symbol):
                return asset
        return None


def save(record: MarketRecord, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(record.model_dump_json(indent=2) + "\n")


def load(path: Path) -> MarketRecord:
    try:
        return MarketRecord.model_validate_json(path.read_text())
    except FileNotFoundError:
        raise MarketError(f"no market record at {path}: build one with `make market`") from None
    except ValidationError as error:
        raise MarketError(f"{path} is not a market record: {error.errors()[0]['msg']}") from None


def check(record: MarketRecord, rpc: Rpc) -> None:
    """Refuse a record that does not describe the chain behind `rpc`: another
    chain id, no code at a token or feed, or a token whose symbol differs."""
    chain_id = rpc.chain_id()
    if chain_id != record.chain_id:
        raise MarketError(f"the market record is for chain {record.chain_id}, the node is chain {chain_id}")
    assets = list(record.assets.values())
    # A long-tail asset has no feed: its token is checked twice instead.
    codes = rpc.batch([("eth_getCode", [a, "latest"]) for x in assets for a in (x.token, x.feed or x.token)])
    for i, asset in enumerate(assets):
        if codes[2 * i] in ("0x", "") or codes[2 * i + 1] in ("0x", ""):
            raise MarketError(
                f"the market record does not match the chain: no contract at {asset.symbol}'s token or feed "
                "(restore the saved market with `make market-node`, or build it again)"
            )
    try:
        symbols = rpc.read([(a.token, ERC20_SYMBOL, ()) for a in assets])
    except RpcError as error:
        raise MarketError(f"the market record does not match the chain: {error}") from None
    for asset, (symbol,) in zip(assets, symbols):
        if symbol != asset.token_symbol:
            raise MarketError(
                f"the market record does not match the chain: {asset.symbol}'s token at {asset.token} "
                f"is {symbol!r}, not {asset.token_symbol!r}"
            )


def dumps(record: MarketRecord) -> dict:
    return json.loads(record.model_dump_json())
