"""The index file: a small YAML description of an index, validated.

A bad file gets one line per bad field, each naming the field, and nothing
is deployed. See `examples/demo.yaml` for a local index over mock tokens and
the README for every field.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Literal

import yaml
from eth_utils import to_checksum_address
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    field_validator,
    model_validator,
)

from indexvault.errors import ConfigError

# Ceilings the vault enforces on the fee maxima (contracts/IndexVault.vy).
FEE_CEILING = Decimal("0.1")
MAX_COMPONENTS = 128
# IndexVault.MAX_SUPPLY (2**100 wei) in whole index tokens, rounded down.
MAX_SUPPLY = Decimal(2**100 // 10**18)
ADDRESS = re.compile(r"^0x[0-9a-fA-F]{40}$")
MARKET_SYMBOL = re.compile(r"^[A-Z0-9]{1,11}$")
WEIGHT_TOLERANCE = Decimal("0.000001")
# contracts/Rebalancer.vy: MIN_TIMELOCK, MAX_TIMELOCK, MAX_BAND, MIN_DURATION, MAX_DURATION.
REBALANCE_TIMELOCK_BOUNDS = (3_600, 30 * 86_400)
REBALANCE_TIMELOCK_DEFAULT = 86_400
MAX_BAND = Decimal("0.1")
AUCTION_BOUNDS = (600, 14 * 86_400)
# contracts/TwapFeed.vy: MIN_WINDOW, MAX_WINDOW.
TWAP_WINDOW_BOUNDS = (60, 7 * 86_400)
TWAP_WINDOW_DEFAULT = 1_800
# The adapter's heartbeat for a TWAP-priced component: the longest its pool may go without trading
# (a TwapFeed's `updatedAt` is the pool's last observation). A day, as the market's Chainlink feeds and
# the factory's longest heartbeat: the local market's replay trades every pool at least once a day.
TWAP_HEARTBEAT_DEFAULT = 86_400
# Tags of the component feed's two forms, left out of error locations.
_FEED_TAGS = ("<chainlink>", "<twap>")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _is_address(value: str) -> bool:
    return bool(ADDRESS.match(value))


def _checksummed(value: str | None) -> str | None:
    """An address in its EIP-55 form; a mixed-case address must already be."""
    if value is None:
        return None
    if not _is_address(value):
        raise ValueError(f"{value!r} is not an address (0x and 40 hex digits)")
    checksummed = to_checksum_address(value)
    if value != checksummed and value[2:] not in (value[2:].lower(), value[2:].upper()):
        raise ValueError(f"{value!r} has a wrong EIP-55 checksum (a typo?); expected {checksummed}")
    return checksummed


class Fees(_Strict):
    """Fees as fractions: 0.001 is 0.1 %. Streaming is a year."""

    mint: Decimal = Field(default=Decimal(0), ge=0, le=FEE_CEILING)
    redeem: Decimal = Field(default=Decimal(0), ge=0, le=FEE_CEILING)
    streaming: Decimal = Field(default=Decimal(0), ge=0, le=FEE_CEILING)


class Feed(_Strict):
    """Chainlink AggregatorV3 feeds that price one component in USD."""

    primary: str
    heartbeat: int = Field(gt=0, le=2**40 - 1, description="oldest answer accepted, seconds")
    secondary: str | None = None
    secondary_heartbeat: int | None = Field(default=None, gt=0, le=2**40 - 1)
    max_deviation: Decimal | None = Field(default=None, gt=0, le=1)

    _address = field_validator("primary", "secondary")(classmethod(lambda cls, value: _checksummed(value)))

    @model_validator(mode="after")
    def _secondary_complete(self) -> Feed:
        if self.secondary and (self.secondary_heartbeat is None or self.max_deviation is None):
            raise ValueError("a secondary feed needs secondary_heartbeat and max_deviation")
        if self.secondary and self.secondary == self.primary:
            raise ValueError("the secondary feed is the primary; a check against itself checks nothing")
        return self


class Twap(_Strict):
    """A Uniswap V3 pool's time-weighted average price as a component's only price: the index's
    deploy makes a `TwapFeed` (contracts/TwapFeed.vy) over the pool and lists it as the feed."""

    pool: str | None = Field(default=None, description="the V3 pool; a market asset's comes from the record")
    window: int = Field(
        default=TWAP_WINDOW_DEFAULT, ge=TWAP_WINDOW_BOUNDS[0], le=TWAP_WINDOW_BOUNDS[1], description="seconds"
    )
    min_liquidity: int = Field(gt=0, lt=2**256, description="least harmonic-mean in-range liquidity, pool units")
    heartbeat: int = Field(
        default=TWAP_HEARTBEAT_DEFAULT, gt=0, le=2**40 - 1, description="the longest the pool may go without trading"
    )
    quote_feed: str | None = Field(default=None, description="USD feed of the pool's other token (by address)")
    quote_heartbeat: int | None = Field(default=None, gt=0, le=2**40 - 1)

    _address = field_validator("pool", "quote_feed")(classmethod(lambda cls, value: _checksummed(value)))

    @model_validator(mode="after")
    def _quote_complete(self) -> Twap:
        if (self.quote_feed is None) != (self.quote_heartbeat is None):
            raise ValueError("give quote_feed and quote_heartbeat together")
        return self


class TwapSource(_Strict):
    """`feed: {twap: {...}}`: a component priced by a pool's TWAP."""

    twap: Twap


