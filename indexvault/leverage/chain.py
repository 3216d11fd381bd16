"""The leveraged (2x) and inverse (-1x) index tokens on the connected chain, through Ape: `create`
deploys both on an index's Morpho markets (the index/USDC market `ape run lend open` creates, made
here if missing; and a USDC-collateral / index-loan market priced by MorphoInverseNavOracle, with
index tokens lent in it so the -1x can borrow), their LeveragedNavFeeds, and records them under the
index's `leverage`; `read` takes a product's `product.State` in one JSON-RPC batch (the keeper reads
the same); `mint` and `redeem` quote the router's swap now, preview with the model and send with the
preview's bound. `scripts/leverage.py` is the thin command."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ape import project

from indexvault import oneasset_router
from indexvault.constants import ZERO_ADDRESS
from indexvault.deployments import DeploymentError
from indexvault.index import DeployedIndex
from indexvault.keepers.liquidate_chain import M_MARKET, M_POSITION, O_PRICE
from indexvault.lending import chain as lending
from indexvault.lending import model as lending_model
from indexvault.lending import position as lending_position
from indexvault.leverage import model, product
from indexvault.market.rpc import Function, RpcError
from indexvault.network import approve, has_code, market_rpc, send
from indexvault.oneasset import Quote
from indexvault.units import format_amount

Echo = Callable[[str], None]

P_BOUNDS = [
    Function(f"{name}()", "uint256")
    for name in (
        "target_leverage",
        "min_leverage",
        "max_leverage",
        "ripcord_leverage",
        "max_trade",
        "max_slippage",
        "swap_buffer",
        "ripcord_reward",
    )
]
P_SUPPLY = Function("totalSupply()", "uint256")
P_MINT_FEE = Function("mint_fee()", "uint256")
P_REDEEM_FEE = Function("redeem_fee()", "uint256")
P_SUPPLY_CAP = Function("supply_cap()", "uint256")
P_SYMBOL = Function("symbol()", "string")
ERC20_BALANCE = Function("balanceOf(address)", "uint256")
F_ROUND = Function("latestRoundData()", "uint80,int256,uint256,uint256,uint80")
P_UNWOUND = Function("unwound()", "bool")
O_LAST_PRICE = Function("last_price()", "uint256,uint256")
P_ARMED = [Function(f"unwind_armed_{x}()", "uint256") for x in ("at", "for")]


def products_of(index: DeployedIndex) -> dict[str, dict[str, Any]]:
    found = index.get("leverage") or {}
    if not found:
        raise DeploymentError(f"{index.symbol} has no leveraged products recorded: run `ape run leverage create`")
    return found


def entry_of(index: DeployedIndex, key: str) -> dict[str, Any]:
    products = products_of(index)
    product.product_name(key)
    if key not in products:
        raise DeploymentError(f"{index.symbol} has no {key} product recorded: run `ape run leverage create`")
    return products[key]


def params_of(entry: dict[str, Any]) -> tuple:
    return tuple(entry["params"][:4]) + (int(entry["params"][4]),)


def read(reader, entry: dict[str, Any], index_symbol: str) -> product.State:
    """The product at the latest block: its Morpho position and market, the NAV (0 and `stale` when the
    oracle refuses it), its supply, fees, cap and bounds."""
    address, params = entry["address"], params_of(entry)
    mid = lending.market_id(params)
    calls = [
        (entry["morpho"], M_MARKET, (mid,)),
        (entry["morpho"], M_POSITION, (mid, address)),
        (address, P_SUPPLY, ()),
        (address, P_MINT_FEE, ()),
        (address, P_REDEEM_FEE, ()),
        (address, P_SUPPLY_CAP, ()),
        (address, P_SYMBOL, ()),
        (entry["index_nav_feed"], F_ROUND, ()),
        (address, P_UNWOUND, ()),
        (entry["nav_oracle"], O_LAST_PRICE, ()),
        *[(address, f, ()) for f in P_ARMED],
        *[(address, f, ()) for f in P_BOUNDS],
    ]
    totals, position, (supply,), (mint_fee,), (redeem_fee,), (cap,), (symbol,), round_, (unwound,), last, *rest = (
        reader.read(calls)
    )
    (armed_at,), (armed_for,), *bounds = rest
    try:
        ((price,),) = reader.read([(entry["nav_oracle"], O_PRICE, ())])
        stale = False
    except RpcError:
        price, stale = 0, True
    held = None
    if unwound:  # no position: the index and USDC it holds, for its supply
        index_token, usdc = (params[0], params[1]) if entry["inverse"] else (params[1], params[0])
        (held_index,), (held_usdc,) = reader.read([(t, ERC20_BALANCE, (address,)) for t in (index_token, usdc)])
        held = model.Holdings(held_index, held_usdc, supply)
    market = lending_model.Market(params[4], *totals[:4])
    book = model.Book(entry["inverse"], lending_model.Position(*position), market, price, supply)
    block = reader.call("eth_getBlockByNumber", "latest", False)
    return product.State(
        key=entry["key"],
        symbol=symbol,
        address=address,
        index_symbol=index_symbol,
        book=book,
        bounds=model.Bounds(*(b[0] for b in bounds)),
        lltv=params[4],
        stale=stale,
        mint_fee=mint_fee,
        redeem_fee=redeem_fee,
        supply_cap=cap,
        liquidity=market.liquidity,
        nav_updated_at=round_[3],
        timestamp=int(block["timestamp"], 16),
        held=held,
        last_price=last[0],
        stale_since=last[1],
        unwind_armed_at=armed_at,
        unwind_armed_for=armed_for,
    )


def read_all(index: DeployedIndex) -> list[product.State]:
    rpc = market_rpc()
    return [read(rpc, entry, index.symbol) for entry in products_of(index).values()]


def read_one(index: DeployedIndex, key: str) -> product.State:
    return read(market_rpc(), entry_of(index, key), index.symbol)


def balance_of(entry: dict[str, Any], who: str) -> int:
    ((balance,),) = market_rpc().read([(entry["address"], ERC20_BALANCE, (who,))])
    return balance


# --- create -------------------------------------------------------------------


def _deploy_product(index: DeployedIndex, account, key: str, params: tuple, router: str, keeper: str, echo: Echo):
    inverse = product.PRODUCTS[key]
    bounds = product.default_bounds(inverse, params[4])
    symbol = index.symbol[:3] + ("IX" if inverse else "2X")
    contract = project.LeveragedIndex.deploy(
        f"{index.symbol} {key}"[:25],
        symbol,
        index["lending"]["morpho"],
        params,
        index["lending"]["oracle"],
        router,
        inverse,
        tuple(bounds),
        account.address,
        account.address,
        keeper,
        account.address,
        [product.MAX_FEE, product.MAX_FEE],
        product.SUPPLY_CAP,
        sender=account,
    )
    feed = project.LeveragedNavFeed.deploy(contract.address, index["nav_feed"], sender=account)
    echo(
        f"{symbol} ({key}) {contract.address}: target {format_amount(bounds.target, 18)}x, band "
        f"{format_amount(bounds.low, 18)}-{format_amount(bounds.high, 18)}, ripcord above "
        f"{format_amount(bounds.ripcord, 18)}x ({format_amount(bounds.ripcord_reward, 6)} USDC reward), "
        f"keeper {keeper}; NAV feed {feed.address}"
    )
    return contract, feed


def create(index: DeployedIndex, account, lend_index: int, keeper: str | None, echo: Echo = print) -> DeployedIndex:
    """Both products on the index's Morpho markets, each step skipped when already on chain (safe to run
    again). The -1x's market gets `lend_index` index wei from the signer, who must hold them."""
    keeper = keeper or account.address
    if not index.get("lending"):
        echo(f"{index.symbol} has no Morpho market yet: opening it as `ape run lend open` does")
        lending.open_market(index.record, account, lending_position.DEFAULT_LLTV, None, None, echo)
        index = DeployedIndex.load(index.symbol)
    lend = index["lending"]
    morpho = lending.morpho_at(lend["morpho"])
    market = index.trading_market()
    router, index = oneasset_router.router(index, account, market, echo)
    found = dict(index.get("leverage") or {})
    lltv = int(lend["lltv"])

    long_params = lending.params_of(lend)
    entries: dict[str, dict[str, Any]] = {}
    for key, inverse in product.PRODUCTS.items():
        entry = found.get(key)
        if entry and has_code(entry["address"]):
            echo(f"{entry['symbol']} ({key}) {entry['address']}: already deployed")
            entries[key] = entry
            continue
        if inverse:
            oracle = project.MorphoInverseNavOracle.deploy(lend["oracle"], sender=account)
            params = (index["vault"], lend["loan_token"], oracle.address, ZERO_ADDRESS, lltv)
            morpho.createMarket(params, sender=account)
            echo(
                f"Created the USDC/{index.symbol} market (USDC collateral, {index.symbol} loan) at LLTV "
                f"{format_amount(lltv, 16)} %, priced by MorphoInverseNavOracle {oracle.address}"
            )
        else:
            params = long_params
        contract, feed = _deploy_product(index, account, key, params, router.address, keeper, echo)
        entries[key] = {
            "key": key,
            "address": contract.address,
            "symbol": contract.symbol(),
            "inverse": inverse,
            "morpho": lend["morpho"],
            "params": [*params[:4], str(params[4])],
            "market_id": "0x" + lending.market_id(params).hex(),
            "nav_oracle": lend["oracle"],  # what the product values at, whatever the direction
            "index_nav_feed": index["nav_feed"],
            "nav_feed": feed.address,
        }
        index = index.updated(leverage={**found, **entries})
    inverse_params = params_of(entries["-1x"])
    _lend_index(index, account, morpho, inverse_params, lend_index, echo)
    return index


