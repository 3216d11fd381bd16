"""A component priced by a Uniswap V3 pool's TWAP (`feed: {twap: ...}` in the index file): the
pool checked and its TWAP read before anything is sent, then a `TwapFeed` (contracts/TwapFeed.vy)
deployed, or listed through the factory, as the component's feed.

The pool of a market asset is its V3 pool in the market record, quoted in the market's USDC and
priced by the market's USDC feed; a token given by address names its pool and the USD feed of the
pool's other token. The TWAP read here is the one the feed will answer (the same `observe` and
Uniswap arithmetic, `indexvault.amm`), so weights turn into units at the price the oracle then shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ape.exceptions import ApeException

from indexvault import amm
from indexvault.config import ConfigError, Twap
from indexvault.market.rpc import Function, Rpc, RpcError

TOKEN0 = Function("token0()", "address")
TOKEN1 = Function("token1()", "address")
OBSERVE = Function("observe(uint32[])", "int56[],uint160[]")
DECIMALS = Function("decimals()", "uint8")
LATEST = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")
# A TwapFeed's creation and its `list_twap` through the factory (a blueprint): the plan's estimate when
# the step cannot be estimated yet (measured on the local market: `ape run deploy examples/longtail.yaml`).
TWAP_FEED_GAS = 1_600_000


@dataclass(frozen=True)
class TwapListing:
    """A TwapFeed to deploy for one component: its constructor's arguments, and the adapter's
    heartbeat for it (the longest the pool may go without trading)."""

    symbol: str
    pool: str
    asset: str
    window: int
    min_liquidity: int
    quote_feed: str
    quote_heartbeat: int
    heartbeat: int

    @property
    def description(self) -> str:
        window = f"{self.window // 60}m" if self.window % 60 == 0 else f"{self.window}s"
        return f"{self.symbol} / USD TWAP {window}"[:64]

    @property
    def args(self) -> tuple:
        """TwapFeed(pool, asset, window, min_liquidity, quote_feed, quote_heartbeat, description)."""
        return (
            self.pool,
            self.asset,
            self.window,
            self.min_liquidity,
            self.quote_feed,
            self.quote_heartbeat,
            self.description,
        )


def resolve(
    rpc: Rpc,
    where: str,
    symbol: str,
    token: str,
    decimals: int,
    twap: Twap,
    pool: str,
    quote_feed: str,
    quote_heartbeat: int,
) -> tuple[TwapListing, Decimal]:
    """The TwapFeed `twap` asks for over `pool`, and its answer now in USD; ConfigError naming
    the field when the feed could not answer: not a pool of `token`, a window the pool's
    observations do not reach, a pool thinner than `min_liquidity`."""
    at = f"{where}.feed.twap"
    if rpc.code(pool) in ("0x", ""):
        raise ConfigError(f"{at}.pool: no contract at {pool}")
    try:
        (token0,), (token1,) = rpc.read([(pool, TOKEN0, ()), (pool, TOKEN1, ())])
    except RpcError:
        raise ConfigError(f"{at}.pool: {pool} is not a Uniswap V3 pool (no token0/token1)") from None
    if token.lower() not in (token0.lower(), token1.lower()):
        raise ConfigError(f"{at}.pool: {pool} is a pool of {token0} and {token1}, not of {symbol} ({token})")
    asset_is_0 = token.lower() == token0.lower()
    other = token1 if asset_is_0 else token0
    try:
        ((ticks, per_liquidity),) = rpc.read([(pool, OBSERVE, ([twap.window, 0],))])
    except RpcError:
        raise ConfigError(
            f"{at}.window: the pool's observations do not reach {twap.window:,} s back (its observation "
            "cardinality is too low, or the pool is younger than the window): the feed would refuse it"
        ) from None
    liquidity = amm.harmonic_liquidity(tuple(per_liquidity), twap.window)
    if liquidity < twap.min_liquidity:
        raise ConfigError(
            f"{at}.min_liquidity: {twap.min_liquidity:,} is above the pool's in-range liquidity over the "
            f"window ({liquidity:,}): the feed would refuse the pool as thin"
        )
    try:
        (other_decimals,), (feed_decimals,), answer = rpc.read(
            [(other, DECIMALS, ()), (quote_feed, DECIMALS, ()), (quote_feed, LATEST, ())]
        )
    except RpcError:
        raise ConfigError(f"{at}.quote_feed: {quote_feed} does not answer as a Chainlink feed") from None
    tick = amm.mean_tick(tuple(ticks), twap.window)
    price = amm.twap_usd(tick, decimals, other_decimals, asset_is_0, answer[1], feed_decimals)
    listing = TwapListing(
        symbol, pool, token, twap.window, twap.min_liquidity, quote_feed, quote_heartbeat, twap.heartbeat
    )
    return listing, Decimal(price) / Decimal(10**18)


def feed_tuple(feed: str, listing: TwapListing) -> tuple:
    """The adapter's `set_feed` arguments after the asset: the TwapFeed alone, its heartbeat."""
    return (feed, listing.heartbeat, "0x" + "00" * 20, 0, 0)


def list_through_factory(factory: Any, listing: TwapListing, account) -> dict[str, Any]:
    """`IndexFactory.list_twap`: the factory checks its window and depth rule, deploys the TwapFeed
    from its blueprint and allowlists it; the step's record (the feed's address)."""
    args = (
        listing.asset,
        listing.pool,
        listing.window,
        listing.min_liquidity,
        listing.quote_feed,
        listing.quote_heartbeat,
    )
    predicted = factory.list_twap.call(*args, sender=account)
    receipt = factory.list_twap(*args, sender=account)
    try:
        address = receipt.return_value or predicted
    except ApeException:  # a provider that cannot trace the call: the address the static call gave
        address = predicted
    return {"address": address, "tx": receipt.txn_hash}
