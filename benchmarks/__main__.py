"""One entry point for every benchmark: `python -m benchmarks KIND [options]`.

Each KIND is a module of this package with a `main(argv)`; `python -m
benchmarks KIND --help` shows its options."""

from __future__ import annotations

import importlib
import sys

# KIND: (module, what it measures, the make target that runs it)
KINDS = {
    "gas": ("benchmarks.gas", "mint, redeem and NAV gas against Set v2 and the floor", "make bench"),
    "market": ("benchmarks.market", "build, restore and replay times of the local market", "make bench-market"),
    "rebalance": (
        "benchmarks.rebalance",
        "a keeper's auction fill against a V2 swap and Set's GIM",
        "make bench-rebalance",
    ),
    "oneasset": ("benchmarks.oneasset", "one-asset mint and redeem against in kind plus swaps", "make bench-oneasset"),
    "fuzz": ("benchmarks.fuzz", "the fuzz engine's operations a second against Ape's", "make bench-fuzz"),
    "factory": ("benchmarks.factory", "gas of creating an index against Set's SetTokenCreator", "make bench-factory"),
    "matrix": ("benchmarks.matrix", "gas of mint, bid and redeem per cell of the extreme matrix", "make bench-matrix"),
    "oracles": (
        "benchmarks.oracles",
        "a Uniswap V3 TWAP read against a Chainlink feed's, and the cost of moving a TWAP",
        "python -m benchmarks oracles",
    ),
    "leverage": (
        "benchmarks.leverage",
        "the 2x and -1x index tokens through four crashes and a rally, the leverage keeper running",
        "python -m benchmarks leverage",
    ),
    "lending": (
        "benchmarks.lending",
        "the May 2021 crash: Morpho loans against the index, the liquidation keeper, bad debt",
        "python -m benchmarks lending",
    ),
}


def usage() -> str:
    lines = ["usage: python -m benchmarks KIND [options]", "", "KIND:"]
    lines += [f"  {kind:<10} {what} ({target})" for kind, (_, what, target) in KINDS.items()]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        raise SystemExit(0 if argv else 2)
    if argv[0] not in KINDS:
        print(f"unknown benchmark {argv[0]!r}\n\n{usage()}", file=sys.stderr)
        raise SystemExit(2)
    module = importlib.import_module(KINDS[argv[0]][0])
    module.main(argv[1:])


if __name__ == "__main__":
    main()
