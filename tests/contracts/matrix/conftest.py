"""The contract tests' per-module and per-test anchors, imported rather than
written again, so every cell and every example starts from the same chain."""

from tests.contracts.conftest import isolated_module, isolated_test  # noqa: F401  (autouse fixtures)
