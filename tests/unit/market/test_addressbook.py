"""The mainnet address book: the shipped one validates, a bad one is refused
with one line per bad field, and the record built from it has the book's addresses."""

import copy
from pathlib import Path

import pytest
import yaml
from eth_utils import to_checksum_address

from indexvault.market.addressbook import (
    DEFAULT_PATH,
    SHIPPED,
    ZERO,
    find_book,
    load_address_book,
    market_record_from_address_book,
    missing_book_message,
    parse_address_book,
)
from indexvault.market.record import MarketError, MarketRecord

MAKER = "0x" + "11" * 20
TIMESTAMP = 1_735_689_599  # 2024-12-31 23:59:59 UTC


@pytest.fixture(scope="module")
def raw() -> dict:
    return yaml.safe_load(DEFAULT_PATH.read_text())


def errors(data) -> list[str]:
    with pytest.raises(MarketError) as raised:
        parse_address_book(data, "book.yaml")
    first, *lines = str(raised.value).splitlines()
    assert first == "book.yaml is not a valid address book:"
    return lines


def test_shipped_book_validates():
    book = load_address_book()
    assert book.chain_id == 1
    assert book.quote == "USDC"
    assert book.tokens["BTC"].token_symbol == "WBTC"
    assert book.tokens["BTC"].feed_name == "BTC/USD"
    assert book.tokens["ETH"].address == book.uniswap.weth
    assert book.feeds["USDC/USD"].heartbeat == 86400
    addresses = [a for a in book.uniswap.model_dump().values()] + [f.address for f in book.feeds.values()]
    addresses += [t.address for t in book.tokens.values()]
    assert all(a == to_checksum_address(a) for a in addresses)


def test_shipped_book_agrees_with_assets_yaml():
    assets = yaml.safe_load((DEFAULT_PATH.parent / "assets.yaml").read_text())["assets"]
    for symbol, token in load_address_book().tokens.items():
        assert (token.token_symbol, token.name, token.decimals) == (
            assets[symbol]["token"],
            assets[symbol]["name"],
            assets[symbol]["decimals"],
        ), symbol


def test_bad_checksum__names_the_field(raw):
    data = copy.deepcopy(raw)
    good = data["tokens"]["LINK"]["address"]
    data["tokens"]["LINK"]["address"] = good[:2] + good[2:].lower()
    assert errors(data) == [
        f"tokens.LINK.address: '{good[:2] + good[2:].lower()}' is not in its EIP-55 form (a typo?); expected {good}"
    ]


def test_not_an_address__names_the_field(raw):
    data = copy.deepcopy(raw)
    data["uniswap"]["quoter"] = "0x1234"
    assert errors(data) == ["uniswap.quoter: '0x1234' is not an address (0x and 40 hex digits)"]


def test_duplicate_address__names_both(raw):
    data = copy.deepcopy(raw)
    data["feeds"]["GRT/USD"]["address"] = data["feeds"]["IMX/USD"]["address"]
    assert errors(data) == [
        f"feeds.GRT/USD.address: {data['feeds']['IMX/USD']['address']} is already feeds.IMX/USD.address"
    ]


def test_token_at_a_uniswap_address__refused(raw):
    data = copy.deepcopy(raw)
    data["tokens"]["UNI"]["address"] = data["uniswap"]["v3_factory"]
    assert errors(data) == [f"tokens.UNI.address: {data['uniswap']['v3_factory']} is already uniswap.v3_factory"]


def test_token_without_feed__refused(raw):
    data = copy.deepcopy(raw)
    del data["feeds"]["MKR/USD"]
    assert errors(data) == ["tokens.MKR: no feed 'MKR/USD' under feeds, and no priced_by naming another"]


def test_priced_by_unknown_feed__refused(raw):
    data = copy.deepcopy(raw)
    data["tokens"]["BTC"]["priced_by"] = "WBTC/BTC"
    assert errors(data) == ["tokens.BTC.priced_by: no feed 'WBTC/BTC' under feeds"]


def test_negative_heartbeat_and_bad_decimals__one_line_each(raw):
    data = copy.deepcopy(raw)
    data["feeds"]["ETH/USD"]["heartbeat"] = -3600
    data["tokens"]["DAI"]["decimals"] = 37
    assert errors(data) == [
        "feeds.ETH/USD.heartbeat: Input should be greater than 0",
        "tokens.DAI.decimals: Input should be less than or equal to 36",
    ]


def test_extra_field__refused(raw):
    data = copy.deepcopy(raw)
    data["tokens"]["UNI"]["kind"] = "erc20"
    assert errors(data) == ["tokens.UNI.kind: Extra inputs are not permitted"]


def test_missing_file__refused(tmp_path):
    with pytest.raises(MarketError, match="cannot read"):
        load_address_book(tmp_path / "nope.yaml")


def test_record_has_the_books_addresses():
    book = load_address_book()
    record = market_record_from_address_book(book, ["BTC", "ETH", "LINK"], 1, TIMESTAMP, MAKER)
    assert list(record.assets) == ["USDC", "BTC", "ETH", "LINK"]
    for symbol, asset in record.assets.items():
        token, feed = book.tokens[symbol], book.feeds[book.tokens[symbol].feed_name]
        assert (asset.token, asset.decimals, asset.token_symbol) == (token.address, token.decimals, token.token_symbol)
        assert (asset.feed, asset.feed_decimals, asset.heartbeat) == (feed.address, feed.decimals, feed.heartbeat)
        assert asset.pools == []
    assert record.assets["BTC"].token == "0x2260FAC5E5542a773Aa44fBCfeDf7C193bc2C599"
    assert record.assets["ETH"].kind == "weth9"
    assert record.uniswap.v2_router == "0x7a250d5630B4cF539739dF2C5dAcb4c659F2488D"
    assert record.chain_id == 1 and str(record.day) == str(record.date) == "2024-12-31"
    assert record.maker == to_checksum_address(MAKER)
    assert record.lending.morpho == "0xBBBBBbbBBb9cC5e90e3b3Af64bdAF62C37EEFFCb"  # Morpho Blue
    assert record.lending.lltvs == []  # left to the chain: `lend open` asks Morpho
    # It is a MarketRecord like a built market's: it survives the record's own JSON round trip.
    assert MarketRecord.model_validate_json(record.model_dump_json()) == record
    # A record written before markets had a lending protocol still loads, without one.
    old = record.model_dump(mode="json")
    del old["lending"]
    assert MarketRecord.model_validate(old).lending is None


