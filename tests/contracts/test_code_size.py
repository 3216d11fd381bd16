"""Room left in the vault under EIP-170, in the form the factory deploys it.

The factory creates vaults from an ERC-5202 blueprint whose code is the
vault's creation code behind a 3-byte preamble, and EIP-170 caps that code
at 24,576 bytes like any other. Issue 15 ("Room in the vault") made room:
this test prints what is left and fails under 1,000 bytes, so the change
that eats the margin sees it coming.
"""

from tests.utils.boa_env import deployer

EIP170 = 24_576
BLUEPRINT_PREAMBLE = 3  # 0xFE 0x71 0x00
MIN_MARGIN = 1_000


def test_vault_blueprint__fits_eip170__with_at_least_1000_bytes_to_spare():
    creation = len(deployer("IndexVault.vy").compiler_data.bytecode)
    margin = EIP170 - BLUEPRINT_PREAMBLE - creation
    print(
        f"\nIndexVault creation code {creation:,} bytes, blueprint {creation + BLUEPRINT_PREAMBLE:,}: "
        f"{margin:,} bytes under EIP-170"
    )
    assert margin >= MIN_MARGIN, f"IndexVault has {margin} bytes left under EIP-170 as a blueprint; make room first"
