"""The baseline: the same campaign through Ape, one transaction per call.

Ape (ape-foundry, connected to the node the fast engine uses) sends every
call the engine plans as its own transaction through the harness, signed by
Ape's first test account (anvil's first dev account, the harness's owner),
with the block time the engine's clock says, and reads balances with Ape's
`send_call`. The engine, its decisions and its checks are unchanged; only
the backend differs. Contracts are deployed beforehand through the node's
JSON-RPC (not timed), so both rates time the operations alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from indexvault.fuzz.backends import TX_GAS, AnvilBackend, Call, StepResult, decode_steps, encode_run


class ApeBackend(AnvilBackend):
    name = "ape"

    def __init__(self, url: str, provider, account) -> None:
        super().__init__(url)
        self.provider, self.account = provider, account
        self._ecosystem = provider.network.ecosystem

    def start_timing(self) -> None:
        """Set-up done: from here on every call goes through Ape, automine on."""
        self.close()
        self._ape = True

    _ape = False

    def run(self, harness: str, calls: Sequence[Call], timestamp: int) -> list[StepResult]:
        if not self._ape:
            return super().run(harness, calls, timestamp)
        self.provider.set_timestamp(timestamp)
        tx = self._ecosystem.create_transaction(receiver=harness, data=encode_run(calls), gas_limit=TX_GAS)
        receipt = self.account.call(tx)
        logs = [
            (bytes(log["topics"][0]), bytes(log["data"]))
            for log in receipt.logs
            if log["address"].lower() == harness.lower()
        ]
        return decode_steps(logs, harness)

    def views(self, calls: Sequence[tuple[str, bytes]]) -> list[bytes]:
        if not self._ape:
            return super().views(calls)
        return [
            bytes(self.provider.send_call(self._ecosystem.create_transaction(receiver=to, data=d))) for to, d in calls
        ]


@contextlib.contextmanager
def ape_on(url: str) -> Iterator[tuple[object, object]]:
    """Ape's foundry provider connected to the node at `url`; (provider, first test account)."""
    from ape import accounts, networks

    with networks.ethereum.local.use_provider("foundry", provider_settings={"host": url}) as provider:
        yield provider, accounts.test_accounts[0]
