"""What anyone does with a deployed index through Ape: mint and redeem in
kind within slippage bounds, withdraw a claim left by a redeem, sync a
component the vault holds less of than it owes, and read its status.

Each takes a `DeployedIndex` (`indexvault.index`); a plain record is still
accepted. Deploying is `indexvault.chain`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from ape import project
from ape.exceptions import ContractLogicError

from indexvault.index import DeployedIndex
from indexvault.network import approve, send
from indexvault.solvency import shortfalls, solvency_rows
from indexvault.units import from_base, to_base

Echo = Callable[[str], None]


@dataclass
class Transfer:
    """One component's movement in a mint or redeem."""

    symbol: str
    amount: int
    decimals: int

    def __str__(self) -> str:
        return f"{from_base(self.amount, self.decimals):f} {self.symbol}"


def _transfers(index: DeployedIndex, amounts: list[int]) -> list[Transfer]:
    return [Transfer(c["symbol"], a, c["decimals"]) for c, a in zip(index.components, amounts)]


def mint(index: DeployedIndex, account, shares: Decimal, slippage: Decimal, receiver: str | None = None):
    """Mint `shares` whole index tokens in kind, paying at most (1 + slippage)
    times today's amounts; approves each component first where needed.
    Returns the receipt and the amounts quoted."""
    index = DeployedIndex.of(index)
    vault = index.vault
    wei = to_base(shares, 18)
    quoted = vault.amounts_for_mint(wei)
    limits = [a + (to_base(Decimal(a) * slippage, 0)) for a in quoted]
    for component, limit in zip(index.components, limits):
        token = project.MockToken.at(component["token"])
        balance = token.balanceOf(account.address)
        if balance < limit:
            raise ValueError(
                f"{account.address} holds {from_base(balance, component['decimals'])} {component['symbol']}, "
                f"needs up to {from_base(limit, component['decimals'])} to mint {shares} {index.symbol}"
            )
        approve(token, account, vault.address, limit)
    receipt = send(vault.mint, wei, limits, receiver or account.address, sender=account)
    return receipt, _transfers(index, quoted)


def redeem(
    index: DeployedIndex,
    account,
    shares: Decimal,
    slippage: Decimal,
    receiver: str | None = None,
    skip: list[str] = (),
):
    """Redeem `shares` whole index tokens in kind, accepting at least
    (1 - slippage) times today's amounts. Components named in `skip` are
    left in the vault as claims. Returns the receipt and the amounts quoted."""
    index = DeployedIndex.of(index)
    vault = index.vault
    wei = to_base(shares, 18)
    balance = vault.balanceOf(account.address)
    if balance < wei:
        raise ValueError(f"{account.address} holds {from_base(balance, 18)} {index.symbol}, not {shares}")
    components = [index.component(s) for s in skip]
    mask = sum(1 << index.components.index(c) for c in components)
    quoted = vault.amounts_for_redeem(wei)
    if not any(quoted):
        raise ValueError(
            f"redeeming {shares} {index.symbol} would pay nothing (every component rounds down to zero): "
            "redeem more shares"
        )
    limits = [a - to_base(Decimal(a) * slippage, 0) for a in quoted]
    receipt = send(vault.redeem, wei, limits, receiver or account.address, mask, sender=account)
    return receipt, _transfers(index, quoted)


def withdraw_claim(index: DeployedIndex, account, symbol: str, receiver: str | None = None):
    """Withdraw the account's whole claim on component `symbol` (left by a
    redeem with --skip). Returns the receipt and the amount paid."""
    index = DeployedIndex.of(index)
    vault = index.vault
    component = index.component(symbol)
    amount = vault.claims(component["token"], account.address)
    if amount == 0:
        raise ValueError(f"{account.address} has no claim on {symbol} in {index.symbol}")
    receipt = send(vault.withdraw_claim, component["token"], receiver or account.address, sender=account)
    return receipt, Transfer(symbol, amount, component["decimals"])


def _with_feed_reason(message: str, oracle, token: str) -> str:
    """The adapter's "feed failed" with the feed's own reason ("twap: thin pool", a TwapFeed's refusals),
    which the adapter's raw call does not pass on."""
    if not message.startswith("oracle: feed failed"):
        return message
    try:
        project.MockFeed.at(oracle.feed(token)[0]).latestRoundData()  # AggregatorV3 ABI
    except ContractLogicError as error:
        return f"{message} ({error.message})"
    return message


