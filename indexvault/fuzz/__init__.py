"""Fuzzing the vault on a real-data market: the engine, its backends, campaigns and reports.

The engine knows no operation module: each registers its operations with
`engine.register` when imported, and importing this package imports them all
(in this order: the arbitrage keeper and the index token's pool, which replace
the ARBITRAGE slot and bring the one-asset mint and redeem; then the
rebalancing auction). So the imports run one way, operations -> engine."""

from indexvault.fuzz import arbitrage, oneasset, rebalance  # noqa: F401  (they register their operations)
