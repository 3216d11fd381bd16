"""Deploying through Ape: an index from its file (resolved against the
connected chain first, each transaction a recorded step that resumes), its
lens, and a Rebalancer and its bidder added later.

Scripts in `scripts/` are thin click commands over these functions. An
index already deployed is a `DeployedIndex` (`indexvault.index`); what
anyone does with one (mint, redeem, claim, sync, status) is
`indexvault.operations`; the connected network (its record file, its
market) is `indexvault.network`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ape import Contract, chain, project
from ape.api import ReceiptAPI

from indexvault import deployments
from indexvault import twap as twap_source
from indexvault.config import ConfigError, IndexConfig
from indexvault.constants import WAD, ZERO_ADDRESS
from indexvault.index import DeployedIndex
from indexvault.network import (
    TESTNETS,
    connected,
    has_code,
    load_market,
    mocks_allowed,
    record_file,
)

# Re-exported for callers written before `indexvault.network` and `indexvault.operations` (new code
# imports them from there).
from indexvault.network import deployments_root as deployments_root
from indexvault.network import market_rpc as market_rpc
from indexvault.network import project_bytecode as project_bytecode
from indexvault.network import save_market as save_market
from indexvault.operations import Transfer as Transfer
from indexvault.operations import mint as mint
from indexvault.operations import read_status as read_status
from indexvault.operations import redeem as redeem
from indexvault.operations import sync_shortfalls as sync_shortfalls
from indexvault.operations import withdraw_claim as withdraw_claim
from indexvault.twap import TwapListing
from indexvault.units import format_duration, from_base, to_base, units_from_weights

MOCK_FEED_DECIMALS = 8
MOCK_HEARTBEAT = 86400
DEFAULT_ADMIN_ROLE = b"\x00" * 32
MAX_UNIT = 2**96 - 1  # IndexVault packs a unit into 96 bits

Echo = Callable[[str], None]
# The market's WETH is Uniswap's WETH9; this build of it wraps ETH through deposit() only.
WETH_DEPOSIT_ABI = [{"type": "function", "name": "deposit", "inputs": [], "outputs": [], "stateMutability": "payable"}]


def live_indexes() -> dict[str, dict[str, Any]]:
    """`DeployedIndex.live()`, as plain records."""
    return {symbol: index.record for symbol, index in DeployedIndex.live().items()}


def with_current_components(record: dict[str, Any]) -> dict[str, Any]:
    """`DeployedIndex.with_current_components`, as a plain record."""
    return DeployedIndex(record).with_current_components().record


def load_deployment(symbol: str | None = None) -> dict[str, Any]:
    """The deployment record of `symbol` (or the latest), checked against the chain, as a plain dict:
    kept for callers written before `DeployedIndex.load`, which new code takes instead."""
    return DeployedIndex.load(symbol).record


def trading_market(record: DeployedIndex | dict[str, Any], check: bool = True):
    """`DeployedIndex.trading_market`, for callers holding a record."""
    return DeployedIndex.of(record).trading_market(check)


def _wad(value: Decimal) -> int:
    return to_base(value, 18)


@dataclass
class Resolved:
    """One token of an index file resolved on the connected chain: its
    symbol, decimals, USD price, token and feed tuple (None where a mock is
    still to deploy), and the market asset it stands for, if any."""

    symbol: str
    decimals: int
    price: Decimal
    token: str | None
    feed: tuple | None  # None until deployed: a mock's feed, or a TwapFeed (`twap`)
    asset: Any = None
    twap: TwapListing | None = None


@dataclass
class Basket:
    """An index file's components resolved on the connected chain, before
    anything is sent: symbols, decimals, units per share (base units), and
    each token and feed tuple (None where a mock is still to deploy); and the
    Rebalancer's quote asset when the file has a `rebalance` section."""

    symbols: list[str]
    decimals: list[int]
    units: list[int]
    tokens: list[str | None]
    feeds: list[tuple | None]
    market_assets: dict[int, Any]
    quote: Resolved | None = None
    twaps: dict[int, TwapListing] = field(default_factory=dict)  # components priced by a pool's TWAP


