"""Python twins of the oracle adapter's arithmetic, for the contract tests."""

from __future__ import annotations


def hex_address(address) -> str:
    """An address as the adapter writes it in revert reasons: 0x, lowercase hex."""
    return "0x" + bytes.fromhex(str(address)[2:]).hex()


def normalise(answer: int, feed_decimals: int) -> int:
    """A feed answer as USD 1e18 per whole token (rounded down)."""
    if feed_decimals <= 18:
        return answer * 10 ** (18 - feed_decimals)
    return answer // 10 ** (feed_decimals - 18)


def usd_value(amounts, prices, token_decimals) -> int:
    """USD (1e18) of token amounts, each component rounded down on its own."""
    return sum(a * p // 10**d for a, p, d in zip(amounts, prices, token_decimals))
