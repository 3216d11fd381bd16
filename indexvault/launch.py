"""Launching indexes through the IndexFactory, and governing them through
their timelocks, on any network Ape knows.

- `ensure_factory`: the network's factory from the deployments file, or,
  if none is recorded, the implementations its indexes clone (vault,
  adapter, timelock), the Rebalancer blueprint and the factory, each a recorded
  step (a run cut off halfway resumes);
- `create_index`: an index file's mock tokens (local chains) and one
  `create_index` transaction, which makes the index's timelock, vault and
  adapter, sets every feed and leaves the admin role with the timelock;
- `plan_deploy` / `plan_create`: what a command will send, with roles, fees
  and gas estimates, shown before anything is signed;
- `read_registry`: every index the factory made, with its NAV per share;
- `queue_fees` / `execute_fees`: a fee change through the index's timelock.

Scripts (`create-index`, `deploy`, `status`, `timelock`) are thin commands
over these functions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from ape import chain, project
from ape.exceptions import ApeException, ContractLogicError

from indexvault import deployments
from indexvault.chain import (
    MOCK_FEED_DECIMALS,
    ZERO_ADDRESS,
    Basket,
    Echo,
    Steps,
    _wad,
    add_rebalancer_directly,
    deploy_mocks,
    deploy_twap_feeds,
    ensure_lens,
    fund,
    index_record,
    record_rebalancer,
    resolve_basket,
)
from indexvault.config import FEE_CEILING, ConfigError, IndexConfig
from indexvault.constants import TX_GAS_CAP
from indexvault.index import DeployedIndex
from indexvault.network import connected, has_code, load_market, record_file
from indexvault.twap import TWAP_FEED_GAS
from indexvault.units import format_duration, from_base, to_base

FACTORY_VERSION = 1
# The factory's bounds: any fee maxima an index file may hold (each at most
# the vault's ceiling), and timelock delays from an hour to thirty days.
FACTORY_MAX_FEES = (FEE_CEILING, FEE_CEILING, FEE_CEILING)
DELAY_BOUNDS = (3_600, 30 * 86_400)
DEFAULT_DELAY = 86_400
# Longest feed heartbeat an index may set (a day: Chainlink's longest for a
# USD feed on mainnet), and widest Rebalancer band (the Rebalancer's own 10 %).
# A Rebalancer's timelock must be at least its index's admin delay.
FACTORY_MAX_HEARTBEAT = 86_400
FACTORY_MAX_BAND = 10**17
# The factory's governance, an IndexTimelock of its own (the deploying
# account its proposer, executor and canceller): alone allows feeds, after
# this delay, within these bounds.
GOVERNANCE_DELAY = 2 * 86_400
GOVERNANCE_DELAY_BOUNDS = (86_400, 30 * 86_400)
# What `status` says of an index priced by any feed the governance has not allowed.
CUSTOM_FEEDS = "custom feeds: you trust the creator"
ALLOWED_FEEDS = "allowlisted feeds"
# What the factory clones (EIP-1167) for each index, deployed once with the
# constructor arguments that make each an inert, uninitializable
# implementation, then the Rebalancer's blueprint (ERC-5202); in the order
# the factory's constructor takes them.
IMPLEMENTATIONS = {
    "IndexVault": ("", "", [], [], ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS, ZERO_ADDRESS, [0, 0, 0], [0, 0, 0], 0),
    "OracleAdapter": (ZERO_ADDRESS, ZERO_ADDRESS),
    "IndexTimelock": (0, ZERO_ADDRESS, 0, 0),
}
BLUEPRINTS = ("Rebalancer",)
# The blueprint of the TwapFeeds the factory's `list_twap` deploys (where TWAP listing is on).
TWAP_BLUEPRINT = "TwapFeed"
# The TWAP listing rule the factory enforces in `list_twap` (SECURITY.md, "TWAP-priced assets";
# benchmarks/results/oracles.json `listing_rule`): a window of at least 30 minutes, and the
# feed's `min_liquidity`, as full-range liquidity at its price, holding at least 75,000 USD a side,
# which at 0.075 USD a side per USD exposed (one-block manipulation costing ten times its gain)
# covers 1M USD of exposure; the local market's thinnest V3 pool (500k USD, a quarter in full
# range) holds about 2M USD a side of in-range liquidity. Enabled where the network's market
# record gives a Uniswap V3 factory; none elsewhere (NO_TWAP).
TWAP_MIN_WINDOW = 1_800
TWAP_MIN_DEPTH_USD = 75_000
TWAP_DEPTH_PER_EXPOSURE = 75 * 10**15  # 0.075, WAD
NO_TWAP = (ZERO_ADDRESS, ZERO_ADDRESS, 0, 0, 0)
# Gas of steps that cannot be estimated before an earlier step exists (the
# factory needs its implementations, an index needs the factory, a feed needs the
# adapter), from `python -m benchmarks factory` and the receipts of a local
# deploy: a line through create_index's gas by basket size, and a feed.
# (clones: about 0.76M without a Rebalancer, 3.0M with one, + 86k a component).
CREATE_GAS_BASE = 3_000_000
CREATE_GAS_PER_COMPONENT = 86_000
FACTORY_GAS = 4_900_000  # its governance timelock (about 2.0M) and the factory itself (about 2.8M)
SET_FEED_GAS = 63_000
VAULT_GAS = 4_900_000
ORACLE_GAS = 1_790_000
ROLE_GAS = 60_000
REBALANCER_GAS = 1_900_000
BYTES32_ZERO = b"\x00" * 32


# -- The plan shown before anything is sent ---------------------------------


@dataclass
class PlanStep:
    """One transaction: its gas estimate (`approx` when it cannot be
    estimated yet and comes from the constants above), or done already."""

    name: str
    gas: int | None
    approx: bool = False
    done: bool = False


@dataclass
class Plan:
    title: str
    account: str
    steps: list[PlanStep]
    roles: dict[str, str]
    fees: dict[str, str]
    notes: list[str] = field(default_factory=list)
    gas_price: int = 0

    @property
    def to_send(self) -> list[PlanStep]:
        return [s for s in self.steps if not s.done]

    @property
    def total_gas(self) -> int:
        return sum(s.gas or 0 for s in self.to_send)

    def render(self) -> str:
        ecosystem, network, _ = connected()
        lines = [
            f"{self.title} on {ecosystem}:{network} (chain id {chain.chain_id}), signed by {self.account}",
            f"record: {record_file()}",
            "",
            "roles:",
            *[f"  {role:<14} {who}" for role, who in self.roles.items()],
            "fees (maximum fixed for the vault's life):",
            *[f"  {name:<14} {value}" for name, value in self.fees.items()],
            "",
            "transactions:",
        ]
        for step in self.steps:
            if step.done:
                lines.append(f"  {step.name:<34} done (recorded), skipped")
            else:
                gas = "?" if step.gas is None else f"{'~' if step.approx else ''}{step.gas:,}"
                lines.append(f"  {step.name:<34} {gas:>12} gas")
        price = Decimal(self.gas_price) / 10**9
        cost = Decimal(self.total_gas * self.gas_price) / 10**18
        lines += [
            f"  {'total (' + str(len(self.to_send)) + ' transactions)':<34} {self.total_gas:>12,} gas",
            f"cost at the current gas price ({price:,.3f} gwei): {cost:.6f} ETH "
            "(~: estimated from measured constants, the step before it not being on chain yet)",
            *self.notes,
        ]
        return "\n".join(lines)


def _estimate(txn) -> int | None:
    try:
        return chain.provider.estimate_gas_cost(txn)
    except ApeException:  # the step would revert, or its inputs are not on chain yet: the plan shows "?"
        return None


def _deploy_gas(container, account, *args) -> int | None:
    return _estimate(container.constructor.serialize_transaction(*args, sender=account.address))


def _blueprint_gas(container, account) -> int | None:
    txn = chain.provider.network.ecosystem.encode_contract_blueprint(container.contract_type, sender=account.address)
    return _estimate(txn)


def _fees(config: IndexConfig) -> dict[str, str]:
    return {
        name: f"{getattr(config.fees, name):%} (max {getattr(config.max_fees, name):%})"
        + (" a year" if name == "streaming" else "")
        for name in ("mint", "redeem", "streaming")
    }


def _mock_steps(config: IndexConfig, basket: Basket, account, done: dict) -> list[PlanStep]:
    names = [c.token for i, c in enumerate(config.components) if basket.tokens[i] is None]
    if basket.quote is not None and basket.quote.token is None:
        names.append(config.rebalance.quote)
    steps = []
    for token in names:
        mock = config.mocks[token]
        container = project.NoReturnToken if mock.quirk == "no-return" else project.MockToken
        name = f"mock {token} token"
        steps.append(
            PlanStep(name, _deploy_gas(container, account, f"Mock {token}", token, mock.decimals), done=name in done)
        )
        name = f"mock {token} feed"
        answer = to_base(mock.price, MOCK_FEED_DECIMALS)
        steps.append(
            PlanStep(
                name, _deploy_gas(project.MockFeed, account, MOCK_FEED_DECIMALS, "X / USD", answer), done=name in done
            )
        )
    return steps


def _twap_steps(basket: Basket, account, done: dict, through_factory: bool = False) -> list[PlanStep]:
    """A TwapFeed per TWAP-priced component: listed through the factory's `list_twap` on the factory
    path, else deployed by the account."""
    steps = []
    for listing in basket.twaps.values():
        if through_factory:
            name = f"list twap {listing.symbol}"
            steps.append(PlanStep(name, TWAP_FEED_GAS, approx=True, done=name in done))
        else:
            name = f"twap {listing.symbol} feed"
            gas = _deploy_gas(project.TwapFeed, account, *listing.args)
            steps.append(PlanStep(name, gas, done=name in done))
    return steps


def _lens_steps(account) -> list[PlanStep]:
    """The network's IndexLens, when none is recorded yet (one serves every index)."""
    address = deployments.load_lens(record_file())
    if address is not None and has_code(address):
        return []
    return [PlanStep("IndexLens", _deploy_gas(project.IndexLens, account))]