def _resolve(config: IndexConfig, where: str, ref: str, feed_config, asset, network: str) -> Resolved:
    """The token `ref` names in `config` (a market asset, a mock or an address with its feed)."""
    twap = getattr(feed_config, "twap", None)
    if asset is not None and (twap is not None or asset.feed is None):
        return _resolve_market_twap(where, asset, twap)
    if asset is not None:
        feed = project.MockFeed.at(asset.feed)  # AggregatorV3 ABI
        return Resolved(
            asset.token_symbol,
            asset.decimals,
            from_base(feed.latestRoundData()[1], asset.feed_decimals),
            asset.token,
            (asset.feed, asset.heartbeat, ZERO_ADDRESS, 0, 0),
            asset,
        )
    if ref in config.mocks:
        mock = config.mocks[ref]
        return Resolved(ref, mock.decimals, mock.price, None, None)  # deployed with the index
    if not has_code(ref):
        raise ConfigError(f"{where}: no contract at {ref} on {network}")
    assert feed_config is not None  # the config guarantees it
    token = project.MockToken.at(ref)  # any ERC-20 ABI will do
    if twap is not None:
        symbol, decimals = token.symbol(), token.decimals()
        where = where.rsplit(".", 1)[0]
        listing, price = twap_source.resolve(
            market_rpc(), where, symbol, ref, decimals, twap, twap.pool, twap.quote_feed, twap.quote_heartbeat
        )
        return Resolved(symbol, decimals, price, ref, None, twap=listing)
    for name, address in (("primary", feed_config.primary), ("secondary", feed_config.secondary)):
        if address and not has_code(address):
            raise ConfigError(f"{where.rsplit('.', 1)[0]}.feed.{name}: no contract at {address} on {network}")
    feed = project.MockFeed.at(feed_config.primary)  # AggregatorV3 ABI
    f = feed_config
    deviation_bps = int(f.max_deviation * 10_000) if f.max_deviation else 0
    return Resolved(
        token.symbol(),
        token.decimals(),
        from_base(feed.latestRoundData()[1], feed.decimals()),
        ref,
        (f.primary, f.heartbeat, f.secondary or ZERO_ADDRESS, f.secondary_heartbeat or 0, deviation_bps),
    )


def _resolve_market_twap(where: str, asset, twap) -> Resolved:
    """A market asset priced by its V3 pool's TWAP, quoted in the market's quote (USDC) and priced by
    the market's feed of it; a long-tail asset (no Chainlink feed) must be."""
    where = where.rsplit(".", 1)[0]
    market = load_market(check=False)
    if twap is None:
        raise ConfigError(
            f"{where}.feed: {asset.token_symbol} has no Chainlink feed on the {market.date} market (a long-tail "
            "asset, only a V3 pool): give `feed: {twap: {window: 1800, min_liquidity: ...}}` to price it by its TWAP"
        )
    pool = asset.v3_pool
    if pool is None:
        raise ConfigError(f"{where}.feed.twap: {asset.token_symbol} has no Uniswap V3 pool on the {market.date} market")
    quote = market.asset(pool.pair)
    if quote.feed is None:
        raise ConfigError(
            f"{where}.feed.twap: {asset.token_symbol}'s pool is against {quote.symbol}, which has no feed"
        )
    listing, price = twap_source.resolve(
        market_rpc(),
        where,
        asset.token_symbol,
        asset.token,
        asset.decimals,
        twap,
        pool.address,
        quote.feed,
        quote.heartbeat,
    )
    return Resolved(asset.token_symbol, asset.decimals, price, asset.token, None, asset, listing)


