"""The mainnet address book: real tokens, Chainlink feeds and Uniswap contracts
in place of a built market.

The local market (`indexvault.market.build`) deploys mock tokens, mock feeds and
its own Uniswap V2/V3 and writes their addresses into a `MarketRecord`. On a fork
of Ethereum mainnet nothing needs deploying: the contracts are already there. The
fork path is

    anvil --fork-url $RPC_URL            # chain id 1, mainnet's state at the fork block
    book = load_address_book()           # indexvault/data/mainnet.yaml, validated
    record = market_record_from_address_book(book, ["BTC", "ETH", "LINK"], 1, timestamp, maker)

and that record is used where a built market's record would be (and can be put
through `record.check` against the fork, which finds each token and feed there).

What differs from a built market: the feeds are Chainlink's and move only with
mainnet, not with the replayed data; the maker has no minted balances (fund it on
the fork, e.g. with anvil's impersonation); and `pools` are empty, since finding a
token's pools needs the network (ask the factories' getPair / getPool on the fork).

The book is validated when loaded: every address 0x and 40 hex digits in its
EIP-55 form, no address used twice (bar `uniswap.weth`, which is the WETH
token's), every token priced by a feed, heartbeats positive, decimals 0..36. A bad
book raises `MarketError` with one line per bad field, naming it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from eth_utils import to_checksum_address
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from indexvault.config import format_errors
from indexvault.market.record import Asset, Lending, MarketError, MarketRecord, Uniswap

DATA = Path(__file__).resolve().parent.parent / "data"
DEFAULT_PATH = DATA / "mainnet.yaml"
# The address books shipped with the package, by chain id. A user's own book for a chain,
# `address-book-<chain id>.yaml` in the deployments folder, is read first (`find_book`).
SHIPPED = {1: DATA / "mainnet.yaml", 11155111: DATA / "sepolia.yaml"}
ZERO = "0x0000000000000000000000000000000000000000"
# Uniswap contracts a network may lack: the zero address turns V3 routes off there (Sepolia has
# SwapRouter02, whose exactInputSingle takes no deadline, not the SwapRouter the periphery calls).
OPTIONAL_UNISWAP = ("swap_router", "quoter", "position_manager")
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
WETH_SYMBOL = "WETH"
NON_WETH_KIND = "erc20"  # a real token: nothing mints it (deploy funds only "mock" and "weth9")
DEPTH_RULE = "mainnet fork: Uniswap's own pools and liquidity at the fork block; none built, none recorded"


def _address(value: str) -> str:
    if not ADDRESS.match(value):
        raise ValueError(f"{value!r} is not an address (0x and 40 hex digits)")
    checksummed = to_checksum_address(value)
    if value != checksummed:
        raise ValueError(f"{value!r} is not in its EIP-55 form (a typo?); expected {checksummed}")
    return value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class BookUniswap(Uniswap):
    """The record's Uniswap addresses, each checked as the book checks every address."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)

    _addresses = field_validator("*")(classmethod(lambda cls, value: _address(value)))


class BookFeed(_Strict):
    """A Chainlink aggregator proxy."""

    address: str
    decimals: int = Field(ge=0, le=36)
    heartbeat: int = Field(gt=0, description="seconds between updates at the least")

    _address = field_validator("address")(classmethod(lambda cls, value: _address(value)))


class BookToken(_Strict):
    token_symbol: str = Field(min_length=1)
    name: str = Field(min_length=1)
    address: str
    decimals: int = Field(ge=0, le=36)
    priced_by: str | None = None  # a key of `feeds`; default "<token_symbol>/USD"

    _address = field_validator("address")(classmethod(lambda cls, value: _address(value)))

    @property
    def feed_name(self) -> str:
        return self.priced_by or f"{self.token_symbol}/USD"


class BookLending(_Strict):
    """Morpho Blue's singleton on the network (`ape run lend` creates its markets there)."""

    morpho: str

    _address = field_validator("morpho")(classmethod(lambda cls, value: _address(value)))