def plan_deploy(config: IndexConfig, basket: Basket, account) -> Plan:
    """What `ape run deploy` will send: mocks, vault, adapter, one feed per
    component, the adapter's admin handed over."""
    path = record_file()
    done = deployments.pending(path, f"deploy {config.symbol}")["steps"]
    me = account.address
    roles = config.roles
    steps = _mock_steps(config, basket, account, done) + _twap_steps(basket, account, done)
    steps.append(PlanStep("vault", VAULT_GAS, approx=True, done="vault" in done))
    steps.append(PlanStep("oracle adapter", ORACLE_GAS, approx=True, done="oracle" in done))
    steps += [PlanStep(f"feed {s}", SET_FEED_GAS, approx=True, done=f"feed {s}" in done) for s in basket.symbols]
    if basket.quote is not None:
        if basket.quote.token is None or basket.quote.token not in basket.tokens:
            name = f"feed {basket.quote.symbol}"
            steps.append(PlanStep(name, SET_FEED_GAS, approx=True, done=name in done))
        steps.append(PlanStep("rebalancer", REBALANCER_GAS, approx=True, done="rebalancer" in done))
        steps.append(PlanStep("rebalancer role", ROLE_GAS, approx=True, done="rebalancer role" in done))
    if roles.admin and roles.admin.lower() != me.lower():
        for name in ("oracle", "vault") if basket.quote is not None else ("oracle",):
            steps += [
                PlanStep(f"{name} admin", ROLE_GAS, True, f"{name} admin" in done),
                PlanStep(f"{name} renounce", ROLE_GAS, True, f"{name} renounce" in done),
            ]
    steps += _lens_steps(account)
    return Plan(
        title=f"Deploy {config.symbol} ({len(basket.symbols)} components) directly",
        account=me,
        steps=steps,
        roles={
            "admin": f"{roles.admin or me} (an account, no timelock: `create-index` puts it behind one)",
            "manager": roles.manager or me,
            "guardian": roles.guardian or me,
            "fee recipient": roles.fee_recipient or me,
        },
        fees=_fees(config),
        gas_price=chain.provider.gas_price,
    )


