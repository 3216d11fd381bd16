"""The rebalancing gas benchmark's pure parts: the result's keys and ratios,
the table, and merging into a results file another benchmark also writes."""

import json

import pytest

from benchmarks import rebalance as rb


def _result() -> rb.Result:
    trades = []
    for system, first, repeat in (("fill", 210, 200), ("swap", 100, 100), ("gim", 420, 400)):
        for label, gas in (("first", first), ("repeat", repeat)):
            frame = None if system == "swap" else 70
            trades.append(rb.Trade(system, label, gas, 10**8, 5 * 10**18, frame, 0, ["tree"]))
    return rb.Result(trades, {"command": "test"})


def test_keys__headline_is_the_repeat_trade():
    keys = _result().to_keys()
    assert set(keys) == set(rb.KEYS)
    assert (keys["bid_fill_gas"], keys["router_swap_gas"], keys["set_gim_trade_gas"]) == (200, 100, 400)
    notes = keys["gas_notes"]
    assert notes["ratios"] == {"fill_over_swap": 2.0, "fill_over_set_gim": 0.5}
    assert all(notes["targets_met"].values())  # both targets are inclusive
    assert notes["first_trade"]["bid_fill_gas"] == 210
    assert notes["router_frame_gas"]["router_swap_gas"] is None
    assert notes["command"] == "test"


def test_format_table__shows_every_system_and_both_ratios():
    table = rb.format_table(_result())
    for name in rb.SYSTEM_NAMES.values():
        assert name in table
    assert "(a)/(b) = 2.000" in table and "(a)/(c) = 0.500" in table


def test_merge_json__keeps_other_keys(tmp_path):
    path = tmp_path / "rebalance.json"
    path.write_text(json.dumps({"auction_fill_rate": 0.9, "bid_fill_gas": 1}))
    rb.merge_json(path, _result().to_keys())
    data = json.loads(path.read_text())
    assert data["auction_fill_rate"] == 0.9
    assert data["bid_fill_gas"] == 200


def test_merge_json__creates_the_file(tmp_path):
    path = tmp_path / "results" / "rebalance.json"
    rb.merge_json(path, {"router_swap_gas": 5})
    assert json.loads(path.read_text()) == {"router_swap_gas": 5}


def test_merge_json__refuses_other_benchmarks_keys(tmp_path):
    with pytest.raises(ValueError, match="not this benchmark's keys"):
        rb.merge_json(tmp_path / "rebalance.json", {"auction_fill_rate": 1})
