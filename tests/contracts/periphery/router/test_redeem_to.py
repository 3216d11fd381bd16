"""IndexRouter.redeem_to (and its EIP-2612 permit variant) on the market's
real Uniswap pools: every component sold, the proceeds paid, the bound."""

from __future__ import annotations

from decimal import Decimal

import boa
from eth_abi import encode
from eth_account import Account
from eth_utils import keccak

from indexvault import oneasset
from indexvault.model import WAD
from tests.contracts.periphery.router.conftest import balances, quote
from tests.utils.boa_env import events

SHARES = 10 * WAD
SLIPPAGE = Decimal("0.005")
DEADLINE = 2**63
PERMIT_TYPEHASH = keccak(text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")


def _approve_shares(env, depositor, shares=SHARES):
    with boa.env.prank(depositor):
        env.vault.approve(env.router.address, shares)


def test_redeem_to__within_bounds__pays_the_quote_and_keeps_nothing(env, depositor):
    quoted = quote(env, "redeem", "USDC", SHARES)
    _approve_shares(env, depositor)
    receiver = boa.env.generate_address("receiver")
    supply = env.vault.totalSupply()
    with boa.env.prank(depositor):
        received = env.router.redeem_to(
            env.vault.address, quoted.token, SHARES, quoted.bound(SLIPPAGE), quoted.route_args(), receiver, DEADLINE
        )
    assert received == quoted.total
    assert env.tokens["USDC"].balanceOf(receiver) == received
    assert env.vault.balanceOf(depositor) == 90 * WAD
    assert env.vault.totalSupply() == supply - SHARES + SHARES // 1000  # the redeem fee's shares stay
    for s, token in env.tokens.items():
        assert token.balanceOf(env.router.address) == 0, s
        for spender in (env.market.uniswap.v2_router, env.market.uniswap.swap_router):
            assert token.allowance(env.router.address, spender) == 0, s
    assert env.vault.balanceOf(env.router.address) == 0
    [log] = events(env.router, "RedeemedTo")
    assert (log.sender, log.receiver, log.amount_out, log.shares) == (depositor, receiver, received, SHARES)


def test_redeem_to__min_out_one_above_the_proceeds__reverts_and_moves_nothing(env, depositor):
    quoted = quote(env, "redeem", "USDC", SHARES)
    _approve_shares(env, depositor)
    before = balances(env, [depositor, env.vault.address, env.router.address])
    with boa.env.prank(depositor), boa.reverts("router: min out not met"):
        env.router.redeem_to(
            env.vault.address, quoted.token, SHARES, quoted.total + 1, quoted.route_args(), depositor, DEADLINE
        )
    assert balances(env, [depositor, env.vault.address, env.router.address]) == before


def test_redeem_to__component_is_the_output_token__paid_without_a_swap(env, depositor):
    quoted = quote(env, "redeem", "USDC", SHARES)
    [direct] = [r for r in quoted.routes if r.dex == oneasset.DIRECT]
    assert direct.component == "USDC"
    assert direct.amount_out == env.vault.amounts_for_redeem(SHARES)[env.symbols.index("USDC")]
    _approve_shares(env, depositor)
    with boa.env.prank(depositor):
        received = env.router.redeem_to(
            env.vault.address, quoted.token, SHARES, quoted.total, quoted.route_args(), depositor, DEADLINE
        )
    assert received == quoted.total


def test_redeem_to__without_approval__reverts(env, depositor):
    quoted = quote(env, "redeem", "USDC", SHARES)
    with boa.env.prank(depositor), boa.reverts("erc20: insufficient allowance"):
        env.router.redeem_to(env.vault.address, quoted.token, SHARES, 0, quoted.route_args(), depositor, DEADLINE)


def test_redeem_to_with_permit__signed_permit__redeems_without_an_approval(env, depositor):
    owner = Account.create()
    with boa.env.prank(depositor):
        env.vault.transfer(owner.address, SHARES)
    quoted = quote(env, "redeem", "USDC", SHARES)
    deadline = boa.env.timestamp + 600
    struct = keccak(
        encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
            [PERMIT_TYPEHASH, owner.address, env.router.address, SHARES, env.vault.nonces(owner.address), deadline],
        )
    )
    signed = owner.unsafe_sign_hash(keccak(b"\x19\x01" + env.vault.DOMAIN_SEPARATOR() + struct))
    args = (
        env.vault.address,
        quoted.token,
        SHARES,
        quoted.bound(SLIPPAGE),
        quoted.route_args(),
        owner.address,
        deadline,
        signed.v,
        signed.r.to_bytes(32, "big"),
        signed.s.to_bytes(32, "big"),
    )
    with boa.env.prank(owner.address):
        received = env.router.redeem_to_with_permit(*args)
    assert received == quoted.total
    assert env.vault.balanceOf(owner.address) == 0
    assert env.tokens["USDC"].balanceOf(owner.address) == received
