"""The connected network, through Ape: its name, where its deployments are
recorded, the market its node serves, and fast JSON-RPC to it.

Every chain-facing module asks here rather than reading `ape.chain` for
these itself: `indexvault.index` (one deployed index), `indexvault.chain`
(deploy, mint, redeem, status), `indexvault.launch` (the factory) and the
keepers' runners. The file these paths point at is read and written only by
`indexvault.deployments`, which owns its format.
"""

from __future__ import annotations

import os
from pathlib import Path

from ape import chain, project
from web3.exceptions import ContractLogicError as Web3Revert

from indexvault import deployments
from indexvault.errors import DeploymentError, Reverted
from indexvault.market import addressbook
from indexvault.market import record as market_record
from indexvault.market.record import MarketRecord
from indexvault.market.rpc import Rpc

# Networks where mock tokens may be deployed besides local ones: public
# testnets have no real assets, and the rehearsal (anvil with Sepolia's chain
# id) stands in for one.
TESTNETS = ("sepolia", "holesky")


def connected() -> tuple[str, str, bool]:
    """The connected network's ecosystem and name, and whether it is local."""
    network = chain.provider.network
    return network.ecosystem.name, network.name, network.is_local


def mocks_allowed() -> bool:
    _, network, is_local = connected()
    return is_local or network in TESTNETS


def has_code(address: str) -> bool:
    return bool(chain.provider.get_code(address))


def approve(token, owner, spender: str, amount: int) -> None:
    """Let `spender` take `amount` of `token` from `owner`, sending the approval only if the allowance is
    short of it."""
    if token.allowance(owner.address, spender) < amount:
        token.approve(spender, amount, sender=owner)


REVERT_PREFIX = "execution reverted: "


def send(method, *args, sender, **kwargs):
    """`method(*args, sender=sender)`, a contract call that changes state, after an `eth_call` of the
    same transaction: one that would revert is refused with the contract's reason (`Reverted`) and
    nothing is sent. Sent as it is, Ape on an anvil node answers a revert by fetching and printing the
    transaction's whole call trace (over 400 lines and about 13 s for a ten-component one-asset mint)
    before its error."""
    try:
        chain.provider.web3.eth.call(
            {"from": sender.address, "to": method.contract.address, "data": method.encode_input(*args)}
        )
    except Web3Revert as error:
        reason = str(error.message or "").removeprefix(REVERT_PREFIX) or "no reason given"
        raise Reverted(f"reverted: {reason} (the call before sending it; nothing was sent)") from None
    return method(*args, sender=sender, **kwargs)


def deployments_root() -> Path:
    """The project's `deployments/`, or the folder named by INDEXVAULT_DEPLOYMENTS."""
    return Path(os.environ.get("INDEXVAULT_DEPLOYMENTS") or Path(project.path) / "deployments")


def record_file() -> Path:
    """Where this network's deployments are recorded (checked to have been
    written on the connected chain)."""
    ecosystem, network, _ = connected()
    path = deployments.record_path(deployments_root(), ecosystem, network)
    deployments.check_chain(path, chain.chain_id)
    return path


def market_rpc() -> Rpc:
    """Fast JSON-RPC to the connected node, for the market's batches and the keepers' reads."""
    return Rpc(chain.provider.uri)


def load_market(check: bool = True) -> MarketRecord | None:
    """The market this network's node serves, checked against the chain; None if none is recorded."""
    data = deployments.load_market(record_file())
    if data is None:
        return None
    market = MarketRecord.model_validate(data)
    if check:
        market_record.check(market, market_rpc())
    return market


def save_market(market: MarketRecord) -> None:
    deployments.save_market(record_file(), market_record.dumps(market))


def address_book_market(components: list[tuple[str, str]], oracle: str, quote: str | None) -> MarketRecord:
    """The market of a network with no local market recorded: its address book (the user's own or the
    one shipped for its chain id) with `components` (token, symbol) priced by the adapter `oracle` and
    their Uniswap pools found through the book's factories. A network with none is refused, saying
    what to add."""
    found = addressbook.find_book(chain.chain_id, deployments_root())
    if found is None:
        raise DeploymentError(addressbook.missing_book_message(chain.chain_id, connected()[1], deployments_root()))
    return addressbook.market_for_index(found[0], market_rpc(), components, oracle, chain.blocks.head.timestamp, quote)


def project_bytecode(name: str) -> str:
    """Creation bytecode of one of the project's compiled contracts (MockToken, MockFeed ...)."""
    return project.get_contract(name).contract_type.deployment_bytecode.bytecode