class AddressBook(_Strict):
    chain_id: int = Field(gt=0)
    quote: str
    uniswap: BookUniswap
    feeds: dict[str, BookFeed] = Field(min_length=1)
    tokens: dict[str, BookToken] = Field(min_length=1)
    lending: BookLending | None = None

    @model_validator(mode="after")
    def _consistent(self) -> AddressBook:
        errors: list[str] = []
        weth_tokens = [s for s, t in self.tokens.items() if t.token_symbol == WETH_SYMBOL]
        entries = [(f"uniswap.{name}", address) for name, address in self.uniswap.model_dump().items()]
        entries += [(f"feeds.{name}.address", feed.address) for name, feed in self.feeds.items()]
        entries += [(f"tokens.{symbol}.address", token.address) for symbol, token in self.tokens.items()]
        if self.lending is not None:
            entries.append(("lending.morpho", self.lending.morpho))
        seen: dict[str, str] = {}
        for name in OPTIONAL_UNISWAP:
            if (getattr(self.uniswap, name) == ZERO) != (self.uniswap.swap_router == ZERO):
                errors.append(f"uniswap.{name}: give swap_router, quoter and position_manager, or none (all zero)")
        for where, address in entries:
            if address == ZERO and where.removeprefix("uniswap.") in OPTIONAL_UNISWAP:
                continue
            first = seen.get(address.lower())
            if first == "uniswap.weth" and where in {f"tokens.{s}.address" for s in weth_tokens}:
                continue  # WETH9 is both Uniswap's WETH and the ETH token
            if first is not None:
                errors.append(f"{where}: {address} is already {first}")
            else:
                seen[address.lower()] = where
        for symbol in weth_tokens:
            if self.tokens[symbol].address != self.uniswap.weth:
                errors.append(f"tokens.{symbol}.address: a WETH token other than uniswap.weth ({self.uniswap.weth})")
        for symbol, token in self.tokens.items():
            if token.feed_name in self.feeds:
                continue
            if token.priced_by is not None:
                errors.append(f"tokens.{symbol}.priced_by: no feed {token.priced_by!r} under feeds")
            else:
                errors.append(
                    f"tokens.{symbol}: no feed {token.feed_name!r} under feeds, and no priced_by naming another"
                )
        if self.quote not in self.tokens:
            errors.append(f"quote: {self.quote!r} is not a token of the book")
        if errors:
            raise ValueError("\n".join(errors))
        return self


def parse_address_book(data: object, source: str = "address book") -> AddressBook:
    """Validate already-loaded YAML data; raises MarketError naming each bad field."""
    if not isinstance(data, dict):
        raise MarketError(f"{source}: expected a mapping (chain_id, quote, uniswap, feeds, tokens)")
    try:
        return AddressBook.model_validate(data)
    except ValidationError as error:
        raise MarketError(f"{source} is not a valid address book:\n{format_errors(error)}") from None