def plan_create(config: IndexConfig, basket: Basket, account, delay: int) -> Plan:
    """What `ape run create-index` will send: the factory if the network has
    none, mocks (local chains), and the one `create_index` transaction."""
    _rebalance_params(config, basket, delay)  # the factory's rebalance rule, refused before anything is sent
    path = record_file()
    factory = _recorded_factory(path)
    done_factory = deployments.pending(path, "factory")["steps"]
    done = deployments.pending(path, f"create {config.symbol}")["steps"]
    steps = []
    notes = []
    if factory is None:
        steps += [
            PlanStep(
                f"implementation {name}",
                _deploy_gas(getattr(project, name), account, *args),
                done=f"implementation {name}" in done_factory,
            )
            for name, args in IMPLEMENTATIONS.items()
        ]
        steps += [
            PlanStep(
                f"blueprint {name}",
                _blueprint_gas(getattr(project, name), account),
                done=f"blueprint {name}" in done_factory,
            )
            for name in _blueprints()
        ]
        steps.append(PlanStep("IndexFactory", FACTORY_GAS, approx=True, done="factory" in done_factory))
        notes.append(
            f"no IndexFactory is recorded in {path}: one is deployed first (version {FACTORY_VERSION}, "
            f"fee maxima at most {FEE_CEILING:%}, timelock delay {DELAY_BOUNDS[0]:,} to {DELAY_BOUNDS[1]:,} s)"
        )
    else:
        notes.append(f"through the IndexFactory at {factory['address']} (version {factory['version']})")
    steps += _mock_steps(config, basket, account, done) + _twap_steps(basket, account, done, through_factory=True)
    n = len(basket.symbols)
    gas, approx = CREATE_GAS_BASE + CREATE_GAS_PER_COMPONENT * n, True
    ready = all(basket.tokens) and all(basket.feeds) and (basket.quote is None or basket.quote.token)
    if factory is not None and ready:
        estimated = _estimate(
            project.IndexFactory.at(factory["address"]).create_index.as_transaction(
                _params(config, basket, account, delay), sender=account
            )
        )
        if estimated is not None:
            gas, approx = estimated, False
    steps.append(PlanStep(f"create_index ({n} components)", gas, approx, done="create" in done))
    steps += _lens_steps(account)
    if gas > TX_GAS_CAP:
        notes.append(
            f"warning: create_index is above EIP-7825's {TX_GAS_CAP:,} gas per transaction, which networks "
            "from the Osaka fork on refuse; fewer components fit (about 119 do)"
        )
    me = account.address
    roles = config.roles
    return Plan(
        title=f"Create {config.symbol} ({n} components) through the IndexFactory",
        account=me,
        steps=steps,
        roles={
            "admin": (
                f"a new IndexTimelock, delay {delay:,} s (vault and adapter; fee, role and feed changes wait it out)"
            ),
            "governor": f"{roles.admin or me} (proposes, executes and cancels through the timelock)",
            "manager": roles.manager or me,
            "guardian": f"{roles.guardian or me} (pauses minting at once, no delay)",
            "fee recipient": roles.fee_recipient or me,
        },
        fees=_fees(config),
        notes=notes,
        gas_price=chain.provider.gas_price,
    )


