"""A real Uniswap V3 pool in titanoboa, priced by a TwapFeed: the factory, SwapRouter and
NonfungiblePositionManager from the npm packages' own bytecode (`indexvault.market.uniswap`),
mock tokens and Chainlink-style feeds from the project; shared by the oracle benchmark
(`python -m benchmarks oracles`) and its tests (`tests/contracts/oracle/`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from fractions import Fraction
from functools import cache

import boa
from boa.interpret import set_search_paths
from eth_abi import encode

from benchmarks import ROOT
from indexvault import amm, solidity
from indexvault.constants import ZERO_ADDRESS
from indexvault.market import uniswap as uni

CONTRACTS = ROOT / "contracts"
DEADLINE = 2**63
FEE = 3000  # the 0.3 % tier, ticks spaced by 60
FULL_RANGE = (-887220, 887220)
FUNDS = 2**200  # of each token, for every actor: far from any amount moved here


@cache
def deployer(relative_path: str):
    """A project contract compiled by titanoboa, once per process."""
    set_search_paths([str(CONTRACTS)])
    return boa.load_partial(str(CONTRACTS / relative_path))


@cache
def _abi(name: str) -> str:
    return json.dumps(json.loads((uni.NODE_MODULES / uni.ARTIFACTS[name]).read_text())["abi"])


def _deploy(name: str, types: list[str] | None = None, args: tuple = ()):
    code = bytes.fromhex(uni.bytecode(name)[2:]) + (encode(types, args) if types else b"")
    address, _ = boa.env.deploy_code(bytecode=code)
    return boa.loads_abi(_abi(name), name=name).at(address)


def _pool_abi():
    path = uni.NODE_MODULES / "@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"
    return boa.loads_abi(json.dumps(json.loads(path.read_text())["abi"]), name="UniswapV3Pool")


@dataclass
class Uniswap:
    """Uniswap V3's factory and the periphery a trader and a liquidity provider use."""

    factory: object
    router: object
    positions: object


def deploy_uniswap() -> Uniswap:
    weth = _deploy("WETH9")
    factory = _deploy("UniswapV3Factory")
    router = _deploy("SwapRouter", ["address", "address"], (factory.address, weth.address))
    positions = _deploy(
        "NonfungiblePositionManager",
        ["address", "address", "address"],
        (factory.address, weth.address, weth.address),  # the token descriptor is never called here
    )
    return Uniswap(factory, router, positions)


