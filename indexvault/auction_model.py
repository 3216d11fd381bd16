"""A Python reference model of the Rebalancer's auction math.

It mirrors `contracts/Rebalancer.vy` and `IndexVault.trade` integer for
integer: the price factor at a moment, the quote amount of a bid, what
remains to trade, and how units move. Every division states its rounding;
all of them favour the vault.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexvault.model import UNIT_SCALE, WAD, ceil_div

MAX_UNIT = 2**96 - 1


def factor(now: int, start: int, duration: int, start_factor: int, end_factor: int, band: int) -> int:
    """The sale factor (WAD): linear from `start_factor` to `end_factor`, the
    fall rounded down (so the factor rounds up), clamped to 1 ± band."""
    elapsed = min(now - start, duration)
    raw = start_factor - (start_factor - end_factor) * elapsed // duration
    return min(max(raw, WAD - band), WAD + band)


def remaining(unit: int, target: int, supply: int, multiplier: int) -> tuple[bool, int]:
    """(the vault sells, token base units left): a sale rounds down, a
    purchase up."""
    if unit > target:
        return True, (unit - target) * supply * multiplier // UNIT_SCALE
    return False, ceil_div((target - unit) * supply * multiplier, UNIT_SCALE)


def quote_amount(
    take: int, price: int, quote_price: int, decimals: int, quote_decimals: int, sale_factor: int, sell: bool
) -> int:
    """Quote base units for `take` token base units: the bidder pays it
    (rounded up) when the vault sells, receives it (rounded down) when the
    vault buys, at `price / quote_price * f`, f = sale factor or 2 - it."""
    applied = sale_factor if sell else 2 * WAD - sale_factor
    numerator = take * price * applied * 10**quote_decimals
    denominator = quote_price * WAD * 10**decimals
    return ceil_div(numerator, denominator) if sell else numerator // denominator


def units_after(
    unit_out: int,
    amount_out: int,
    floor_unit_out: int,
    unit_in: int,
    amount_in: int,
    cap_unit_in: int,
    supply: int,
    multiplier: int,
) -> tuple[int, int]:
    """Units after the vault pays `amount_out` and takes `amount_in`: the sold
    unit falls by the ratio rounded up (snapped to its floor when less than
    one base unit of the whole supply's worth is left above it), the bought
    one rises by the ratio rounded down, to at most its cap. A sold unit
    that reaches 0 keeps its slot in the vault (the list is append-only)."""
    scale = supply * multiplier
    fall = ceil_div(amount_out * UNIT_SCALE, scale)
    if fall > unit_out:
        raise ValueError("vault: sells more than backed")
    unit_out -= fall
    if unit_out > floor_unit_out and (unit_out - floor_unit_out) * scale < UNIT_SCALE:
        unit_out = floor_unit_out
    unit_in = min(unit_in + amount_in * UNIT_SCALE // scale, max(cap_unit_in, unit_in))
    return unit_out, unit_in


def whole_step_take(take: int, left: int, scale: int, sell: bool) -> int:
    """`take` snapped to whole unit steps, as the Rebalancer quotes it.

    With `scale = supply * multiplier >= 1e36` one step of a unit is worth
    `scale / 1e36 >= 1` base units: the bid becomes `d = floor(take * 1e36 /
    scale)` steps (refused if 0) and the token amount that the vault's own
    rounding turns back into exactly `d` steps: rounded down when the vault
    sells (it rounds the fall up), up when it buys (it rounds the rise
    down). All that remains (`take == left`) is taken as is: exactly the
    distance to the target. Below one share a base unit is at least one
    step and `take` stays as asked."""
    if scale < UNIT_SCALE or take == left:
        return take
    steps = take * UNIT_SCALE // scale
    if steps == 0:
        raise ValueError("rebalancer: bid below one unit step")
    return steps * scale // UNIT_SCALE if sell else ceil_div(steps * scale, UNIT_SCALE)


def whole_step_quote(quote: int, scale: int, sell: bool) -> int:
    """The quote amount snapped to whole quote-unit steps (scale >= 1e36
    only): up when the bidder pays (the vault sells), down when the vault
    pays, so the quote unit moves by exactly the step count."""
    if scale < UNIT_SCALE:
        return quote
    if sell:
        return ceil_div(ceil_div(quote * UNIT_SCALE, scale) * scale, UNIT_SCALE)
    return (quote * UNIT_SCALE // scale) * scale // UNIT_SCALE


@dataclass(frozen=True)
class BidResult:
    sell: bool
    take: int
    quote_amount: int
    unit: int  # the auctioned token's unit after the bid
    quote_unit: int  # the quote's unit after the bid


def bid(
    *,
    unit: int,
    target: int,
    quote_unit: int,
    supply: int,
    multiplier: int,
    amount: int,
    price: int,
    quote_price: int,
    decimals: int,
    quote_decimals: int,
    sale_factor: int,
) -> BidResult:
    """One bid of up to `amount` of the auctioned token, as the contracts do it."""
    sell, left = remaining(unit, target, supply, multiplier)
    if left == 0:
        raise ValueError("rebalancer: target met")
    scale = supply * multiplier
    take = whole_step_take(min(amount, left), left, scale, sell)
    quote = whole_step_quote(
        quote_amount(take, price, quote_price, decimals, quote_decimals, sale_factor, sell), scale, sell
    )
    if sell:
        new_unit, new_quote_unit = units_after(unit, take, target, quote_unit, quote, MAX_UNIT, supply, multiplier)
    else:
        if quote > quote_unit * supply * multiplier // UNIT_SCALE:
            raise ValueError("rebalancer: not enough quote")
        new_quote_unit, new_unit = units_after(quote_unit, quote, 0, unit, take, target, supply, multiplier)
    return BidResult(sell, take, quote, new_unit, new_quote_unit)
