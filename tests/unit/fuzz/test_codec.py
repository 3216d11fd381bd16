"""The harness's batch calldata and Step events, laid out by hand for speed
(indexvault/fuzz/backends.py), equal eth_abi's encoding and decoding."""

from __future__ import annotations

from eth_abi import decode, encode
from hypothesis import given, settings
from hypothesis import strategies as st

from indexvault.fuzz.backends import RUN_SELECTOR, STEP_TYPES, Call, StepResult, decode_step, encode_run

addresses = st.binary(min_size=20, max_size=20).map(lambda b: "0x" + b.hex())
words = st.integers(0, 2**256 - 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.builds(Call, addresses, addresses, st.binary(max_size=300)), max_size=8))
def test_encode_run__equals_eth_abi(calls):
    assert encode_run(calls) == RUN_SELECTOR + encode(
        ["(address,address,bytes)[]"], [[(c.actor, c.target, c.data) for c in calls]]
    )


@settings(max_examples=200, deadline=None)
@given(words, st.booleans(), st.binary(max_size=300), words, words, st.lists(words, max_size=32), st.booleans())
def test_decode_step__equals_eth_abi(index, ok, out, supply, multiplier, holdings, backed):
    data = encode(STEP_TYPES, [index, ok, out, supply, multiplier, holdings, backed])
    _, ok_, out_, supply_, multiplier_, holdings_, backed_ = decode(STEP_TYPES, data)
    assert decode_step(data) == StepResult(ok_, out_, supply_, multiplier_, tuple(holdings_), backed_)
