"""Fixtures for the titanoboa contract tests: named actors and factories."""

from __future__ import annotations

import boa
import pytest

from tests.utils.boa_env import FEE_ON_TRANSFER, NO_RETURN, PLAIN, WAD, deployer


@pytest.fixture(scope="module", autouse=True)
def isolated_module():
    with boa.env.anchor():
        yield


@pytest.fixture(autouse=True)
def isolated_test(isolated_module):
    with boa.env.anchor():
        yield


@pytest.fixture(scope="module")
def admin():
    return boa.env.generate_address("admin")


@pytest.fixture(scope="module")
def manager():
    return boa.env.generate_address("manager")


@pytest.fixture(scope="module")
def guardian():
    return boa.env.generate_address("guardian")


@pytest.fixture(scope="module")
def fee_recipient():
    return boa.env.generate_address("fee_recipient")


@pytest.fixture(scope="module")
def depositor():
    return boa.env.generate_address("depositor")


@pytest.fixture(scope="module")
def receiver():
    return boa.env.generate_address("receiver")


@pytest.fixture(scope="module")
def attacker():
    return boa.env.generate_address("attacker")


@pytest.fixture(scope="module")
def create_token():
    """A mock component with `decimals` and a quirk."""

    def create(decimals: int = 18, quirk: str = PLAIN, symbol: str = "TKN"):
        path = "mocks/NoReturnToken.vy" if quirk == NO_RETURN else "mocks/MockToken.vy"
        token = deployer(path).deploy(f"Mock {symbol}", symbol, decimals)
        if quirk == FEE_ON_TRANSFER:
            token.set_transfer_fee_bps(10)
        return token

    return create


@pytest.fixture(scope="module")
def create_basket(create_token):
    """Tokens of the given decimals, and units worth about the same per share."""

    def create(decimals=(6, 8, 18), quirks=None):
        quirks = quirks or [PLAIN] * len(decimals)
        tokens = [create_token(d, q, f"T{i}") for i, (d, q) in enumerate(zip(decimals, quirks))]
        # 1.5 whole tokens per share, plus an odd tail so rounding shows.
        units = [3 * 10**d // 2 + 7 for d in decimals]
        return tokens, units

    return create


@pytest.fixture(scope="module")
def create_vault(admin, manager, guardian, fee_recipient):
    """A vault over `tokens` with `units`; fees as WAD fractions."""

    def create(
        tokens,
        units,
        fees=(0, 0, 0),
        max_fees=(WAD // 100, WAD // 100, WAD // 20),
        supply_cap=10**9 * WAD,
        name="Test Index",
        symbol="TIDX",
        sender=None,
    ):
        with boa.env.prank(sender or admin):
            return deployer("IndexVault.vy").deploy(
                name,
                symbol,
                [t.address for t in tokens],
                units,
                admin,
                manager,
                guardian,
                fee_recipient,
                list(fees),
                list(max_fees),
                supply_cap,
            )

    return create


@pytest.fixture(scope="module")
def fund():
    """Mint `owner` enough of every component and approve `vault` for it."""

    def fund(vault, tokens, owner, amount_whole=10**6):
        for token in tokens:
            token.mint(owner, amount_whole * 10 ** token.decimals())
            with boa.env.prank(owner):
                token.approve(vault.address, 2**256 - 1)

    return fund


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


@pytest.fixture(scope="module")
def create_feed():
    """A mock Chainlink feed with `decimals` and a first answer posted now."""

    def create(answer: int, decimals: int = 8, description: str = "TKN / USD"):
        return deployer("mocks/MockFeed.vy").deploy(decimals, description, answer)

    return create


@pytest.fixture(scope="module")
def create_oracle(admin):
    """An oracle adapter over `vault`, deployed by the admin."""

    def create(vault):
        with boa.env.prank(admin):
            return deployer("OracleAdapter.vy").deploy(vault.address, admin)

    return create


@pytest.fixture(scope="module")
def actors(admin, manager, guardian, fee_recipient, depositor, receiver, attacker):
    """Every named actor by name, for tests parametrised over who calls.

    Set up with the module, before any test anchors the chain: looking an
    actor fixture up lazily from inside a test would nest its set-up inside
    the test's snapshot.
    """
    return {
        "admin": admin,
        "manager": manager,
        "guardian": guardian,
        "fee_recipient": fee_recipient,
        "depositor": depositor,
        "receiver": receiver,
        "attacker": attacker,
    }
