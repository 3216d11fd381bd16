"""`ape run status`'s screen from a status dict: no chain."""

from __future__ import annotations

from decimal import Decimal

from indexvault.report import render_status


def _component(symbol, held, owed, claims=Decimal(0), shortfall=Decimal(0), bps=0):
    return {
        "symbol": symbol,
        "decimals": 8,
        "unit": Decimal("0.0005"),
        "held": held,
        "owed": owed,
        "claims": claims,
        "shortfall": shortfall,
        "shortfall_bps": bps,
        "price": Decimal(40_000),
        "value": Decimal(20),
        "weight": Decimal("0.5"),
        "error": None,
    }


def _status(*components):
    return {
        "name": "Demo",
        "symbol": "DCI",
        "vault": "0xvault",
        "oracle": "0xoracle",
        "components": list(components),
        "supply": Decimal(10),
        "supply_cap": Decimal(1000),
        "nav": Decimal(400),
        "nav_per_share": Decimal(40),
        "nav_error": None,
        "multiplier": Decimal(1),
        "fees": {"mint": 0, "redeem": 0, "streaming": 0},
        "fee_recipient": "0xfees",
        "mint_paused": False,
    }


def test_render_status__a_short_component__says_how_to_share_the_loss():
    screen = render_status(
        _status(
            _component("WBTC", Decimal("0.0099"), Decimal("0.0100"), Decimal("0.0001"), Decimal("0.0002"), 198),
            _component("WETH", Decimal("1"), Decimal("1")),
        )
    )
    assert (
        "WBTC: the vault holds 0.009900 but owes 0.010100 (198 bps short): anyone may share the loss among "
        "all holders with `ape run sync WBTC`"
    ) in screen
    assert "WETH: the vault holds" not in screen


def test_render_status__every_component_held__no_shortfall_line():
    screen = render_status(_status(_component("WBTC", Decimal("0.01"), Decimal("0.01"))))
    assert "short" not in screen
