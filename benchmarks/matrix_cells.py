"""The extreme matrix: one vault per cell of components {1, 10, 50, 128} x
token decimals {6, 8, 18, 27}, with units from 1 base unit to the vault's
largest (2^96 - 1) and prices from 1e-6 to 1e9 USD, its oracle adapter and a
Rebalancer with a running auction; shared by the property test
(`tests/contracts/matrix/`) and the gas benchmark (`python -m benchmarks matrix`)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import boa
from boa.interpret import set_search_paths

from benchmarks import ROOT
from indexvault.constants import WAD, ZERO_ADDRESS

CONTRACTS = ROOT / "contracts"
COMPONENTS = (1, 10, 50, 128)
DECIMALS = (6, 8, 18, 27)
MAX_UNIT = 2**96 - 1
MAX_SUPPLY = 2**100
FEED_DECIMALS = 8
# Feed answers (8 decimals) from 1e-6 USD to 1e9 USD, one per price level;
# component i is priced by feed i % len(ANSWERS).
ANSWERS = (10**2, 10**5, 10**8, 10**11, 10**14, 10**17)
HEARTBEAT = 10 * 365 * 86_400  # the matrix moves time; it does not test staleness
TIMELOCK = 3_600
DURATION = 86_400
BAND = WAD // 20
# The most of a token `IndexVault.trade` moves in one trade ("vault: amount
# too large" above it): its unit arithmetic multiplies amounts by 1e36.
MAX_TRADE_AMOUNT = 2**128
# Funds every payer holds of every token: far above any amount the matrix
# moves, far below where a balance could overflow.
FUNDS = 2**200


@cache
def deployer(relative_path: str):
    """A project contract compiled by titanoboa, once per process."""
    set_search_paths([str(CONTRACTS)])
    return boa.load_partial(str(CONTRACTS / relative_path))


def unit_for(i: int, n: int) -> int:
    """Component i's unit: log-spaced from 1 base unit (i = 0) to MAX_UNIT
    (i = n - 1), plus an odd tail so rounding shows; one component alone
    gets a mid-range unit."""
    if n == 1:
        return 10**14 + 7
    exponent = 96 * i / (n - 1)
    return min(MAX_UNIT, int(2**exponent) + (i % 7))


@dataclass
class Cell:
    """One cell's contracts; `tokens[k]` is auctioned against `quote`."""

    n: int
    decimals: int
    vault: object
    oracle: object
    rebalancer: object
    tokens: list
    feeds: list
    quote: object
    units: list
    sold: int  # index in `tokens` of the component the auction sells
    target: int  # its target unit
    depositor: str
    bidder: str


def deploy(n: int, decimals: int) -> Cell:
    """Deploys a cell's contracts, funds the depositor and the bidder, and
    proposes selling half of the last component for the quote (the first
    component, or a 6-decimal USD token when the basket has one component),
    then travels to the auction's start. The factor is 1 throughout."""
    admin = boa.env.generate_address("matrix-admin")
    depositor = boa.env.generate_address("matrix-depositor")
    bidder = boa.env.generate_address("matrix-bidder")
    token = deployer("mocks/MockToken.vy")
    tokens = [token.deploy(f"Matrix {i}", f"M{i}", decimals) for i in range(n)]
    feeds = [deployer("mocks/MockFeed.vy").deploy(FEED_DECIMALS, "M / USD", a) for a in ANSWERS]
    units = [unit_for(i, n) for i in range(n)]
    with boa.env.prank(admin):
        vault = deployer("IndexVault.vy").deploy(
            "Matrix",
            "MTX",
            [t.address for t in tokens],
            units,
            admin,
            admin,
            admin,
            admin,
            [0, 0, 0],
            [0, 0, 0],
            MAX_SUPPLY,
        )
        oracle = deployer("OracleAdapter.vy").deploy(vault.address, admin)
    quote = tokens[0] if n > 1 else token.deploy("Matrix USD", "MUSD", 6)
    priced = tokens if n > 1 else tokens + [quote]
    with boa.env.prank(admin):
        for i, t in enumerate(priced):
            oracle.set_feed(t.address, feeds[i % len(feeds)].address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
        rebalancer = deployer("Rebalancer.vy").deploy(vault.address, oracle.address, quote.address, TIMELOCK, BAND)
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
    for t, payer in [(t, depositor) for t in tokens] + [(quote, bidder)]:
        t.mint(payer, FUNDS)
        with boa.env.prank(payer):
            t.approve(vault.address, 2**256 - 1)
    sold = n - 1
    target = units[sold] // 2
    with boa.env.prank(admin):
        rebalancer.propose([tokens[sold].address], [target], DURATION, WAD, WAD)
    boa.env.time_travel(seconds=TIMELOCK)
    for f in feeds:
        f.set_answer(f.answer())
    return Cell(n, decimals, vault, oracle, rebalancer, tokens, feeds, quote, units, sold, target, depositor, bidder)


def tx_gas(contract) -> int:
    """The gas of `contract`'s last call as a receipt would show it: 21,000 +
    calldata + execution - refund (the refund capped at a fifth, EIP-3529)."""
    computation = contract._computation
    data = bytes(computation.msg.data)
    used = 21_000 + sum(16 if b else 4 for b in data) + computation.get_gas_used()
    return used - min(computation.get_gas_refund(), used // 5)
