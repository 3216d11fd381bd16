"""The index file's validation: one line per bad field, naming it."""

from decimal import Decimal

import pytest
import yaml
from eth_utils import to_checksum_address

from indexvault.config import ConfigError, load_index, parse_index
from tests.utils.node import ROOT

TOKEN = "0x" + "ab" * 20
FEED = {"primary": "0x" + "cd" * 20, "heartbeat": 3600}


def index(**fields):
    return {"name": "Test", "symbol": "TST", "supply_cap": 1000, **fields}


def errors(data) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse_index(data, "test.yaml")
    first, *lines = str(raised.value).splitlines()
    assert first == "test.yaml is not a valid index:"
    return lines


def test_demo_file_is_valid():
    config = load_index(ROOT / "examples" / "demo.yaml")
    assert [c.token for c in config.components] == ["WBTC", "WETH", "LINK", "USDC", "USDT"]
    assert sum(c.weight for c in config.components) == 1
    assert config.mocks["USDT"].quirk == "no-return"
    assert config.fees.streaming == Decimal("0.0095")


def test_addresses_are_checksummed():
    config = parse_index(index(components=[{"token": TOKEN, "units": "1.5", "feed": FEED}]))
    assert config.components[0].token == "0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    assert config.components[0].feed.primary == "0xCdCDCdCdcdcdcdCdcDcDCdcDcDCdCdcdCdcDCDcD"


def test_wrong_checksum__names_the_field():
    bad = "0xAbababababababababababababababababababab"
    assert errors(index(components=[{"token": bad, "units": 1, "feed": FEED}])) == [
        f"components[0].token: '{bad}' has a wrong EIP-55 checksum (a typo?); "
        "expected 0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"
    ]


def test_field_errors__one_line_each():
    assert errors(index(symbol="TOOLONG", supply_cap=0, components=[{"token": TOKEN, "units": -1, "feed": FEED}])) == [
        "symbol: String should have at most 5 characters",
        "components[0].units: Input should be greater than 0",
        "supply_cap: Input should be greater than 0",
    ]


def test_units_and_weight__exactly_one():
    assert errors(index(components=[{"token": TOKEN, "units": 1, "weight": 1, "feed": FEED}])) == [
        "components[0]: give exactly one of `units` or `weight`"
    ]


def test_consistency_errors__all_listed():
    data = index(
        components=[
            {"token": "foo", "weight": 0.5},
            {"token": TOKEN, "weight": 0.2},
            {"token": TOKEN.upper().replace("0X", "0x"), "weight": 0.2},
        ],
        fees={"mint": 0.05},
    )
    assert errors(data) == [
        "components[0].token: 'foo' is neither an address, a token under `mocks`, nor a market asset's symbol",
        "components[1].feed: missing; every component needs a price feed",
        "components[2].token: duplicate of components[1] (0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB)",
        "components[2].feed: missing; every component needs a price feed",
        "components: weights sum to 0.9, not 1",
        "initial_nav_per_share: missing; weights need a launch value per index token",
        "fees.mint: 0.05 is above max_fees.mint",
    ]


def test_field_and_consistency_errors__both_kinds_in_one_message():
    # pydantic runs the checks across fields only once every field is valid: without the
    # partial check this file showed the symbol and units lines and nothing else.
    data = index(
        symbol="TOOLONG",
        components=[
            {"token": "foo", "weight": 0.5},
            {"token": TOKEN, "units": -1, "feed": FEED},
            {"token": TOKEN, "weight": 0.2, "feed": FEED},
        ],
        fees={"mint": 0.05},
    )
    assert errors(data) == [
        "symbol: String should have at most 5 characters",
        "components[1].units: Input should be greater than 0",
        "components[0].token: 'foo' is neither an address, a token under `mocks`, nor a market asset's symbol",
        "fees.mint: 0.05 is above max_fees.mint",
    ]


def test_field_errors_only__no_consistency_lines_from_defaults():
    assert errors(index(components=[{"token": TOKEN, "units": 1, "feed": FEED}], supply_cap=-1)) == [
        "supply_cap: Input should be greater than 0"
    ]


def test_mix_of_units_and_weights():
    data = index(
        components=[{"token": TOKEN, "units": 1, "feed": FEED}, {"token": "M", "weight": 1}],
        mocks={"M": {"decimals": 6, "price": 1}},
    )
    assert errors(data) == ["components: give every component `weight`, or every component `units`, not a mix"]


def test_mock_with_a_feed__refused():
    data = index(components=[{"token": "M", "units": 1, "feed": FEED}], mocks={"M": {"decimals": 6, "price": 1}})
    assert errors(data) == ["components[0].feed: a mock token gets its own mock feed; remove `feed`"]


def test_secondary_feed_needs_its_heartbeat_and_deviation():
    feed = {**FEED, "secondary": "0x" + "ef" * 20}
    assert errors(index(components=[{"token": TOKEN, "units": 1, "feed": feed}])) == [
        "components[0].feed: a secondary feed needs secondary_heartbeat and max_deviation"
    ]


def test_unknown_field__refused():
    assert errors(index(components=[{"token": TOKEN, "units": 1, "feed": FEED, "wieght": 1}])) == [
        "components[0].wieght: Extra inputs are not permitted"
    ]


