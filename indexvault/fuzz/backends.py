"""Where a fuzz campaign's calls run: the same bytes, three ways.

Every backend deploys creation bytecode, sends the harness's batches and
makes view calls, at the level of raw calldata, so the engine above it is
written once:

- `BoaBackend`: titanoboa forking the market node (py-evm in this process;
  the node's accounts and storage are fetched once over RPC and kept in
  memory). One batch per step: what the hypothesis state machines use.
- `AnvilBackend`: the market node itself (revm), one harness transaction per
  batch of up to `BATCH` calls, in a block stamped with the campaign's
  clock. The fast engine: py-evm interprets about 300,000 opcodes a second
  here, and a five-component mint with its checks is about 3,000 of them,
  so boa alone tops out near 100 vault operations a second.
- `ApeBackend` (in `indexvault.fuzz.ape_baseline`): the baseline, one Ape
  transaction per call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from eth_utils import keccak, to_checksum_address

from indexvault.errors import FuzzError
from indexvault.market.rpc import Rpc, RpcError

# The harness's Step event and run() call (indexvault/fuzz/contracts/FuzzHarness.vy).
STEP_TOPIC = keccak(text="Step(uint256,bool,bytes,uint256,uint256,uint256[],bool)")
STEP_TYPES = ["uint256", "bool", "bytes", "uint256", "uint256", "uint256[]", "bool"]
RUN_SELECTOR = keccak(text="run((address,address,bytes)[])")[:4]
# EIP-7825 caps a transaction at 2**24 gas (anvil 1.7.1 enforces it).
TX_GAS = 16_000_000
ZERO = "0x0000000000000000000000000000000000000000"


@dataclass(frozen=True)
class Call:
    """One call the harness makes: as `actor` (an actor contract's address,
    or ZERO for the harness itself), to `target`, with `data`."""

    actor: str
    target: str
    data: bytes


@dataclass(frozen=True)
class StepResult:
    """What the harness logged after one call."""

    ok: bool
    out: bytes  # return data, or the revert data when not ok
    supply: int
    multiplier: int
    holdings: tuple[int, ...]  # the vault's balance of each component
    backed: bool  # the harness's own check: held covers owed, per component


def _address_word(address: str) -> bytes:
    return bytes(12) + bytes.fromhex(address[2:])


def encode_run(calls: Sequence[Call]) -> bytes:
    """`run(calls)`'s calldata, laid out by hand as the ABI has it (eth_abi
    validates every address and byte string, a third of a batch's Python
    time): the array's offset and length, each element's offset from the
    array's content, and each element as (actor, target, offset of data,
    data's length, data padded to whole words). Equal to eth_abi's
    `encode(["(address,address,bytes)[]"], ...)`, which the tests check."""
    elements = []
    for call in calls:
        padded = call.data + bytes(-len(call.data) % 32)
        elements.append(
            _address_word(call.actor)
            + _address_word(call.target)
            + (96).to_bytes(32, "big")
            + len(call.data).to_bytes(32, "big")
            + padded
        )
    offsets, at = [], 32 * len(elements)
    for element in elements:
        offsets.append(at.to_bytes(32, "big"))
        at += len(element)
    return b"".join([RUN_SELECTOR, (32).to_bytes(32, "big"), len(calls).to_bytes(32, "big"), *offsets, *elements])


def _word(data: bytes, at: int) -> int:
    return int.from_bytes(data[at : at + 32], "big")


def decode_step(data: bytes) -> StepResult:
    """One Step event's data, read at its fixed ABI offsets (eth_abi's
    general decoder is most of a batch's Python time): seven head words
    (index, ok, offset of `out`, supply, multiplier, offset of `holdings`,
    backed), then each dynamic value as its length and its words."""
    at_out, at_holdings = _word(data, 64), _word(data, 160)
    out = data[at_out + 32 : at_out + 32 + _word(data, at_out)]
    count = _word(data, at_holdings)
    holdings = tuple(_word(data, at_holdings + 32 * (j + 1)) for j in range(count))
    return StepResult(_word(data, 32) == 1, out, _word(data, 96), _word(data, 128), holdings, _word(data, 192) == 1)


def decode_steps(logs: Sequence[tuple[bytes, bytes]], harness: str) -> list[StepResult]:
    """StepResults from raw logs `(topics0, data)` of one batch."""
    return [decode_step(data) for topic0, data in logs if topic0 == STEP_TOPIC]


class Backend(Protocol):
    name: str
    deployer: str

    def deploy(self, initcode: bytes) -> str: ...
    def transact(self, to: str, data: bytes) -> None: ...
    def run(self, harness: str, calls: Sequence[Call], timestamp: int) -> list[StepResult]: ...
    def view(self, to: str, data: bytes) -> bytes: ...
    def views(self, calls: Sequence[tuple[str, bytes]]) -> list[bytes]: ...
    def timestamp(self) -> int: ...


class BoaBackend:
    """titanoboa forking `url` at its latest block; state fetched once, kept in memory."""

    name = "boa"

    def __init__(self, url: str) -> None:
        import boa

        self._boa = boa
        # cache_dir=None: every restored market node is chain 31337 at the same
        # block number, so boa's on-disk cache (keyed by chain and block) could
        # serve one market's state for another's.
        boa.fork(url, block_identifier="latest", cache_dir=None)
        self.deployer = str(boa.env.generate_address("fuzz-deployer"))

    def deploy(self, initcode: bytes) -> str:
        address, _ = self._boa.env.deploy_code(sender=self.deployer, bytecode=initcode)
        return to_checksum_address(str(address))

    def transact(self, to: str, data: bytes) -> None:
        self._boa.env.raw_call(to, sender=self.deployer, data=data)

    def run(self, harness: str, calls: Sequence[Call], timestamp: int) -> list[StepResult]:
        env = self._boa.env
        if timestamp > env.timestamp:
            env.time_travel(seconds=timestamp - env.timestamp)
        computation = env.raw_call(harness, sender=self.deployer, data=encode_run(calls), gas=TX_GAS)
        logs = [(topics[0].to_bytes(32, "big"), data) for _, _, topics, data in computation.get_raw_log_entries()]
        return decode_steps(logs, harness)

    def view(self, to: str, data: bytes) -> bytes:
        return bytes(self._boa.env.raw_call(to, sender=self.deployer, data=data, simulate=True).output)

    def views(self, calls: Sequence[tuple[str, bytes]]) -> list[bytes]:
        return [self.view(to, data) for to, data in calls]

    def timestamp(self) -> int:
        return self._boa.env.timestamp


class AnvilBackend:
    """The node itself over JSON-RPC: a batch is one transaction, mined alone in a block."""

    name = "anvil"

    def __init__(self, url: str, account_index: int = 0) -> None:
        self.rpc = Rpc(url)
        self.deployer = to_checksum_address(self.rpc.call("eth_accounts")[account_index])
        # Automine mines after eth_sendTransaction returns; mining each block
        # ourselves (evm_mine) makes the receipt ready when the call returns.
        self.rpc.call("evm_setAutomine", False)
        # The time of the last block this backend mined, as boa's clock: a block with no time of its own
        # (a deployment) keeps it, and a block is never mined before it. Left to anvil, a deployment was
        # stamped with the wall clock, seconds past the campaign's planned time on a loaded machine, and
        # the next planned block was refused ("lower than previous block's timestamp").
        self._clock = self.rpc.timestamp() + 1  # a node restored with --timestamp T refuses T - 1, its last block's

    def close(self) -> None:
        """Give the node back with automine on."""
        self.rpc.call("evm_setAutomine", True)

    def _send(self, to: str | None, data: bytes, timestamp: int | None = None) -> dict:
        params = {"from": self.deployer, "data": "0x" + data.hex(), "gas": hex(TX_GAS)}
        if to is not None:
            params["to"] = to
        self._clock = max(self._clock, timestamp or 0)
        tx_hash = self.rpc.call("eth_sendTransaction", params)
        self.rpc.call("evm_mine", {"timestamp": self._clock, "blocks": 1})
        receipt = self.rpc.call("eth_getTransactionReceipt", tx_hash)
        if receipt is None or int(receipt["status"], 16) != 1:
            raise FuzzError(f"transaction to {to} reverted or was not mined")
        return receipt

    def deploy(self, initcode: bytes) -> str:
        return to_checksum_address(self._send(None, initcode)["contractAddress"])

    def transact(self, to: str, data: bytes) -> None:
        self._send(to, data)

    def run(self, harness: str, calls: Sequence[Call], timestamp: int) -> list[StepResult]:
        receipt = self._send(harness, encode_run(calls), timestamp)
        self.last_gas = int(receipt["gasUsed"], 16)
        logs = [
            (bytes.fromhex(log["topics"][0][2:]), bytes.fromhex(log["data"][2:]))
            for log in receipt["logs"]
            if log["address"].lower() == harness.lower()
        ]
        return decode_steps(logs, harness)

    def view(self, to: str, data: bytes) -> bytes:
        return self.views([(to, data)])[0]

    def views(self, calls: Sequence[tuple[str, bytes]]) -> list[bytes]:
        try:
            raw = self.rpc.batch([("eth_call", [{"to": to, "data": "0x" + d.hex()}, "latest"]) for to, d in calls])
        except RpcError as error:
            raise FuzzError(str(error)) from None
        return [bytes.fromhex(r[2:]) for r in raw]

    def timestamp(self) -> int:
        return self.rpc.timestamp()