def _feed_kind(value: object) -> str:
    if isinstance(value, dict):
        return _FEED_TAGS[1] if "twap" in value else _FEED_TAGS[0]
    return _FEED_TAGS[1] if isinstance(value, TwapSource) else _FEED_TAGS[0]


ComponentFeed = Annotated[
    Annotated[Feed, Tag(_FEED_TAGS[0])] | Annotated[TwapSource, Tag(_FEED_TAGS[1])], Discriminator(_feed_kind)
]


class MockToken(_Strict):
    """A token (and its USD feed) that the deploy script creates on a local chain."""

    decimals: int = Field(ge=0, le=36)
    price: Decimal = Field(gt=0, description="USD per whole token")
    quirk: Literal["plain", "no-return"] = "plain"


class Component(_Strict):
    """One basket component: a token, and either its units or its weight."""

    token: str = Field(description="an address, a token named under `mocks`, or a local market's asset (WBTC)")
    units: Decimal | None = Field(default=None, gt=0, description="whole tokens per index token")
    weight: Decimal | None = Field(default=None, gt=0, le=1, description="fraction of NAV at launch")
    feed: ComponentFeed | None = None

    @property
    def twap(self) -> Twap | None:
        """Its TWAP source, when it is priced by one."""
        return self.feed.twap if isinstance(self.feed, TwapSource) else None

    @field_validator("token")
    @classmethod
    def _token(cls, value: str) -> str:
        return _checksummed(value) if value.lower().startswith("0x") else value

    @model_validator(mode="after")
    def _units_or_weight(self) -> Component:
        if (self.units is None) == (self.weight is None):
            raise ValueError("give exactly one of `units` or `weight`")
        return self


class Roles(_Strict):
    """Who holds each role; each defaults to the deploying account."""

    admin: str | None = None
    manager: str | None = None
    guardian: str | None = None
    fee_recipient: str | None = None

    _address = field_validator("admin", "manager", "guardian", "fee_recipient")(
        classmethod(lambda cls, value: _checksummed(value))
    )


class Rebalance(_Strict):
    """How the index rebalances: timelocked proposals of new targets, traded in
    Dutch auctions against `quote` (contracts/Rebalancer.vy). Through the factory
    the timelock must be at least the admin delay (`create-index --delay`)."""

    quote: str = Field(
        description="the asset auctions trade against: a market asset, a token under `mocks`, or an address"
    )
    quote_feed: Feed | None = Field(default=None, description="for a quote given by address: its USD feed")
    timelock: int = Field(
        default=REBALANCE_TIMELOCK_DEFAULT,
        ge=REBALANCE_TIMELOCK_BOUNDS[0],
        le=REBALANCE_TIMELOCK_BOUNDS[1],
        description="seconds from a proposal to its auctions: holders see it and can leave",
    )
    band: Decimal = Field(
        default=Decimal("0.05"),
        gt=0,
        le=MAX_BAND,
        description="largest distance of the auction price from the oracle's",
    )
    auction: int = Field(
        default=86_400, ge=AUCTION_BOUNDS[0], le=AUCTION_BOUNDS[1], description="default auction length, seconds"
    )

    @field_validator("quote")
    @classmethod
    def _quote(cls, value: str) -> str:
        return _checksummed(value) if value.lower().startswith("0x") else value


