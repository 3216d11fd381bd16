"""Weights, eligibility, target units and trades, against hand-worked numbers."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from indexvault import history
from indexvault.history import Listing
from indexvault.methodology import (
    WAD,
    Rules,
    Trade,
    capped,
    capped_market_cap,
    equal,
    liquidity,
    market_cap,
    rebalance,
    select,
    sqrt_market_cap,
    target_units,
)

# --- weights against hand-worked examples ---------------------------------


def test_market_cap__pro_rata():
    assert market_cap({"A": 60, "B": 30, "C": 10}) == {"A": D("0.6"), "B": D("0.3"), "C": D("0.1")}


def test_market_cap__residue_to_the_largest():
    # 1/3 and 2/3 round down to ...333 and ...666; the 1e-18 left goes to B, the largest.
    assert market_cap({"A": 1, "B": 2}) == {"A": D("0.333333333333333333"), "B": D("0.666666666666666667")}


def test_capped_market_cap__one_pass():
    # A is capped at 0.5; its excess 0.1 is shared 30:10 by B and C.
    weights = capped_market_cap({"A": 60, "B": 30, "C": 10}, D("0.5"))
    assert weights == {"A": D("0.5"), "B": D("0.375"), "C": D("0.125")}


def test_capped_market_cap__redistribution_pushes_a_second_over():
    # Pass 1: A 0.5 -> 0.35; the 0.65 left on 50 of caps gives B 0.39 > 0.35.
    # Pass 2: B -> 0.35; the 0.3 left is shared 10:10 by C and D.
    weights = capped_market_cap({"A": 50, "B": 30, "C": 10, "D": 10}, D("0.35"))
    assert weights == {"A": D("0.35"), "B": D("0.35"), "C": D("0.15"), "D": D("0.15")}


def test_capped_market_cap__residue_stays_within_the_cap():
    # A (0.5) is capped at 0.3; the 0.7 left is 0.2333... each for B, C, D, rounded
    # down to 18 places; the 1e-18 left goes to B, the first of the largest below the cap.
    weights = capped_market_cap({"A": 30, "B": 10, "C": 10, "D": 10}, D("0.3"))
    assert sum(weights.values()) == 1
    assert max(weights.values()) <= D("0.3")
    assert weights["A"] == D("0.3") and weights["B"] == D("0.233333333333333334")


def test_capped_market_cap__cap_equal_to_one_over_n_is_equal_weight():
    assert capped_market_cap({"A": 70, "B": 20, "C": 5, "D": 5}, D("0.25")) == dict.fromkeys("ABCD", D("0.25"))


def test_capped_market_cap__cap_below_one_over_n__refused():
    message = r"cap 0.2 is infeasible for 4 assets: 4 x 0.2 < 1; the cap must be at least 1/4"
    with pytest.raises(ValueError, match=message):
        capped_market_cap({"A": 70, "B": 20, "C": 5, "D": 5}, D("0.2"))


@pytest.mark.parametrize("cap", [D(0), D("-0.1"), D("1.5")])
def test_capped_market_cap__cap_out_of_range__refused(cap):
    with pytest.raises(ValueError, match="must be above 0 and at most 1"):
        capped_market_cap({"A": 1}, cap)


def test_capped_market_cap__excess_to_zero_caps__refused():
    with pytest.raises(ValueError, match=r"left for \['B'\], whose market caps are all zero"):
        capped_market_cap({"A": 1, "B": 0}, D("0.6"))


def test_sqrt_market_cap__hand_worked():
    # sqrt(9) : sqrt(1) = 3 : 1
    assert sqrt_market_cap({"A": 9, "B": 1}) == {"A": D("0.75"), "B": D("0.25")}
    # sqrt(4) : sqrt(1) = 2 : 1; residue to A
    assert sqrt_market_cap({"A": 4, "B": 1}) == {"A": D("0.666666666666666667"), "B": D("0.333333333333333333")}


def test_equal__residue_to_the_first():
    assert equal(["X", "Y", "Z"]) == {
        "X": D("0.333333333333333334"),
        "Y": D("0.333333333333333333"),
        "Z": D("0.333333333333333333"),
    }
    assert equal(["X", "Y"]) == {"X": D("0.5"), "Y": D("0.5")}


def test_liquidity__volume_weighted():
    assert liquidity({"A": D("1.5e9"), "B": D("0.5e9")}) == {"A": D("0.75"), "B": D("0.25")}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({}, "market_cap: no assets to weigh"),
        ({"A": 1, "B": -2}, r"market_cap: B is negative \(-2\)"),
        ({"A": 0, "B": 0}, "market_cap: the values sum to zero"),
        ({"A": float("nan")}, "market_cap: A is nan, not a finite number"),
        ({"A": D("NaN")}, "market_cap: A is NaN, not a finite number"),
        ({"A": float("inf")}, "market_cap: A is inf, not a finite number"),
        ({"A": "lots"}, "market_cap: A is 'lots', not a number"),
        ({"A": None}, "market_cap: A is None, not a number"),
        ([1, 2], "market_cap: expected a mapping of symbol to value, got list"),
    ],
)
def test_market_cap__bad_input__refused(values, message):
    with pytest.raises(ValueError, match=message):
        market_cap(values)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: liquidity({}), "liquidity: no assets to weigh"),
        (lambda: sqrt_market_cap({"A": D(-1)}), "sqrt_market_cap: A is negative"),
        (lambda: capped_market_cap({"A": D("NaN")}, D("0.5")), "capped_market_cap: A is NaN"),
        (lambda: equal([]), "equal: no assets to weigh"),
        (lambda: equal(["A", "A"]), "equal: a symbol is repeated"),
    ],
)
def test_weights__bad_input__refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- weights: properties --------------------------------------------------

caps_by_symbol = st.dictionaries(
    st.sampled_from([f"T{i}" for i in range(30)]),
    st.integers(0, 10**15),
    min_size=1,
    max_size=30,
).filter(lambda caps: sum(caps.values()) > 0)


@given(caps_by_symbol)
def test_market_cap__sums_to_one_and_keeps_order(caps):
    weights = market_cap(caps)
    assert sum(weights.values()) == 1
    for a in caps:
        for b in caps:
            if caps[a] > caps[b]:
                assert weights[a] >= weights[b]


@given(caps_by_symbol)
def test_sqrt_market_cap__sums_to_one(caps):
    assert sum(sqrt_market_cap(caps).values()) == 1


@given(caps_by_symbol, st.integers(1, 1000))
def test_capped_market_cap__properties(caps, per_mille):
    cap = D(per_mille) / 1000
    assume(cap * len(caps) >= 1)
    # The excess needs somewhere to go: as many positive caps as the cap needs.
    assume(sum(1 for v in caps.values() if v > 0) * cap >= 1)
    weights = capped_market_cap(caps, cap)
    assert sum(weights.values()) == 1
    assert max(weights.values()) <= cap
    uncapped = [s for s in caps if weights[s] < cap]
    for a in uncapped:
        for b in uncapped:
            if caps[a] > caps[b]:
                assert weights[a] >= weights[b]
    if max(market_cap(caps).values()) <= cap:
        assert weights == market_cap(caps)


@given(st.lists(st.text(min_size=1, max_size=4), min_size=1, max_size=40, unique=True))
def test_equal__sums_to_one(symbols):
    weights = equal(symbols)
    assert sum(weights.values()) == 1
    assert max(weights.values()) - min(weights.values()) <= D("1e-18") * len(symbols)


# --- eligibility ----------------------------------------------------------


def _listing(rank, symbol, cap, date=dt.date(2021, 1, 1)):
    return Listing(date, rank, symbol, symbol, D(cap), D(1), D(cap) / 10)


def test_select__drops_stablecoins_wrapped_and_beyond_top():
    snapshot = [
        _listing(1, "BTC", 600),
        _listing(2, "USDT", 300),
        _listing(3, "WBTC", 200),
        _listing(4, "ETH", 150),
        _listing(5, "XRP", 100),
        _listing(6, "LTC", 50),
    ]
    selection = select(snapshot, Rules(top=3))
    assert selection.symbols == ["BTC", "ETH", "XRP"]
    # 600:150:100 of 850, each rounded down; the 2e-18 left goes to BTC.
    assert selection.weights == {
        "BTC": D("0.705882352941176472"),
        "ETH": D("0.176470588235294117"),
        "XRP": D("0.117647058823529411"),
    }
    assert [(e.symbol, e.rule) for e in selection.excluded] == [
        ("USDT", "stablecoin"),
        ("WBTC", "wrapped"),
        ("LTC", "top"),
    ]
    assert selection.reasons()["WBTC"] == "wrapped or staked duplicate of another asset"
    assert selection.reasons()["LTC"] == "outside the top 3 eligible"


def test_select__exclusions_can_be_switched_off():
    snapshot = [_listing(1, "BTC", 600), _listing(2, "USDT", 300), _listing(3, "WBTC", 200)]
    assert select(snapshot, Rules(top=3, exclude_stablecoins=False, exclude_wrapped=False)).symbols == [
        "BTC",
        "USDT",
        "WBTC",
    ]


def test_select__min_weight_drops_and_renormalises():
    snapshot = [_listing(1, "BTC", 60), _listing(2, "ETH", 30), _listing(3, "XRP", 8), _listing(4, "LTC", 2)]
    selection = select(snapshot, Rules(top=4, min_weight=D("0.05")))
    assert selection.symbols == ["BTC", "ETH", "XRP"]
    assert selection.weights == market_cap({"BTC": 60, "ETH": 30, "XRP": 8})
    assert selection.weights["XRP"] == D("0.081632653061224489")  # 8/98, down
    assert selection.reasons() == {"LTC": "weight 0.020000 below the minimum 0.05"}


def test_select__min_weight_with_a_cap_reapplies_the_cap():
    snapshot = [
        _listing(1, "BTC", 50),
        _listing(2, "ETH", 30),
        _listing(3, "XRP", 10),
        _listing(4, "LTC", 9),
        _listing(5, "BCH", 1),
    ]
    selection = select(snapshot, Rules(top=5, min_weight=D("0.02"), weighting=capped("0.4")))
    assert selection.symbols == ["BTC", "ETH", "XRP", "LTC"]
    assert selection.weights == capped_market_cap({"BTC": 50, "ETH": 30, "XRP": 10, "LTC": 9}, D("0.4"))
    assert selection.weights["BTC"] == D("0.4")


def test_select__history_on_the_real_data():
    # BSV ranks in the top 10 on 2021-01-01 but has no daily closes at all;
    # DOT's closes start 2020-08-19, so it lacks 365 days of history.
    selection = select(history.snapshot("2021-01-01"), Rules(top=10, min_history_days=365))
    reasons = selection.reasons()
    assert reasons["BSV"] == "history: no daily closes in the data"
    assert reasons["DOT"].startswith(
        "history: needs a daily close on 2021-01-01 and the 365 days before: "
        "no close for DOT on 2020-01-02 (outside the data"
    )
    assert "DOT" not in selection.symbols and "BTC" in selection.symbols
    assert len(selection.symbols) == 10


def test_select__coverage_replaces_a_newcomer_but_keeps_a_held_member():
    rules = Rules(top=10, min_history_days=30, closes_through=dt.date(2021, 11, 1))
    selection = select(history.snapshot("2021-10-01"), rules)
    luna = next(e for e in selection.excluded if e.symbol == "LUNA")
    assert luna.rule == "coverage"
    assert "no close for LUNA on 2021-10-18 (outside the data" in luna.reason
    assert "AVAX" in selection.symbols  # the next eligible asset takes LUNA's place
    assert "LUNA" in select(history.snapshot("2021-10-01"), rules, held={"LUNA"}).symbols


def test_select__nothing_eligible__says_why():
    message = r"no asset of the 2021-01-01 snapshot passes the rules \(stablecoin: 1; e.g. stablecoin"
    with pytest.raises(ValueError, match=message):
        select([_listing(1, "USDT", 1)], Rules(top=3))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"top": 0}, "top must be at least 1"),
        ({"top": 3, "min_history_days": -1}, "min_history_days must be >= 0"),
        ({"top": 3, "min_weight": D(1)}, r"min_weight must be in \[0, 1\)"),
    ],
)
def test_rules__bad__refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Rules(**kwargs)


# --- target units and trades ----------------------------------------------

PRICES = {"BTC": D(60000), "ETH": D(3000), "USDC": D(1), "DOGE": D("0.1")}
DECIMALS = {"BTC": 8, "ETH": 18, "USDC": 6, "DOGE": 8}


def test_target_units__decimals_6_8_18():
    units = target_units({"BTC": D("0.5"), "ETH": D("0.3"), "USDC": D("0.2")}, PRICES, DECIMALS, D(100))
    # 50 USD of BTC = 0.000833333... BTC = 83333.33 sats, rounded down;
    # 30 USD of ETH = 0.01 ETH exactly; 20 USD of USDC = 20e6 exactly.
    assert units == {"BTC": 83_333, "ETH": 10**16, "USDC": 20_000_000}


def test_target_units__rounds_down_never_over_nav():
    units = target_units({"BTC": D(1)}, {"BTC": D(3)}, {"BTC": 0}, D(100))
    assert units == {"BTC": 33}  # 33.33 whole tokens, down


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (({"BTC": D(1)}, {}, DECIMALS, D(100)), "target_units: no prices for BTC"),
        (({"BTC": D(1)}, PRICES, {}, D(100)), "target_units: no decimals for BTC"),
        (({"BTC": D(1)}, {"BTC": D(0)}, DECIMALS, D(100)), "target_units: the price of BTC must be above zero"),
        (({"BTC": D(1)}, PRICES, DECIMALS, D(0)), "target_units: nav_per_share must be above zero"),
        (({"BTC": D(1)}, PRICES, {"BTC": -1}, D(1)), r"decimals of BTC must be an integer in \[0, 77\]"),
    ],
)
def test_target_units__bad_input__refused(args, message):
    with pytest.raises(ValueError, match=message):
        target_units(*args)


def test_rebalance__trades_for_the_supply():
    current = {"BTC": 80_000, "ETH": 10**16 + 5, "DOGE": 1_000}
    target = {"BTC": 83_333, "ETH": 10**16, "USDC": 20_000_000}
    trades = rebalance(current, target, PRICES, DECIMALS, supply=3 * WAD)
    assert trades == [
        Trade("DOGE", "sell", 1_000, 3_000, D("0.000003")),  # 3000e-8 DOGE at 0.1
        Trade("ETH", "sell", 5, 15, D("4.5E-14")),  # 15e-18 ETH at 3000
        Trade("USDC", "buy", 20_000_000, 60_000_000, D("60")),
        Trade("BTC", "buy", 3_333, 9_999, D("5.9994")),  # 9999e-8 BTC at 60000
    ]


def test_rebalance__rounds_in_the_vaults_favour():
    # 1.5 index tokens: a buy of 3333 a share is 4999.5 -> 5000; a sell of 5 a share 7.5 -> 7.
    trades = rebalance({"BTC": 0, "ETH": 5}, {"BTC": 3_333, "ETH": 0}, PRICES, DECIMALS, supply=3 * WAD // 2)
    assert {t.symbol: (t.side, t.amount) for t in trades} == {"BTC": ("buy", 5_000), "ETH": ("sell", 7)}


def test_rebalance__nothing_to_do():
    assert rebalance({"BTC": 1}, {"BTC": 1}, PRICES, DECIMALS, supply=WAD) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (({"BTC": 1}, {}, PRICES, DECIMALS, -1), "rebalance: supply must be a whole number of wei >= 0"),
        (({"XYZ": 1}, {}, PRICES, DECIMALS, WAD), "rebalance: no prices for XYZ"),
        (({"BTC": -1}, {}, PRICES, DECIMALS, WAD), "rebalance: units of BTC must be whole base units >= 0"),
        (({"BTC": D("1.5")}, {}, PRICES, DECIMALS, WAD), "rebalance: units of BTC must be whole base units"),
    ],
)
def test_rebalance__bad_input__refused(args, message):
    with pytest.raises(ValueError, match=message):
        rebalance(*args)


@given(
    st.dictionaries(st.sampled_from(list(PRICES)), st.integers(1, 10**6), min_size=1),
    st.integers(1, 10**9),
)
def test_target_units__basket_worth_at_most_nav(caps, nav_cents):
    weights = market_cap(caps)
    nav = D(nav_cents) / 100
    units = target_units(weights, PRICES, DECIMALS, nav)
    value = sum(D(u).scaleb(-DECIMALS[s]) * PRICES[s] for s, u in units.items())
    assert value <= nav
    # Each component is short by less than one base unit.
    assert nav - value < sum(PRICES[s].scaleb(-DECIMALS[s]) for s in units)
