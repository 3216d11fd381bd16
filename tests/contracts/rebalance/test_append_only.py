"""The component list is append-only: a component whose unit a bid takes to
0 keeps its slot, a token bought back takes its old slot, a new token is
appended. So an index a user quoted always names the same token, and a
quote of the old length sent after the basket grew reverts instead of
applying its limits and skip bits to the wrong components."""

import boa
import pytest

from indexvault.model import WAD, amount_in
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS
from tests.utils.ledger import Ledger, mint_moves, redeem_moves
from tests.utils.rebalance import to_start, unit_of

SHARES = 10 * WAD + 3
LINK_TARGET = 50 * WAD
WBTC_BACK = 300_000
MAX_UNIT = 2**96 - 1


def _bid_all(env, keeper, token):
    """The keeper takes everything that remains of `token`'s auction."""
    sell, _ = env.rebalancer.remaining(token.address)
    with boa.env.prank(keeper):
        env.rebalancer.bid(token.address, MAX, MAX if sell else 0, keeper)
    assert env.rebalancer.remaining(token.address)[1] == 0


@pytest.fixture
def link_feed(env, admin):
    with boa.env.prank(admin):
        env.oracle.set_feed(env.link.address, env.feeds["link"].address, 3_600, ZERO_ADDRESS, 0, 0)
    return env


@pytest.fixture
def wbtc_removed(link_feed, propose, keeper):
    """WBTC's unit taken to 0 by a bid; LINK proposed but not yet bought."""
    env = link_feed
    propose({env.wbtc: 0, env.link: LINK_TARGET})
    to_start(env)
    _bid_all(env, keeper, env.wbtc)
    return env


def test_stale_mint_and_redeem__after_removal_and_addition__revert_with_length_reason(
    link_feed, propose, keeper, depositor
):
    env = link_feed
    # The user quotes [USDC, WBTC, WETH], and means bit 2 (WETH) to be skipped.
    max_in = env.vault.amounts_for_mint(SHARES)
    min_out = env.vault.amounts_for_redeem(SHARES)
    propose({env.wbtc: 0, env.link: LINK_TARGET})
    to_start(env)
    _bid_all(env, keeper, env.wbtc)
    _bid_all(env, keeper, env.link)
    # Before, WBTC left and LINK took the tail: [USDC, WETH, LINK], the same
    # length, so WBTC's limit went to WETH, WETH's to LINK and the skip bit
    # to LINK. Now the list only grows.
    assert env.vault.components() == [env.usdc.address, env.wbtc.address, env.weth.address, env.link.address]
    with boa.env.prank(depositor), boa.reverts("vault: wrong number of amounts"):
        env.vault.mint(SHARES, max_in, depositor)
    with boa.env.prank(depositor), boa.reverts("vault: wrong number of amounts"):
        env.vault.redeem(SHARES, min_out, depositor, 1 << 2)


def test_removal__slot_kept_with_unit_zero__views_list_it(wbtc_removed):
    env = wbtc_removed
    vault = env.vault
    assert vault.component_count() == 3
    assert vault.components() == [env.usdc.address, env.wbtc.address, env.weth.address]
    assert vault.position(1) == (env.wbtc.address, 0)
    assert unit_of(vault, env.wbtc) == 0
    assert vault.units()[1] == 0
    assert vault.backing()[1] == 0
    assert vault.amounts_for_mint(SHARES)[1] == 0
    assert vault.amounts_for_redeem(SHARES)[1] == 0
    # The other slots are where they were, and match the reference model.
    multiplier = vault.trade_basis(env.usdc.address)[2]
    vault.accrue_fees()
    assert vault.amounts_for_mint(SHARES) == [amount_in(SHARES, vault.position(i)[1], multiplier) for i in range(3)]


