"""Keepers: decisions as pure functions of a snapshot of chain state
(`rebalance`), and the thin layer that reads the snapshot and sends what
they decide (`runner`), so the same decisions run under `ape run keeper`,
a Silverback bot and the fast engine."""