def test_not_a_mapping():
    with pytest.raises(ConfigError, match="test.yaml: expected a mapping of fields"):
        parse_index(["a", "list"], "test.yaml")


def test_load__missing_file(tmp_path):
    with pytest.raises(ConfigError, match=r"nope.yaml: cannot read \(No such file or directory\)"):
        load_index(tmp_path / "nope.yaml")


def test_load__not_yaml(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("name: [unclosed\n")
    with pytest.raises(ConfigError, match="bad.yaml: not valid YAML"):
        load_index(path)


def test_load__roundtrip(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text(yaml.safe_dump(index(components=[{"token": TOKEN, "units": "0.25", "feed": FEED}])))
    assert load_index(path).components[0].units == Decimal("0.25")


def test_supply_cap_above_the_vault_maximum():
    assert errors(index(supply_cap=2 * 10**12, components=[{"token": TOKEN, "units": 1, "feed": FEED}])) == [
        "supply_cap: Input should be less than or equal to 1267650600228"
    ]


def test_secondary_feed_is_the_primary():
    feed = {
        **FEED,
        "secondary": FEED["primary"].upper().replace("0X", "0x"),
        "secondary_heartbeat": 60,
        "max_deviation": 0.01,
    }
    assert errors(index(components=[{"token": TOKEN, "units": 1, "feed": feed}])) == [
        "components[0].feed: the secondary feed is the primary; a check against itself checks nothing"
    ]


POOL = "0x" + "ef" * 20


def test_twap_feed__longtail_example_is_valid():
    config = load_index(ROOT / "examples" / "longtail.yaml")
    twaps = {c.token: c.twap for c in config.components if c.twap}
    assert sorted(twaps) == ["GRT", "LDO"]
    assert (twaps["LDO"].window, twaps["LDO"].min_liquidity, twaps["LDO"].heartbeat) == (1800, 7 * 10**16, 86_400)
    assert twaps["LDO"].pool is None  # taken from the market record
    assert [c.twap for c in config.components[:2]] == [None, None]  # Chainlink-priced market assets


def test_twap_feed__defi2021_example_is_valid():
    """`ape run defi_demo`'s index: eleven components, every one priced by its pool's 30-minute TWAP,
    weights summing to 1 (the loader refuses otherwise), the rebalance timelock a day."""
    config = load_index(ROOT / "examples" / "defi2021.yaml")
    assert len(config.components) == 11 and all(c.twap and c.twap.window == 1800 for c in config.components)
    assert sum(c.weight for c in config.components) == 1 and config.rebalance.timelock == 86_400


def test_twap_feed__each_misuse_named():
    twap = {"min_liquidity": 10**18}
    components = [
        {"token": "LDO", "units": 1, "feed": {"twap": {**twap, "pool": POOL}}},
        {"token": TOKEN, "units": 1, "feed": {"twap": twap}},
        {"token": "X", "units": 1, "feed": {"twap": twap}},
        {"token": "GRT", "units": 1, "feed": {"twap": {**twap, "window": 59}}},
        {"token": "UNI", "units": 1, "feed": {"twap": {"window": 1800}}},
        {"token": "AAVE", "units": 1, "feed": {"twap": {**twap, "quote_feed": FEED["primary"]}}},
        {"token": "CRV", "units": 1, "feed": {"twap": {**twap, "quote_feed": FEED["primary"], "quote_heartbeat": 60}}},
        {"token": "MKR", "units": 1, "feed": {"twap": {**twap, "window": 7 * 86_400 + 1}}},
    ]
    assert errors(index(components=components, mocks={"X": {"decimals": 18, "price": 1}})) == [
        "components[3].feed.twap.window: Input should be greater than or equal to 60",
        "components[4].feed.twap.min_liquidity: Field required",
        "components[5].feed.twap: give quote_feed and quote_heartbeat together",
        "components[7].feed.twap.window: Input should be less than or equal to 604800",
        "components[0].feed.twap.pool: a market asset's V3 pool comes from the market's record; remove it",
        "components[1].feed.twap.pool: missing; a token given by address needs its Uniswap V3 pool",
        "components[1].feed.twap.quote_feed: missing; a token given by address needs the USD feed of its pool's "
        "other token (and quote_heartbeat)",
        "components[2].feed: a mock token has no pool to take a TWAP from; remove `feed`",
        "components[6].feed.twap.quote_feed: a market asset's pool is against the market's quote, priced by the "
        "market's feed; remove quote_feed and quote_heartbeat",
    ]


def test_twap_feed__address_token_with_its_pool_and_quote_feed():
    twap = {"pool": POOL, "window": 600, "min_liquidity": 1, "quote_feed": FEED["primary"], "quote_heartbeat": 60}
    feed = {"twap": twap}
    config = parse_index(index(components=[{"token": TOKEN, "units": 1, "feed": feed}]))
    twap = config.components[0].twap
    assert (twap.pool, twap.window, twap.quote_heartbeat) == (to_checksum_address(POOL), 600, 60)


def test_chainlink_feed_on_a_market_asset_points_at_twap():
    assert errors(index(components=[{"token": "LDO", "units": 1, "feed": FEED}])) == [
        "components[0].feed: a market asset takes its feed from the market's record; remove `feed` "
        "(or give `feed: {twap: ...}` to price it by its V3 pool's TWAP)"
    ]