def load_address_book(path: str | Path | None = None) -> AddressBook:
    """Read and validate an address book; the shipped mainnet one by default."""
    path = Path(path) if path is not None else DEFAULT_PATH
    try:
        text = path.read_text()
    except OSError as error:
        raise MarketError(f"{path}: cannot read ({error.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise MarketError(f"{path}: not valid YAML ({error})") from None
    return parse_address_book(data, str(path))


def market_record_from_address_book(
    book: AddressBook, symbols: list[str], chain_id: int, timestamp: int, maker: str
) -> MarketRecord:
    """The record of a mainnet fork's market for `symbols` (data symbols, as BTC;
    the book's quote is always included, first). `date` and `day` are the UTC day
    of `timestamp` (the fork block's time); pools are empty (see the module)."""
    if chain_id != book.chain_id:
        raise MarketError(f"the address book is for chain {book.chain_id}, not chain {chain_id}")
    wanted = list(dict.fromkeys([book.quote, *symbols]))
    missing = [s for s in wanted if s not in book.tokens]
    if missing:
        raise MarketError(f"not in the address book: {', '.join(missing)} (it has {', '.join(book.tokens)})")
    if not ADDRESS.match(maker):
        raise MarketError(f"maker: {maker!r} is not an address (0x and 40 hex digits)")
    assets = {}
    for symbol in wanted:
        token = book.tokens[symbol]
        feed = book.feeds[token.feed_name]
        assets[symbol] = Asset(
            symbol=symbol,
            token_symbol=token.token_symbol,
            name=token.name,
            decimals=token.decimals,
            token=token.address,
            kind="weth9" if token.address == book.uniswap.weth else NON_WETH_KIND,
            feed=feed.address,
            feed_decimals=feed.decimals,
            heartbeat=feed.heartbeat,
            pools=[],
        )
    day = dt.datetime.fromtimestamp(timestamp, dt.UTC).date()
    return MarketRecord(
        date=day,
        day=day,
        chain_id=chain_id,
        timestamp=timestamp,
        quote=book.quote,
        maker=to_checksum_address(maker),
        depth_rule=DEPTH_RULE,
        uniswap=Uniswap(**book.uniswap.model_dump()),
        assets=assets,
        # The LLTVs are left to the chain: `lend open` asks Morpho whether the one it uses is enabled.
        lending=None if book.lending is None else Lending(morpho=book.lending.morpho),
    )


def discover_pools(record: MarketRecord, rpc, v3_fees: tuple[int, ...] = (500, 3000, 10000)) -> MarketRecord:
    """The record with each asset's Uniswap V2 and V3 pools against the quote
    (and WETH) filled in, as the fork's factories report them."""
    from indexvault.market import uniswap as uni
    from indexvault.market.record import Pool

    quote, weth = record.assets[record.quote], record.uniswap.weth
    pairs = [
        (a, p)
        for a in record.assets.values()
        if a.symbol != record.quote
        for p in [quote] + [x for x in record.assets.values() if x.token == weth and x.token != a.token]
    ]
    if record.uniswap.swap_router == ZERO:
        v3_fees = ()  # no SwapRouter to trade V3 pools through on this network
    calls = []
    for asset, pair in pairs:
        calls.append((record.uniswap.v2_factory, uni.V2_GET_PAIR, (asset.token, pair.token)))
        calls += [(record.uniswap.v3_factory, uni.V3_GET_POOL, (asset.token, pair.token, fee)) for fee in v3_fees]
    found = iter(rpc.read(calls))
    pools: dict[str, list] = {a.symbol: [] for a in record.assets.values()}
    for asset, pair in pairs:
        (v2,) = next(found)
        if int(v2, 16):
            pools[asset.symbol].append(Pool(dex="v2", pair=pair.symbol, address=to_checksum_address(v2), fee=3000))
        for fee in v3_fees:
            (v3,) = next(found)
            if int(v3, 16):
                pools[asset.symbol].append(Pool(dex="v3", pair=pair.symbol, address=to_checksum_address(v3), fee=fee))
    assets = {s: a.model_copy(update={"pools": pools[s]}) for s, a in record.assets.items()}
    return record.model_copy(update={"assets": assets})


def find_book(chain_id: int, folder: Path) -> tuple[AddressBook, Path] | None:
    """The address book of chain `chain_id`: the user's own (`folder`/address-book-<chain id>.yaml) if there
    is one, else the one shipped for that chain; None if neither exists."""
    for path in (folder / f"address-book-{chain_id}.yaml", SHIPPED.get(chain_id)):
        if path is not None and path.exists():
            book = load_address_book(path)
            if book.chain_id != chain_id:
                raise MarketError(f"{path}: chain_id is {book.chain_id}, but it is read for chain {chain_id}")
            return book, path
    return None


def missing_book_message(chain_id: int, network: str, folder: Path) -> str:
    return (
        f"no address book for chain {chain_id} ({network}): the keepers and one-asset routes need its Uniswap "
        f"contracts and a quote token. Write one at {folder / f'address-book-{chain_id}.yaml'} in the shape of "
        f"{SHIPPED[11155111]} (chain_id, quote, uniswap, feeds, tokens), or on a local chain serve the market "
        "with `make market-node`"
    )


def market_for_index(
    book: AddressBook,
    rpc,
    components: list[tuple[str, str]],
    oracle: str,
    timestamp: int,
    quote: str | None = None,
):
    """The market a deployed index trades on, from an address book: the book's tokens (its quote first) and
    every component (token, symbol) the book does not list, priced by the feed the index's own oracle adapter
    uses, with each asset's Uniswap pools found through the book's factories (`discover_pools`). `quote`,
    the token the index's Rebalancer trades against (one of `components`), is the market's quote, so its
    pools are the ones found, though the book's quote is another token (a testnet index's mock USDC)."""
    from indexvault.market import uniswap as uni
    from indexvault.market.rpc import Function

    record = market_record_from_address_book(book, list(book.tokens), book.chain_id, timestamp, ZERO)
    known = {a.token.lower() for a in record.assets.values()}
    extra = [(token, symbol) for token, symbol in components if token.lower() not in known]
    if extra:
        o_feed = Function("feed(address)", "(address,uint256,address,uint256,uint256,uint256)")
        configs = rpc.read([(oracle, o_feed, (token,)) for token, _ in extra])
        feed_decimals = rpc.read([(c[0][0], uni.ERC20_DECIMALS, ()) for c in configs])
        assets: dict[str, Asset] = {}
        for (token, symbol), (config,), (decimals,) in zip(extra, configs, feed_decimals):
            key = symbol if symbol not in assets else f"{symbol}@{token[:8]}"
            assets[key] = Asset(
                symbol=key,
                token_symbol=symbol,
                name=symbol,
                decimals=config[5],
                token=to_checksum_address(token),
                kind=NON_WETH_KIND,
                feed=config[0],
                feed_decimals=decimals,
                heartbeat=config[1],
            )
        # The index's own tokens keep their symbols, listed first (`by_token_symbol` finds them): a book
        # token of the same symbol (Sepolia's WETH as ETH, its USDC, beside an index's mocks) is keyed
        # by symbol and address.
        renamed = {key: f"{key}@{a.token[:8]}" for key, a in record.assets.items() if key in assets}
        for key, asset in record.assets.items():
            new_key = renamed.get(key, key)
            assets[new_key] = asset.model_copy(update={"symbol": new_key})
        record = record.model_copy(update={"assets": assets, "quote": renamed.get(record.quote, record.quote)})
    if quote is not None:
        key = next(a.symbol for a in record.assets.values() if a.token.lower() == quote.lower())
        record = record.model_copy(update={"quote": key})
    return discover_pools(record, rpc)
