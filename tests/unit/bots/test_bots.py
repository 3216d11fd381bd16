"""The Silverback bots' per-block return values: metrics Silverback records whole (a string it
would drop with a "Cannot convert datapoint" warning every block)."""

from types import SimpleNamespace

import pytest
from silverback.types import Datapoints

from indexvault.bots import arbitrage_metrics, rebalance_metrics


def recorded(metrics: dict) -> dict:
    """What Silverback keeps of a handler's return value."""
    return {name: point.data for name, point in Datapoints.model_validate(dict(metrics)).root.items()}


@pytest.mark.parametrize(
    "kind, sent, ok, gas_used", [("mint_and_sell", True, True, 1_665_095), (None, False, False, None)]
)
def test_arbitrage_metrics__every_datapoint_recorded(kind, sent, ok, gas_used):
    result = SimpleNamespace(decision=SimpleNamespace(kind=kind, reason="inside the cost band"), sent=sent, ok=ok)
    result.gas_used = gas_used
    assert recorded(arbitrage_metrics(result)) == {
        "traded": kind is not None,
        "sent": sent,
        "ok": ok,
        "gas_used": gas_used or 0,
    }


def test_rebalance_metrics__every_datapoint_recorded():
    fills = [SimpleNamespace(ok=True), SimpleNamespace(ok=False), SimpleNamespace(ok=True)]
    result = SimpleNamespace(decision=SimpleNamespace(actions=["sell WBTC", "buy LINK", "buy SOL"]), fills=fills)
    assert recorded(rebalance_metrics(result)) == {"bids": 3, "filled": 2}
