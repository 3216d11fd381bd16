"""Fixtures shared by more than one kind of test (a fixture used by one folder only lives in that
folder's conftest): the in-memory titanoboa chain's anchors, named actors and factories (contracts,
attacks); the Rebalancer's USDC/WBTC/WETH vault with its auction (contracts/rebalance, attacks); the
saved market, titanoboa forking a node restored from it, and an index with its pool there (contracts,
attacks, fuzz), with Morpho markets for the leveraged and inverse tokens over it (contracts, attacks);
Ape on a restored node with an index launched and its rebalance proposed (e2e, attacks)."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import boa
import pytest

from indexvault.keepers import arbitrage, arbitrage_runner, runner
from indexvault.market import node as market_node
from indexvault.market import record as market_record
from indexvault.market import uniswap as uni
from tests.utils import DEADLINE, MAX, WAD, ZERO_ADDRESS
from tests.utils import morpho as morpho_utils
from tests.utils.boa_env import FEE_ON_TRANSFER, NO_RETURN, PLAIN, deployer
from tests.utils.boa_fork import BoaReader
from tests.utils.leverage import (
    INVERSE,
    LONG,
    MAX_FEES,
    ROUTE_PROBE,
    SUPPLY_CAP,
    WEEK,
    open_market,
)
from tests.utils.market_vault import seeded_vault
from tests.utils.rebalance import (
    ANSWERS,
    BAND,
    DECIMALS,
    DURATION,
    END_FACTOR,
    HEARTBEAT,
    MINTED,
    START_FACTOR,
    TIMELOCK,
    UNITS,
    WBTC_TARGET,
    WETH_TARGET,
    to_start,
)

MARKET_DATE = "2024-01-01"
POOLED_SEEDED = 2_000 * WAD  # the pooled index: minted in kind by its depositor
POOL_DEPTH_USD = Decimal(200_000)  # the pooled index's token pool, both sides
LAUNCHED_SHARES = 1_000  # index tokens the Ape-launched index mints (100 USD each)


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook reads the groups
def pytest_collection_modifyitems(items):
    """`make test` runs on two workers (pytest-xdist, `--dist loadgroup`). The end-to-end tests run
    the README's commands against a node where the README puts it, 127.0.0.1:8545, or its second node
    on 8546 for a module that sets `README_PORT` (the `node` fixture, tests/e2e/conftest.py), so every
    test of the modules on one port goes to one worker, one after another, and the two ports' modules
    run side by side. Everything else (the rehearsal's anvil and every restored market included) takes
    a free port and runs on either worker."""
    on_node = {item.module for item in items if "node" in getattr(item, "fixturenames", ())}
    for item in items:
        if getattr(item, "module", None) in on_node:
            item.add_marker(pytest.mark.xdist_group(f"readme-node-{getattr(item.module, 'README_PORT', 8545)}"))
        elif getattr(item, "module", None) and item.module.__name__.endswith("test_rehearsal"):
            # Its module-scoped rehearsal (about 3 min) runs once, on one worker, not once on each.
            item.add_marker(pytest.mark.xdist_group("rehearsal"))


# The in-memory chain: anchors, named actors, factories.


@pytest.fixture(scope="module", autouse=True)
def isolated_module():
    """Every module starts from the same in-memory chain and leaves it as it found it."""
    env = boa.env  # the in-memory env: a fork a test opens later is its own env, not anchored here
    with env.anchor():
        yield env


@pytest.fixture(autouse=True)
def isolated_test(isolated_module):
    """Every test starts from the chain as the module's fixtures left it."""
    with isolated_module.anchor():
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


# The Rebalancer's vault: USDC, WBTC and WETH (LINK listed, not held), a 2 % streaming fee.


@pytest.fixture(scope="module")
def keeper():
    return boa.env.generate_address("keeper")


@pytest.fixture(scope="module")
def create_rebalancer(admin):
    def create(vault, oracle, quote, timelock=TIMELOCK, band=BAND):
        with boa.env.prank(admin):
            return deployer("Rebalancer.vy").deploy(vault.address, oracle.address, quote.address, timelock, band)

    return create


@pytest.fixture(scope="module")
def env(create_token, create_vault, create_feed, create_oracle, create_rebalancer, fund, admin, depositor, keeper):
    tokens = {name: create_token(DECIMALS[name], symbol=name.upper()) for name in DECIMALS}
    basket = [tokens[n] for n in ("usdc", "wbtc", "weth")]
    vault = create_vault(basket, [UNITS[n] for n in ("usdc", "wbtc", "weth")], fees=(0, 0, WAD // 50))
    oracle = create_oracle(vault)
    feeds = {name: create_feed(ANSWERS[name], 8, f"{name.upper()} / USD") for name in DECIMALS}
    with boa.env.prank(admin):
        for name in ("usdc", "wbtc", "weth"):  # link's feed is not set yet
            oracle.set_feed(tokens[name].address, feeds[name].address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
    rebalancer = create_rebalancer(vault, oracle, tokens["usdc"])
    with boa.env.prank(admin):
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
    fund(vault, basket, depositor)
    with boa.env.prank(depositor):
        vault.mint(MINTED, [MAX] * 3, depositor)
    fund(vault, list(tokens.values()), keeper, 10**9)
    bidder = deployer("mocks/MockBidder.vy").deploy(vault.address, rebalancer.address)
    for token in tokens.values():
        token.mint(bidder.address, 10**9 * 10 ** token.decimals())
    return SimpleNamespace(
        vault=vault,
        oracle=oracle,
        rebalancer=rebalancer,
        quote=tokens["usdc"],
        feeds=feeds,
        bidder=bidder,
        **tokens,
    )


@pytest.fixture(scope="module")
def propose(env, manager):
    """The manager proposes `targets` ({token: unit}) now."""

    def propose(targets, duration=DURATION, start_factor=START_FACTOR, end_factor=END_FACTOR, sender=None):
        with boa.env.prank(sender or manager):
            env.rebalancer.propose(
                [t.address for t in targets], list(targets.values()), duration, start_factor, end_factor
            )

    return propose


@pytest.fixture
def proposed(env, propose):
    """The standard proposal: WBTC down to WBTC_TARGET, WETH up to WETH_TARGET."""
    propose({env.wbtc: WBTC_TARGET, env.weth: WETH_TARGET})
    return env


@pytest.fixture
def started(proposed):
    """The standard proposal's auctions at their first second."""
    to_start(proposed)
    return proposed


# The saved market, and titanoboa forking a node restored from it.


@pytest.fixture(scope="session")
def saved_market() -> Path:
    """The saved 2024-01-01 market: `make test` builds it first; plain pytest builds it here if missing."""
    folder = market_node.market_dir(MARKET_DATE)
    if not (folder / market_node.STATE_FILE).exists():
        ape = Path(sys.executable).parent / "ape"
        subprocess.run([str(ape), "run", "market", "build", "--date", MARKET_DATE], cwd=market_node.ROOT, check=True)
    return folder


@pytest.fixture(scope="session")
def market(saved_market) -> market_record.MarketRecord:
    return market_record.load(saved_market / market_node.RECORD_FILE)


@pytest.fixture(scope="module")
def forked(saved_market):
    """Titanoboa forking a node restored from the saved market, one per module (no disk cache: every
    restored node has the same block numbers but its own state). `isolated_fork` anchors each test, so
    every test starts from the fork as the module's fixtures left it, as on a fresh one."""
    anvil = market_node.restore(saved_market)
    try:
        with boa.fork(anvil.url, block_identifier="latest", cache_dir=None):
            yield
    finally:
        anvil.stop()


@pytest.fixture(autouse=True)
def isolated_fork(request):
    """A test on a fork runs inside an anchor of it: what it sends, and its time travel, are undone after."""
    if "forked" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("forked")  # set up with the module, before this anchor
    with boa.env.anchor():
        yield


@pytest.fixture(scope="module")
def reader(forked):
    return BoaReader()


@pytest.fixture(scope="module")
def restored_node(saved_market):
    """A node restored from the saved market on a free port for the module (a tenth of a second)."""
    anvil = market_node.restore(saved_market)
    yield anvil
    anvil.stop()


@pytest.fixture(scope="module")
def trader(forked):
    return boa.env.generate_address("trader")


@pytest.fixture(scope="module")
def pooled_index(forked, market, reader, keeper, trader):
    """An index of four market assets (WBTC, WETH, ADA, USDC; fees 0.1 % each way) on the fork, its oracle
    adapter, the IndexRouter, IndexArbitrage, and a Uniswap V2 pool of the index token against USDC
    seeded at NAV (1,000 shares and 100k USDC); the keeper and the trader hold a million USDC each."""
    token = deployer("mocks/MockToken.vy")
    tokens = {s: token.at(a.token) for s, a in market.assets.items()}
    manager, depositor = boa.env.generate_address("manager"), boa.env.generate_address("depositor")
    vault, symbols, _, feeds = seeded_vault(market, reader, tokens, manager, depositor, POOLED_SEEDED)
    with boa.env.prank(manager):
        oracle = deployer("OracleAdapter.vy").deploy(vault.address, manager)
        for s in symbols:
            a = market.assets[s]
            oracle.set_feed(a.token, a.feed, a.heartbeat, "0x" + "00" * 20, 0, 0)
    usdc = tokens["USDC"]
    shares, quote = arbitrage.seed_amounts(oracle.nav_per_share(), int(feeds["USDC"] * WAD), 6, POOL_DEPTH_USD)
    usdc.mint(depositor, quote)
    v2 = market.uniswap.v2_router
    with boa.env.prank(depositor):
        vault.approve(v2, shares)
        usdc.approve(v2, quote)
    boa.env.raw_call(
        v2,
        sender=depositor,
        data=bytes.fromhex(
            uni.V2_ADD_LIQUIDITY(vault.address, usdc.address, shares, quote, shares, quote, depositor, DEADLINE)[2:]
        ),
    )
    (pool,) = reader.read([(market.uniswap.v2_factory, arbitrage_runner.GET_PAIR, (vault.address, usdc.address))])[0]
    router = deployer("periphery/IndexRouter.vy").deploy(market.uniswap.v2_router, market.uniswap.swap_router)
    arb = deployer("periphery/IndexArbitrage.vy").deploy(router.address, v2)
    usdc.mint(keeper, 1_000_000 * 10**6)
    usdc.mint(trader, 1_000_000 * 10**6)
    with boa.env.prank(trader):
        usdc.approve(v2, MAX)
        vault.approve(v2, MAX)
    deployment = {
        "symbol": "TIDX",
        "vault": vault.address,
        "oracle": oracle.address,
        "pool": pool,
        "router": router.address,
        "arbitrage": arb.address,
    }
    contracts = arbitrage_runner.Contracts(arb, usdc, vault, keeper, (boa.BoaError,))
    return SimpleNamespace(
        vault=vault,
        oracle=oracle,
        router=router,
        arb=arb,
        market=market,
        reader=reader,
        tokens=tokens,
        usdc=usdc,
        pool=pool,
        deployment=deployment,
        contracts=contracts,
        depositor=depositor,
        manager=manager,  # the vault's admin, manager, guardian and fee recipient
    )


# The leveraged and inverse index tokens (contracts/periphery/LeveragedIndex.vy) over `pooled_index`:
# Morpho Blue with a market for each direction (index collateral against a USDC loan; USDC collateral against
# an index loan), lent to, and `create_product` deploying either token over a given NAV oracle
# (contracts/leverage, attacks/leverage).


@pytest.fixture(scope="module")
def lev(pooled_index):
    """`pooled_index` with its NavFeed, MorphoNavOracle (index priced in USDC at 1 USD), the inverting oracle,
    Morpho and the lenders' money, the routes both ways, and the product's actors."""
    env = pooled_index
    nav_feed = deployer("NavFeed.vy").deploy(env.oracle.address, 0)
    nav_oracle = deployer("periphery/MorphoNavOracle.vy").deploy(
        nav_feed.address, WEEK, ZERO_ADDRESS, 0, env.vault.address, env.usdc.address
    )
    morpho = morpho_utils.deploy_morpho(boa.env.generate_address("morpho_owner"))
    lender = boa.env.generate_address("lender")  # funded market by market (`open_market`)
    with boa.env.prank(lender):
        env.usdc.approve(morpho.address, MAX)
        env.vault.approve(morpho.address, MAX)
    mint_quote, redeem_quote, _ = arbitrage_runner._quotes(env.reader, env.market, env.deployment, ROUTE_PROBE)
    env.nav_feed, env.nav_oracle, env.morpho, env.lender = nav_feed, nav_oracle, morpho, lender
    env.buy_routes, env.sell_routes = mint_quote.route_args(), redeem_quote.route_args()
    env.admin = boa.env.generate_address("lev_admin")
    env.lev_manager = boa.env.generate_address("lev_manager")
    env.keeper = boa.env.generate_address("lev_keeper")
    env.fee_recipient = boa.env.generate_address("lev_fees")
    env.minter = boa.env.generate_address("minter")
    env.usdc.mint(env.minter, 10_000_000 * 10**6)
    return env


@pytest.fixture(scope="module")
def create_product(lev):
    """`create(inverse, nav_oracle=None, bounds=None, **kw)`: a product over its own market; `nav_oracle` defaults
    to the real MorphoNavOracle (pass a MockMorphoOracle to move the price), `admin` to `lev.admin`."""

    def create(inverse: bool, nav_oracle=None, bounds=None, supply_cap=SUPPLY_CAP, max_fees=MAX_FEES, admin=None):
        nav_oracle = nav_oracle or lev.nav_oracle
        params = open_market(lev, inverse, nav_oracle)
        bounds = bounds or (INVERSE if inverse else LONG)
        product = deployer("periphery/LeveragedIndex.vy").deploy(
            "Index -1x" if inverse else "Index 2x",
            "IDXI" if inverse else "IDX2X",
            lev.morpho.address,
            params,
            nav_oracle.address,
            lev.router.address,
            inverse,
            tuple(bounds),
            admin or lev.admin,
            lev.lev_manager,
            lev.keeper,
            lev.fee_recipient,
            list(max_fees),
            supply_cap,
        )
        with boa.env.prank(lev.minter):
            lev.usdc.approve(product.address, MAX)
        return SimpleNamespace(
            contract=product,
            params=params,
            inverse=inverse,
            bounds=bounds,
            nav_oracle=nav_oracle,
            routes_in=lev.sell_routes if inverse else lev.buy_routes,  # mint: inverse sells the index
            routes_out=lev.buy_routes if inverse else lev.sell_routes,
            delever_routes=lev.buy_routes if inverse else lev.sell_routes,
            lever_routes=lev.sell_routes if inverse else lev.buy_routes,
        )

    return create


@pytest.fixture(scope="module")
def mock_nav(lev):
    """A settable MorphoNavOracle stand-in at the real oracle's price now."""
    return deployer("mocks/MockMorphoOracle.vy").deploy(lev.nav_oracle.price())


# Ape on a restored node.


@pytest.fixture(scope="module")
def ape_node(restored_node, tmp_path_factory):
    """Ape connected to the module's restored node, deployments recorded in a temporary folder."""
    mp = pytest.MonkeyPatch()
    mp.setenv("INDEXVAULT_DEPLOYMENTS", str(tmp_path_factory.mktemp("deployments")))
    from ape import networks

    try:
        with networks.ethereum.local.use_provider("foundry", provider_settings={"host": restored_node.url}):
            yield restored_node
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def launched(ape_node, market):
    """The rebalance demo's index launched on the Ape node, its 2024-02-01 targets proposed:
    (record, proposal, keeper)."""
    from ape import accounts

    from demos import rebalance as demo
    from indexvault import chain

    keeper = accounts.test_accounts[0]  # also the index's admin and manager here
    record = demo.launch(market, keeper, LAUNCHED_SHARES, echo=lambda line: None)
    proposal = runner.read_proposal(ape_node.rpc, market, record, "2024-02-01")
    chain.set_missing_feeds(record, keeper, market, proposal.added)
    chain.propose_rebalance(record, keeper, proposal)
    return record, proposal, keeper