def test_removal__mint_and_redeem_skip_the_zero_slot(wbtc_removed, depositor):
    env = wbtc_removed
    vault = env.vault
    tokens = [env.usdc, env.wbtc, env.weth]
    env.wbtc.set_frozen(True)  # any WBTC transfer would revert: it is never called
    ledger = Ledger(vault, tokens, depositor=depositor)

    vault.accrue_fees()
    expected = vault.amounts_for_mint(SHARES)
    assert expected[1] == 0
    before = ledger.read()
    with boa.env.prank(depositor):
        vault.mint(SHARES, expected, depositor)
    assert ledger.changes(before) == mint_moves("depositor", expected, "depositor", SHARES)

    expected = vault.amounts_for_redeem(SHARES)
    assert expected[1] == 0
    before = ledger.read()
    with boa.env.prank(depositor):
        vault.redeem(SHARES, expected, depositor)
    assert ledger.changes(before) == redeem_moves("depositor", expected, "depositor", SHARES)


def test_removal__stale_redeem_expecting_the_removed_component__slippage_reverts(link_feed, propose, keeper, depositor):
    env = link_feed
    min_out = env.vault.amounts_for_redeem(SHARES)  # quoted with WBTC in it
    assert min_out[1] > 0
    propose({env.wbtc: 0, env.link: LINK_TARGET})
    to_start(env)
    _bid_all(env, keeper, env.wbtc)
    # Same length (nothing appended yet): the zero slot's minimum is still WBTC's.
    with boa.env.prank(depositor), boa.reverts("vault: slippage exceeded"):
        env.vault.redeem(SHARES, min_out, depositor)


def test_removal__nav_ignores_the_zero_slots_feed(wbtc_removed, admin):
    env = wbtc_removed
    nav = env.oracle.nav()
    with boa.env.prank(admin):
        env.oracle.remove_feed(env.wbtc.address)
    assert env.oracle.nav() == nav
    assert env.oracle.nav_per_share() > 0


def test_readded_token__reuses_its_slot_new_token_appended(wbtc_removed, propose, keeper):
    env = wbtc_removed
    _bid_all(env, keeper, env.link)  # LINK is new: appended
    assert env.vault.components() == [env.usdc.address, env.wbtc.address, env.weth.address, env.link.address]
    assert not env.rebalancer.is_open()
    propose({env.wbtc: WBTC_BACK})
    to_start(env)
    _bid_all(env, keeper, env.wbtc)
    assert env.vault.component_count() == 4
    assert env.vault.components() == [env.usdc.address, env.wbtc.address, env.weth.address, env.link.address]
    assert env.vault.position(1) == (env.wbtc.address, WBTC_BACK)
    # The vault holds at least what its units promise, for every slot.
    for token, owed in zip((env.usdc, env.wbtc, env.weth, env.link), env.vault.backing()):
        assert token.balanceOf(env.vault.address) >= owed


def test_trade__beyond_max_components__reverts(create_token, create_vault, fund, admin, depositor):
    """Slots are never reused by another token: a vault holds at most
    MAX_COMPONENTS distinct tokens over its lifetime."""
    rebalancer = boa.env.generate_address("rebalancer")
    tokens = [create_token(18, symbol=f"C{i}") for i in range(127)]
    vault = create_vault(tokens, [WAD] * 127)
    assert vault.MAX_COMPONENTS() == 128
    fund(vault, tokens, depositor)
    with boa.env.prank(depositor):
        vault.mint(WAD, [MAX] * 127, depositor)
    with boa.env.prank(admin):
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer)
    extra = [create_token(18, symbol=f"X{i}") for i in range(2)]
    fund(vault, [*extra, tokens[0]], rebalancer)

    def trade(token_out, amount_out, token_in):
        with boa.env.prank(rebalancer):
            vault.trade(token_out.address, amount_out, 0, token_in.address, WAD, MAX_UNIT, rebalancer, rebalancer, b"")

    trade(tokens[0], WAD, extra[0])  # sells all of C0 (slot kept), appends X0
    assert vault.component_count() == 128
    assert vault.position(0) == (tokens[0].address, 0)
    assert vault.position(127) == (extra[0].address, WAD)
    with boa.reverts("vault: too many components"):
        trade(tokens[1], 1, extra[1])
    # A token already in a slot still trades, zero slot included.
    trade(tokens[1], 1, tokens[0])
    assert vault.component_count() == 128
    assert vault.position(0)[0] == tokens[0].address and vault.position(0)[1] > 0
