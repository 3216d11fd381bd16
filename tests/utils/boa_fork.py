"""Reading a market through titanoboa's forked state, as `Rpc.read` reads it
from the node, so quotes and decisions see what the fork sees."""

from __future__ import annotations

import boa

from indexvault.market.rpc import RpcError


class BoaReader:
    """`Rpc.read` over titanoboa's forked state."""

    def read(self, calls):
        results = []
        for to, fn, args in calls:
            computation = boa.env.execute_code(to_address=to, data=bytes.fromhex(fn(*args)[2:]), simulate=True)
            if computation.is_error:
                raise RpcError(f"{fn.signature} reverted")
            results.append(fn.decode("0x" + computation.output.hex()))
        return results