@dataclass
class Pool:
    """A pool of `asset` against `quote` and the record of its price (block time, tick)."""

    uniswap: Uniswap
    contract: object
    asset: object
    quote: object
    asset_is_token0: bool
    ticks: list[tuple[int, int]] = field(default_factory=list)

    @property
    def tick(self) -> int:
        return self.contract.slot0()[1]

    def fund(self, who: str) -> None:
        """`who` holds FUNDS of both tokens and has approved the router and the positions."""
        for token in (self.asset, self.quote):
            token.mint(who, FUNDS)
            with boa.env.prank(who):
                token.approve(self.uniswap.router.address, 2**256 - 1)
                token.approve(self.uniswap.positions.address, 2**256 - 1)

    def add_liquidity(self, who: str, amount_asset: int, amount_quote: int, ticks=FULL_RANGE) -> int:
        """Mints a position of `who` (funded) over `ticks`; returns the pool's liquidity after."""
        token0, token1 = (self.asset, self.quote) if self.asset_is_token0 else (self.quote, self.asset)
        amount0, amount1 = (amount_asset, amount_quote) if self.asset_is_token0 else (amount_quote, amount_asset)
        params = (token0.address, token1.address, FEE, *ticks, amount0, amount1, 0, 0, who, DEADLINE)
        with boa.env.prank(who):
            self.uniswap.positions.mint(params)
        self.record()
        return self.contract.liquidity()

    def add_full_range(self, who: str, liquidity: int) -> int:
        """Mints about `liquidity` over the full range for `who` (funded), whatever the price."""
        lower, upper = (amm.sqrt_ratio_at_tick(t) for t in FULL_RANGE)
        amount0, amount1 = amm.v3_amounts(liquidity, self.contract.slot0()[0], lower, upper)
        amounts = (amount0 + 2, amount1 + 2) if self.asset_is_token0 else (amount1 + 2, amount0 + 2)
        return self.add_liquidity(who, *amounts)

    def swap(self, who: str, sell_asset: bool, amount_in: int, sqrt_limit: int = 0) -> int:
        """`who` (funded) sells `amount_in` of the asset (or the quote) up to `sqrt_limit`
        (0: none); returns what it received."""
        token_in, token_out = (self.asset, self.quote) if sell_asset else (self.quote, self.asset)
        params = (token_in.address, token_out.address, FEE, who, DEADLINE, amount_in, 0, sqrt_limit)
        with boa.env.prank(who):
            received = self.uniswap.router.exactInputSingle(params)
        self.record()
        return received

    def move_to_tick(self, who: str, tick: int) -> None:
        """`who` trades the pool's price to `tick` (a tick inside its liquidity)."""
        target = amm.sqrt_ratio_at_tick(tick)
        now = self.contract.slot0()[0]
        if target == now:
            return
        token0_in = target < now  # selling token0 lowers token1-per-token0
        self.swap(who, sell_asset=token0_in == self.asset_is_token0, amount_in=FUNDS // 4, sqrt_limit=target)

    def record(self) -> None:
        """Notes the pool's tick from this block's time (the TWAP's Python twin reads this)."""
        self.ticks.append((boa.env.evm.patch.timestamp, self.tick))

    def reference_mean_tick(self, window: int) -> int:
        """The mean tick over the last `window` seconds from the recorded ticks, each held
        from its block until the next change (the last one until now); floor division."""
        now = boa.env.evm.patch.timestamp
        start = now - window
        total = 0
        for (t, tick), (t_next, _) in zip(self.ticks, [*self.ticks[1:], (now, 0)]):
            begin, end = max(t, start), min(t_next, now)
            if end > begin:
                total += tick * (end - begin)
        return total // window


def create_pool(
    uniswap: Uniswap, asset, quote, price: Fraction | None = None, cardinality: int = 1, tick: int | None = None
) -> Pool:
    """A pool of `asset` and `quote` (project MockTokens) initialized at `price` (quote per
    whole asset) or exactly at the pool's `tick`, its observation cardinality raised to
    `cardinality`."""
    asset_is_token0 = int(asset.address, 16) < int(quote.address, 16)
    if tick is None:
        ratio = amm.base_price(price, asset.decimals(), quote.decimals())  # quote base units per asset base unit
        sqrt_price = amm.sqrt_price_x96(ratio if asset_is_token0 else 1 / ratio)
    else:
        sqrt_price = amm.sqrt_ratio_at_tick(tick)
    token0, token1 = (asset, quote) if asset_is_token0 else (quote, asset)
    address = uniswap.positions.createAndInitializePoolIfNecessary(token0.address, token1.address, FEE, sqrt_price)
    contract = _pool_abi().at(address)
    if cardinality > 1:
        contract.increaseObservationCardinalityNext(cardinality)
    pool = Pool(uniswap, contract, asset, quote, asset_is_token0)
    pool.record()
    return pool


def create_token(symbol: str, decimals: int):
    return deployer("mocks/MockToken.vy").deploy(symbol, symbol, decimals)


def create_feed(answer: int, decimals: int = 8, description: str = "USDC / USD"):
    return deployer("mocks/MockFeed.vy").deploy(decimals, description, answer)


def create_chainlink_feed(answer: int, decimals: int = 8):
    """Chainlink's EACAggregatorProxy in front of its MockV3Aggregator (`@chainlink/contracts`, compiled
    by `indexvault.solidity`), as the local market's feeds are: the proxy is what consumers read."""

    def deploy(name: str, types: list[str], args: list):
        artifact = solidity.artifact(name)
        code = bytes.fromhex(artifact["bytecode"][2:]) + encode(types, args)
        address, _ = boa.env.deploy_code(bytecode=code)
        return boa.loads_abi(json.dumps(artifact["abi"]), name=name).at(address)

    aggregator = deploy("MockV3Aggregator", ["uint8", "int256"], [decimals, answer])
    return deploy("EACAggregatorProxy", ["address", "address"], [aggregator.address, ZERO_ADDRESS])


def create_twap_feed(pool: Pool, quote_feed, window: int, min_liquidity: int = 1, heartbeat: int = 86_400):
    return deployer("TwapFeed.vy").deploy(
        pool.contract.address, pool.asset.address, window, min_liquidity, quote_feed.address, heartbeat, "TWAP"
    )