def read_status(index: DeployedIndex, holder: str | None = None) -> dict[str, Any]:
    """Everything `ape run status` shows: components, holdings, prices,
    weights, NAV, NAV per share, fees, and `holder`'s shares and their value
    at NAV. A price that fails its checks is shown as the oracle's reason
    instead of a number."""
    index = DeployedIndex.of(index)
    vault, oracle = index.vault, index.oracle
    units = vault.units()
    backing = vault.backing()
    solvency = solvency_rows(vault.components(), *index.lens.solvency(vault.address))
    rows, total_value = [], Decimal(0)
    for component, unit, owed, solvent in zip(index.components, units, backing, solvency):
        token = project.MockToken.at(component["token"])
        row = {
            "symbol": component["symbol"],
            "token": component["token"],
            "decimals": component["decimals"],
            "unit": from_base(unit, component["decimals"]),
            "held": from_base(token.balanceOf(vault.address), component["decimals"]),
            "owed": from_base(owed, component["decimals"]),
            "claims": from_base(vault.total_claims(component["token"]), component["decimals"]),
            # Held below backing plus claims: the token changed after listing; `sync` shares the loss.
            "shortfall": from_base(solvent.shortfall, component["decimals"]),
            "shortfall_bps": solvent.shortfall_bps,
            "price": None,
            "value": None,
            "error": None,
        }
        try:
            row["price"] = from_base(oracle.price(component["token"]), 18)
            row["value"] = row["unit"] * row["price"]
            total_value += row["value"]
        except ContractLogicError as error:
            row["error"] = _with_feed_reason(str(error.message), oracle, component["token"])
        rows.append(row)
    for row in rows:
        row["weight"] = row["value"] / total_value if row["value"] is not None and total_value else None

    nav = nav_per_share = None
    nav_error = None
    try:
        nav = from_base(oracle.nav(), 18)
        nav_per_share = from_base(oracle.nav_per_share(), 18)
    except ContractLogicError as error:
        nav_error = str(error.message)
    held = None
    if holder is not None:
        shares = from_base(vault.balanceOf(holder), 18)
        value = shares * nav_per_share if nav_per_share is not None else None
        held = {"address": holder, "shares": shares, "value": value}
    return {
        "symbol": index.symbol,
        "name": index.name,
        "vault": index.address("vault"),
        "oracle": index.address("oracle"),
        "components": rows,
        "supply": from_base(vault.totalSupply(), 18),
        "supply_cap": from_base(vault.supply_cap(), 18),
        "nav": nav,
        "nav_per_share": nav_per_share,
        "nav_error": nav_error,
        "multiplier": from_base(vault.multiplier(), 18),
        "fees": {
            "mint": from_base(vault.mint_fee(), 18),
            "redeem": from_base(vault.redeem_fee(), 18),
            "streaming": from_base(vault.streaming_fee(), 18),
        },
        "fee_recipient": vault.fee_recipient(),
        "mint_paused": vault.mint_paused(),
        "holder": held,
    }


def sync_shortfalls(index: DeployedIndex, account, symbol: str | None = None, echo: Echo = print) -> list[str]:
    """Call `IndexVault.sync` (permissionless, only ever lowers a unit) for each component the vault
    holds less of than it owes, or only `symbol`'s; returns the symbols synced."""
    index = DeployedIndex.of(index)
    vault = index.vault
    backing = vault.backing()  # a slot owed nothing to shares has nothing for sync to write down
    held, owed = index.lens.solvency(vault.address)
    rows = [r for r in shortfalls(solvency_rows(vault.components(), held, owed)) if backing[r.index] > 0]
    names = {c["token"].lower(): c["symbol"] for c in index.components}
    if symbol is not None:
        index.component(symbol)  # an unknown symbol is an error naming the index's components
    synced = []
    for row in rows:
        name = names.get(row.token.lower(), row.token)
        if symbol is not None and name != symbol:
            continue
        vault.sync(row.token, sender=account)
        echo(
            f"synced {name}: the vault held {row.held} base units against {row.owed} owed "
            f"({row.shortfall_bps} bps short); its unit now matches what it holds"
        )
        synced.append(name)
    return synced
