"""Attacks on the factory's clones (EIP-1167) and their implementations.

The factory makes each index's vault, adapter and timelock as minimal
proxies over one shared implementation each and initializes them in the
same call. An attacker who could initialize a clone again would make
themselves its admin (and the vault's roles drain keys); one who could
initialize the implementation, or use it, would own a contract every
index delegates to. Each attack below is tried and must revert with its
reason, leaving the roles as the factory set them. The index token of a
clone is its own: its EIP-712 domain names the clone and the chain, so a
permit signed for one index is worthless on another.
"""

import boa
import pytest
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak

from tests.utils import MISSING_ROLE
from tests.utils.boa_env import WAD, ZERO_ADDRESS, deployer
from tests.utils.factory import HEARTBEAT, IndexParams, at, clone_at, deploy_factory, deploy_implementations

PERMIT_TYPEHASH = keccak(b"Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")
DOMAIN_TYPEHASH = keccak(b"EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")


@pytest.fixture(scope="module")
def world():
    attacker = boa.env.generate_address("attacker")
    governor = boa.env.generate_address("governor")
    implementations = deploy_implementations()
    factory = deploy_factory(implementations, governance=boa.env.generate_address("governance"))
    tokens = [deployer("mocks/MockToken.vy").deploy(f"C{i}", f"C{i}", 18) for i in range(2)]
    feeds = [deployer("mocks/MockFeed.vy").deploy(8, "C / USD", 10**8) for _ in tokens]

    def launch(name):
        params = IndexParams(
            tokens=[t.address for t in tokens],
            units=[WAD, 2 * WAD],
            feeds=[(f.address, HEARTBEAT, ZERO_ADDRESS, 0, 0) for f in feeds],
            manager=governor,
            guardian=governor,
            fee_recipient=governor,
            governor=governor,
            name=name,
        )
        return at(factory.create_index(params.as_tuple()))

    return {
        "attacker": attacker,
        "tokens": tokens,
        "first": launch("First Index"),
        "second": launch("Second Index"),
        "vault_impl": clone_at("IndexVault.vy", implementations[0]),
        "adapter_impl": clone_at("OracleAdapter.vy", implementations[1]),
        "timelock_impl": clone_at("IndexTimelock.vy", implementations[2]),
    }


def _vault_args(attacker, tokens):
    return (
        "Mine",
        "MINE",
        [t.address for t in tokens],
        [1, 1],
        attacker,
        attacker,
        attacker,
        attacker,
        [0] * 3,
        [0] * 3,
        1,
    )


def test_clone__reinitialize_vault_adapter_timelock__reverts_and_roles_stay(world):
    launched, attacker = world["first"], world["attacker"]
    with boa.env.prank(attacker):
        with boa.reverts("vault: initialized"):
            launched.vault.initialize(*_vault_args(attacker, world["tokens"]))
        with boa.reverts("oracle: initialized"):
            launched.adapter.initialize(launched.vault.address, attacker)
        with boa.reverts("timelock: initialized"):
            launched.timelock.initialize(0, attacker, 0, 0)
    admin = launched.vault.DEFAULT_ADMIN_ROLE()
    assert not launched.vault.hasRole(admin, attacker)
    assert launched.vault.hasRole(admin, launched.timelock.address)
    assert not launched.adapter.hasRole(admin, attacker)
    assert not launched.timelock.hasRole(launched.timelock.PROPOSER_ROLE(), attacker)
    assert launched.timelock.get_minimum_delay() == 2 * 86_400


def test_implementation__initialize__reverts(world):
    attacker = world["attacker"]
    with boa.env.prank(attacker):
        with boa.reverts("vault: initialized"):
            world["vault_impl"].initialize(*_vault_args(attacker, world["tokens"]))
        with boa.reverts("oracle: initialized"):
            world["adapter_impl"].initialize(world["first"].vault.address, attacker)
        with boa.reverts("timelock: initialized"):
            world["timelock_impl"].initialize(0, attacker, 0, 0)


def test_implementation__used_directly__is_inert(world):
    """No role holder, no component, minting paused: nothing to call."""
    vault, adapter, timelock, attacker = (
        world["vault_impl"],
        world["adapter_impl"],
        world["timelock_impl"],
        world["attacker"],
    )
    admin = vault.DEFAULT_ADMIN_ROLE()
    assert vault.component_count() == 0 and vault.mint_paused() and vault.totalSupply() == 0
    with boa.env.prank(attacker):
        with boa.reverts("vault: minting paused"):
            vault.mint(WAD, [], attacker)
        with boa.reverts(MISSING_ROLE):
            vault.grantRole(admin, attacker)
        with boa.reverts(MISSING_ROLE):
            vault.set_mint_paused(False)
        with boa.reverts(MISSING_ROLE):
            adapter.set_feed(world["tokens"][0].address, attacker, 1, ZERO_ADDRESS, 0, 0)
        with boa.reverts(MISSING_ROLE):
            timelock.schedule(vault.address, 0, b"", b"\x00" * 32, b"\x00" * 32, 0)
    assert adapter.vault() == adapter.address  # prices nothing
    assert (timelock.min_delay(), timelock.max_delay()) == (0, 0)


def _permit_digest(vault, owner, spender, value, nonce, deadline):
    struct = keccak(
        encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
            [PERMIT_TYPEHASH, owner, spender, value, nonce, deadline],
        )
    )
    return keccak(b"\x19\x01" + vault.DOMAIN_SEPARATOR() + struct)


def test_clone__permit_domain_is_the_clones__replay_on_another_index_reverts(world):
    first, second = world["first"].vault, world["second"].vault
    for vault, name in ((first, "First Index"), (second, "Second Index")):
        assert (vault.name(), vault.symbol(), vault.decimals()) == (name, "FIDX", 18)
        domain = keccak(
            encode(
                ["bytes32", "bytes32", "bytes32", "uint256", "address"],
                [DOMAIN_TYPEHASH, keccak(name.encode()), keccak(b"1"), boa.env.evm.patch.chain_id, vault.address],
            )
        )
        assert vault.DOMAIN_SEPARATOR() == domain
        assert vault.eip712Domain() == (b"\x0f", name, "1", boa.env.evm.patch.chain_id, vault.address, b"\x00" * 32, [])
    owner, spender = Account.create(), world["attacker"]
    deadline = boa.env.evm.patch.timestamp + 3600
    signed = owner.unsafe_sign_hash(_permit_digest(first, owner.address, spender, 5 * WAD, 0, deadline))
    args = (
        owner.address,
        spender,
        5 * WAD,
        deadline,
        signed.v,
        signed.r.to_bytes(32, "big"),
        signed.s.to_bytes(32, "big"),
    )
    with boa.reverts("erc20: invalid signature"):
        second.permit(*args)
    first.permit(*args)
    assert first.allowance(owner.address, spender) == 5 * WAD
    assert first.nonces(owner.address) == 1
    assert second.allowance(owner.address, spender) == 0
    with boa.reverts("erc20: invalid signature"):
        first.permit(*args)  # the nonce moved on: no replay on the same index either
