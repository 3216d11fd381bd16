"""`--shares` of `ape run mint|redeem`: refused before anything is sent when it could only revert or do nothing."""

import click
import pytest

from indexvault.cli import SHARES


@pytest.mark.parametrize("typed", ["0", "-1", "0.0000000000000000001", "nan"])
def test_shares__zero_negative_or_below_one_base_unit__refused(typed):
    with pytest.raises(click.BadParameter, match=f"'{typed}': give a positive number of index tokens, at least 1e-18"):
        SHARES.convert(typed, None, None)


def test_shares__one_base_unit_and_up__accepted():
    assert str(SHARES.convert("0.000000000000000001", None, None)) == "1E-18"
    assert str(SHARES.convert("2.5", None, None)) == "2.5"
