"""A thin JSON-RPC client for building and replaying a market fast.

Ape sends about 15 transactions a second here; a market build sends a few
hundred and a month's replay over a thousand. Anvil takes JSON-RPC batches:
one HTTP request carries a day's feed updates and arbitrage trades, a few
more mine them and read their receipts.
Transactions come from anvil's unlocked dev accounts, so nothing signs here.
Batches are mined with automine off, as `Rpc.transact` says why.

`Function` encodes calls from a Solidity signature with eth_abi, so the
market needs no contract objects, only addresses and bytecode.
"""

from __future__ import annotations

import http.client
import itertools
import json
import socket
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eth_abi import decode, encode
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from indexvault.errors import RpcError

# Under EIP-7825's 2**24 cap on a transaction's gas, which anvil 1.7.1 enforces;
# Uniswap V3's NonfungiblePositionManager, the largest deploy, needs about 5.5M.
DEPLOY_GAS = 12_000_000


def _split(types: str) -> list[str]:
    """'address,(uint256,bool),uint8' -> ['address', '(uint256,bool)', 'uint8']."""
    out, depth, current = [], 0, ""
    for char in types:
        if char == "," and depth == 0:
            out.append(current)
            current = ""
            continue
        depth += (char == "(") - (char == ")")
        current += char
    return out + [current] if current else out


@dataclass(frozen=True)
class Function:
    """A contract function from its signature, e.g. `Function("balanceOf(address)", "uint256")`."""

    signature: str
    returns: str = ""

    # Parsed once per Function: a fuzz campaign encodes tens of thousands of calls.
    @cached_property
    def inputs(self) -> list[str]:
        return _split(self.signature[self.signature.index("(") + 1 : -1])

    @cached_property
    def selector(self) -> bytes:
        return function_signature_to_4byte_selector(self.signature)

    @cached_property
    def outputs(self) -> list[str]:
        return _split(self.returns)

    def __call__(self, *args: Any) -> str:
        return "0x" + (self.selector + encode(self.inputs, list(args))).hex()

    def decode(self, data: str) -> tuple:
        return tuple(decode(self.outputs, bytes.fromhex(data.removeprefix("0x"))))


@dataclass
class Tx:
    """A transaction for anvil to sign with an unlocked account; `label` names it in errors."""

    sender: str
    to: str | None
    data: str
    label: str
    value: int = 0
    gas: int = 3_000_000

    def params(self, nonce: int) -> dict[str, Any]:
        params: dict[str, Any] = {"from": self.sender, "data": self.data, "nonce": hex(nonce), "gas": hex(self.gas)}
        if self.to is not None:
            params["to"] = self.to
        if self.value:
            params["value"] = hex(self.value)
        return params


