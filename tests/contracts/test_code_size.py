"""Room left in the vault under EIP-170, in the form the factory deploys it.

The factory deploys one IndexVault implementation (its runtime code, capped
at 24,576 bytes by EIP-170) and clones it per index (EIP-1167); a direct
deployment has the same runtime code. Issue 15 ("Room in the vault") made
room: this test prints what is left and fails under 1,000 bytes, so the
change that eats the margin sees it coming. The creation code is checked
against EIP-3860's 49,152-byte initcode cap as well.
"""

from tests.utils.boa_env import deployer

EIP170 = 24_576
EIP3860 = 49_152
MIN_MARGIN = 1_000


def test_vault_implementation__fits_eip170__with_at_least_1000_bytes_to_spare():
    compiled = deployer("IndexVault.vy").compiler_data
    runtime = len(compiled.bytecode_runtime)
    creation = len(compiled.bytecode)
    margin = EIP170 - runtime
    print(f"\nIndexVault runtime code {runtime:,} bytes (creation {creation:,}): {margin:,} bytes under EIP-170")
    assert creation <= EIP3860
    assert margin >= MIN_MARGIN, f"IndexVault has {margin} bytes left under EIP-170; make room first"


def test_leveraged_index__fits_eip170():
    """Vyper appends the immutables (1,024 bytes here: the product's bounds and addresses, the ERC-20's name and
    EIP-712 domain) to the runtime code it deploys, and EIP-170 caps the code deployed."""
    compiled = deployer("periphery/LeveragedIndex.vy").compiler_data
    runtime = len(compiled.bytecode_runtime)
    deployed = runtime + compiled.global_ctx.immutable_section_bytes
    print(
        f"\nLeveragedIndex deploys {deployed:,} bytes ({runtime:,} + immutables): {EIP170 - deployed:,} under EIP-170"
    )
    assert deployed <= EIP170


def test_index_factory__fits_eip170():
    compiled = deployer("IndexFactory.vy").compiler_data
    runtime = len(compiled.bytecode_runtime)
    deployed = runtime + compiled.global_ctx.immutable_section_bytes
    print(f"\nIndexFactory deploys {deployed:,} bytes ({runtime:,} + immutables): {EIP170 - deployed:,} under EIP-170")
    assert deployed <= EIP170 - MIN_MARGIN
