"""A Python reference model of the vault's value math.

It mirrors `contracts/IndexVault.vy` integer for integer: the property tests
hold the contract to it, and scripts use it to explain what a mint or redeem
will move. Every division states its rounding; the vault rounds in its favour.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from indexvault.constants import UNIT_SCALE, WAD, YEAR

# The streaming fee's floor under the multiplier (the vault's MIN_MULTIPLIER):
# accrual stops charging there, so redemption works at every age.
MIN_MULTIPLIER = 10**12
# IndexVault's constructor argument types, for deployments that encode them by hand (the fuzz
# engine, benchmarks): name, symbol, tokens, units, admin, manager, guardian, fee recipient,
# fees (mint, redeem, streaming), their maxima, supply cap.
VAULT_CONSTRUCTOR_TYPES = (
    "string", "string", "address[]", "uint256[]", "address", "address", "address", "address",
    "uint256[3]", "uint256[3]", "uint256",
)  # fmt: skip


def ceil_div(x: int, y: int) -> int:
    return -(-x // y)


def fee_on(shares: int, fee: int) -> int:
    """Fee shares on `shares` at `fee` (WAD), rounded up against the payer."""
    return ceil_div(shares * fee, WAD)


def amount_in(shares: int, unit: int, multiplier: int) -> int:
    """Component amount a mint of `shares` pulls, rounded up."""
    return ceil_div(shares * unit * multiplier, UNIT_SCALE)


def amount_out(shares: int, unit: int, multiplier: int) -> int:
    """Component amount a redeem of `shares` pays, rounded down."""
    return shares * unit * multiplier // UNIT_SCALE


def preview_accrual(supply: int, multiplier: int, rate: int, elapsed: int) -> tuple[int, int]:
    """Supply and multiplier after `elapsed` seconds of streaming fee at `rate`
    (WAD a year). Fee shares dilute holders; the multiplier falls so that the
    basket owed to all shares never grows. At most one year accrues at once.
    The multiplier never falls below MIN_MULTIPLIER: only the fee that takes
    it to the floor is charged, and from there on none."""
    if rate == 0 or elapsed == 0 or supply == 0:
        return supply, multiplier
    fraction = rate * min(elapsed, YEAR) // YEAR
    fee_shares = supply * fraction // (WAD - fraction)
    new_supply = supply + fee_shares
    new_multiplier = multiplier * supply // new_supply
    if new_multiplier < MIN_MULTIPLIER:
        new_supply = supply * multiplier // MIN_MULTIPLIER
        new_multiplier = multiplier * supply // new_supply
    return new_supply, new_multiplier


def synced_unit(unit: int, held: int, claims: int, supply: int, multiplier: int) -> int:
    """A component's unit after `IndexVault.sync`: written down to what the
    vault holds beyond its claims (rounded down), never raised; unchanged
    when nothing is owed (no supply) or the vault holds all it owes."""
    free = max(held - claims, 0)
    scale = supply * multiplier
    if free * UNIT_SCALE >= scale * unit:
        return unit
    return free * UNIT_SCALE // scale


# --- the NAV feed (contracts/NavFeed.vy) -------------------------------------
# Chainlink's USD feeds answer with 8 decimals; the adapter's NAV per share has 18.
FEED_DECIMALS = 8
BPS = 10_000
DAY = 86_400


def feed_answer(nav_per_share: int, redeem_fee: int) -> int:
    """The NAV feed's answer (USD, 8 decimals) for an adapter NAV per share
    (USD 1e18 a whole index token) and a redeem fee (WAD): what one whole
    token pays on redemption, net of the fee, rounded down once."""
    return nav_per_share * (WAD - redeem_fee) // (WAD * 10 ** (18 - FEED_DECIMALS))


def feed_rise_bound(last_answer: int, max_rise_per_day: int, elapsed: int) -> int | None:
    """Most the feed may answer `elapsed` seconds after recording
    `last_answer`, with a rise bound of `max_rise_per_day` basis points of it
    a day (linear, rounded down); None when unbounded (no bound, or nothing
    to start from)."""
    if max_rise_per_day == 0 or last_answer == 0:
        return None
    return last_answer + last_answer * max_rise_per_day * elapsed // (BPS * DAY)


def feed_live_answer(
    nav_per_share: int, redeem_fee: int, last_answer: int = 0, max_rise_per_day: int = 0, elapsed: int = 0
) -> int:
    """The open round's live answer: `feed_answer`, capped by the rise bound."""
    answer = feed_answer(nav_per_share, redeem_fee)
    bound = feed_rise_bound(last_answer, max_rise_per_day, elapsed)
    return answer if bound is None else min(answer, bound)


