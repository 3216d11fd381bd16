"""Uniswap V2 and V3 as the npm packages ship them: their bytecode and the
calls the market makes. The pool math lives in `indexvault.amm`.

Bytecode comes from the packages' own compiled artifacts (`@uniswap/v2-core`,
`@uniswap/v2-periphery`, `@uniswap/v3-core`, `@uniswap/v3-periphery`), whose
pair and pool init-code hashes match the routers', so the contracts work
together as they do on mainnet. Nothing here is a home-made AMM.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from indexvault.errors import ArtifactError
from indexvault.market.rpc import Function

NODE_MODULES = Path(__file__).resolve().parents[2] / "node_modules"
ARTIFACTS = {
    "WETH9": "@uniswap/v2-periphery/build/WETH9.json",
    "UniswapV2Factory": "@uniswap/v2-core/build/UniswapV2Factory.json",
    "UniswapV2Router02": "@uniswap/v2-periphery/build/UniswapV2Router02.json",
    "UniswapV3Factory": "@uniswap/v3-core/artifacts/contracts/UniswapV3Factory.sol/UniswapV3Factory.json",
    "SwapRouter": "@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json",
    "QuoterV2": "@uniswap/v3-periphery/artifacts/contracts/lens/QuoterV2.sol/QuoterV2.json",
    "NonfungiblePositionManager": (
        "@uniswap/v3-periphery/artifacts/contracts/NonfungiblePositionManager.sol/NonfungiblePositionManager.json"
    ),
}

TICK_SPACING = {500: 10, 3000: 60, 10000: 200}
MAX_UINT = 2**256 - 1

# The calls the market makes.
ERC20_BALANCE = Function("balanceOf(address)", "uint256")
ERC20_APPROVE = Function("approve(address,uint256)")
ERC20_TRANSFER = Function("transfer(address,uint256)")
ERC20_SYMBOL = Function("symbol()", "string")
ERC20_DECIMALS = Function("decimals()", "uint8")
MOCK_MINT = Function("mint(address,uint256)")
WETH_DEPOSIT = Function("deposit()")
FEED_SET = Function("set_answer(int256)")  # the project's MockFeed
AGGREGATOR_UPDATE = Function("updateAnswer(int256)")  # Chainlink's MockV3Aggregator
AGGREGATOR_UPDATE_ROUND = Function("updateRoundData(uint80,int256,uint256,uint256)")  # the same, one round given
FEED_LATEST = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")
V2_GET_PAIR = Function("getPair(address,address)", "address")
V2_RESERVES = Function("getReserves()", "uint112,uint112,uint32")
V2_ADD_LIQUIDITY = Function("addLiquidity(address,address,uint256,uint256,uint256,uint256,address,uint256)")
V2_SWAP_EXACT_IN = Function("swapExactTokensForTokens(uint256,uint256,address[],address,uint256)")
V3_GET_POOL = Function("getPool(address,address,uint24)", "address")
V3_SLOT0 = Function("slot0()", "uint160,int24,uint16,uint16,uint16,uint8,bool")
V3_LIQUIDITY = Function("liquidity()", "uint128")
V3_GROW_OBSERVATIONS = Function("increaseObservationCardinalityNext(uint16)")
V3_CREATE_POOL = Function("createAndInitializePoolIfNecessary(address,address,uint24,uint160)")
V3_MINT = Function("mint((address,address,uint24,int24,int24,uint256,uint256,uint256,uint256,address,uint256))")
V3_EXACT_INPUT_SINGLE = Function("exactInputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))")


@cache
def bytecode(name: str) -> str:
    """Creation bytecode of a Uniswap contract from its npm artifact."""
    path = NODE_MODULES / ARTIFACTS[name]
    try:
        artifact = json.loads(path.read_text())
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing: run `make install` (npm ci)") from None
    code = artifact["bytecode"]
    code = code if isinstance(code, str) else code["object"]
    return "0x" + code.removeprefix("0x")
