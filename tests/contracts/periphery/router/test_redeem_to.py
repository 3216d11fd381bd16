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
from tests.utils import DEADLINE
from tests.utils.boa_env import events
from tests.utils.oneasset import balances, quote

SHARES = 10 * WAD
SLIPPAGE = Decimal("0.005")
PERMIT_TYPEHASH = keccak(text="Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)")


def _approve_shares(router_index, depositor, shares=SHARES):
    with boa.env.prank(depositor):
        router_index.vault.approve(router_index.router.address, shares)


def test_redeem_to__within_bounds__pays_the_quote_and_keeps_nothing(router_index, depositor):
    quoted = quote(router_index, "redeem", "USDC", SHARES)
    _approve_shares(router_index, depositor)
    receiver = boa.env.generate_address("receiver")
    supply = router_index.vault.totalSupply()
    with boa.env.prank(depositor):
        received = router_index.router.redeem_to(
            router_index.vault.address,
            quoted.token,
            SHARES,
            quoted.bound(SLIPPAGE),
            quoted.route_args(),
            receiver,
            DEADLINE,
        )
    assert received == quoted.total
    assert router_index.tokens["USDC"].balanceOf(receiver) == received
    assert router_index.vault.balanceOf(depositor) == 90 * WAD
    assert router_index.vault.totalSupply() == supply - SHARES + SHARES // 1000  # the redeem fee's shares stay
    for s, token in router_index.tokens.items():
        assert token.balanceOf(router_index.router.address) == 0, s
        for spender in (router_index.market.uniswap.v2_router, router_index.market.uniswap.swap_router):
            assert token.allowance(router_index.router.address, spender) == 0, s
    assert router_index.vault.balanceOf(router_index.router.address) == 0
    [log] = events(router_index.router, "RedeemedTo")
    assert (log.sender, log.receiver, log.amount_out, log.shares) == (depositor, receiver, received, SHARES)


def test_redeem_to__min_out_one_above_the_proceeds__reverts_and_moves_nothing(router_index, depositor):
    quoted = quote(router_index, "redeem", "USDC", SHARES)
    _approve_shares(router_index, depositor)
    before = balances(router_index, [depositor, router_index.vault.address, router_index.router.address])
    with boa.env.prank(depositor), boa.reverts("router: min out not met"):
        router_index.router.redeem_to(
            router_index.vault.address, quoted.token, SHARES, quoted.total + 1, quoted.route_args(), depositor, DEADLINE
        )
    assert balances(router_index, [depositor, router_index.vault.address, router_index.router.address]) == before


def test_redeem_to__component_is_the_output_token__paid_without_a_swap(router_index, depositor):
    quoted = quote(router_index, "redeem", "USDC", SHARES)
    [direct] = [r for r in quoted.routes if r.dex == oneasset.DIRECT]
    assert direct.component == "USDC"
    assert direct.amount_out == router_index.vault.amounts_for_redeem(SHARES)[router_index.symbols.index("USDC")]
    _approve_shares(router_index, depositor)
    with boa.env.prank(depositor):
        received = router_index.router.redeem_to(
            router_index.vault.address, quoted.token, SHARES, quoted.total, quoted.route_args(), depositor, DEADLINE
        )
    assert received == quoted.total


def test_redeem_to__without_approval__reverts(router_index, depositor):
    quoted = quote(router_index, "redeem", "USDC", SHARES)
    with boa.env.prank(depositor), boa.reverts("erc20: insufficient allowance"):
        router_index.router.redeem_to(
            router_index.vault.address, quoted.token, SHARES, 0, quoted.route_args(), depositor, DEADLINE
        )


def test_redeem_to_with_permit__signed_permit__redeems_without_an_approval(router_index, depositor):
    owner = Account.create()
    with boa.env.prank(depositor):
        router_index.vault.transfer(owner.address, SHARES)
    quoted = quote(router_index, "redeem", "USDC", SHARES)
    deadline = boa.env.timestamp + 600
    struct = keccak(
        encode(
            ["bytes32", "address", "address", "uint256", "uint256", "uint256"],
            [
                PERMIT_TYPEHASH,
                owner.address,
                router_index.router.address,
                SHARES,
                router_index.vault.nonces(owner.address),
                deadline,
            ],
        )
    )
    signed = owner.unsafe_sign_hash(keccak(b"\x19\x01" + router_index.vault.DOMAIN_SEPARATOR() + struct))
    args = (
        router_index.vault.address,
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
        received = router_index.router.redeem_to_with_permit(*args)
    assert received == quoted.total
    assert router_index.vault.balanceOf(owner.address) == 0
    assert router_index.tokens["USDC"].balanceOf(owner.address) == received
