"""The package's exceptions, one home and one base.

Every error the package raises on purpose is an `IndexVaultError`, so a
script or bot that wants to turn any of them into one clear line catches
that; the subclasses are the ones a caller may want to tell apart. Each
keeps the builtin it has always been (a `ConfigError` is still a
`ValueError`), so existing `except ValueError` code keeps working.

Pure: imports nothing."""

from __future__ import annotations


class IndexVaultError(Exception):
    """Anything the package refuses or cannot do; the message says what and why."""


class ConfigError(IndexVaultError, ValueError):
    """An index file that cannot be deployed; the message names each bad field."""


class DataError(IndexVaultError, ValueError):
    """A question the data cannot answer; the message says what is missing."""


class DeploymentError(IndexVaultError, LookupError):
    """No usable deployment: the message says what to run."""


class MarketError(IndexVaultError, ValueError):
    """A market that cannot be built, restored or used; the message says why."""


class ArtifactError(IndexVaultError, FileNotFoundError):
    """An npm package is missing: `make install` installs it."""


class RpcError(IndexVaultError, RuntimeError):
    """A node that does not answer, refuses a call, or mines a reverted transaction."""


class ShallowPool(IndexVaultError, ValueError):
    """A pool cannot pay the amount asked of it."""


class Reverted(IndexVaultError, ValueError):
    """A transaction that would revert, found by a call before sending it: nothing was sent."""


class QuoteError(IndexVaultError, ValueError):
    """No route, or a pool too shallow for the amount: the message names the component."""


class FuzzError(IndexVaultError, RuntimeError):
    """A campaign that cannot run (as opposed to a violation it finds)."""


class Violation(IndexVaultError, AssertionError):
    """An invariant the fuzz engine found broken; the message names the step and the numbers."""
