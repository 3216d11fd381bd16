"""A component that breaks after listing: its issuer blocklists the vault or
a redeemer (USDC and USDT freeze addresses: USDC blocklisted Tornado Cash's
addresses in August 2022, Tether freezes addresses routinely), or pauses the
token, or its transfers start returning false. Redemption of the other
components goes on: the redeemer skips the
broken one and keeps a claim on it, withdrawable once it moves again (or to
another receiver), as the vault's skipped-component design promises.
Minting, which must pull every component, stops with the token's reason."""

from types import SimpleNamespace

import boa
import pytest

from indexvault.model import WAD, amount_out
from tests.utils import MAX
from tests.utils.attacks import backed
from tests.utils.boa_env import deployer
from tests.utils.ledger import Ledger, redeem_moves

SHARES = 10 * WAD + 7
BROKEN = 0  # the USDC-like component's slot


@pytest.fixture
def basket(create_token, create_vault, fund, depositor, receiver):
    """A USDC-like blocklist token, WBTC-like and WETH-like components; the
    depositor and the receiver each hold shares."""
    usdc = deployer("mocks/AttackBlocklistToken.vy").deploy("Blocklist USD", "BUSD", 6)
    tokens = [usdc, create_token(8, symbol="WBTC"), create_token(18, symbol="WETH")]
    units = [1_500 * 10**6 + 7, 10**6 + 3, 5 * 10**17 + 11]
    vault = create_vault(tokens, units)
    for who in (depositor, receiver):
        fund(vault, tokens, who)
        with boa.env.prank(who):
            vault.mint(SHARES, [MAX] * 3, who)
    return SimpleNamespace(vault=vault, tokens=tokens, units=units, usdc=usdc)


def _break(basket, how, redeemer):
    if how == "vault-blocklisted":
        basket.usdc.set_blocked(basket.vault.address, True)
    elif how == "redeemer-blocklisted":
        basket.usdc.set_blocked(redeemer, True)
    else:
        basket.usdc.set_paused(True)


def _reason(how):
    return "blocklist: paused" if how == "paused" else "blocklist: account blocked"


@pytest.mark.parametrize("how", ["vault-blocklisted", "redeemer-blocklisted", "paused"])
def test_broken_component__others_redeem_and_the_claim_is_paid_later(basket, depositor, receiver, fee_recipient, how):
    """USDC/USDT-style blocklists and pauses (2020-2022): a broken component
    blocks nothing but itself."""
    vault, tokens, units = basket.vault, basket.tokens, basket.units
    _break(basket, how, depositor)
    ledger = Ledger(vault, tokens, depositor=depositor, receiver=receiver, fee_recipient=fee_recipient)

    # Paying it reverts with the token's reason; nothing moves.
    before = ledger.read()
    with boa.env.prank(depositor), boa.reverts(_reason(how)):
        vault.redeem(SHARES, [0] * 3, depositor)
    assert ledger.changes(before) == {}

    # Skipping it: every other component is paid exactly, the broken one is a claim.
    expected = [amount_out(SHARES, u, WAD) for u in units]
    with boa.env.prank(depositor):
        vault.redeem(SHARES, expected, depositor, 1 << BROKEN)
    assert ledger.changes(before) == redeem_moves("depositor", expected, "depositor", SHARES, skip=1 << BROKEN)
    assert vault.claims(tokens[BROKEN].address, depositor) == expected[BROKEN]
    assert backed(vault, tokens)

    # Minting needs every component: it stops with the token's reason.
    if how != "redeemer-blocklisted":
        with boa.env.prank(receiver), boa.reverts(_reason(how)):
            vault.mint(WAD, [MAX] * 3, receiver)
        # Other holders redeem too, the same way.
        with boa.env.prank(receiver):
            vault.redeem(SHARES, [0] * 3, receiver, 1 << BROKEN)
        assert vault.totalSupply() == 0

    # The claim is paid once the token moves again, or to another receiver at once.
    other = boa.env.generate_address("other")
    if how == "redeemer-blocklisted":
        with boa.env.prank(depositor):
            vault.withdraw_claim(tokens[BROKEN].address, other)
        assert tokens[BROKEN].balanceOf(other) == expected[BROKEN]
    else:
        with boa.env.prank(depositor), boa.reverts(_reason(how)):
            vault.withdraw_claim(tokens[BROKEN].address, depositor)
        basket.usdc.set_blocked(vault.address, False)
        basket.usdc.set_paused(False)
        held = tokens[BROKEN].balanceOf(depositor)
        with boa.env.prank(depositor):
            vault.withdraw_claim(tokens[BROKEN].address, depositor)
        assert tokens[BROKEN].balanceOf(depositor) - held == expected[BROKEN]
    assert vault.claims(tokens[BROKEN].address, depositor) == 0
    assert backed(vault, tokens)


def test_token_returning_false__every_call_reverts_with_the_vaults_reason__skip_goes_on(basket, depositor):
    """Tokens that return false instead of reverting (ZRX-era ERC-20s; the
    unchecked-return losses that made SafeERC20 the rule, 2018): a false is
    a failed transfer, never a silent one."""
    vault, tokens, units = basket.vault, basket.tokens, basket.units
    basket.usdc.set_returns_false(True)
    held = [t.balanceOf(depositor) for t in tokens]
    with boa.env.prank(depositor):
        with boa.reverts("vault: transfer failed"):
            vault.mint(WAD, [MAX] * 3, depositor)
        with boa.reverts("vault: transfer failed"):
            vault.redeem(SHARES, [0] * 3, depositor)
        assert [t.balanceOf(depositor) for t in tokens] == held
        expected = [amount_out(SHARES, u, WAD) for u in units]
        vault.redeem(SHARES, expected, depositor, 1 << BROKEN)
        with boa.reverts("vault: transfer failed"):
            vault.withdraw_claim(tokens[BROKEN].address, depositor)
    assert vault.claims(tokens[BROKEN].address, depositor) == expected[BROKEN]
    assert backed(vault, tokens)
