"""The real Morpho Blue 1.0.0 (the npm sources, compiled unmodified) against `indexvault.lending.model`,
to the base unit: random sequences of supply, withdraw, borrow, repay, collateral moves, price moves
and liquidations, each checked after every step (the amounts each call moved, every position and the
market's totals, health), and every call the model refuses reverts on chain with Morpho's reason."""

import boa
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from indexvault.lending import model
from tests.utils import sized
from tests.utils.morpho import deploy_morpho, market_id, market_params

MAX = 2**256 - 1
# An index token worth about 100 USD against a 6-decimal USDC: 100 * 1e6 / 1e18 * 1e36.
BASE_PRICE = model.oracle_price(100 * 10**8, 8, 18, 6)
ORACLE = """
# pragma version ~=0.4.3
price: public(uint256)

@external
def set_price(new_price: uint256):
    self.price = new_price
"""
USERS = ("lender", "alice", "bob")
PANIC = "arithmetic underflow"  # Morpho's checked arithmetic: a panic, no reason string


@pytest.fixture(scope="module")
def setup(admin, create_token):
    morpho = deploy_morpho(admin)
    loan, collateral = create_token(6, symbol="USDC"), create_token(18, symbol="IDX")
    oracle = boa.loads(ORACLE)
    oracle.set_price(BASE_PRICE)
    lltv = model.MAINNET_LLTVS[1]  # 0.625, the index's
    params = market_params(loan.address, collateral.address, oracle.address, lltv)
    morpho.createMarket(params)
    users = {name: boa.env.generate_address(name) for name in USERS}
    for user in users.values():
        loan.mint(user, 10**30)
        collateral.mint(user, 10**36)
        with boa.env.prank(user):
            loan.approve(morpho.address, MAX)
            collateral.approve(morpho.address, MAX)
    return morpho, params, oracle, users


KINDS = ("supply", "withdraw", "borrow", "repay", "supply_collateral", "withdraw_collateral", "price", "liquidate")
step = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(USERS),  # anyone supplies, borrows or is liquidated; the lender liquidates
    st.booleans(),  # by shares instead of assets
    st.integers(0, 1_100),  # per mille of what the state allows (above 1000: more than that)
    st.integers(1, 10**24),  # a raw amount, for sizes the state does not suggest
)