class IndexConfig(_Strict):
    """A whole index file."""

    name: str = Field(min_length=1, max_length=25)
    symbol: str = Field(min_length=1, max_length=5, pattern=r"^[A-Za-z0-9]+$")
    components: list[Component] = Field(min_length=1, max_length=MAX_COMPONENTS)
    initial_nav_per_share: Decimal | None = Field(
        default=None, gt=0, description="USD per index token at launch; needed with weights"
    )
    supply_cap: Decimal = Field(gt=0, le=MAX_SUPPLY, description="largest supply, whole index tokens")
    fees: Fees = Fees()
    max_fees: Fees = Fees(mint=Decimal("0.01"), redeem=Decimal("0.01"), streaming=Decimal("0.05"))
    roles: Roles = Roles()
    mocks: dict[str, MockToken] = Field(default_factory=dict)
    rebalance: Rebalance | None = None

    @model_validator(mode="after")
    def _consistent(self) -> IndexConfig:
        errors = _consistency_errors(
            self.components, self.mocks, self.initial_nav_per_share, self.fees, self.max_fees, self.rebalance
        )
        if errors:
            raise ValueError("\n".join(errors))
        return self

    @property
    def uses_mocks(self) -> bool:
        quote = self.rebalance.quote if self.rebalance else None
        return quote in self.mocks or any(c.token in self.mocks for c in self.components)

    @property
    def quote_is_market_asset(self) -> bool:
        quote = self.rebalance.quote if self.rebalance else None
        return quote is not None and not _is_address(quote) and quote not in self.mocks

    @property
    def market_components(self) -> list[int]:
        """Indexes of the components named by a market asset's symbol."""
        return [i for i, c in enumerate(self.components) if not _is_address(c.token) and c.token not in self.mocks]


def _consistency_errors(
    components: Sequence[Component | None],
    mocks: Collection[str],
    initial_nav_per_share: Decimal | None,
    fees: Fees | None,
    max_fees: Fees | None,
    rebalance: Rebalance | None = None,
) -> list[str]:
    """The checks across fields, one line each; a part that is None did not
    validate on its own and is left out of them."""
    errors: list[str] = []
    seen: dict[str, int] = {}
    for i, component in enumerate(components):
        if component is None:
            continue  # its own fields are wrong: reported as such
        where = f"components[{i}]"
        key = component.token.lower()
        if key in seen:
            errors.append(f"{where}.token: duplicate of components[{seen[key]}] ({component.token})")
        seen[key] = i
        twap = component.twap
        if _is_address(component.token):
            if component.feed is None:
                errors.append(f"{where}.feed: missing; every component needs a price feed")
            elif twap is not None and twap.pool is None:
                errors.append(f"{where}.feed.twap.pool: missing; a token given by address needs its Uniswap V3 pool")
            if twap is not None and twap.quote_feed is None:
                errors.append(
                    f"{where}.feed.twap.quote_feed: missing; a token given by address needs the USD feed of its "
                    "pool's other token (and quote_heartbeat)"
                )
        elif component.token in mocks:
            if twap is not None:
                errors.append(f"{where}.feed: a mock token has no pool to take a TWAP from; remove `feed`")
            elif component.feed is not None:
                errors.append(f"{where}.feed: a mock token gets its own mock feed; remove `feed`")
        elif component.feed is not None and twap is None:
            errors.append(
                f"{where}.feed: a market asset takes its feed from the market's record; remove `feed` "
                "(or give `feed: {twap: ...}` to price it by its V3 pool's TWAP)"
            )
        elif twap is not None and twap.pool is not None:
            errors.append(f"{where}.feed.twap.pool: a market asset's V3 pool comes from the market's record; remove it")
        elif twap is not None and twap.quote_feed is not None:
            errors.append(
                f"{where}.feed.twap.quote_feed: a market asset's pool is against the market's quote, priced by "
                "the market's feed; remove quote_feed and quote_heartbeat"
            )
        named = not _is_address(component.token) and component.token not in mocks
        if named and not MARKET_SYMBOL.match(component.token):
            errors.append(
                f"{where}.token: {component.token!r} is neither an address, a token under `mocks`, "
                "nor a market asset's symbol"
            )

    # A sum or a mix over components that did not all validate would mislead: left out then.
    with_weights = [c.weight is not None for c in components if c is not None]
    if None in components or not components:
        pass
    elif any(with_weights) and not all(with_weights):
        errors.append("components: give every component `weight`, or every component `units`, not a mix")
    elif all(with_weights):
        total = sum(c.weight for c in components)
        if abs(total - 1) > WEIGHT_TOLERANCE:
            errors.append(f"components: weights sum to {total}, not 1")
        if initial_nav_per_share is None:
            errors.append("initial_nav_per_share: missing; weights need a launch value per index token")

    if rebalance is not None:
        quote = rebalance.quote
        if _is_address(quote):
            if rebalance.quote_feed is None:
                errors.append("rebalance.quote_feed: missing; a quote given by address needs its price feed")
        elif rebalance.quote_feed is not None:
            errors.append("rebalance.quote_feed: only for a quote given by address; remove it")
        elif quote not in mocks and not MARKET_SYMBOL.match(quote):
            errors.append(
                f"rebalance.quote: {quote!r} is neither an address, a token under `mocks`, nor a market asset's symbol"
            )

    for fee in ("mint", "redeem", "streaming"):
        if fees is not None and max_fees is not None and getattr(fees, fee) > getattr(max_fees, fee):
            errors.append(f"fees.{fee}: {getattr(fees, fee)} is above max_fees.{fee}")
    return errors