def deploy_twap_feeds(basket: Basket, account, steps: Steps, echo: Echo = print, factory=None) -> None:
    """A TwapFeed for each TWAP-priced component, filling `basket.feeds`: listed through `factory`'s
    `list_twap` (its rule checked, the feed allowlisted) on the factory path, else deployed here."""
    for i, listing in basket.twaps.items():
        if factory is not None:
            feed = steps.run(
                f"list twap {listing.symbol}", lambda: twap_source.list_through_factory(factory, listing, account)
            )["address"]
        else:
            feed = steps.contract(
                f"twap {listing.symbol} feed", lambda: project.TwapFeed.deploy(*listing.args, sender=account)
            )
        basket.feeds[i] = twap_source.feed_tuple(feed, listing)
        echo(f"  twap   {listing.symbol:<6} feed {feed} ({listing.description}, heartbeat {listing.heartbeat:,} s)")


def resolve_basket(config: IndexConfig) -> Basket:
    """Check `config` against the connected chain and compute its units;
    raises ConfigError naming the field, having sent nothing."""
    _, network, _ = connected()
    if config.uses_mocks and not mocks_allowed():
        raise ConfigError(
            f"mocks: mock tokens can only be deployed on a local network or a testnet ({', '.join(TESTNETS)}), "
            f"not {network}; give each component a token address and a feed"
        )
    market_assets = _market_assets(config, network)
    resolved = [
        _resolve(config, f"components[{i}].token", c.token, c.feed, market_assets.get(i), network)
        for i, c in enumerate(config.components)
    ]
    quote = None
    if config.rebalance is not None:
        quote = _resolve(
            config,
            "rebalance.quote",
            config.rebalance.quote,
            config.rebalance.quote_feed,
            market_assets.get("quote"),
            network,
        )
    symbols = [r.symbol for r in resolved]
    decimals = [r.decimals for r in resolved]
    if config.components[0].weight is not None:
        assert config.initial_nav_per_share is not None
        units = units_from_weights(
            [c.weight for c in config.components], [r.price for r in resolved], decimals, config.initial_nav_per_share
        )
    else:
        units = [to_base(c.units, d) for c, d in zip(config.components, decimals)]
    for i, unit in enumerate(units):
        if unit == 0:
            raise ConfigError(
                f"components[{i}]: less than one base unit of {symbols[i]} per index token; raise its units or weight"
            )
        if unit > MAX_UNIT:
            raise ConfigError(
                f"components[{i}]: {unit} base units of {symbols[i]} per index token is above the vault's 2**96 - 1"
            )
    component_assets = {i: a for i, a in market_assets.items() if i != "quote"}
    return Basket(
        symbols,
        decimals,
        units,
        [r.token for r in resolved],
        [r.feed for r in resolved],
        component_assets,
        quote,
        {i: r.twap for i, r in enumerate(resolved) if r.twap is not None},
    )