def _amount(limit: int, per_mille: int, raw: int) -> int:
    return max(1, limit * per_mille // 1000) if limit > 0 and per_mille % 7 else raw


def _call(market, positions, price, kind, user, by_shares, per_mille, raw) -> tuple:
    """The call one step sends, sized from the state (the model decides nothing here)."""
    position = positions[user]
    if kind == "supply":
        return ("supply", _amount(10**18, per_mille, raw), by_shares)
    if kind == "withdraw":
        limit = position.supply_shares if by_shares else min(market.liquidity, market.total_supply_assets)
        return ("withdraw", _amount(limit, per_mille, raw), by_shares)
    if kind == "borrow":
        room = max(model.max_borrow(position.collateral, price, market.lltv) - model.borrowed(position, market), 0)
        amount = _amount(min(room, market.liquidity), per_mille, raw)
        if by_shares:
            amount = model.to_shares_down(amount, market.total_borrow_assets, market.total_borrow_shares) or raw
        return ("borrow", amount, by_shares)
    if kind == "repay":
        limit = position.borrow_shares if by_shares else model.borrowed(position, market)
        return ("repay", _amount(limit, per_mille, raw), by_shares)
    if kind == "supply_collateral":
        return ("supply_collateral", _amount(10**22, per_mille, raw))
    if kind == "withdraw_collateral":
        return ("withdraw_collateral", _amount(position.collateral, per_mille, raw))
    if kind == "price":
        return ("price", max(1, BASE_PRICE * per_mille // 1000))
    # liquidate `user` as the lender: seize a share of what can be seized, or repay shares
    if by_shares:
        return ("liquidate", 0, _amount(position.borrow_shares, per_mille, raw))
    return ("liquidate", _amount(model.max_seizable(position, market, price), per_mille, raw), 0)


def _expect(market, position, price, call):
    """The model's result of `call` (ValueError: Morpho must revert with that reason)."""
    kind = call[0]
    if kind in ("supply", "withdraw", "repay"):
        amounts = {"shares": call[1]} if call[2] else {"assets": call[1]}
        return getattr(model, kind)(position, market, **amounts)
    if kind == "borrow":
        return model.borrow(position, market, price, **({"shares": call[1]} if call[2] else {"assets": call[1]}))
    if kind == "supply_collateral":
        return model.supply_collateral(position, call[1])
    if kind == "withdraw_collateral":
        return model.withdraw_collateral(position, market, price, call[1])
    if kind == "liquidate":
        return model.liquidate(position, market, price, seized=call[1], repaid_shares=call[2])
    return None


def _send(morpho, params, oracle, users, user, call):
    address, kind = users[user], call[0]
    if kind == "price":
        oracle.set_price(call[1])
        return None
    if kind == "liquidate":
        with boa.env.prank(users["lender"]):
            return morpho.liquidate(params, address, call[1], call[2], b"")
    with boa.env.prank(address):
        if kind == "supply_collateral":
            return morpho.supplyCollateral(params, call[1], address, b"")
        if kind == "withdraw_collateral":
            return morpho.withdrawCollateral(params, call[1], address, address)
        assets, shares = (0, call[1]) if call[2] else (call[1], 0)
        if kind in ("supply", "repay"):
            return getattr(morpho, kind)(params, assets, shares, address, b"")
        return getattr(morpho, kind)(params, assets, shares, address, address)


def _read(morpho, params, users):
    mid = market_id(params)
    market = model.Market(params[4], *morpho.market(mid)[:4])
    return market, {name: model.Position(*morpho.position(mid, address)) for name, address in users.items()}


@settings(max_examples=sized(20, 40), deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    opening=st.tuples(st.integers(1, 1_000), st.integers(1, 1_000), st.integers(1, 1_000), st.integers(1, 1_000)),
    steps=st.lists(step, min_size=4, max_size=16),
    crash=st.tuples(st.integers(1, 700), st.booleans(), st.integers(1, 1_000), st.integers(1, 1_000)),
)
def test_morpho__random_operations__match_the_model_to_the_base_unit(setup, opening, steps, crash):
    """From an opening (the lender supplies, alice and bob post collateral and borrow a random share
    of what they may), random steps (prices from 0 to 1.1 times the opening's), then a crash to at
    most 0.7 times it and liquidations of both borrowers, by collateral seized or by shares."""
    morpho, params, oracle, users = setup
    a_collateral, a_borrow, b_collateral, b_borrow = opening
    to, by_shares, alice_part, bob_part = crash
    steps = [
        ("supply", "lender", False, 1 + a_borrow % 7, 0),
        ("supply_collateral", "alice", False, a_collateral if a_collateral % 7 else 1, 0),
        ("supply_collateral", "bob", False, b_collateral if b_collateral % 7 else 1, 0),
        ("borrow", "alice", False, a_borrow if a_borrow % 7 else 1, 0),
        ("borrow", "bob", True, b_borrow if b_borrow % 7 else 1, 0),
        *steps,
        ("price", "alice", False, to, 0),
        ("liquidate", "alice", by_shares, alice_part, 0),
        ("liquidate", "bob", not by_shares, bob_part, 0),
    ]
    with boa.env.anchor():
        oracle.set_price(BASE_PRICE)
        market, positions = _read(morpho, params, users)
        price = BASE_PRICE
        for kind, user, *sizes in steps:
            call = _call(market, positions, price, kind, user, *sizes)
            try:
                expected = _expect(market, positions[user], price, call)
            except ValueError as refused:
                event(f"{kind}: {refused}")
                with boa.reverts() if str(refused) == PANIC else boa.reverts(str(refused)):
                    _send(morpho, params, oracle, users, user, call)
                continue
            event(f"{kind}: done")
            result = _send(morpho, params, oracle, users, user, call)
            if kind == "price":
                price = call[1]
            elif kind == "liquidate":
                assert tuple(result) == (expected.seized, expected.repaid_assets)
                positions[user], market = expected.position, expected.market
            elif isinstance(expected, model.Action):
                assert tuple(result) == (expected.assets, expected.shares)
                positions[user], market = expected.position, expected.market
            else:
                positions[user] = expected
            assert _read(morpho, params, users) == (market, positions)


def test_morpho__health_and_liquidation_price__match_the_model(setup):
    """A borrower at the limit: healthy at the model's liquidation price + 1, liquidatable at it."""
    morpho, params, oracle, users = setup
    alice, lender = users["alice"], users["lender"]
    with boa.env.anchor():
        with boa.env.prank(lender):
            morpho.supply(params, 10**12, 0, lender, b"")
        with boa.env.prank(alice):
            morpho.supplyCollateral(params, 10 * 10**18 + 7, alice, b"")
            room = model.max_borrow(10 * 10**18 + 7, BASE_PRICE, params[4])
            morpho.borrow(params, room, 0, alice, alice)
            with boa.reverts("insufficient collateral"):
                morpho.borrow(params, 1, 0, alice, alice)
        market, positions = _read(morpho, params, users)
        at = model.liquidation_price(positions["alice"], market)
        assert at < BASE_PRICE
        oracle.set_price(at + 1)
        with boa.env.prank(lender), boa.reverts("position is healthy"):
            morpho.liquidate(params, alice, 1, 0, b"")
        oracle.set_price(at)
        expected = model.liquidate(positions["alice"], market, at, seized=10**18)
        with boa.env.prank(lender):
            assert tuple(morpho.liquidate(params, alice, 10**18, 0, b"")) == (expected.seized, expected.repaid_assets)
        assert _read(morpho, params, users)[1]["alice"] == expected.position