def _partial_consistency_errors(data: dict) -> list[str]:
    """The checks across fields over the parts of `data` that validate on
    their own: pydantic runs them only once every field is valid, and a file
    with both kinds of error gets both in one message."""

    def valid(model: type[BaseModel], value: object) -> BaseModel | None:
        try:
            return model.model_validate(value)
        except ValidationError:
            return None

    components = data.get("components")
    mocks = data.get("mocks")
    return _consistency_errors(
        [valid(Component, c) for c in components] if isinstance(components, list) else [],
        mocks if isinstance(mocks, dict) else {},
        data.get("initial_nav_per_share"),
        valid(Fees, data["fees"]) if "fees" in data else IndexConfig.model_fields["fees"].default,
        valid(Fees, data["max_fees"]) if "max_fees" in data else IndexConfig.model_fields["max_fees"].default,
        valid(Rebalance, data["rebalance"]) if isinstance(data.get("rebalance"), dict) else None,
    )


def _where(loc: tuple) -> str:
    where = ""
    for part in loc:
        if part in _FEED_TAGS:
            continue
        where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
    return where


def format_errors(error: ValidationError) -> str:
    """One line per bad field, each naming it (index files, address books)."""
    lines = []
    for item in error.errors():
        where = _where(item["loc"])
        for line in item["msg"].removeprefix("Value error, ").split("\n"):
            lines.append(f"{where}: {line}" if where else line)
    return "\n".join(lines)


def parse_index(data: object, source: str = "index file") -> IndexConfig:
    """Validate already-loaded YAML data; raises ConfigError naming each bad field."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: expected a mapping of fields (name, symbol, components, ...)")
    try:
        return IndexConfig.model_validate(data)
    except ValidationError as error:
        lines = format_errors(error).split("\n")
        if not any(item["loc"] == () for item in error.errors()):  # the checks across fields did not run
            lines += [line for line in _partial_consistency_errors(data) if line not in lines]
        raise ConfigError(f"{source} is not a valid index:\n" + "\n".join(lines)) from None


def load_index(path: str | Path) -> IndexConfig:
    """Read and validate an index file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as error:
        raise ConfigError(f"{path}: cannot read ({error.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML ({error})") from None
    return parse_index(data, str(path))
