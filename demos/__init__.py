"""Demos: whole stories run end to end on a local market, outside the product
package. Each is a module the `ape run` commands in scripts/ call (the rebalance
demo: `ape run rebalance_demo`, `make rebalance-demo`); the tests reuse their
set-up (tests/e2e/keepers)."""
