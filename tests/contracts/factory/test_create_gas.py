"""Gas of launching an index through the factory, by basket size: the
whole launch (timelock, vault, adapter with one feed per component,
Rebalancer, registry) must fit well inside a block."""

import pytest

from tests.utils.boa_env import ZERO_ADDRESS
from tests.utils.factory import HEARTBEAT, create_index_gas

BLOCK_GAS_LIMIT = 30_000_000


@pytest.mark.parametrize("size", [1, 10, 20, 50, 128])
@pytest.mark.parametrize("with_rebalancer", [True, False], ids=["rebalancer", "no-rebalancer"])
def test_create_index__gas_by_basket_size(
    factory, make_params, create_token, create_feed, creator, size, with_rebalancer
):
    tokens = [create_token(18, symbol=f"C{i}") for i in range(size)]
    feeds = [create_feed(10**8) for _ in range(size)]
    params = make_params(
        tokens=[t.address for t in tokens],
        units=[10**18 + i for i in range(size)],
        feeds=[(f.address, HEARTBEAT, ZERO_ADDRESS, 0, 0) for f in feeds],
        quote=tokens[0].address if with_rebalancer else ZERO_ADDRESS,
    )
    # Warm accounts (see create_index_gas); `python -m tests.utils.factory` measures cold.
    gas, record = create_index_gas(factory, params, creator)
    assert gas < BLOCK_GAS_LIMIT // 2 if size <= 50 else gas < BLOCK_GAS_LIMIT
    assert record[0] != ZERO_ADDRESS
