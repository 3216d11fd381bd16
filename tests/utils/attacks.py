"""What an attacker holds, for the attack catalogue (`tests/attacks/`):
every token, token by token, and their value at the oracle's prices.

An attack passes when the attacker ends with no more than he started:
`worth` after is at most `worth` before, and (where no trade at a priced
factor is part of the attack) no single token's balance grew either.
"""

from __future__ import annotations


def balances(tokens, who) -> list[int]:
    """`who`'s balance of each token, base units."""
    return [t.balanceOf(who) for t in tokens]


def worth(oracle, vault, tokens, who) -> int:
    """USD (1e18, rounded down) of `who`'s `tokens` at the oracle's prices,
    plus its index tokens at what redeeming them would pay now (redeem fee
    deducted), valued the same way. `tokens` must include every component."""
    held = balances(tokens, who)
    shares = vault.balanceOf(who)
    if shares:
        paid = dict(zip(vault.components(), vault.amounts_for_redeem(shares)))
        held = [h + paid.get(t.address, 0) for h, t in zip(held, tokens)]
    return sum(h * oracle.price(t.address) // 10 ** t.decimals() for h, t in zip(held, tokens))


def backed(vault, tokens) -> bool:
    """Whether the vault holds at least what all shares and claims are owed
    of every component (`backing()` is rounded down; claims are outside it)."""
    owed = dict(zip(vault.components(), vault.backing()))
    return all(t.balanceOf(vault.address) >= owed.get(t.address, 0) + vault.total_claims(t.address) for t in tokens)
