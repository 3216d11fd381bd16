"""The index token on Morpho Blue, through Ape: open an index's market (its NavFeed, the
MorphoNavOracle over it and the USDC feed, the market at the chosen LLTV, and on the local market
the maker's USDC to lend), then supply collateral, borrow, repay and withdraw. Each command reads a
`position.Snapshot` first and checks the request with the model, so a request the chain would
refuse is refused here with the reason and nothing is sent; `scripts/lend.py` is the thin command.

Where Morpho is: the local market's record (`ape run market build` deploys it) or the network's
address book (`lending.morpho`, Ethereum mainnet's in the shipped one)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ape import Contract, chain, project
from eth_abi import encode
from eth_utils import keccak

from indexvault import deployments
from indexvault.chain import deployments_root, load_market, market_rpc, record_file
from indexvault.constants import ZERO_ADDRESS
from indexvault.deployments import DeploymentError
from indexvault.lending import model, position
from indexvault.market import uniswap as uni
from indexvault.market.rpc import Function, Tx
from indexvault.network import approve, send
from indexvault.solidity import artifact
from indexvault.units import format_amount

MAX_UINT = 2**256 - 1
# On the local market the maker lends this much USDC in a new market unless --liquidity says otherwise.
DEFAULT_LIQUIDITY = 1_000_000
MORPHO_SUPPLY = Function("supply((address,address,address,address,uint256),uint256,uint256,address,bytes)")
PARAMS_TYPES = ["address", "address", "address", "address", "uint256"]


@dataclass(frozen=True)
class Venue:
    """Morpho on this network and the token it lends against the index (the market's quote, USDC)."""

    morpho: str
    loan_token: str
    loan_symbol: str
    loan_decimals: int
    loan_feed: str
    loan_heartbeat: int
    maker: str | None  # the local market's unlocked maker, who lends; None elsewhere


def venue() -> Venue:
    market = load_market()
    if market is not None:
        if market.lending is None:
            raise DeploymentError(
                "this local market was built before Morpho Blue joined it: rebuild it (`make market`) "
                "and serve it again (`make market-node`)"
            )
        quote = market.assets[market.quote]
        return Venue(
            market.lending.morpho,
            quote.token,
            quote.token_symbol,
            quote.decimals,
            quote.feed,
            quote.heartbeat,
            market.maker,
        )
    from indexvault.market import addressbook

    found = addressbook.find_book(chain.chain_id, deployments_root())
    if found is None or found[0].lending is None:
        raise DeploymentError(
            f"no Morpho Blue known on chain {chain.chain_id}: serve the local market (`make market-node`), or "
            f"give its address under `lending: {{morpho: ...}}` in an address book "
            f"({deployments_root() / f'address-book-{chain.chain_id}.yaml'})"
        )
    book = found[0]
    token = book.tokens[book.quote]
    feed = book.feeds[token.feed_name]
    return Venue(
        book.lending.morpho,
        token.address,
        token.token_symbol,
        token.decimals,
        feed.address,
        feed.heartbeat,
        None,
    )


def morpho_at(address: str):
    return Contract(address, abi=artifact("Morpho")["abi"])


def params_of(lending: dict[str, Any]) -> tuple:
    return (lending["loan_token"], lending["collateral"], lending["oracle"], lending["irm"], int(lending["lltv"]))


def market_id(params: tuple) -> bytes:
    return keccak(encode(PARAMS_TYPES, list(params)))


def lending_of(record: dict[str, Any]) -> dict[str, Any]:
    lending = record.get("lending")
    if not lending:
        raise DeploymentError(f"{record['symbol']} has no lending market: run `ape run lend open` first")
    return lending


def _longest_heartbeat(record: dict[str, Any]) -> int:
    adapter = project.OracleAdapter.at(record["oracle"])
    beats = [max(config[1], config[3]) for config in (adapter.feed(c["token"]) for c in record["components"])]
    return max(beats)


def open_market(
    record: dict[str, Any],
    account,
    lltv: int,
    liquidity: int | None,
    nav_max_age: int | None,
    echo=print,
) -> dict[str, Any]:
    """Deploy what the index's market needs and create it; safe to re-run (each step is recorded as it
    completes, and a step already on chain is skipped). Returns the updated record."""
    v = venue()
    morpho = morpho_at(v.morpho)
    if not morpho.isIrmEnabled(ZERO_ADDRESS):
        raise DeploymentError(f"Morpho at {v.morpho} has not enabled the zero-rate IRM (address 0)")
    if not morpho.isLltvEnabled(lltv):
        raise DeploymentError(f"Morpho at {v.morpho} has not enabled an LLTV of {format_amount(lltv, 16)} %")
    path, symbol = record_file(), record["symbol"]
    if not record.get("nav_feed"):
        feed = project.NavFeed.deploy(record["oracle"], 0, sender=account)
        record = deployments.update_index(path, symbol, {"nav_feed": feed.address})
        echo(f"NavFeed {feed.address}: {feed.description()}, {format_amount(feed.latestAnswer(), 8)} USD now")
    existing = record.get("lending") or {}
    age = nav_max_age or existing.get("nav_max_age") or _longest_heartbeat(record)
    wanted = {"morpho": v.morpho, "loan_token": v.loan_token, "lltv": str(lltv), "nav_max_age": age}
    differs = [k for k, w in wanted.items() if existing and str(existing.get(k)) != str(w)]
    if existing.get("market_id") and differs:
        # One market per index in the record: its positions must stay findable by every command.
        raise ValueError(
            f"{symbol} already has a market ({existing['market_id']}, LLTV "
            f"{format_amount(int(existing['lltv']), 16)} %, NAV max age {existing['nav_max_age']} s); "
            f"this one would differ in {', '.join(differs)}"
        )
    if not existing.get("oracle") or differs:
        oracle = project.MorphoNavOracle.deploy(
            record["nav_feed"], age, v.loan_feed, v.loan_heartbeat, record["vault"], v.loan_token, sender=account
        )
        existing = {
            "protocol": "morpho-blue",
            "morpho": v.morpho,
            "collateral": record["vault"],
            "loan_token": v.loan_token,
            "loan_symbol": v.loan_symbol,
            "loan_decimals": v.loan_decimals,
            "oracle": oracle.address,
            "irm": ZERO_ADDRESS,
            "lltv": str(lltv),
            "nav_max_age": age,
        }
        record = deployments.update_index(path, symbol, {"lending": existing})
        echo(
            f"MorphoNavOracle {oracle.address}: refuses a NAV older than {age} s "
            f"and a {v.loan_symbol} price older than {v.loan_heartbeat} s"
        )
    params = params_of(existing)
    mid = market_id(params)
    if morpho.market(mid)[4] == 0:  # lastUpdate: 0 until created
        receipt = morpho.createMarket(params, sender=account)
        echo(
            f"Created the {symbol}/{v.loan_symbol} market at LLTV {format_amount(lltv, 16)} % "
            f"(gas {receipt.gas_used:,})"
        )
    record = deployments.update_index(path, symbol, {"lending": {**existing, "market_id": "0x" + mid.hex()}})
    if liquidity is None:
        liquidity = DEFAULT_LIQUIDITY if v.maker else 0
    target = liquidity * 10**v.loan_decimals
    supplied = morpho.market(mid)[0]
    if target > supplied:
        amount = target - supplied
        if v.maker:
            _maker_supplies(v, params, amount)
        else:
            loan = Contract(v.loan_token, abi=_ERC20_ABI)
            if loan.balanceOf(account.address) < amount:
                raise ValueError(
                    f"lending {format_amount(amount, v.loan_decimals)} {v.loan_symbol} "
                    f"needs that much in {account.address}"
                )
            loan.approve(v.morpho, amount, sender=account)
            morpho.supply(params, amount, 0, account.address, b"", sender=account)
        who = "the market maker" if v.maker else account.address
        echo(f"{who} lent {format_amount(amount, v.loan_decimals)} {v.loan_symbol} in the market")
    return record


def _maker_supplies(v: Venue, params: tuple, amount: int) -> None:
    """The local market's maker mints the loan token (a mock, open mint) and lends it."""
    maker = v.maker
    market_rpc().transact(
        [
            Tx(maker, v.loan_token, uni.MOCK_MINT(maker, amount), f"mint {v.loan_symbol} to lend", gas=100_000),
            Tx(maker, v.loan_token, uni.ERC20_APPROVE(v.morpho, amount), "approve Morpho", gas=100_000),
            Tx(maker, v.morpho, MORPHO_SUPPLY(params, amount, 0, maker, b""), "Morpho: supply", gas=300_000),
        ]
    )


_ERC20_ABI = [
    {
        "type": "function",
        "name": name,
        "stateMutability": mutability,
        "inputs": [{"name": n, "type": t} for n, t in inputs],
        "outputs": [{"name": "", "type": out}],
    }
    for name, mutability, inputs, out in (
        ("balanceOf", "view", [("owner", "address")], "uint256"),
        ("allowance", "view", [("owner", "address"), ("spender", "address")], "uint256"),
        ("approve", "nonpayable", [("spender", "address"), ("amount", "uint256")], "bool"),
        ("decimals", "view", [], "uint8"),
    )
]


def snapshot(record: dict[str, Any], holder: str) -> position.Snapshot:
    """`holder`'s position on the index's market and the market itself, now."""
    lending = lending_of(record)
    params = params_of(lending)
    morpho = morpho_at(lending["morpho"])
    mid = market_id(params)
    totals = morpho.market(mid)
    if totals[4] == 0:
        raise DeploymentError(f"the {record['symbol']} market is not created on this chain: run `ape run lend open`")
    oracle = project.MorphoNavOracle.at(lending["oracle"])
    loan_feed = oracle.loan_feed()
    loan_usd = 10**8 if loan_feed == ZERO_ADDRESS else project.NavFeed.at(loan_feed).latestRoundData()[1]
    loan = Contract(lending["loan_token"], abi=_ERC20_ABI)
    return position.Snapshot(
        market=model.Market(params[4], *totals[:4]),
        position=model.Position(*morpho.position(mid, holder)),
        price=oracle.price(),
        nav=project.NavFeed.at(record["nav_feed"]).latestAnswer(),
        loan_usd=loan_usd,
        collateral_symbol=record["symbol"],
        loan_symbol=lending["loan_symbol"],
        collateral_decimals=18,
        loan_decimals=int(lending["loan_decimals"]),
        collateral_balance=project.IndexVault.at(record["vault"]).balanceOf(holder),
        loan_balance=loan.balanceOf(holder),
    )


def supply(record: dict[str, Any], account, amount: int):
    s = snapshot(record, account.address)
    position.check_supply(s, amount)
    lending = lending_of(record)
    approve(project.IndexVault.at(record["vault"]), account, lending["morpho"], amount)
    return send(
        morpho_at(lending["morpho"]).supplyCollateral, params_of(lending), amount, account.address, b"", sender=account
    )


def borrow(record: dict[str, Any], account, amount: int):
    s = snapshot(record, account.address)
    action = position.check_borrow(s, amount)
    lending = lending_of(record)
    receipt = send(
        morpho_at(lending["morpho"]).borrow,
        params_of(lending),
        amount,
        0,
        account.address,
        account.address,
        sender=account,
    )
    return receipt, action


def repay(record: dict[str, Any], account, amount: int | None):
    s = snapshot(record, account.address)
    action = position.check_repay(s, amount)
    lending = lending_of(record)
    approve(Contract(lending["loan_token"], abi=_ERC20_ABI), account, lending["morpho"], action.assets)
    assets, shares = (0, action.shares) if action.position.borrow_shares == 0 else (amount, 0)
    receipt = send(
        morpho_at(lending["morpho"]).repay, params_of(lending), assets, shares, account.address, b"", sender=account
    )
    return receipt, action


def withdraw(record: dict[str, Any], account, amount: int | None):
    s = snapshot(record, account.address)
    amount = position.check_withdraw(s, amount)
    lending = lending_of(record)
    receipt = send(
        morpho_at(lending["morpho"]).withdrawCollateral,
        params_of(lending),
        amount,
        account.address,
        account.address,
        sender=account,
    )
    return receipt, amount
