"""What the Silverback bots in `bots/` return after each block's round.

Silverback records a handler's return value as metrics: a mapping of names
to numbers or booleans (anything else it drops with a "Cannot convert
datapoint" warning, every block). The rounds print their reasons themselves."""

from __future__ import annotations

from typing import Any


def arbitrage_metrics(result: Any) -> dict[str, bool | int]:
    """An arbitrage round (`indexvault.keepers.arbitrage_runner.Round`): whether it traded, and whether it
    went through."""
    return {
        "traded": result.decision.kind is not None,
        "sent": bool(result.sent),
        "ok": bool(result.ok),
        "gas_used": result.gas_used or 0,
    }


def rebalance_metrics(result: Any) -> dict[str, int]:
    """A rebalance round (`indexvault.keepers.runner.Round`): the bids decided and the fills that went through."""
    return {"bids": len(result.decision.actions), "filled": sum(bool(f.ok) for f in result.fills)}
