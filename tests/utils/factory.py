"""Launching indexes through the IndexFactory in titanoboa: parameters,
the launched contracts, and a transaction's gas as a receipt would show it."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import boa

from tests.utils.boa_env import WAD, ZERO_ADDRESS, deployer

DAY = 86_400
# The factory's bounds in these tests.
FACTORY_MAX_FEES = (WAD // 50, WAD // 50, WAD // 20)  # 2 %, 2 %, 5 % a year
DELAY_BOUNDS = (DAY, 30 * DAY)
VERSION = 1
HEARTBEAT = 86_400
# The factory's longest feed heartbeat and widest Rebalancer band.
MAX_HEARTBEAT = 2 * DAY
MAX_BAND = 10**17
# The factory governance's own timelock delay.
GOVERNANCE_DELAY = 2 * DAY
# The factory's TWAP listing rule when it has none: no blueprint, all zero.
NO_TWAP = (ZERO_ADDRESS, ZERO_ADDRESS, 0, 0, 0)
# The Rebalancer's own parameters when the factory makes one: its timelock
# at least the index's admin delay (IndexParams.delay).
REBALANCE_TIMELOCK = 2 * DAY
BAND = 5 * 10**16


@dataclass
class IndexParams:
    """What a creator passes to `create_index`, field for field."""

    tokens: list
    units: list
    feeds: list  # (primary, heartbeat, secondary, secondary heartbeat, deviation bps), one per token
    manager: str
    guardian: str
    fee_recipient: str
    governor: str
    name: str = "Factory Index"
    symbol: str = "FIDX"
    fees: tuple = (0, 0, WAD // 100)
    max_fees: tuple = (WAD // 100, WAD // 100, WAD // 50)
    supply_cap: int = 10**9 * WAD
    delay: int = 2 * DAY
    quote: str = ZERO_ADDRESS
    quote_feed: tuple = (ZERO_ADDRESS, 0, ZERO_ADDRESS, 0, 0)  # none: a quote that is a component is priced
    rebalance_timelock: int = REBALANCE_TIMELOCK
    band: int = BAND

    def as_tuple(self) -> tuple:
        return (
            self.name,
            self.symbol,
            list(self.tokens),
            list(self.units),
            [tuple(f) for f in self.feeds],
            self.manager,
            self.guardian,
            self.fee_recipient,
            self.governor,
            list(self.fees),
            list(self.max_fees),
            self.supply_cap,
            self.delay,
            self.quote,
            tuple(self.quote_feed),
            self.rebalance_timelock,
            self.band,
        )


@dataclass
class Launched:
    """The contracts of one index made by the factory."""

    vault: object
    adapter: object
    timelock: object
    rebalancer: object | None
    record: tuple


def clone_at(name: str, address: str):
    """A factory clone (EIP-1167) with `name`'s ABI: its code is the proxy's,
    not the implementation's, which boa would warn about."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="casted bytecode does not match")
        return deployer(name).at(address)


def at(record) -> Launched:
    vault, adapter, timelock, rebalancer, _creator, _version = record
    return Launched(
        vault=clone_at("IndexVault.vy", vault),
        adapter=clone_at("OracleAdapter.vy", adapter),
        timelock=clone_at("IndexTimelock.vy", timelock),
        rebalancer=None if rebalancer == ZERO_ADDRESS else deployer("Rebalancer.vy").at(rebalancer),
        record=record,
    )


# The constructor arguments that deploy an inert, uninitializable
# implementation of each contract the factory clones (EIP-1167).
IMPLEMENTATION_ARGS = {
    "IndexVault.vy": ("", "", [], [], ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS, [0, 0, 0], [0, 0, 0], 0),
    "OracleAdapter.vy": (ZERO_ADDRESS, ZERO_ADDRESS),
    "IndexTimelock.vy": (0, ZERO_ADDRESS, 0, 0),
}


def deploy_implementations() -> list:
    """The vault, adapter and timelock implementations and the Rebalancer
    blueprint, in the order the factory's constructor takes them."""
    implementations = [deployer(name).deploy(*args).address for name, args in IMPLEMENTATION_ARGS.items()]
    return implementations + [deployer("Rebalancer.vy").deploy_as_blueprint().address]


def deploy_factory(
    implementations,
    governance,
    max_fees=FACTORY_MAX_FEES,
    delay_bounds=DELAY_BOUNDS,
    max_heartbeat=MAX_HEARTBEAT,
    max_band=MAX_BAND,
    allowed_feeds=(),
    sequencer_feed=ZERO_ADDRESS,
    grace_period=0,
    version=VERSION,
    twap_rule=NO_TWAP,
):
    """An IndexFactory with the test bounds; `allowed_feeds` (asset, feed) pairs; `twap_rule`
    (TwapFeed blueprint, Uniswap V3 factory, min window, min depth USD, depth per exposure WAD)."""
    return deployer("IndexFactory.vy").deploy(
        list(implementations),
        list(max_fees),
        list(delay_bounds),
        max_heartbeat,
        max_band,
        governance,
        [list(pair) for pair in allowed_feeds],
        sequencer_feed,
        grace_period,
        version,
        tuple(twap_rule),
    )


def _calldata_gas(data: bytes) -> int:
    return sum(16 if b else 4 for b in data)


def create_index_gas(factory, params: IndexParams, sender, cold: bool = False) -> tuple[int, tuple]:
    """Creates an index and returns the gas its transaction would use
    (21,000 + calldata + execution - refund, refund capped at a fifth as
    after EIP-3529).

    boa keeps storage slots (and some accounts) warm across calls;
    `cold=True` resets the access counters first, as a new transaction has
    them. Resetting breaks `boa.env.anchor()`, so only use it outside an
    anchor (`main` below). Warm undercounts by little for fresh tokens
    (about 30,000 gas at 10 components) and by about 100,000 when the
    same tokens and feeds were just read."""
    if cold:
        boa.env._reset_access_counters()
    with boa.env.prank(sender):
        record = factory.create_index(params.as_tuple())
    computation = factory._computation
    used = 21_000 + _calldata_gas(bytes(computation.msg.data)) + computation.get_gas_used()
    refund = min(computation.get_gas_refund(), used // 5)
    return used - refund, record


def main() -> None:
    """Prints the gas of `create_index` by basket size, cold as on a chain:
    `python -m tests.utils.factory` from the repository root."""
    deployer_ = boa.env.generate_address("deployer")
    boa.env.eoa = deployer_
    factory = deploy_factory(deploy_implementations(), governance=deployer_)
    actor = {name: boa.env.generate_address(name) for name in ("creator", "manager", "guardian", "fees", "governor")}
    print("basket  with Rebalancer  without")
    for size in (1, 10, 20, 50, 128):
        tokens = [deployer("mocks/MockToken.vy").deploy(f"C{i}", f"C{i}", 18) for i in range(size)]
        feeds = [deployer("mocks/MockFeed.vy").deploy(8, "C / USD", 10**8) for _ in range(size)]
        gas = []
        for quote in (tokens[0].address, ZERO_ADDRESS):
            params = IndexParams(
                tokens=[t.address for t in tokens],
                units=[10**18 + i for i in range(size)],
                feeds=[(f.address, HEARTBEAT, ZERO_ADDRESS, 0, 0) for f in feeds],
                manager=actor["manager"],
                guardian=actor["guardian"],
                fee_recipient=actor["fees"],
                governor=actor["governor"],
                quote=quote,
            )
            gas.append(create_index_gas(factory, params, actor["creator"], cold=True)[0])
        print(f"{size:>6}  {gas[0]:>15,}  {gas[1]:>10,}")


if __name__ == "__main__":
    main()