def _lend_index(index: DeployedIndex, account, morpho, params: tuple, amount: int, echo: Echo) -> None:
    """The signer lends index tokens in the -1x product's market, up to `amount` supplied in all."""
    supplied = morpho.market(lending.market_id(params))[0]
    if amount <= supplied:
        echo(f"the USDC/{index.symbol} market has {format_amount(supplied, 18)} {index.symbol} to lend")
        return
    add = amount - supplied
    vault = index.vault
    held = vault.balanceOf(account.address)
    if held < add:
        raise ValueError(
            f"lending {format_amount(add, 18)} {index.symbol} for the -1x product to borrow needs that much in "
            f"{account.address}, which holds {format_amount(held, 18)} (`ape run mint --shares N` first)"
        )
    approve(vault, account, morpho.address, add)
    morpho.supply(params, add, 0, account.address, b"", sender=account)
    echo(
        f"{account.address} lent {format_amount(add, 18)} {index.symbol} in the USDC/{index.symbol} market "
        f"(the -1x product borrows from it)"
    )


# --- mint and redeem --------------------------------------------------------------


def _quote(index: DeployedIndex, buy: bool, index_wei: int) -> Quote:
    quoted, _ = oneasset_router.quote(index, "mint" if buy else "redeem", "USDC", Decimal(index_wei) / 10**18)
    return quoted