@dataclass
class VaultModel:
    """State of one vault: units, multiplier, supply, balances, holdings.

    `units` and `holdings` are per slot of the vault's append-only component
    list: a component that left the basket keeps its slot with unit 0, so
    every amount for it is 0 and indices never shift."""

    units: list[int]
    mint_fee: int = 0
    redeem_fee: int = 0
    streaming_fee: int = 0
    supply_cap: int = 2**100
    last_accrual: int = 0
    multiplier: int = WAD
    supply: int = 0
    fee_recipient: str = "fee_recipient"
    balances: dict[str, int] = field(default_factory=dict)
    holdings: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.holdings:
            self.holdings = [0] * len(self.units)

    def _credit(self, who: str, shares: int) -> None:
        self.balances[who] = self.balances.get(who, 0) + shares

    def accrue(self, now: int) -> int:
        """Accrue the streaming fee; returns the fee shares minted."""
        if now == self.last_accrual or self.streaming_fee == 0:
            return 0
        new_supply, self.multiplier = preview_accrual(
            self.supply, self.multiplier, self.streaming_fee, now - self.last_accrual
        )
        self.last_accrual = now
        fee_shares = new_supply - self.supply
        self.supply = new_supply
        self._credit(self.fee_recipient, fee_shares)
        return fee_shares

    def mint_amounts(self, shares: int) -> list[int]:
        total = shares + fee_on(shares, self.mint_fee)
        return [amount_in(total, u, self.multiplier) for u in self.units]

    def redeem_amounts(self, shares: int) -> list[int]:
        net = shares - fee_on(shares, self.redeem_fee)
        return [amount_out(net, u, self.multiplier) for u in self.units]

    def mint(self, receiver: str, shares: int, now: int) -> list[int]:
        """Mint `shares` to `receiver`; returns the amounts pulled."""
        self.accrue(now)
        fee_shares = fee_on(shares, self.mint_fee)
        if self.supply + shares + fee_shares > self.supply_cap:
            raise ValueError("vault: supply cap exceeded")
        amounts = self.mint_amounts(shares)
        self.holdings = [h + a for h, a in zip(self.holdings, amounts)]
        self.supply += shares + fee_shares
        self._credit(receiver, shares)
        self._credit(self.fee_recipient, fee_shares)
        return amounts

    def redeem(self, owner: str, shares: int, now: int) -> list[int]:
        """Redeem `shares` of `owner`'s; returns the amounts paid."""
        self.accrue(now)
        if self.balances.get(owner, 0) < shares:
            raise ValueError("erc20: burn amount exceeds balance")
        fee_shares = fee_on(shares, self.redeem_fee)
        amounts = self.redeem_amounts(shares)
        self.balances[owner] -= shares
        self._credit(self.fee_recipient, fee_shares)
        self.supply -= shares - fee_shares
        self.holdings = [h - a for h, a in zip(self.holdings, amounts)]
        return amounts

    def backing(self) -> list[int]:
        """What all shares together are owed of each component (exact, as a
        fraction's numerator over UNIT_SCALE)."""
        return [self.supply * u * self.multiplier for u in self.units]

    def is_fully_backed(self) -> bool:
        return all(h * UNIT_SCALE >= b for h, b in zip(self.holdings, self.backing()))
