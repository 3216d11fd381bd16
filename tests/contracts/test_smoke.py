import boa


def test_mint_redeem(vault, tokens, depositor):
    with boa.env.prank(depositor):
        amounts = vault.amounts_for_mint(10**18)
        vault.mint(10**18, amounts, depositor)
        assert vault.balanceOf(depositor) == 10**18
        out = vault.amounts_for_redeem(10**18)
        vault.redeem(10**18, out, depositor)
    print(amounts, out)