# -- The factory and its indexes -----------------------------------------------


def _recorded_factory(path) -> dict[str, Any] | None:
    """The IndexFactory recorded at `path`, checked to have code; None if
    none is recorded, or if a local chain restarted without it."""
    factory = deployments.load_factory(path)
    if factory is None or has_code(factory["address"]):
        return factory
    if connected()[2]:
        return None  # local chains start empty each time: a new factory is deployed
    raise deployments.DeploymentError(
        f"{path} records an IndexFactory at {factory['address']}, but this chain has no contract there: "
        "check --network, or move the file away to start a new record"
    )


def _initial_allowlist() -> list[list[str]]:
    """(token, feed) of every asset of the local market this network's node
    serves, allowed in the factory's constructor (in public, before any
    index exists); none elsewhere: there the governance allows feeds."""
    market = load_market(check=False)
    if market is None:
        return []
    return [[asset.token, asset.feed] for asset in market.assets.values() if asset.feed is not None]


def _uniswap_v3_factory() -> str | None:
    """The Uniswap V3 factory whose pools the factory may list (TWAP listing on): the local
    market's; None elsewhere (or a market record without one)."""
    market = load_market(check=False)
    if market is None or market.uniswap.v3_factory == ZERO_ADDRESS:
        return None
    return market.uniswap.v3_factory


def _blueprints() -> tuple[str, ...]:
    """The blueprints a new factory needs: the Rebalancer's, and the TwapFeed's where TWAP listing is on."""
    return BLUEPRINTS + ((TWAP_BLUEPRINT,) if _uniswap_v3_factory() else ())


def twap_rule(blueprint: str | None, uniswap_v3_factory: str | None) -> tuple:
    """The factory constructor's `twap_rule_`: the TwapFeed blueprint, the Uniswap V3 factory
    whose pools may be listed and the rule's numbers; NO_TWAP without a Uniswap V3 factory."""
    if not blueprint or not uniswap_v3_factory or uniswap_v3_factory == ZERO_ADDRESS:
        return NO_TWAP
    return (blueprint, uniswap_v3_factory, TWAP_MIN_WINDOW, TWAP_MIN_DEPTH_USD, TWAP_DEPTH_PER_EXPOSURE)


