"""What a vault holds against what it owes, per component.

`IndexLens.solvency(vault)` returns two arrays, one entry per component slot:
`held` (the vault's balance of the token) and `owed` (the backing of all
shares once the pending streaming fee accrues, rounded up, plus outstanding
claims). A component holding less than it owes changed after listing (a fee
charged to the vault on transfer, a downward rebase, a seized balance); the
last holders to redeem it would be short, and anyone may call
`IndexVault.sync(token)` to share the loss pro rata. Held below owed is
exactly when `sync` writes the unit down.

These functions are pure: they turn the on-chain view into rows that
`ape run status` and the keepers show, and say which components need a sync.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

BPS = 10_000


@dataclass(frozen=True)
class SolvencyRow:
    """One component: what the vault holds and owes of it, token base units."""

    index: int
    token: str
    held: int
    owed: int

    @property
    def shortfall(self) -> int:
        """Base units the vault lacks (0 when it holds enough)."""
        return max(self.owed - self.held, 0)

    @property
    def surplus(self) -> int:
        """Base units held beyond what is owed (donations, rounding in the vault's favour)."""
        return max(self.held - self.owed, 0)

    @property
    def shortfall_bps(self) -> int:
        """The shortfall in basis points of what is owed, rounded up (so any
        shortfall shows as at least 1); 0 when nothing is owed."""
        if self.owed == 0:
            return 0
        return -(-self.shortfall * BPS // self.owed)

    @property
    def needs_sync(self) -> bool:
        """Whether `IndexVault.sync(token)` would write this unit down."""
        return self.held < self.owed


def solvency_rows(tokens: Sequence[str], held: Sequence[int], owed: Sequence[int]) -> list[SolvencyRow]:
    """Rows from `vault.components()` and the two arrays `lens.solvency(vault)`
    returns, one per slot in slot order (components that left the basket
    included: they may still owe claims).

    Raises ValueError when the three do not have one entry per slot, which
    means they were read from different vaults or blocks."""
    if not len(tokens) == len(held) == len(owed):
        raise ValueError(
            f"solvency: {len(tokens)} components but {len(held)} held and {len(owed)} owed; "
            "read components() and the lens's solvency(vault) for the same vault at the same block"
        )
    return [
        SolvencyRow(index=i, token=str(t), held=int(h), owed=int(o))
        for i, (t, h, o) in enumerate(zip(tokens, held, owed))
    ]


def shortfalls(rows: Iterable[SolvencyRow]) -> list[SolvencyRow]:
    """The rows whose component the vault holds less of than it owes, largest
    shortfall (in basis points of what is owed) first: what a keeper syncs
    and what `status` flags."""
    return sorted((r for r in rows if r.needs_sync), key=lambda r: (-r.shortfall_bps, r.index))
