"""The index token's market and its arbitrage keeper.

The index token trades in a Uniswap V2 pair against the market's quote
(USDC), seeded at NAV per share (`seed_amounts`, `create_pool`). Other
traders move it; the keeper holds it to NAV:

- `decide(snapshot, settings)` is pure. A share costs, minted from the
  quote through `IndexRouter.mint_from`, NAV x (1 + mint fee) x (1 + the
  routes' cost); redeemed to the quote through `redeem_to` it pays
  NAV x (1 - redeem fee) x (1 - the routes' cost). With the pool's 0.3 %
  fee, the *cost band* is

      lower = NAV (1 - redeem fee)(1 - redeem cost)(1 - 0.3 %)
      upper = NAV (1 + mint fee)(1 + mint cost) / (1 - 0.3 %)

  (NAV in quote per share, from the oracle adapter and the quote's feed;
  the routes' costs from the one-asset quotes). Above `upper` the keeper
  mints and sells into the pool, below `lower` it buys from the pool and
  redeems; inside, nothing. A trade is sized in closed form
  (`amm.v2_amount_to_price`, the constant product with its fee) so that the
  pool's price lands just inside the band's edge (`inside_bps`), where the
  last share traded breaks even: the most profit one trade takes, and the
  pool back in the band. It is made only when its profit, after gas, is at
  least `min_profit_usd`; every decision carries its reason.
- The chain-facing side is `indexvault.keepers.arbitrage_runner`: it reads
  a `Snapshot` (reserves, NAV per share, fees, the routes' costs quoted by
  `indexvault.oneasset`), calls `decide`, and sends the trade to
  `contracts/periphery/IndexArbitrage.vy`; it also creates the pool.

Pure: imports neither Ape nor web3, so the fast engine (`indexvault.fuzz`)
and the bots decide with the same functions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Literal

from indexvault import amm
from indexvault.model import WAD

BPS = 10_000
V2_POOL_FEE = amm.V2_FEE  # 0.3 %
Kind = Literal["mint_and_sell", "buy_and_redeem"]


# --- the snapshot ----------------------------------------------------------


def _usd(quote_amount: int, snapshot: Snapshot) -> str:
    """Quote base units in USD at the quote's feed, as a person reads them."""
    usd = Decimal(quote_amount) * snapshot.quote_price / WAD / 10**snapshot.quote_decimals
    return f"{usd:,.2f}"


@dataclass(frozen=True)
class Snapshot:
    """What `decide` needs, read at one block."""

    pool_shares: int  # index tokens (wei) in the pool
    pool_quote: int  # quote base units in the pool
    nav_per_share: int  # oracle adapter, USD 1e18 per whole share (0: the oracle refuses, e.g. a stale feed)
    quote_price: int  # the quote's feed, USD 1e18 per whole quote token
    quote_decimals: int
    mint_fee: int  # the vault's, WAD
    redeem_fee: int  # WAD
    mint_cost: Decimal  # the routes' cost of mint_from against the feeds, a fraction (0.0018 = 18 bps)
    redeem_cost: Decimal  # the same for redeem_to
    gas_price: int  # wei
    eth_usd: Decimal  # to price gas
    quote_balance: int | None = None  # the keeper's quote, base units (None: not a limit)

    @property
    def price(self) -> Fraction:
        """The pool's price: quote base units per share wei."""
        return Fraction(self.pool_quote, self.pool_shares)

    @property
    def nav(self) -> Fraction:
        """NAV per share in quote base units per share wei."""
        return Fraction(self.nav_per_share * 10**self.quote_decimals, self.quote_price * WAD)

    def whole(self, ratio: Fraction) -> Decimal:
        """A price in quote base units per share wei, as whole quote per whole share."""
        return Decimal((ratio * WAD / 10**self.quote_decimals).numerator) / Decimal(
            (ratio * WAD / 10**self.quote_decimals).denominator
        )


