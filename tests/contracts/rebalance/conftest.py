"""The Rebalancer tests' own fixture: the standard auction at its start, at par and at its end. The
vault, its Rebalancer and the proposal are the root conftest's (the attacks use them too)."""

import boa
import pytest

from tests.utils.rebalance import DURATION, refresh


@pytest.fixture(params=[0, DURATION // 2, DURATION], ids=["premium", "par", "discount"])
def auction(started, request):
    """The running auction at its start (a premium over the oracle), at par and at its end (a discount)."""
    boa.env.time_travel(seconds=request.param)
    refresh(started)
    return started
