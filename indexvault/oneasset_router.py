"""One asset in, one asset out, on the connected chain through Ape: the
network's `contracts/periphery/IndexRouter.vy` (found, or deployed once),
a quote at the chain's pools now, and `mint_from` / `redeem_to` sent
through the router with the quote's bound. The quotes themselves are
`indexvault.oneasset`'s, which is pure.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from ape import chain, project

from indexvault import deployments
from indexvault.index import DeployedIndex
from indexvault.market import pools as market_pools
from indexvault.market.record import MarketRecord
from indexvault.network import approve, has_code, market_rpc, record_file, send
from indexvault.oneasset import Quote, Side, quote_mint, quote_redeem, v3_quoter
from indexvault.units import from_base, to_base

Echo = Callable[[str], None]


def router(index: DeployedIndex, account, market: MarketRecord, echo: Echo = print):
    """The network's IndexRouter: the one recorded with any index here (and
    still on chain), else a new one, deployed once on the market's Uniswap
    routers. Recorded as `router` with `index`; returns the contract and the
    index as now recorded."""
    index = DeployedIndex.of(index)
    known = [index.get("router")] + [i.get("router") for i in deployments.load_all(record_file()).values()]
    for address in known:
        if address and has_code(address):
            if index.get("router") != address:
                index = index.updated(router=address)
            return project.IndexRouter.at(address), index
    contract = project.IndexRouter.deploy(market.uniswap.v2_router, market.uniswap.swap_router, sender=account)
    echo(f"  router {contract.address} (deployed once for this network, on its Uniswap routers)")
    return contract, index.updated(router=contract.address)


def quote(index: DeployedIndex, side: Side, symbol: str, shares: Decimal) -> tuple[Quote, MarketRecord]:
    """The quote for minting (redeeming) `shares` whole index tokens from (to)
    the market asset `symbol`, at the chain's pools now."""
    index = DeployedIndex.of(index)
    market = index.trading_market()
    rpc = market_rpc()
    vault = index.vault
    wei = to_base(shares, 18)
    amounts = list(vault.amounts_for_mint(wei) if side == "mint" else vault.amounts_for_redeem(wei))
    components = list(vault.components())
    feeds = market_pools.feed_prices(rpc, market)
    states = market_pools.read(rpc, market, feeds)
    build = quote_mint if side == "mint" else quote_redeem
    return build(market, states, feeds, components, amounts, symbol, wei, v3_quoter(rpc, market)), market


def _deadline() -> int:
    return chain.blocks.head.timestamp + 1800


def mint_from(
    index: DeployedIndex,
    account,
    market: MarketRecord,
    quoted: Quote,
    max_in: int,
    receiver: str | None = None,
    echo: Echo = print,
):
    """Send `IndexRouter.mint_from` for `quoted` with `max_in` of its input
    token (approving the router first where needed). Returns the receipt and
    what was spent (base units)."""
    contract, index = router(index, account, market, echo)
    token = project.MockToken.at(quoted.token)  # any ERC-20 ABI will do
    balance = token.balanceOf(account.address)
    if balance < max_in:
        raise ValueError(
            f"{account.address} holds {from_base(balance, quoted.decimals)} {quoted.symbol}, "
            f"needs up to {from_base(max_in, quoted.decimals)} to mint from it"
        )
    approve(token, account, contract.address, max_in)
    receipt = send(
        contract.mint_from,
        index.address("vault"),
        quoted.token,
        max_in,
        quoted.shares,
        quoted.route_args(),
        receiver or account.address,
        _deadline(),
        sender=account,
    )
    spent = receipt.decode_logs(contract.MintedFrom)[0].amount_in
    return receipt, spent


def redeem_to(
    index: DeployedIndex,
    account,
    market: MarketRecord,
    quoted: Quote,
    min_out: int,
    receiver: str | None = None,
    echo: Echo = print,
):
    """Send `IndexRouter.redeem_to` for `quoted`, accepting at least `min_out`
    of its output token (approving the router for the shares first where
    needed). Returns the receipt and what was received (base units)."""
    contract, index = router(index, account, market, echo)
    vault = index.vault
    balance = vault.balanceOf(account.address)
    if balance < quoted.shares:
        raise ValueError(
            f"{account.address} holds {from_base(balance, 18)} {index.symbol}, not {from_base(quoted.shares, 18)}"
        )
    approve(vault, account, contract.address, quoted.shares)
    receipt = send(
        contract.redeem_to,
        vault.address,
        quoted.token,
        quoted.shares,
        min_out,
        quoted.route_args(),
        receiver or account.address,
        _deadline(),
        sender=account,
    )
    received = receipt.decode_logs(contract.RedeemedTo)[0].amount_out
    return receipt, received