def _usdc(index: DeployedIndex):
    return project.MockToken.at(index["lending"]["loan_token"])  # any ERC-20 ABI will do


@dataclass
class Done:
    state: product.State
    quote: Quote | None  # None: an unwound product's redeem (in kind, no swap)
    preview: Any
    receipt: Any
    amount: int  # shares minted, or USDC paid out
    refund: int = 0


def mint(index: DeployedIndex, account, key: str, usdc_in: int, slippage: Decimal, receiver: str | None, echo: Echo):
    entry = entry_of(index, key)
    state = read(market_rpc(), entry, index.symbol)
    usdc = _usdc(index)
    balance = usdc.balanceOf(account.address)
    plan = product.check_mint(state, usdc_in, balance)
    # Long: the router buys the index with the USDC in and the USDC borrowed; inverse: sells the borrowed index.
    quoted = _quote(index, not state.inverse, plan.index)
    preview = product.preview_mint(state, usdc_in, quoted.total, slippage)
    echo_preview(echo, state, quoted, preview)
    contract = project.LeveragedIndex.at(entry["address"])
    approve(usdc, account, contract.address, usdc_in)
    before = usdc.balanceOf(account.address)
    receipt = send(
        contract.mint, usdc_in, preview.min_shares, quoted.route_args(), receiver or account.address, sender=account
    )
    minted = receipt.decode_logs(contract.Minted)[0]
    refund = usdc.balanceOf(account.address) - (before - usdc_in)
    return Done(read(market_rpc(), entry, index.symbol), quoted, preview, receipt, minted.shares, refund)