def test_lending__morpho_at_a_token_address__refused(raw):
    data = copy.deepcopy(raw)
    data["lending"]["morpho"] = data["tokens"]["USDC"]["address"]
    assert errors(data) == [f"lending.morpho: {data['tokens']['USDC']['address']} is already tokens.USDC.address"]


def test_record__refuses_other_chain_and_unknown_symbol():
    book = load_address_book()
    with pytest.raises(MarketError, match="for chain 1, not chain 31337"):
        market_record_from_address_book(book, ["BTC"], 31337, TIMESTAMP, MAKER)
    with pytest.raises(MarketError, match="not in the address book: SOL"):
        market_record_from_address_book(book, ["BTC", "SOL"], 1, TIMESTAMP, MAKER)


def test_sepolia_book__validates_with_v3_routes_off():
    book, path = find_book(11155111, Path("/nonexistent"))
    assert path == SHIPPED[11155111] and book.quote == "USDC"
    assert book.uniswap.v2_router == "0xeE567Fe1712Faf6149d80dA1E6934E354124CfE3"
    assert (book.uniswap.swap_router, book.uniswap.quoter, book.uniswap.position_manager) == (ZERO,) * 3


def test_find_book__the_user_s_own_first_then_the_shipped_then_none(raw, tmp_path):
    assert find_book(1, tmp_path)[1] == DEFAULT_PATH
    own = tmp_path / "address-book-1.yaml"
    own.write_text(yaml.safe_dump(raw))
    assert find_book(1, tmp_path)[1] == own
    assert find_book(31337, tmp_path) is None
    assert missing_book_message(31337, "local", tmp_path).startswith(
        f"no address book for chain 31337 (local): the keepers and one-asset routes need its Uniswap contracts "
        f"and a quote token. Write one at {tmp_path / 'address-book-31337.yaml'}"
    )


def test_find_book__a_book_of_another_chain_under_this_chain_s_name__refused(raw, tmp_path):
    (tmp_path / "address-book-5.yaml").write_text(yaml.safe_dump(raw))  # chain_id 1
    with pytest.raises(MarketError, match="chain_id is 1, but it is read for chain 5"):
        find_book(5, tmp_path)


def test_book__only_some_v3_periphery_zero__refused(raw):
    data = copy.deepcopy(raw)
    data["uniswap"]["quoter"] = ZERO
    assert errors(data) == ["uniswap.quoter: give swap_router, quoter and position_manager, or none (all zero)"]


class _Chain:
    """The reads `market_for_index` makes, answered from a dict: the oracle's feed of each token, each
    feed's decimals, and the V2 factory's pairs."""

    def __init__(self, feeds: dict[str, tuple], pairs: dict[frozenset, str]):
        self.feeds, self.pairs = feeds, pairs

    def read(self, calls):
        out = []
        for _, fn, args in calls:
            if fn.signature == "feed(address)":
                out.append((self.feeds[args[0]],))
            elif fn.signature == "decimals()":
                out.append((8,))
            else:
                assert fn.signature == "getPair(address,address)"  # V3 is off in the Sepolia book
                out.append((self.pairs.get(frozenset(a.lower() for a in args), "0x" + "00" * 20),))
        return out


def test_market_for_index__an_indexs_own_tokens_and_quote_before_the_books():
    """On Sepolia an index of mocks (examples/second.yaml: mock BTC, ETH and USDC, the Rebalancer's quote)
    beside the shipped book's WETH (as ETH) and USDC: its pools are against its own USDC, so that is the
    market's quote, and its symbols name its own tokens (propose, `redeem --to USDC`), the book's by address."""
    from indexvault.market.addressbook import SHIPPED, market_for_index

    book = load_address_book(SHIPPED[11155111])
    btc, eth, usdc, pool = (to_checksum_address("0x" + c * 40) for c in "bcad")
    feeds = {t: ("0x" + "e1" * 20, 86400, MAKER, 0, 0, d) for t, d in ((btc, 8), (eth, 18), (usdc, 6))}
    chain = _Chain(feeds, {frozenset((btc.lower(), usdc.lower())): pool})
    components = [(btc, "BTC"), (eth, "ETH"), (usdc, "USDC")]
    market = market_for_index(book, chain, components, MAKER, TIMESTAMP, quote=usdc)
    assert market.quote == "USDC" and market.assets["USDC"].token == usdc
    assert [market.by_token_symbol(s).token for s in ("BTC", "ETH", "USDC")] == [btc, eth, usdc]
    weth, book_usdc = book.tokens["ETH"].address, book.tokens["USDC"].address
    assert market.assets[f"ETH@{weth[:8]}"].token == weth and market.assets[f"USDC@{book_usdc[:8]}"].token == book_usdc
    assert [(p.dex, p.pair, p.address) for p in market.assets["BTC"].pools] == [("v2", "USDC", pool)]
