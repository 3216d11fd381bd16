"""The extreme matrix, as the strongest index and vault test suites run it:
components {1, 10, 50, 128} x token decimals {6, 8, 18, 27}, one cell each
(`make test` runs the cells of 1 and 10 components and two corners of 128),
with units from 1 base unit to the largest (2^96 - 1) per share, shares from
1 wei to the supply cap's ceiling (2^100, so amounts from 1 base unit to
about 1e41), and prices from 1e-6 to 1e9 USD.

In every cell Hypothesis mints, reads the NAV, bids on a running auction and
redeems, and holds each to the Python reference models integer for integer:
`indexvault.model` (amounts in and out), `indexvault.auction_model` (the
bid's take, quote and units) and the oracle's arithmetic
(`tests.utils.oracle`). Gas per cell is `python -m benchmarks matrix`'s,
never asserted here."""

import boa
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from benchmarks import matrix_cells as matrix
from indexvault import auction_model
from indexvault.model import UNIT_SCALE, WAD, amount_in, amount_out
from tests.utils import LONG
from tests.utils.oracle import normalise

# Fewer examples where one costs more (a 128-component mint is about 0.5 s in py-evm).
EXAMPLES = {1: 12, 10: 6, 50: 2, 128: 1}

shares_strategy = st.one_of(
    st.integers(1, 10**6), st.integers(1, matrix.MAX_SUPPLY), st.integers(0, 100).map(lambda e: 2**e)
)
price_strategy = st.tuples(st.integers(0, len(matrix.ANSWERS) - 1), st.integers(2, 17), st.integers(1, 9))
# What the bid asks for, as a fraction of what remains (1e18: all of it) or a
# few base units.
bid_strategy = st.one_of(
    st.integers(1, WAD).map(lambda f: ("fraction", f)), st.integers(1, 10**4).map(lambda b: ("base units", b))
)


# `make test` runs every cell of 1 and 10 components and the 128-component corners (6 and 27 decimals);
# `make test-long` all 16.
CELLS = [
    (n, d)
    for n in matrix.COMPONENTS
    for d in matrix.DECIMALS
    if LONG or n < 50 or (n == max(matrix.COMPONENTS) and d in (min(matrix.DECIMALS), max(matrix.DECIMALS)))
]


@pytest.fixture(
    scope="module",
    params=CELLS,
    ids=lambda c: f"{c[0]}x-dec{c[1]}",
)
def cell(request):
    return matrix.deploy(*request.param)


def _prices(cell) -> list[int]:
    """USD 1e18 per whole token of every slot's token, as the adapter reads it."""
    return [
        normalise(cell.feeds[i % len(cell.feeds)].answer(), matrix.FEED_DECIMALS)
        for i in range(len(cell.vault.components()))
    ]


def _held(cell, tokens) -> list[int]:
    """What the vault holds of each token (it holds nothing before an example's mint)."""
    return [t.balanceOf(cell.vault.address) for t in tokens]