def redeem(index: DeployedIndex, account, key: str, shares: int, slippage: Decimal, receiver: str | None, echo: Echo):
    entry = entry_of(index, key)
    state = read(market_rpc(), entry, index.symbol)
    contract = project.LeveragedIndex.at(entry["address"])
    if state.unwound:  # in kind, exactly: no quote, no slippage
        index_out, usdc_out = product.preview_redeem_unwound(state, shares, contract.balanceOf(account.address))
        echo(
            f"{state.symbol} is unwound: expect {format_amount(index_out, 18)} {state.index_symbol} and "
            f"{format_amount(usdc_out, 6)} USDC, in kind"
        )
        receipt = send(contract.redeem, shares, usdc_out, [], receiver or account.address, sender=account)
        paid = receipt.decode_logs(contract.Redeemed)[0].usdc_out
        return Done(read(market_rpc(), entry, index.symbol), None, (index_out, usdc_out), receipt, paid)
    plan = product.check_redeem(state, shares, contract.balanceOf(account.address))
    # Long: the withdrawn index is sold; inverse: the withdrawn USDC buys the index repaid.
    quoted = _quote(index, state.inverse, plan.repaid if state.inverse else plan.collateral)
    preview = product.preview_redeem(state, shares, quoted.total, slippage)
    echo_preview(echo, state, quoted, preview)
    receipt = send(
        contract.redeem, shares, preview.min_out, quoted.route_args(), receiver or account.address, sender=account
    )
    paid = receipt.decode_logs(contract.Redeemed)[0].usdc_out
    return Done(read(market_rpc(), entry, index.symbol), quoted, preview, receipt, paid)


def unwind(index: DeployedIndex, account, key: str, echo: Echo) -> Done:
    """Anyone, on a stale NAV: the first call arms the unwind (`LeveragedIndex.unwind` records when it saw the
    staleness, trades nothing); a call a day after it closes the product's position for good, the router's swap
    quoted now and shown against the contract's bound, which the contract applies itself. `Done.preview` is None
    when it armed, else the plan it ran."""
    entry = entry_of(index, key)
    state = read(market_rpc(), entry, index.symbol)
    plan = product.check_unwind(state)
    contract = project.LeveragedIndex.at(entry["address"])
    if plan is None:
        receipt = send(contract.unwind, [], sender=account)
        armed = read(market_rpc(), entry, index.symbol)
        slippage = format_amount(state.bounds.max_slippage, 16, 3)
        echo(
            f"armed: anyone may unwind {state.symbol} from {product.utc(armed.unwind_opens)}, "
            f"the bound then {slippage} % widening 1 % an hour"
        )
        return Done(armed, None, None, receipt, 0)
    # Long: sells the index that repays the debt at the bound; inverse: buys the index owed.
    quoted = _quote(index, state.inverse, state.book.debt if state.inverse else plan.collateral)
    side = "at most" if state.inverse else "at least"
    echo(
        f"Unwinding {state.symbol}: the router {'buys' if state.inverse else 'sells'} "
        f"{format_amount(quoted.shares, 18)} {state.index_symbol} for {format_amount(quoted.total, 6)} USDC now; "
        f"the contract accepts {side} {format_amount(plan.limit, 6)} (the last NAV "
        f"{'+' if state.inverse else '-'}{format_amount(plan.tolerance, 16, 3)} %)"
    )
    receipt = send(contract.unwind, quoted.route_args(), sender=account)
    return Done(read(market_rpc(), entry, index.symbol), quoted, plan, receipt, 0)


def echo_preview(echo: Echo, state: product.State, quoted: Quote, preview) -> None:
    side = "buys" if quoted.side == "mint" else "sells"
    echo(
        f"Quote: the router {side} {format_amount(quoted.shares, 18)} {state.index_symbol} for "
        f"{format_amount(quoted.total, 6)} USDC ({quoted.cost_bps:.1f} bps against the feeds)"
    )
    if isinstance(preview, product.MintPreview):
        r = preview.result
        echo(
            f"  expect {format_amount(r.shares, 18)} {state.symbol} "
            f"({format_amount(r.equity_added, 6)} USD of equity), "
            f"refund {format_amount(r.refund, 6)} USDC; accepting at least {format_amount(preview.min_shares, 18)}"
        )
    else:
        echo(
            f"  expect {format_amount(preview.usdc_out, 6)} USDC; "
            f"accepting at least {format_amount(preview.min_out, 6)}"
        )
