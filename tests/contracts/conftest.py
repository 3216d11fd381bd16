"""Fixtures for the in-memory contract tests only: a module's vault over the (6, 8, 18) basket, and every
basket case one at a time. The actors, factories and anchors are the root conftest's (the attacks use them too)."""

from __future__ import annotations

import pytest

from tests.utils.boa_env import NO_RETURN, PLAIN


@pytest.fixture(scope="module")
def basket(create_basket):
    return create_basket()


@pytest.fixture(scope="module")
def tokens(basket):
    return basket[0]


@pytest.fixture(scope="module")
def units(basket):
    return basket[1]


@pytest.fixture(scope="module")
def vault(create_vault, tokens, units, fund, depositor):
    vault = create_vault(tokens, units)
    fund(vault, tokens, depositor)
    return vault


# Baskets the value-moving tests run across: each decimals alone, the three
# together, and the USDT-style no-return quirk alone and mixed with plain tokens.
BASKET_CASES = {
    "dec6": ((6,), (PLAIN,)),
    "dec8": ((8,), (PLAIN,)),
    "dec18": ((18,), (PLAIN,)),
    "dec6-8-18": ((6, 8, 18), (PLAIN, PLAIN, PLAIN)),
    "no-return-dec6": ((6,), (NO_RETURN,)),
    "no-return-mixed": ((6, 8, 18), (NO_RETURN, PLAIN, NO_RETURN)),
}


@pytest.fixture(scope="module", params=list(BASKET_CASES))
def each_basket(request, create_basket):
    """(tokens, units) for every basket in BASKET_CASES, one at a time."""
    decimals, quirks = BASKET_CASES[request.param]
    return create_basket(decimals, list(quirks))


@pytest.fixture(scope="module")
def each_vault(each_basket, create_vault, fund, depositor):
    """A fee-free vault over `each_basket`, the depositor funded and approved."""
    tokens, units = each_basket
    vault = create_vault(tokens, units)
    fund(vault, tokens, depositor)
    return vault
