"""Balance snapshots for the contract tests: every party, every asset.

A test reads the ledger before an operation and asserts the exact set of
changes after it, so a transfer to or from anyone it did not expect fails
the test as surely as a wrong amount does.
"""

from __future__ import annotations

SHARES = "shares"
SUPPLY = ("index", "totalSupply")


class Ledger:
    """The index-token and component balances of named parties.

    `parties` maps a name (as the test calls the actor) to an address; the
    vault itself is always a party, named "vault".
    """

    def __init__(self, vault, tokens, **parties):
        self.vault = vault
        self.tokens = list(tokens)
        self.parties = {"vault": vault.address, **parties}

    def read(self) -> dict:
        balances = {SUPPLY: self.vault.totalSupply()}
        for name, address in self.parties.items():
            balances[(name, SHARES)] = self.vault.balanceOf(address)
            for i, token in enumerate(self.tokens):
                balances[(name, i)] = token.balanceOf(address)
        return balances

    def changes(self, before: dict) -> dict:
        """Every balance that moved since `before`, as a signed delta.

        Keys are `(party, SHARES)` for index tokens, `(party, i)` for
        component i, and `SUPPLY` for the index token's total supply.
        """
        after = self.read()
        return {key: after[key] - before[key] for key in after if after[key] != before[key]}


def mint_moves(
    payer: str, amounts, receiver: str, shares: int, fee_recipient: str = "fee_recipient", fee_shares: int = 0
) -> dict:
    """The ledger changes a mint should make."""
    moves = {}
    for i, amount in enumerate(amounts):
        _add(moves, (payer, i), -amount)
        _add(moves, ("vault", i), amount)
    _add(moves, (receiver, SHARES), shares)
    _add(moves, (fee_recipient, SHARES), fee_shares)
    _add(moves, SUPPLY, shares + fee_shares)
    return moves


def redeem_moves(
    owner: str,
    amounts,
    receiver: str,
    shares: int,
    fee_recipient: str = "fee_recipient",
    fee_shares: int = 0,
    skip: int = 0,
) -> dict:
    """The ledger changes a redeem should make (skipped components stay put)."""
    moves = {}
    for i, amount in enumerate(amounts):
        if not (skip >> i) & 1:
            _add(moves, (receiver, i), amount)
            _add(moves, ("vault", i), -amount)
    _add(moves, (owner, SHARES), -shares)
    _add(moves, (fee_recipient, SHARES), fee_shares)
    _add(moves, SUPPLY, fee_shares - shares)
    return moves


def _add(moves: dict, key, delta: int) -> None:
    total = moves.get(key, 0) + delta
    if total:
        moves[key] = total
    else:
        moves.pop(key, None)