def ensure_factory(account, echo: Echo = print) -> dict[str, Any]:
    """The network's recorded IndexFactory (checked to have code), or a new
    one: its implementations and blueprints, its governance timelock and itself, each a
    recorded step."""
    path = record_file()
    factory = _recorded_factory(path)
    if factory is not None:
        return factory
    steps = Steps("factory", f"version {FACTORY_VERSION}", echo)
    addresses = []
    for name, args in IMPLEMENTATIONS.items():
        address = steps.contract(f"implementation {name}", lambda: getattr(project, name).deploy(*args, sender=account))
        echo(f"  implementation {name:<14} {address}")
        addresses.append(address)
    blueprints = _blueprints()
    for name in blueprints:
        address = steps.contract(
            f"blueprint {name}", lambda: account.declare(getattr(project, name), sender=account.address)
        )
        echo(f"  blueprint {name:<14} {address}")
        addresses.append(address)
    governance = steps.contract(
        "governance",
        lambda: project.IndexTimelock.deploy(
            GOVERNANCE_DELAY, account.address, *GOVERNANCE_DELAY_BOUNDS, sender=account
        ),
    )
    echo(f"  governance timelock {governance} (delay {GOVERNANCE_DELAY:,} s, governor {account.address})")
    allowed = _initial_allowlist()
    twap_blueprint = addresses[len(IMPLEMENTATIONS) + 1] if TWAP_BLUEPRINT in blueprints else None
    rule = twap_rule(twap_blueprint, _uniswap_v3_factory())
    address = steps.contract(
        "factory",
        lambda: project.IndexFactory.deploy(
            addresses[: len(IMPLEMENTATIONS) + 1],  # the implementations and the Rebalancer blueprint
            [_wad(fee) for fee in FACTORY_MAX_FEES],
            list(DELAY_BOUNDS),
            FACTORY_MAX_HEARTBEAT,
            FACTORY_MAX_BAND,
            governance,
            allowed,
            ZERO_ADDRESS,  # no sequencer-uptime feed on L1
            0,
            FACTORY_VERSION,
            rule,
            sender=account,
        ),
    )
    echo(f"  IndexFactory {address} ({len(allowed)} feed(s) allowlisted)")
    if rule != NO_TWAP:
        covers = TWAP_MIN_DEPTH_USD * 10**18 // TWAP_DEPTH_PER_EXPOSURE
        echo(
            f"  TWAP listing: pools of Uniswap V3 {rule[1]}, window >= {TWAP_MIN_WINDOW:,} s, "
            f">= {TWAP_MIN_DEPTH_USD:,} USD a side (covers {covers:,} USD exposed)"
        )
    factory = {
        "address": address,
        "implementations": dict(zip(IMPLEMENTATIONS, addresses)),
        "blueprints": dict(zip(blueprints, addresses[len(IMPLEMENTATIONS) :])),
        "governance": governance,
        "twap_rule": dict(zip(("blueprint", "uniswap_factory", "min_window", "min_depth", "depth_per_exposure"), rule)),
        "version": FACTORY_VERSION,
        "chain_id": chain.chain_id,
        "block": chain.blocks.head.number,
    }
    deployments.save_factory(path, factory)
    steps.finish()
    return factory


def _params(config: IndexConfig, basket: Basket, account, delay: int) -> tuple:
    """IndexFactory.IndexParams from an index file, field for field."""
    me = account.address
    roles = config.roles
    return (
        config.name,
        config.symbol,
        basket.tokens,
        basket.units,
        basket.feeds,
        roles.manager or me,
        roles.guardian or me,
        roles.fee_recipient or me,
        roles.admin or me,  # the governor: the timelock's proposer, executor and canceller
        [_wad(config.fees.mint), _wad(config.fees.redeem), _wad(config.fees.streaming)],
        [_wad(config.max_fees.mint), _wad(config.max_fees.redeem), _wad(config.max_fees.streaming)],
        _wad(config.supply_cap),
        delay,
        *_rebalance_params(config, basket, delay),
    )


def _rebalance_params(config: IndexConfig, basket: Basket, delay: int) -> tuple:
    """IndexParams' quote, quote feed, rebalance timelock and band from the index file's `rebalance`
    section (no Rebalancer without one). The factory's rule, checked here first with its reason: the
    rebalance timelock is at least the admin delay, so a proposal waits as long as any admin change."""
    none = (ZERO_ADDRESS, 0, ZERO_ADDRESS, 0, 0)
    if basket.quote is None:
        return ZERO_ADDRESS, none, 0, 0
    policy = config.rebalance
    if policy.timelock < delay:
        raise ConfigError(
            f"rebalance.timelock: {policy.timelock} s is shorter than the admin delay ({delay} s): through the "
            "factory a proposal waits at least as long as any admin change, so holders can leave first"
        )
    quote_feed = none if basket.quote.token in basket.tokens else basket.quote.feed
    return basket.quote.token, quote_feed, policy.timelock, _wad(policy.band)