@dataclass(frozen=True)
class Settings:
    """A keeper's choices."""

    min_profit_usd: Decimal = Decimal(1)  # after gas
    inside_bps: Decimal = Decimal("0.5")  # where a trade leaves the price: this far inside the band's edge
    gas_mint_and_sell: int = 1_800_000  # IndexArbitrage.mint_and_sell: 1,658,800 measured for market10 (10 components)
    gas_buy_and_redeem: int = 1_650_000  # buy_and_redeem: 1,422,040 measured for market10
    slippage: Decimal = Decimal("0.005")  # on the router quote's max_in


@dataclass(frozen=True)
class Band:
    """The cost band around NAV, quote base units per share wei."""

    lower: Fraction
    nav: Fraction
    upper: Fraction


@dataclass(frozen=True)
class Decision:
    """One trade (or none, `kind` None) and why."""

    kind: Kind | None
    reason: str
    band: Band | None = None
    price: Fraction | None = None  # the pool's now
    price_after: Fraction | None = None  # where the trade leaves it
    shares: int = 0  # minted and sold, or bought and redeemed (wei)
    quote_in: int = 0  # mint: estimated cost of the mint; buy: what is paid into the pool
    quote_out: int = 0  # mint: what the pool pays for the shares; buy: the estimated redeem proceeds
    expected_profit: int = 0  # quote base units, before gas
    gas_quote: int = 0  # the gas, in quote base units
    min_profit: int = 0  # quote base units the contract must see, or revert

    @property
    def inside(self) -> bool:
        return self.band is not None and self.price is not None and self.band.lower <= self.price <= self.band.upper

    def line(self, snapshot: Snapshot) -> str:
        if self.band is None:
            return f"skip: {self.reason}"
        prices = (
            f"pool {snapshot.whole(self.price):.4f}, NAV {snapshot.whole(self.band.nav):.4f}, band "
            f"[{snapshot.whole(self.band.lower):.4f}, {snapshot.whole(self.band.upper):.4f}]"
        )
        verb = "skip" if self.kind is None else self.kind.replace("_", " ")
        return f"{verb}: {self.reason} ({prices})"


# --- the decision ------------------------------------------------------------


def band(snapshot: Snapshot) -> Band:
    """The prices between which no round trip through the vault pays."""
    nav = snapshot.nav
    kept = 1 - V2_POOL_FEE
    mint = (1 + Fraction(snapshot.mint_fee, WAD)) * (1 + Fraction(snapshot.mint_cost))
    redeem = (1 - Fraction(snapshot.redeem_fee, WAD)) * (1 - Fraction(snapshot.redeem_cost))
    return Band(lower=nav * redeem * kept, nav=nav, upper=nav * mint / kept)


def _usd_to_quote(usd: Decimal, snapshot: Snapshot) -> int:
    return math.ceil(usd * Decimal(10**snapshot.quote_decimals) * WAD / Decimal(snapshot.quote_price))