class Steps:
    """The transactions of one deployment job (`deploy DCI`, `factory` ...),
    each recorded in the network's deployments file as it completes, so a
    run cut off halfway resumes where it stopped: a recorded contract is
    reused once checked to have code, a recorded transaction is not sent
    again. `fingerprint` names what the job was started from (the index
    file's content): resuming it from anything else is refused."""

    def __init__(self, job: str, fingerprint: str, echo: Echo = print):
        self.job = job
        self.path = record_file()
        self.echo = echo
        entry = deployments.pending(self.path, job)
        self.done: dict[str, dict[str, Any]] = entry["steps"]
        if self.done and not self._alive():
            # A local chain restarted: what was recorded is gone; start over.
            deployments.finish(self.path, job)
            self.done = {}
        recorded = entry.get("fingerprint")
        if self.done and recorded is not None and recorded != fingerprint:
            raise deployments.DeploymentError(
                f"{self.path} holds an unfinished {job!r} started from a different index file; "
                "re-run it with that file, or remove its entry under `pending` to start over"
            )
        self.fingerprint = fingerprint
        if self.done:
            echo(f"  resuming {job}: {len(self.done)} step(s) already done ({', '.join(self.done)})")

    def _alive(self) -> bool:
        addresses = [s["address"] for s in self.done.values() if s.get("address")]
        if not addresses or all(has_code(a) for a in addresses):
            return True
        if connected()[2]:
            return False
        missing = next(a for a in addresses if not has_code(a))
        raise deployments.DeploymentError(
            f"{self.path} records a step of the unfinished {self.job!r} at {missing}, but this chain has no "
            "contract there: remove its entry under `pending` to start over"
        )

    def _save(self, name: str, result: dict[str, Any]) -> None:
        self.done[name] = result
        deployments.save_step(self.path, self.job, name, result, chain.chain_id, self.fingerprint)

    def run(self, name: str, act: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """What `act()` returns (recorded: an `address`, a `tx` ...), calling
        it only if this step is not recorded yet."""
        if name not in self.done:
            self._save(name, act())
        return self.done[name]

    def contract(self, name: str, deploy: Callable[[], Any]) -> str:
        """The address of the contract `deploy()` makes (a ContractInstance,
        or the receipt of a blueprint declaration), deploying it only if
        this step is not recorded yet."""

        def act() -> dict[str, Any]:
            made = deploy()
            if isinstance(made, ReceiptAPI):
                return {"address": made.contract_address, "tx": made.txn_hash}
            return {"address": made.address, "tx": made.txn_hash}

        return self.run(name, act)["address"]

    def transaction(self, name: str, send: Callable[[], Any]) -> None:
        """Send `send()`'s transaction unless this step is recorded already."""
        self.run(name, lambda: {"tx": send().txn_hash})

    def finish(self) -> None:
        deployments.finish(self.path, self.job)


def fingerprint(path: str | Path) -> str:
    """What a deployment was started from: a hash of the index file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def deploy_mocks(config: IndexConfig, basket: Basket, account, steps: Steps, echo: Echo = print) -> None:
    """Deploy each mock token and its feed (local chains and testnets), filling
    `basket`: the components', then the Rebalancer's quote if it is a mock."""
    todo = [(i, c.token) for i, c in enumerate(config.components) if basket.tokens[i] is None]
    if basket.quote is not None and basket.quote.token is None:
        todo.append(("quote", config.rebalance.quote))
    for i, name in todo:
        mock = config.mocks[name]
        container = project.NoReturnToken if mock.quirk == "no-return" else project.MockToken
        token = steps.contract(
            f"mock {name} token", lambda: container.deploy(f"Mock {name}", name, mock.decimals, sender=account)
        )
        answer = to_base(mock.price, MOCK_FEED_DECIMALS)
        feed = steps.contract(
            f"mock {name} feed",
            lambda: project.MockFeed.deploy(MOCK_FEED_DECIMALS, f"{name} / USD", answer, sender=account),
        )
        echo(f"  mock {name:<6} token {token}  feed {feed}")
        if i == "quote":
            basket.quote.token, basket.quote.feed = token, (feed, MOCK_HEARTBEAT, ZERO_ADDRESS, 0, 0)
        else:
            basket.tokens[i] = token
            basket.feeds[i] = (feed, MOCK_HEARTBEAT, ZERO_ADDRESS, 0, 0)


def index_record(config: IndexConfig, basket: Basket, **contracts: str) -> dict[str, Any]:
    """The deployments file's entry for a complete index."""
    return {
        "symbol": config.symbol,
        "name": config.name,
        **contracts,
        "chain_id": chain.chain_id,
        "block": chain.blocks.head.number,
        "components": [
            deployments.component(s, t, d, f[0])
            for s, t, d, f in zip(basket.symbols, basket.tokens, basket.decimals, basket.feeds)
        ],
        **(rebalance_fields(basket.quote, config.rebalance.auction) if basket.quote is not None else {}),
    }


def rebalance_fields(quote: Resolved, auction: int) -> dict[str, Any]:
    """The record's fields for a Rebalancer trading against `quote` (`deployments.rebalance_fields`)."""
    return deployments.rebalance_fields(quote.token, quote.symbol, quote.decimals, auction)


def fund(config: IndexConfig, basket: Basket, account, fund_shares: Decimal, echo: Echo = print) -> None:
    """On a local chain or a testnet, give `account` each mock or market
    token for twice `fund_shares` index tokens (the market's WETH by wrapping
    ETH): they mint openly."""
    if not mocks_allowed() or not (config.uses_mocks or basket.market_assets):
        return
    assets = basket.market_assets
    for i, (address, unit, symbol) in enumerate(zip(basket.tokens, basket.units, basket.symbols)):
        amount = to_base(fund_shares, 18) * unit // WAD * 2
        if i in assets and assets[i].kind == "weth9":
            Contract(address, abi=WETH_DEPOSIT_ABI).deposit(value=amount, sender=account)
        elif symbol in config.mocks or (i in assets and assets[i].kind == "mock"):
            project.MockToken.at(address).mint(account.address, amount, sender=account)
    echo(f"  funded {account.address} with the components of {fund_shares} {config.symbol} (twice over)")


def deploy_index(
    config: IndexConfig,
    account,
    echo: Echo = print,
    fund_shares: Decimal = Decimal(1000),
    basket: Basket | None = None,
    source: str = "",
) -> DeployedIndex:
    """Deploy `config`'s vault and oracle adapter directly (and, on a local
    chain, its mock tokens and feeds), record it, and return the record. Each
    transaction is a recorded step (`Steps`): a run cut off halfway resumes.
    On a local chain the deploying account is funded with enough of each
    mock token to mint `fund_shares` index tokens."""
    basket = basket or resolve_basket(config)  # a bad file deploys nothing
    steps = Steps(f"deploy {config.symbol}", source, echo)
    deploy_mocks(config, basket, account, steps, echo)
    deploy_twap_feeds(basket, account, steps, echo)

    me = account.address
    roles = config.roles
    admin = roles.admin or me
    # With a Rebalancer the deployer is the vault's admin until it has granted the Rebalancer its role.
    vault_admin = me if config.rebalance is not None else admin
    vault = steps.contract(
        "vault",
        lambda: project.IndexVault.deploy(
            config.name,
            config.symbol,
            basket.tokens,
            basket.units,
            vault_admin,
            roles.manager or me,
            roles.guardian or me,
            roles.fee_recipient or me,
            [_wad(config.fees.mint), _wad(config.fees.redeem), _wad(config.fees.streaming)],
            [_wad(config.max_fees.mint), _wad(config.max_fees.redeem), _wad(config.max_fees.streaming)],
            _wad(config.supply_cap),
            sender=account,
        ),
    )
    echo(f"  vault  {config.symbol:<6} {vault}")
    oracle_address = steps.contract("oracle", lambda: project.OracleAdapter.deploy(vault, me, sender=account))
    oracle = project.OracleAdapter.at(oracle_address)
    for symbol, token, feed in zip(basket.symbols, basket.tokens, basket.feeds):
        steps.transaction(f"feed {symbol}", lambda: oracle.set_feed(token, *feed, sender=account))
    contracts = {"vault": vault, "oracle": oracle_address}
    if basket.quote is not None:
        contracts["rebalancer"] = _deploy_rebalancer(config, basket, vault, oracle, account, steps, echo)
    if admin.lower() != me.lower():
        for name, contract in (("oracle", oracle), ("vault", project.IndexVault.at(vault))):
            if name == "vault" and vault_admin == admin:
                continue
            steps.transaction(f"{name} admin", lambda: contract.grantRole(DEFAULT_ADMIN_ROLE, admin, sender=account))
            steps.transaction(f"{name} renounce", lambda: contract.renounceRole(DEFAULT_ADMIN_ROLE, me, sender=account))
    echo(f"  oracle {config.symbol:<6} {oracle_address}")

    lens = ensure_lens(account, steps)
    # Recorded once complete and before funding, so a failed funding transfer leaves a usable record.
    record = index_record(config, basket, **contracts, lens=lens)
    deployments.save(record_file(), record)
    steps.finish()
    fund(config, basket, account, fund_shares, echo)
    return DeployedIndex(record)


def _deploy_rebalancer(
    config: IndexConfig, basket: Basket, vault: str, oracle, account, steps: Steps, echo: Echo
) -> str:
    """The index file's Rebalancer, deployed directly (`ape run deploy`): the quote priced in the
    adapter, the Rebalancer, its role on the vault. `account` is still the vault's and adapter's admin."""
    quote, policy = basket.quote, config.rebalance
    if quote.token not in basket.tokens:
        steps.transaction(f"feed {quote.symbol}", lambda: oracle.set_feed(quote.token, *quote.feed, sender=account))
    rebalancer = steps.contract(
        "rebalancer",
        lambda: project.Rebalancer.deploy(
            vault, oracle.address, quote.token, policy.timelock, _wad(policy.band), sender=account
        ),
    )
    index = project.IndexVault.at(vault)
    steps.transaction("rebalancer role", lambda: index.grantRole(index.REBALANCER_ROLE(), rebalancer, sender=account))
    echo(
        f"  rebalancer {rebalancer} (quote {quote.symbol}, timelock {format_duration(policy.timelock)}, "
        f"band {policy.band:%}, auctions {format_duration(policy.auction)})"
    )
    return rebalancer


def ensure_lens(account, steps: Steps) -> str:
    """The network's recorded IndexLens (checked to have code), or a new one
    deployed as a recorded step of `steps`: the vault's reporting views
    (`solvency`, `total_supply_after_accrual`) live there, one lens serving
    every vault, so the factory needs none of its own."""
    path = record_file()
    address = deployments.load_lens(path)
    if address is not None and has_code(address):
        return address
    address = steps.contract("lens", lambda: project.IndexLens.deploy(sender=account))
    deployments.save_lens(path, address, chain.chain_id)
    return address


def _market_assets(config: IndexConfig, network: str) -> dict[int | str, Any]:
    """The market asset each component named by symbol stands for (and the
    Rebalancer's quote, under "quote"); one message for all that cannot be resolved."""
    wanted: list[tuple[int | str, str, str]] = [
        (i, f"components[{i}].token", config.components[i].token) for i in config.market_components
    ]
    if config.rebalance is not None and config.quote_is_market_asset:
        wanted.append(("quote", "rebalance.quote", config.rebalance.quote))
    if not wanted:
        return {}
    market = load_market()
    errors, found = [], {}
    for key, where, token in wanted:
        asset = market.by_token_symbol(token) if market else None
        if asset is not None:
            found[key] = asset
        elif market is None:
            errors.append(
                f"{where}: {token!r} is neither an address nor a token under `mocks`, "
                f"and {network} has no market to find it in (start one with `make market-node`)"
            )
        else:
            known = ", ".join(a.token_symbol for a in market.assets.values())
            errors.append(f"{where}: {token!r} is not an asset of the {market.date} market ({known})")
    if errors:
        raise ConfigError("\n".join(errors))
    return found


# --- rebalancing (keepers) -------------------------------------------------


def market_quote(market, symbol: str | None = None) -> Resolved:
    """A market asset (the market's quote by default) as a Rebalancer's quote: token, decimals, feed tuple."""
    asset = market.asset(symbol) if symbol in market.assets else market.by_token_symbol(symbol or market.quote)
    if asset is None:
        known = ", ".join(a.token_symbol for a in market.assets.values())
        raise ConfigError(f"--quote: {symbol!r} is not an asset of this network's market ({known})")
    feed = (asset.feed, asset.heartbeat, ZERO_ADDRESS, 0, 0)
    return Resolved(asset.token_symbol, asset.decimals, Decimal(0), asset.token, feed, asset)


def deploy_rebalancer(
    index: DeployedIndex,
    account,
    market,
    timelock: int = 3600,
    band: Decimal = Decimal("0.05"),
    echo: Echo = print,
    quote_symbol: str | None = None,
    auction: int = 86_400,
) -> DeployedIndex:
    """Deploy a Rebalancer for `index` (quote: the market's quote asset, or `quote_symbol`),
    grant it REBALANCER_ROLE, price the quote in the oracle adapter if it is not yet, and record it in
    the index's deployment record, with a RebalanceBidder for the keeper. `account` must be the vault's
    and the adapter's admin (an index deployed directly). Returns the index as now recorded."""
    index = add_rebalancer_directly(index, account, market_quote(market, quote_symbol), timelock, band, auction, echo)
    return ensure_bidder(index, account, market, echo)


def add_rebalancer_directly(
    index: DeployedIndex, account, quote: Resolved, timelock: int, band: Decimal, auction: int, echo: Echo = print
) -> DeployedIndex:
    """An index deployed directly takes a Rebalancer from its admin `account`, at once: the quote priced in
    the adapter if it is not yet, the Rebalancer deployed and granted its role, the record saved."""
    index = DeployedIndex.of(index)
    oracle, vault = index.oracle, index.vault
    if oracle.feed(quote.token)[0] == ZERO_ADDRESS:
        oracle.set_feed(quote.token, *quote.feed, sender=account)
    rebalancer = project.Rebalancer.deploy(
        vault.address, oracle.address, quote.token, timelock, _wad(band), sender=account
    )
    vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address, sender=account)
    echo(
        f"  rebalancer {index.symbol:<6} {rebalancer.address} (quote {quote.symbol}, "
        f"timelock {format_duration(timelock)}, band {band:%})"
    )
    return record_rebalancer(index, rebalancer.address, quote, auction)