def _created_since(factory, first_id: int, creator: str, symbol: str) -> dict[str, Any] | None:
    """The index named `symbol` that `creator` made with an id from
    `first_id` on: a create whose transaction went through before the last
    run was cut off, adopted instead of made twice."""
    for index_id in range(first_id, factory.index_count()):
        vault, adapter, timelock, rebalancer, who, _version = factory.indexes(index_id)
        if who.lower() == creator.lower() and project.IndexVault.at(vault).symbol() == symbol:
            return {
                "address": vault,
                "adapter": adapter,
                "timelock": timelock,
                "rebalancer": rebalancer,
                "index_id": index_id,
            }
    return None


def create_index(
    config: IndexConfig,
    account,
    delay: int = DEFAULT_DELAY,
    echo: Echo = print,
    fund_shares: Decimal = Decimal(1000),
    basket: Basket | None = None,
    source: str = "",
) -> DeployedIndex:
    """Create `config`'s index through the network's factory (deploying the
    factory first if none is recorded), record it and return the record."""
    basket = basket or resolve_basket(config)
    if not DELAY_BOUNDS[0] <= delay <= DELAY_BOUNDS[1]:
        raise ValueError(
            f"--delay: {delay} s is outside the factory's bounds, {DELAY_BOUNDS[0]} to {DELAY_BOUNDS[1]} s"
        )
    factory_record = ensure_factory(account, echo)
    factory = project.IndexFactory.at(factory_record["address"])
    steps = Steps(f"create {config.symbol}", source, echo)
    deploy_mocks(config, basket, account, steps, echo)
    # Each TwapFeed through the factory's `list_twap`: its listing rule checked, the feed allowlisted.
    deploy_twap_feeds(basket, account, steps, echo, factory)

    # The registry's length just before the create is sent: if the run is cut
    # off after sending, the next one looks there before sending again.
    first_id = steps.run("create sent", lambda: {"index_count": factory.index_count()})["index_count"]

    def create() -> dict[str, Any]:
        adopted = _created_since(factory, first_id, account.address, config.symbol)
        if adopted is not None:
            echo(
                f"  found {config.symbol} in the factory's registry (index {adopted['index_id']}): "
                "its transaction went through before the last run stopped"
            )
            return adopted
        receipt = factory.create_index(_params(config, basket, account, delay), sender=account)
        created = receipt.events.filter(factory.IndexCreated)[0]
        return {
            "address": created.vault,
            "adapter": created.adapter,
            "timelock": created.timelock,
            "rebalancer": created.rebalancer,
            "index_id": created.index_id,
            "tx": receipt.txn_hash,
            "gas": receipt.gas_used,
        }

    made = steps.run("create", create)
    lens = ensure_lens(account, steps)
    echo(f"  {config.symbol}: vault {made['address']}  adapter {made['adapter']}  timelock {made['timelock']}")
    record = index_record(
        config,
        basket,
        vault=made["address"],
        oracle=made["adapter"],
        timelock=made["timelock"],
        **({"rebalancer": made["rebalancer"]} if basket.quote is not None else {}),
        factory=factory_record["address"],
        index_id=made["index_id"],
        governor=config.roles.admin or account.address,
        lens=lens,
    )
    deployments.save(record_file(), record)
    steps.finish()
    fund(config, basket, account, fund_shares, echo)
    return DeployedIndex(record)


def read_registry(factory_record: dict[str, Any]) -> list[dict[str, Any]]:
    """Every index the factory made: id, symbol, creator, version, contracts,
    its feeds' kind (allowlisted by the factory's governance, or custom: its
    holders trust the creator), the shortest notice any of its roles gives
    before moving value or changing its pricing, and its adapter's
    NAV-per-share feed (latestRoundData), or the reason it gives none."""
    factory = project.IndexFactory.at(factory_record["address"])
    rows = []
    for index_id in range(factory.index_count()):
        vault, adapter, timelock, rebalancer, creator, version = factory.indexes(index_id)
        oracle = project.OracleAdapter.at(adapter)
        row = {
            "id": index_id,
            "symbol": project.IndexVault.at(vault).symbol(),
            "creator": creator,
            "version": version,
            "vault": vault,
            "adapter": adapter,
            "timelock": timelock,
            "rebalancer": None if rebalancer == ZERO_ADDRESS else rebalancer,
            "feeds": CUSTOM_FEEDS if factory.custom_feeds(index_id) else ALLOWED_FEEDS,
            "notice": factory.notice(index_id),
            "nav_per_share": None,
            "updated_at": None,
            "error": None,
        }
        try:
            _, answer, _, updated_at, _ = oracle.latestRoundData()
            row["nav_per_share"] = from_base(answer, oracle.decimals())
            row["updated_at"] = updated_at
        except ContractLogicError as error:
            row["error"] = str(error.message)
        rows.append(row)
    return rows