class Rpc:
    """JSON-RPC over HTTP, with batches."""

    def __init__(self, url: str, timeout: float = 120) -> None:
        self.url = url
        self.timeout = timeout
        self._ids = itertools.count(1)

    _connection: http.client.HTTPConnection | None = None

    def _post(self, payload: Any) -> Any:
        """POST over one kept-alive connection: a fuzz campaign makes thousands
        of requests, and a new TCP connection each costs a quarter of a
        millisecond or more. A dropped connection (a node restarted, an idle
        timeout) is opened again once."""
        body = json.dumps(payload).encode()
        while True:
            reused = self._connection is not None
            try:
                if self._connection is None:
                    url = urllib.parse.urlsplit(self.url)
                    self._connection = http.client.HTTPConnection(url.hostname, url.port or 80, timeout=self.timeout)
                    self._connection.connect()
                    # Requests are small and each waits for its answer: no Nagle delay.
                    self._connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self._path = url.path or "/"
                self._connection.request("POST", self._path, body, {"Content-Type": "application/json"})
                response = self._connection.getresponse()
                data = response.read()
            except (http.client.HTTPException, OSError) as error:
                self.close()
                # Only a kept-alive connection the node had closed is tried again (it never
                # saw the request, so a transaction is not sent twice); anything else is an error.
                if reused and isinstance(
                    error, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)
                ):
                    continue
                raise RpcError(f"no node answers at {self.url} ({error})") from None
            if response.status != 200:
                raise RpcError(f"{self.url} answered HTTP {response.status}: {data[:200]!r}")
            return json.loads(data)

    def close(self) -> None:
        """Close the kept-alive connection (the next request opens another)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def call(self, method: str, *params: Any) -> Any:
        return self.batch([(method, list(params))])[0]

    def batch(self, calls: Sequence[tuple[str, list]]) -> list[Any]:
        """Results of `calls` in order; the first error raises, naming its call."""
        if not calls:
            return []
        ids = [next(self._ids) for _ in calls]
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in zip(ids, calls)]
        answers = self._post(payload)
        if isinstance(answers, dict):  # a whole-batch error
            raise RpcError(f"{self.url}: {answers.get('error')}")
        by_id = {answer["id"]: answer for answer in answers}
        results = []
        for i, (method, _params) in zip(ids, calls):
            answer = by_id.get(i, {"error": {"message": "no answer"}})
            if "error" in answer:
                raise RpcError(f"{method} failed: {answer['error'].get('message')}")
            results.append(answer["result"])
        return results

    def eth_call(self, to: str, data: str, block: str = "latest") -> str:
        return self.call("eth_call", {"to": to, "data": data}, block)

    def read(self, calls: Sequence[tuple[str, Function, tuple]]) -> list[tuple]:
        """Decoded results of many view calls `(address, function, args)` in one batch."""
        raw = self.batch([("eth_call", [{"to": to, "data": fn(*args)}, "latest"]) for to, fn, args in calls])
        return [fn.decode(data) for (_, fn, _), data in zip(calls, raw)]

    def transact(self, txs: Sequence[Tx], timestamp: int | None = None) -> list[dict[str, Any]]:
        """Send `txs` and mine them in order, a block at a time (stamped
        `timestamp`, then a second later each, when given); return their
        receipts. A reverted one raises with its label, once all are mined.

        Anvil serves a batch's requests concurrently, so mining waits: with
        automine off each transaction joins the pool with its own nonce and
        gas limit (nothing is estimated against a state an earlier one has
        not reached yet), and each block is sent only as many transactions
        as its gas limit holds: anvil drops, rather than defers, what does
        not fit."""
        if not txs:
            return []
        senders = sorted({tx.sender for tx in txs})
        counts = self.batch([("eth_getTransactionCount", [s, "pending"]) for s in senders])
        nonces = {s: int(n, 16) for s, n in zip(senders, counts)}
        block_gas = int(self.block()["gasLimit"], 16)
        blocks: list[list[dict[str, Any]]] = [[]]
        room = block_gas
        for tx in txs:
            if tx.gas > room and blocks[-1]:
                blocks.append([])
                room = block_gas
            blocks[-1].append(tx.params(nonces[tx.sender]))
            nonces[tx.sender] += 1
            room -= tx.gas
        hashes: list[str] = []
        self.call("evm_setAutomine", False)
        try:
            for block in blocks:
                hashes += self.batch([("eth_sendTransaction", [p]) for p in block])
                self.call("evm_mine", *([{"timestamp": timestamp, "blocks": 1}] if timestamp else []))
                timestamp = None if timestamp is None else timestamp + 1
        finally:
            self.call("evm_setAutomine", True)
        receipts = self.batch([("eth_getTransactionReceipt", [h]) for h in hashes])
        for tx, receipt in zip(txs, receipts):
            if receipt is None:
                raise RpcError(f"{tx.label}: not mined ({sum(r is None for r in receipts)} of {len(txs)} were not)")
            if int(receipt["status"], 16) != 1:
                raise RpcError(f"{tx.label}: reverted")
        return receipts

    def deploy(self, sender: str, bytecode: str, label: str, types: Sequence[str] = (), args: Sequence = ()) -> str:
        return self.deploy_all([(sender, bytecode, label, types, args)])[0]

    def deploy_all(self, items: Sequence[tuple[str, str, str, Sequence[str], Sequence]]) -> list[str]:
        """Deploy each `(sender, bytecode, label, constructor types, args)`; their addresses."""
        txs = [
            Tx(
                sender,
                None,
                "0x" + bytecode.removeprefix("0x") + encode(list(types), list(args)).hex(),
                label,
                gas=DEPLOY_GAS,
            )
            for sender, bytecode, label, types, args in items
        ]
        return [to_checksum_address(r["contractAddress"]) for r in self.transact(txs)]

    # anvil's own methods
    def chain_id(self) -> int:
        return int(self.call("eth_chainId"), 16)

    def block(self) -> dict[str, Any]:
        return self.call("eth_getBlockByNumber", "latest", False)

    def timestamp(self) -> int:
        return int(self.block()["timestamp"], 16)

    def set_next_timestamp(self, timestamp: int) -> None:
        self.call("evm_setNextBlockTimestamp", hex(timestamp))

    def mine(self) -> None:
        self.call("evm_mine")

    def code(self, address: str) -> str:
        return self.call("eth_getCode", address, "latest")

    def set_balance(self, address: str, wei: int) -> None:
        self.call("anvil_setBalance", address, hex(wei))