def record_rebalancer(index: DeployedIndex, rebalancer: str, quote: Resolved, auction: int) -> DeployedIndex:
    """The index with its Rebalancer, saved."""
    fields = {"rebalancer": rebalancer, **rebalance_fields(quote, auction)}
    return DeployedIndex.of(index).updated(drop=("pending_rebalancer",), **fields)


def ensure_bidder(index: DeployedIndex, account, market, echo: Echo = print) -> DeployedIndex:
    """The RebalanceBidder a keeper fills the index's auctions through: the recorded one if it has code,
    else one deployed on the market's Uniswap routers (anyone may use it: it holds nothing and has no
    owner) and recorded. Returns the index as now recorded."""
    index = DeployedIndex.of(index)
    if index.has("bidder") and has_code(index.address("bidder")):
        return index
    bidder = project.RebalanceBidder.deploy(
        index.address("rebalancer"), market.uniswap.v2_router, market.uniswap.swap_router, sender=account
    )
    echo(f"  bidder {index.symbol:<6} {bidder.address} (deployed once for this index, on its network's Uniswap)")
    return index.updated(bidder=bidder.address)


def set_missing_feeds(index: DeployedIndex, account, market, symbols) -> list[str]:
    """Price each market asset in `symbols` in the index's oracle adapter
    (its market feed) unless it is priced already; a proposal adding a token
    needs it. Returns the symbols set."""
    oracle = DeployedIndex.of(index).oracle
    done = []
    for symbol in symbols:
        asset = market.asset(symbol)
        if oracle.feed(asset.token)[0] == ZERO_ADDRESS:
            oracle.set_feed(asset.token, asset.feed, asset.heartbeat, ZERO_ADDRESS, 0, 0, sender=account)
            done.append(symbol)
    return done


def propose_rebalance(index: DeployedIndex, account, proposal):
    """Send a `keepers.rebalance.Proposal` to the index's Rebalancer (manager only)."""
    return DeployedIndex.of(index).rebalancer.propose(*proposal.args, sender=account)