def render_registry(factory_record: dict[str, Any], rows: list[dict[str, Any]]) -> str:
    """The factory's registry as `ape run status` shows it."""
    from indexvault.report import number, table

    head = (
        f"IndexFactory {factory_record['address']} (version {factory_record['version']}): "
        f"{len(rows)} index{'es' if len(rows) != 1 else ''}"
    )
    if not rows:
        return head
    body = table(
        ["id", "symbol", "creator", "version", "adapter", "feeds", "notice", "NAV/share USD"],
        [
            (
                r["id"],
                r["symbol"],
                r["creator"],
                r["version"],
                r["adapter"],
                r["feeds"],
                _duration(r["notice"]),
                number(r["nav_per_share"], 6) if r["error"] is None else f"unavailable: {r['error']}",
            )
            for r in rows
        ],
        "rllrllrr",
    )
    return f"{head}\n{body}"


def _duration(seconds: int) -> str:
    """A notice as a person reads it: 2 d, 1 h, 90 s."""
    for size, unit in ((86_400, "d"), (3_600, "h"), (60, "min")):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size} {unit}"
    return f"{seconds} s"


def read_network() -> dict[str, Any]:
    """What the network's deployments file holds besides its indexes: the
    chain id, unfinished deployments, and the factory's registry."""
    path = record_file()
    factory = _recorded_factory(path)
    ecosystem, network, _ = connected()
    return {
        "network": f"{ecosystem}:{network}",
        "chain_id": chain.chain_id,
        "record": str(path),
        "incomplete": {job: sorted(entry["steps"]) for job, entry in deployments.pending(path).items()},
        "factory": factory,
        "registry": read_registry(factory) if factory else [],
    }


def render_network(info: dict[str, Any]) -> str:
    lines = [f"{info['network']} (chain id {info['chain_id']}), recorded in {info['record']}"]
    for job, steps in info["incomplete"].items():
        lines.append(f"INCOMPLETE, not live: {job} ({len(steps)} step(s) done); re-run the same command to finish it")
    if info["factory"]:
        lines += ["", render_registry(info["factory"], info["registry"])]
    return "\n".join(lines)


# -- Governance through the timelock ---------------------------------------------


@dataclass
class Operation:
    """The calls the timelock makes, together, once its delay has passed
    (`schedule`/`execute` for one, their batch forms for several)."""

    timelock: Any
    calls: tuple[tuple[str, bytes], ...]  # (target, payload)
    description: str
    again: str = "`ape run timelock execute` with the same values"  # how the user executes it

    @property
    def args(self) -> tuple:
        if len(self.calls) == 1:
            ((target, payload),) = self.calls
            return (target, 0, payload, BYTES32_ZERO, BYTES32_ZERO)
        targets = [target for target, _ in self.calls]
        return (targets, [0] * len(targets), [payload for _, payload in self.calls], BYTES32_ZERO, BYTES32_ZERO)

    @property
    def batch(self) -> bool:
        return len(self.calls) > 1

    @property
    def id(self) -> bytes:
        if self.batch:
            return self.timelock.hash_operation_batch(*self.args)
        return self.timelock.hash_operation(*self.args)


def fee_change(index: DeployedIndex, mint: Decimal, redeem: Decimal, streaming: Decimal) -> Operation:
    """`IndexVault.set_fees` as a timelock operation of `index`."""
    index = DeployedIndex.of(index)
    if not index.has("timelock"):
        raise deployments.DeploymentError(
            f"{index.symbol} was deployed directly (`ape run deploy`), so it has no timelock: "
            "its admin account calls the vault itself"
        )
    vault = index.vault
    payload = vault.set_fees.encode_input(_wad(mint), _wad(redeem), _wad(streaming))
    return Operation(
        index.timelock,
        ((vault.address, payload),),
        f"{index.symbol}: fees mint {mint:%}, redeem {redeem:%}, streaming {streaming:%} a year",
    )


