"""Reads of a LeveragedIndex on titanoboa, in the reference model's terms (`indexvault.leverage.model`)."""

from __future__ import annotations

from indexvault.leverage import model
from tests.utils import morpho as morpho_utils


def book(lev, product) -> model.Book:
    """The product's position, its market, the NAV price and its supply, as the model takes them."""
    market, position = morpho_utils.snapshot(lev.morpho, product.params, product.contract.address)
    return model.Book(product.inverse, position, market, product.nav_oracle.price(), product.contract.totalSupply())


def swapped(lev, product) -> int:
    """What the router moved in the product's last call: USDC spent buying the index, or got selling it."""
    moved = [
        log.amount_in if type(log).__name__ == "MintedFrom" else log.amount_out
        for log in lev.router.get_logs(product.contract._computation, strict=False)
        if type(log).__name__ in ("MintedFrom", "RedeemedTo")
    ]
    assert len(moved) == 1, moved
    return moved[0]


def gas(product) -> int:
    """Execution gas of the product's last call (titanoboa: without the 21,000 intrinsic and the calldata)."""
    return product.contract._computation.get_gas_used()


def assert_holds_nothing(lev, product) -> None:
    """No token left in the product and no allowance to Morpho or the router."""
    address = product.contract.address
    for symbol, token in {**lev.tokens, "INDEX": lev.vault}.items():
        assert token.balanceOf(address) == 0, symbol
        for spender in (lev.morpho.address, lev.router.address):
            assert token.allowance(address, spender) == 0, symbol