def _check(cell, shares, price_moves, bid, redeem_fraction):
    vault, oracle, rebalancer = cell.vault, cell.oracle, cell.rebalancer
    for feed, exponent, mantissa in price_moves:
        cell.feeds[feed].set_answer(mantissa * 10**exponent // 10 if exponent > 2 else 10**exponent)
    tokens = list(cell.tokens)
    units = list(cell.units)

    # Mint: exactly the model's amounts, rounded up.
    expected = [amount_in(shares, u, WAD) for u in units]
    with boa.env.prank(cell.depositor):
        vault.mint(shares, expected, cell.depositor)
    held = _held(cell, tokens)
    assert held == expected
    assert vault.totalSupply() == vault.balanceOf(cell.depositor) == shares

    # NAV and NAV per share: the backing (units per share) at the feeds, each rounded down.
    decimals = [t.decimals() for t in tokens]
    prices = _prices(cell)
    assert oracle.nav() == sum(amount_out(shares, u, WAD) * p // 10**d for u, p, d in zip(units, prices, decimals))
    assert oracle.nav_per_share() == sum(
        amount_out(WAD, u, WAD) * p // 10**d for u, p, d in zip(units, prices, decimals)
    )

    # A bid on the running auction: the Rebalancer and the vault as the auction model says.
    sold = tokens[cell.sold]
    quote_slot = tokens.index(cell.quote) if cell.quote in tokens else None
    quote_unit = units[quote_slot] if quote_slot is not None else 0
    _, left = auction_model.remaining(units[cell.sold], cell.target, shares, WAD)
    kind, size = bid
    amount = max(1, left * size // WAD) if kind == "fraction" else size
    price, quote_price = oracle.price(sold.address), oracle.price(cell.quote.address)
    try:
        result = auction_model.bid(
            unit=units[cell.sold],
            target=cell.target,
            quote_unit=quote_unit,
            supply=shares,
            multiplier=WAD,
            amount=amount,
            price=price,
            quote_price=quote_price,
            decimals=cell.decimals,
            quote_decimals=cell.quote.decimals(),
            sale_factor=WAD,
        )
    except ValueError as error:
        with boa.env.prank(cell.bidder), boa.reverts(str(error)):
            rebalancer.bid(sold.address, amount, 2**256 - 1, cell.bidder)
        result = None
    if result is not None and max(result.take, result.quote_amount) > matrix.MAX_TRADE_AMOUNT:
        # Beyond the vault's bound on one trade: refused with its reason, nothing moves.
        with boa.env.prank(cell.bidder), boa.reverts("vault: amount too large"):
            rebalancer.bid(sold.address, amount, 2**256 - 1, cell.bidder)
        result = None
    if result is not None:
        assert rebalancer.preview_bid(sold.address, amount) == (True, result.take, result.quote_amount)
        bidder_held = sold.balanceOf(cell.bidder), cell.quote.balanceOf(cell.bidder)
        with boa.env.prank(cell.bidder):
            assert rebalancer.bid(sold.address, amount, 2**256 - 1, cell.bidder) == result.quote_amount
        assert sold.balanceOf(cell.bidder) - bidder_held[0] == result.take
        assert bidder_held[1] - cell.quote.balanceOf(cell.bidder) == result.quote_amount
        units[cell.sold] = result.unit
        held[cell.sold] -= result.take
        if quote_slot is None and result.quote_unit:
            tokens.append(cell.quote)
            units.append(result.quote_unit)
            held.append(result.quote_amount)
        elif quote_slot is not None:
            units[quote_slot] = result.quote_unit
            held[quote_slot] += result.quote_amount
        assert vault.units() == units  # per 1e18 shares at multiplier 1e18: the units themselves

    # Redeem: exactly the model's amounts at the units the bid left, rounded down.
    redeemed = max(1, shares * redeem_fraction // WAD)
    expected = [amount_out(redeemed, u, WAD) for u in units]
    with boa.env.prank(cell.depositor):
        vault.redeem(redeemed, expected, cell.depositor)
    after = _held(cell, tokens)
    assert [h - a for h, a in zip(held, after)] == expected
    # Every share left is fully backed by what the vault holds.
    assert all(a * UNIT_SCALE >= vault.totalSupply() * u * WAD for a, u in zip(after, units))


def test_matrix__mint_nav_bid_redeem__match_the_reference_models(cell):
    @settings(
        max_examples=EXAMPLES[cell.n],
        deadline=None,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        shares=shares_strategy,
        price_moves=st.lists(price_strategy, max_size=2),
        bid=bid_strategy,
        redeem_fraction=st.integers(1, WAD),
    )
    def run(shares, price_moves, bid, redeem_fraction):
        with boa.env.anchor():
            _check(cell, shares, price_moves, bid, redeem_fraction)

    run()