def queue(operation: Operation, account) -> tuple[Any, int]:
    """Schedules `operation` with the timelock's minimum delay; returns the
    receipt and the time (unix) from which it can be executed."""
    timelock = operation.timelock
    if timelock.is_operation(operation.id):
        raise ValueError(f"already queued: {operation.description} (run {operation.again})")
    delay = timelock.get_minimum_delay()
    schedule = timelock.schedule_batch if operation.batch else timelock.schedule
    receipt = schedule(*operation.args, delay, sender=account)
    return receipt, chain.blocks.head.timestamp + delay


def execute(operation: Operation, account):
    """Executes `operation` once its delay has passed; a clear message otherwise."""
    timelock = operation.timelock
    if not timelock.is_operation(operation.id):
        raise ValueError(f"not queued: {operation.description} (run `ape run timelock queue` first)")
    if timelock.is_operation_done(operation.id):
        raise ValueError(f"already executed: {operation.description}")
    if not timelock.is_operation_ready(operation.id):
        ready_at = timelock.get_timestamp(operation.id)
        wait = ready_at - chain.blocks.head.timestamp
        raise ValueError(
            f"not ready: {operation.description} can be executed in {wait:,} s ({format_duration(wait)}, "
            f"at unix time {ready_at})"
        )
    return (timelock.execute_batch if operation.batch else timelock.execute)(*operation.args, sender=account)


def rebalancer_addition(index: DeployedIndex, rebalancer: str, quote: Any) -> Operation:
    """What a factory index's timelock runs to take on `rebalancer` (deployed, not yet trusted): the quote's
    feed in the adapter when it has none, then REBALANCER_ROLE on the vault. Holders see it queued for the
    whole admin delay, the Rebalancer's own timelock and band included, and can leave first."""
    vault, oracle = index.vault, index.oracle
    calls = []
    if oracle.feed(quote.token)[0] == ZERO_ADDRESS:
        calls.append((oracle.address, oracle.set_feed.encode_input(quote.token, *quote.feed)))
    calls.append((vault.address, vault.grantRole.encode_input(vault.REBALANCER_ROLE(), rebalancer)))
    return Operation(
        index.timelock,
        tuple(calls),
        f"{index.symbol}: Rebalancer {rebalancer} (quote {quote.symbol})",
        again="`ape run keeper add-rebalancer` again with the same values",
    )


def add_rebalancer(
    index: DeployedIndex,
    account,
    quote: Any,
    timelock: int,
    band: Decimal,
    auction: int,
    echo: Echo = print,
) -> DeployedIndex:
    """Give an existing index a Rebalancer trading against `quote` (`chain.Resolved`). Deployed directly
    (`ape run deploy`): deployed and granted its role at once by the admin `account`. Through the factory:
    the first run deploys it and queues its role (and the quote's feed) in the index's timelock; a run after
    the delay executes that and records it. The rebalance timelock must be at least the index timelock's
    delay, the factory's rule. The keeper deploys its bidder when it first bids."""
    index = DeployedIndex.of(index)
    if index.has("rebalancer"):
        raise deployments.DeploymentError(f"{index.symbol} already has a Rebalancer: {index['rebalancer']}")
    if not index.has("timelock"):
        return add_rebalancer_directly(index, account, quote, timelock, band, auction, echo)
    delay = index.timelock.get_minimum_delay()
    if timelock < delay:
        raise ConfigError(
            f"--timelock: {timelock} s is shorter than {index.symbol}'s admin delay ({delay} s): a proposal "
            "must wait at least as long as any admin change, so holders can leave first"
        )
    pending = index.get("pending_rebalancer")
    if pending is None:
        rebalancer = project.Rebalancer.deploy(
            index.address("vault"), index.address("oracle"), quote.token, timelock, _wad(band), sender=account
        )
        operation = rebalancer_addition(index, rebalancer.address, quote)
        _, ready_at = queue(operation, account)
        pending = {"address": rebalancer.address, "auction": auction}
        updated = index.updated(pending_rebalancer=pending)
        echo(
            f"  rebalancer {rebalancer.address} deployed (quote {quote.symbol}, timelock "
            f"{format_duration(timelock)}, band {band:%}); its role is queued in {index.symbol}'s timelock: "
            f"run this command again from unix time {ready_at} (in {format_duration(delay)})"
        )
        return updated
    execute(rebalancer_addition(index, pending["address"], quote), account)
    echo(f"  rebalancer {pending['address']} now holds {index.symbol}'s REBALANCER_ROLE")
    return record_rebalancer(index, pending["address"], quote, pending["auction"])
