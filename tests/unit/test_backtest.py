"""The backtest on a short window of the real data, and its data handling."""

import datetime as dt
import importlib.util
import json
import math
from decimal import Decimal as D
from pathlib import Path

import pytest
from click.testing import CliRunner

from indexvault import backtest
from indexvault.backtest import _Prices, _Stop

START, END = "2021-01-01", "2021-04-01"


@pytest.fixture(scope="module")
def short_run():
    return backtest.run(START, END, top=10, cap="0.25", cost_bps=30)


def test_run__level_starts_at_100_and_spans_the_window(short_run):
    assert short_run.level[0] == 100 and short_run.theoretical[0] == 100 and short_run.btc[0] == 100
    assert short_run.days[0] == dt.date(2021, 1, 1) and short_run.days[-1] == dt.date(2021, 4, 1)
    assert len(short_run.days) == 91
    assert short_run.stopped is None and short_run.filled == {}


def test_run__rebalances_monthly_with_capped_weights(short_run):
    assert [r.date for r in short_run.rebalances] == [dt.date(2021, 1, 1), dt.date(2021, 2, 1), dt.date(2021, 3, 1)]
    for r in short_run.rebalances:
        assert sum(r.weights.values()) == 1
        assert max(r.weights.values()) <= D("0.25")
        assert len(r.weights) == 10
    # BSV ranks above the 10th component on 2021-01-01 but has no closes; the report says so.
    reasons = {e.symbol: e.rule for e in short_run.rebalances[0].excluded}
    assert reasons["BSV"] == "history" and reasons["USDT"] == "stablecoin"


def test_run__turnover_build_is_one_then_between_zero_and_one(short_run):
    first, *later = short_run.rebalances
    assert first.turnover == 1
    assert all(0 < r.turnover < 1 for r in later)
    assert short_run.total_turnover == sum(r.turnover for r in short_run.rebalances)


def test_run__costs_are_bps_of_traded_notional(short_run):
    first = short_run.rebalances[0]
    # The build: N' = 100 - 0.003 N', so N' = 100 / 1.003 is bought and 0.003 N' paid.
    assert first.cost == pytest.approx(D(100) * D("0.003") / D("1.003"), abs=D("1e-6"))
    for r in short_run.rebalances:
        assert r.cost == r.traded * D("0.003")
        assert 0 <= r.rounding < D("0.01")
    # Without costs the same index ends higher by about what the costs compounded to.
    free = backtest.run(START, END, cost_bps=0)
    assert free.level[-1] > short_run.level[-1]
    assert free.total_cost == 0


def test_run__tracking_error_is_finite_and_small(short_run):
    error = short_run.tracking_error()
    assert math.isfinite(error) and 0 < error < 0.25
    # The theoretical index has the same targets: the two end within a few percent.
    assert abs(short_run.level[-1] / short_run.theoretical[-1] - 1) < D("0.1")


def test_run__stops_where_a_held_member_has_no_more_closes():
    bt = backtest.run("2025-01-01", cost_bps=30)
    assert bt.days[-1] == dt.date(2025, 2, 11)
    assert bt.stopped.startswith("stopped after 2025-02-11: no close for ")
    assert "on 2025-02-12 (outside the data" in bt.stopped


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": "2021-01-15"}, "start 2021-01-15 is not a snapshot date"),
        ({"start": "2021-02-01", "end": "2021-01-01"}, "end 2021-01-01 is not after start 2021-02-01"),
        ({"start": "2020-01-01"}, r"no asset of the 2020-01-01 snapshot passes the rules \(history: 56"),
        ({"start": "2021-01-01", "cap": "0.05"}, "cap 0.05 is infeasible for 10 assets"),
        ({"start": "2021-01-01", "cost_bps": -1}, r"cost_bps must be in \[0, 10000\)"),
    ],
)
def test_run__bad_settings__refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        backtest.run(**kwargs)


def test_prices__fills_a_short_gap_and_counts_it():
    # SHIB has no close on 2020-11-08 (one day) nor 2020-11-24..26 (three days).
    filled = {}
    prices = _Prices(max_fill_days=3, filled=filled)
    before = prices.on("SHIB", dt.date(2020, 11, 7))
    assert prices.on("SHIB", dt.date(2020, 11, 8)) == before
    assert filled == {"SHIB": [dt.date(2020, 11, 8)]}


def test_prices__refuses_a_long_gap_or_the_end_of_the_data():
    prices = _Prices(max_fill_days=0, filled={})
    prices.on("SHIB", dt.date(2020, 11, 7))
    with pytest.raises(_Stop, match="a gap longer than 0 days is not filled"):
        prices.on("SHIB", dt.date(2020, 11, 8))
    prices = _Prices(max_fill_days=5, filled={})
    prices.on("XRP", dt.date(2025, 2, 11))
    with pytest.raises(_Stop, match="no close for XRP on 2025-02-12 .outside the data"):
        prices.on("XRP", dt.date(2025, 2, 12))


def test_write__json_chart_and_table(short_run, tmp_path):
    data, json_path, png_path = backtest.write(short_run, tmp_path / "out")
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png_path.stat().st_size > 10_000
    saved = json.loads(json_path.read_text())
    assert saved["headline"]["level_end"] == pytest.approx(float(short_run.level[-1]), abs=1e-4)
    assert saved["headline"]["total_turnover"] == pytest.approx(float(short_run.total_turnover), abs=1e-6)
    assert saved["rebalances"][0]["turnover"] == 1
    assert len(saved["daily"]["date"]) == 91
    assert set(saved["definitions"]) >= {"turnover", "tracking_error", "theoretical", "cost", "data"}
    text = backtest.render(data)
    assert "tracking error vs theoretical (annualised)" in text and "2021-02-01" in text


def _script():
    path = Path(__file__).resolve().parents[2] / "scripts" / "backtest.py"
    spec = importlib.util.spec_from_file_location("backtest_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_script__writes_both_files_and_prints_the_table(tmp_path):
    result = CliRunner().invoke(_script(), ["--start", START, "--end", END, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "backtest.json").exists() and (tmp_path / "backtest.png").exists()
    assert "index level at the end" in result.output and "cost drag on the level" in result.output


def test_script__bad_cap__one_line_error(tmp_path):
    result = CliRunner().invoke(_script(), ["--start", START, "--cap", "0.05", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Error: capped_market_cap: cap 0.05 is infeasible for 10 assets" in result.output