def decide(snapshot: Snapshot, settings: Settings = Settings()) -> Decision:
    """What to do now, with the reason: mint and sell above the band, buy
    and redeem below it, nothing inside it or when the trade would not pay
    its gas and `min_profit_usd`."""
    if snapshot.pool_shares == 0 or snapshot.pool_quote == 0:
        return Decision(None, "the index token's pool is empty")
    if snapshot.nav_per_share == 0 or snapshot.quote_price == 0:
        return Decision(None, "the oracle gives no NAV now (a stale or missing feed)")
    b, price = band(snapshot), snapshot.price
    inside = Fraction(BPS * 100 - int(settings.inside_bps * 100), BPS * 100)
    gas_usd = Decimal(snapshot.gas_price) * snapshot.eth_usd / Decimal(WAD)
    if b.lower <= price <= b.upper:
        return Decision(None, "the pool is inside the cost band: no round trip pays", b, price, price)
    if snapshot.quote_balance == 0:
        return Decision(
            None, "the pool is outside the band but the keeper holds no quote to trade with", b, price, price
        )
    if price > b.upper:
        kind: Kind = "mint_and_sell"
        target = b.upper * inside
        shares = amm.v2_amount_to_price(snapshot.pool_shares, snapshot.pool_quote, target)
        cost_per_share = b.upper * (1 - V2_POOL_FEE)  # NAV with the mint fee and the routes' cost
        out = amm.v2_amount_out(shares, snapshot.pool_shares, snapshot.pool_quote)
        cost = math.ceil(shares * cost_per_share)
        if snapshot.quote_balance is not None and cost > snapshot.quote_balance:
            shares = int(shares * Fraction(snapshot.quote_balance, cost))
            out = amm.v2_amount_out(shares, snapshot.pool_shares, snapshot.pool_quote)
            cost = math.ceil(shares * cost_per_share)
        after = Fraction(snapshot.pool_quote - out, snapshot.pool_shares + shares)
        quote_in, quote_out, gas = cost, out, settings.gas_mint_and_sell
    else:
        kind = "buy_and_redeem"
        target = 1 / (b.lower / inside)  # shares per quote after the purchase
        paid = amm.v2_amount_to_price(snapshot.pool_quote, snapshot.pool_shares, target)
        if snapshot.quote_balance is not None and paid > snapshot.quote_balance:
            paid = snapshot.quote_balance
        shares = amm.v2_amount_out(paid, snapshot.pool_quote, snapshot.pool_shares)
        proceeds = int(shares * b.lower / (1 - V2_POOL_FEE))  # NAV less the redeem fee and the routes' cost
        after = Fraction(snapshot.pool_quote + paid, snapshot.pool_shares - shares)
        quote_in, quote_out, gas = paid, proceeds, settings.gas_buy_and_redeem
    gas_usd *= gas
    gas_quote = _usd_to_quote(gas_usd, snapshot)
    floor = gas_quote + _usd_to_quote(settings.min_profit_usd, snapshot)
    profit = quote_out - quote_in
    side = "above" if kind == "mint_and_sell" else "below"
    capped = (
        " (capped by the keeper's quote)"
        if snapshot.quote_balance is not None and quote_in >= snapshot.quote_balance
        else ""
    )
    if shares == 0 or profit < floor:
        return Decision(
            None,
            f"the pool is {side} the band but the trade is unprofitable after gas: profit "
            f"{_usd(profit, snapshot)} < gas {_usd(gas_quote, snapshot)} + min profit "
            f"{settings.min_profit_usd} USD{capped}",
            b,
            price,
            price,
            shares,
            quote_in,
            quote_out,
            profit,
            gas_quote,
            floor,
        )
    verb = "mint and sell" if kind == "mint_and_sell" else "buy and redeem"
    return Decision(
        kind,
        f"the pool is {side} the band: {verb} {Decimal(shares) / WAD:.6f} shares for a profit "
        f"of {_usd(profit, snapshot)} USD (gas {_usd(gas_quote, snapshot)} USD){capped}",
        b,
        price,
        after,
        shares,
        quote_in,
        quote_out,
        profit,
        gas_quote,
        floor,
    )


# --- the pool ----------------------------------------------------------------


def seed_amounts(nav_per_share: int, quote_price: int, quote_decimals: int, depth_usd: Decimal) -> tuple[int, int]:
    """Shares (wei) and quote (base units) that price the pool at NAV per
    share and hold `depth_usd` in all, half on each side."""
    half = depth_usd / 2
    shares = int(half * WAD * WAD / Decimal(nav_per_share))
    quote = shares * nav_per_share * 10**quote_decimals // (quote_price * WAD)
    return shares, quote


def where(snapshot: Snapshot) -> str:
    """The pool against NAV and the cost band, in whole quote per share: what
    a keeper round prints after its trade, and `ape run market swap` on an
    index token's pool."""
    if snapshot.pool_shares == 0 or snapshot.pool_quote == 0:
        return "the pool is empty"
    price = f"pool {snapshot.whole(snapshot.price):.4f}"
    if snapshot.nav_per_share == 0 or snapshot.quote_price == 0:
        return f"{price}; the oracle gives no NAV now (a stale or missing feed)"
    b = band(snapshot)
    side = "above" if snapshot.price > b.upper else "below" if snapshot.price < b.lower else "inside"
    return (
        f"{price}, NAV {snapshot.whole(b.nav):.4f}, band [{snapshot.whole(b.lower):.4f}, "
        f"{snapshot.whole(b.upper):.4f}]: {side} the cost band"
    )
