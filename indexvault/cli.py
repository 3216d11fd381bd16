"""Shared pieces of the `ape run` commands: the account to sign with, and
errors shown as one clear message instead of a traceback.

Importing it quiets two things every `ape run` would otherwise print (`ape run`
imports every script, and every script imports this, before a command runs):
ape-vyper's config model names `Remapping` before defining it, and
pydantic-settings warns about the unresolved field each time the model is
built; and Ape logs "Confirmed <hash>" per transaction, where the commands
print their own line per transaction."""

from __future__ import annotations

import functools
import logging
import os
from decimal import Decimal, InvalidOperation

import click
from ape import accounts, chain
from ape.exceptions import ContractLogicError, TransactionError
from ape_vyper.config import VyperConfig

from indexvault.config import ConfigError
from indexvault.deployments import DeploymentError
from indexvault.units import to_base

# The forward reference resolves once ape_vyper.config is imported whole: no IncompleteFieldDefinitionWarning.
VyperConfig.model_rebuild(force=True)


class _QuietConfirmations(logging.Filter):
    """Drop Ape's "Confirmed <hash> (total fees paid = ...)" line unless the command runs with -v DEBUG."""

    def filter(self, record: logging.LogRecord) -> bool:
        quiet = record.levelno == logging.INFO and record.getMessage().startswith("Confirmed ")
        return not quiet or logging.getLogger("ape").getEffectiveLevel() <= logging.DEBUG


logging.getLogger("ape").addFilter(_QuietConfirmations())


def signer(account):
    """The account given with --account; on a local chain, the first test account by default.

    A keystore account (`ape accounts import`) whose passphrase is in
    APE_ACCOUNTS_<alias>_PASSPHRASE is unlocked to sign without a prompt per
    transaction: the environment variable is the user's choice to run
    unattended (CI, the rehearsal), and every command that deploys shows its
    plan and asks first unless --yes. Without it, Ape asks as usual."""
    if account is not None:
        passphrase = os.environ.get(f"APE_ACCOUNTS_{getattr(account, 'alias', None)}_PASSPHRASE")
        if passphrase and hasattr(account, "set_autosign"):
            account.set_autosign(True, passphrase=passphrase)
        return account
    network = chain.provider.network
    if network.is_local:
        return accounts.test_accounts[0]
    raise click.UsageError(f"--account is required on {network.ecosystem.name}:{network.name}")


def holder(account) -> str | None:
    """Whose shares a read-only command shows: --account, else on a local chain the first test
    account (the one the other commands sign with); None elsewhere, where no account is implied."""
    if account is not None:
        return account.address
    return accounts.test_accounts[0].address if chain.provider.network.is_local else None


def clean_errors(command):
    """Turn the errors a user can cause into one-line messages (exit code 1)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except (ConfigError, DeploymentError, ValueError) as error:
            raise click.ClickException(str(error)) from None
        except ContractLogicError as error:
            raise click.ClickException(f"reverted: {error.message}") from None
        except TransactionError as error:
            raise click.ClickException(f"transaction failed: {error}") from None

    return wrapper


class DecimalType(click.ParamType):
    """A positive decimal number of whole tokens, or a fraction."""

    name = "decimal"

    def convert(self, value, param, ctx):
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            self.fail(f"{value!r} is not a number", param, ctx)
        if not result.is_finite() or result < 0:
            self.fail(f"{value!r} must be a non-negative number", param, ctx)
        return result


DECIMAL = DecimalType()


class SharesType(click.ParamType):
    """Whole index tokens to mint or redeem: at least one base unit (1e-18), so
    nothing is sent that could only revert ("vault: zero shares") or do nothing."""

    name = "shares"

    def convert(self, value, param, ctx):
        try:
            result = Decimal(str(value))
        except InvalidOperation:
            self.fail(f"{value!r} is not a number", param, ctx)
        if not result.is_finite() or result <= 0 or to_base(result, 18) == 0:
            self.fail(f"{value!r}: give a positive number of index tokens, at least 1e-18", param, ctx)
        return result


SHARES = SharesType()


def index_option():
    return click.option("--index", "symbol", default=None, help="Index symbol (default: the latest deployed).")


def shares_option(verb: str):
    return click.option("--shares", type=SHARES, required=True, help=f"Index tokens to {verb} (whole tokens).")


def slippage_option(meaning: str):
    return click.option(
        "--slippage",
        type=DECIMAL,
        default=Decimal("0.005"),
        show_default=True,
        help=f"{meaning}, as a fraction of today's amount.",
    )


def receiver_option(what: str):
    return click.option("--receiver", default=None, help=f"Who gets the {what} (default: the signer).")


def yes_option():
    return click.option("--yes", is_flag=True, help="Send without asking (the plan is still printed).")


def confirm_plan(plan, yes: bool) -> None:
    """Print what a command will send (`indexvault.launch.Plan`) and ask to go
    on, unless `yes`; nothing has been sent if the answer is no."""
    click.echo(plan.render())
    if not plan.to_send:
        return
    if not yes and not click.confirm(f"Send these {len(plan.to_send)} transactions?", default=False):
        raise click.ClickException("nothing sent")
