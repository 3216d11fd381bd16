"""One index deployed on the connected network: `DeployedIndex`.

Scripts, bots and keepers take one of these rather than the record's dict.
It loads the index's record by symbol (or the latest) from the network's
deployments file, refuses one whose vault is not on the connected chain,
lists the components as the vault holds them now, and hands out the index's
contracts (`vault`, `oracle`, `rebalancer`, `bidder`, `timelock`, `lens`,
`router`, `arbitrage`) and their addresses (`address(name)`). What a later
command adds to the index (a Rebalancer, its bidder, the router, a pool) is
recorded through `updated`. The file's format is `indexvault.deployments`'s
alone: this module reads and writes it only through that one.

It also reads as a read-only mapping of the record's fields
(`index["vault"]`), so the keepers' JSON-RPC readers take it or a plain
record alike: the fast engine and the titanoboa tests build records
without Ape.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from ape import project

from indexvault import deployments
from indexvault.errors import DeploymentError
from indexvault.market.record import MarketRecord
from indexvault.network import address_book_market, has_code, load_market, record_file

# The contracts an index may record, by the record's key: the project's contract type at each.
CONTRACT_TYPES = {
    "vault": "IndexVault",
    "oracle": "OracleAdapter",
    "rebalancer": "Rebalancer",
    "bidder": "RebalanceBidder",
    "timelock": "IndexTimelock",
    "router": "IndexRouter",
    "arbitrage": "IndexArbitrage",
    "lens": "IndexLens",
    "factory": "IndexFactory",
}


class DeployedIndex(Mapping[str, Any]):
    """An index's deployment record and its contracts on the connected chain."""

    def __init__(self, record: Mapping[str, Any]) -> None:
        self._record = dict(record)

    # -- loading ----------------------------------------------------------------

    @classmethod
    def load(cls, symbol: str | None = None) -> DeployedIndex:
        """Index `symbol` (or the latest deployed) from this network's record, checked to be on the
        connected chain, with its components as the vault holds them now."""
        record = deployments.load(record_file(), symbol, alive=lambda r: has_code(r["vault"]))
        if not has_code(record["vault"]):
            raise DeploymentError(
                f"index {record['symbol']} was recorded at {record['vault']}, but this chain has no contract "
                "there (a local chain starts empty each time): run `ape run deploy` again"
            )
        return cls(record).with_current_components()

    @classmethod
    def of(cls, index: DeployedIndex | Mapping[str, Any]) -> DeployedIndex:
        """`index` itself, or a plain record (as older callers pass) as a DeployedIndex."""
        return index if isinstance(index, DeployedIndex) else cls(index)

    @classmethod
    def live(cls) -> dict[str, DeployedIndex]:
        """The indexes recorded for this network whose vault is on the connected chain, by symbol (a
        local chain's record outlives the chain: what it names may be from an earlier run)."""
        return {s: cls(r) for s, r in deployments.load_all(record_file()).items() if has_code(r["vault"])}

    # -- the record -------------------------------------------------------------

    def __getitem__(self, key: str) -> Any:
        return self._record[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._record)

    def __len__(self) -> int:
        return len(self._record)

    def __repr__(self) -> str:
        return f"DeployedIndex({self.symbol} at {self._record.get('vault')})"

    @property
    def record(self) -> dict[str, Any]:
        """The record's fields, a copy (what the deployments file holds for this index)."""
        return dict(self._record)

    @property
    def symbol(self) -> str:
        return self._record["symbol"]

    @property
    def name(self) -> str:
        return self._record["name"]

    @property
    def components(self) -> list[dict[str, Any]]:
        """Each component's {symbol, token, decimals, feed}, in the vault's order."""
        return self._record["components"]

    def component(self, symbol: str) -> dict[str, Any]:
        """The component `symbol`; an unknown one is an error naming the index's components."""
        for component in self.components:
            if component["symbol"] == symbol:
                return component
        symbols = ", ".join(c["symbol"] for c in self.components)
        raise ValueError(f"{symbol}: not a component of {self.symbol} ({symbols})")

    def has(self, name: str) -> bool:
        """Whether the record names a `name` (a contract such as "rebalancer", or "pool")."""
        return bool(self._record.get(name))

    def address(self, name: str) -> str:
        """The address recorded as `name` ("vault", "oracle", "rebalancer", "pool" ...)."""
        if not self.has(name):
            raise DeploymentError(f"index {self.symbol} has no {name} recorded")
        return self._record[name]

    # -- the contracts ----------------------------------------------------------

    def contract(self, name: str):
        """The project contract recorded as `name` (see CONTRACT_TYPES), at its address."""
        return getattr(project, CONTRACT_TYPES[name]).at(self.address(name))

    @property
    def vault(self):
        return self.contract("vault")

    @property
    def oracle(self):
        """The index's OracleAdapter."""
        return self.contract("oracle")

    @property
    def rebalancer(self):
        return self.contract("rebalancer")

    @property
    def bidder(self):
        return self.contract("bidder")

    @property
    def timelock(self):
        return self.contract("timelock")

    @property
    def lens_address(self) -> str:
        """The IndexLens that reads this vault: the one recorded with the index, else the network's."""
        address = self._record.get("lens") or deployments.load_lens(record_file())
        if address is None:
            raise DeploymentError(
                f"{self.symbol}: no IndexLens is recorded for this network; "
                "`ape run deploy` or `ape run create-index` deploys one"
            )
        return address

    @property
    def lens(self):
        return project.IndexLens.at(self.lens_address)

    # -- views and updates -------------------------------------------------------

    def with_current_components(self) -> DeployedIndex:
        """This index with its components as the vault holds them now, slot for slot: a rebalance appends
        a token the deployment did not list (its symbol and decimals read from the token, its feed from
        the index's adapter), and every array mint and redeem take has one entry per slot."""
        tokens = self.vault.components()
        known = {c["token"].lower(): c for c in self.components}
        if [t.lower() for t in tokens] == list(known):
            return self
        oracle = self.oracle
        components = []
        for token in tokens:
            if token.lower() in known:
                components.append(known[token.lower()])
                continue
            erc20 = project.MockToken.at(token)  # any ERC-20 ABI will do
            components.append(deployments.component(erc20.symbol(), token, erc20.decimals(), oracle.feed(token)[0]))
        return DeployedIndex({**self._record, "components": components})

    def updated(self, drop: tuple[str, ...] = (), **fields: Any) -> DeployedIndex:
        """This index with `fields` recorded (and the fields in `drop` forgotten), saved in the
        network's record: over what the file holds for it now, so what another step recorded meanwhile
        (the router, say) is kept, and the components stay as recorded (the current ones are read
        from the vault at each load)."""
        path = record_file()
        stored = deployments.load_all(path).get(self.symbol, self._record)
        deployments.update(path, stored, drop, fields)
        return DeployedIndex({k: v for k, v in self._record.items() if k not in drop} | fields)

    def trading_market(self, check: bool = True) -> MarketRecord:
        """The market this index's keepers and one-asset routes trade on, on any network: the local
        market this network's node serves if one is recorded, else the network's address book with
        the index's components priced by its own oracle adapter and their Uniswap pools found through
        the book's factories."""
        market = load_market(check)
        if market is not None:
            return market
        components = [(c["token"], c["symbol"]) for c in self.components]
        quote = self._record.get("quote")
        if quote:
            components.append((quote, self._record.get("quote_symbol", "QUOTE")))
        return address_book_market(components, self.address("oracle"), quote)
