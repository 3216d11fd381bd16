"""ERC777-style hooks re-entering every value path.

imBTC's Uniswap V1 pool was drained in April 2020 (and Lendf.Me the same
day) through ERC777's `tokensToSend` hook, called by the token before it
moved funds, re-entering the exchange mid-trade; Cream Finance lost funds
in August 2021 through AMP's ERC777-style hook re-entering a borrow. Here
the attacker's contract (`mocks/AttackReentrant.vy`) is hooked on a hook
token (`mocks/HookToken.vy`) that is a component, and re-enters
from inside `mint` (its `tokens_to_send` as the vault pulls), `redeem`,
`withdraw_claim` and `push_claim` (its `tokens_received` as the vault pays),
a Rebalancer bid, the one-asset router and the arbitrage contract, into
every one of them and into `accrue_fees` and `sync`. Each re-entry reverts with the lock's reason and
nothing moves; without the re-entry the same call succeeds.

Re-entries from a bid's callback and from a hook during a bid (mint, redeem
and bid again) are in `tests/contracts/rebalance/test_bid_callback.py`."""

from types import SimpleNamespace

import boa
import pytest

from indexvault.model import WAD
from tests.utils import MAX
from tests.utils.boa_env import ZERO_ADDRESS, deployer
from tests.utils.ledger import Ledger

SHARES = 10 * WAD
DIRECT = 0  # IndexRouter's route kind for a component that is the input or output token
FAR = 2**63  # a deadline that never passes


@pytest.fixture
def hooked(create_token, create_vault, create_feed, create_oracle, admin, manager, depositor, fund):
    """A vault of a USDC-like token and a hook token (WBTC-like), the
    attacker's contract funded, approved and hooked, holding shares and a
    claim on the hook token; a Rebalancer selling the hook token; the router."""
    usdc = create_token(6, symbol="USDC")
    hook = deployer("mocks/HookToken.vy").deploy("Hook BTC", "HBTC", 8)
    vault = create_vault([usdc, hook], [1_500 * 10**6 + 7, 10**6 + 3])
    oracle = create_oracle(vault)
    with boa.env.prank(admin):
        for token, answer in ((usdc, 10**8), (hook, 100_000 * 10**8)):
            oracle.set_feed(token.address, create_feed(answer).address, 3_600, ZERO_ADDRESS, 0, 0)
        rebalancer = deployer("Rebalancer.vy").deploy(vault.address, oracle.address, usdc.address, 3_600, WAD // 20)
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
    fund(vault, [usdc, hook], depositor)
    with boa.env.prank(depositor):
        vault.mint(100 * WAD, [MAX] * 2, depositor)
    router = deployer("periphery/IndexRouter.vy").deploy(boa.env.generate_address("no-dex"), ZERO_ADDRESS)
    # The router pays with (and is paid in) the hook token alone: a vault of it only.
    solo = create_vault([hook], [10**6 + 3])
    # Its pool is never reached here: the hook fires on the arbitrage's first pull.
    arb = deployer("periphery/IndexArbitrage.vy").deploy(router.address, boa.env.generate_address("no-pool"))
    attacker = deployer("mocks/AttackReentrant.vy").deploy()
    for token in (usdc, hook):
        token.mint(attacker.address, 10**9 * 10 ** token.decimals())
        for spender in (vault, solo, router, arb):
            attacker.approve(token.address, spender.address, MAX)
    attacker.approve(solo.address, router.address, MAX)
    attacker.execute(vault.address, vault.mint.prepare_calldata(SHARES, [MAX] * 2, attacker.address))
    attacker.execute(solo.address, solo.mint.prepare_calldata(SHARES, [MAX], attacker.address))
    hook.set_frozen(True)  # a claim on the hook token, for withdraw_claim
    attacker.execute(vault.address, vault.redeem.prepare_calldata(WAD, [0, 0], attacker.address, 2))
    hook.set_frozen(False)
    hook.set_hooked(attacker.address, True)
    with boa.env.prank(manager):
        rebalancer.propose([hook.address], [5 * 10**5], 3_600, WAD, WAD)
    boa.env.time_travel(seconds=3_600)
    with boa.env.prank(admin):  # feeds fresh at the auction's start
        for token in (usdc, hook):
            feed = deployer("mocks/MockFeed.vy").at(oracle.feed(token.address).primary)
            feed.set_answer(feed.answer())
    return SimpleNamespace(
        vault=vault,
        oracle=oracle,
        rebalancer=rebalancer,
        router=router,
        solo=solo,
        arb=arb,
        attacker=attacker,
        usdc=usdc,
        hook=hook,
        depositor=depositor,
    )


def _calls(h) -> dict:
    """Every value path, as calldata the attacker's contract sends."""
    a = h.attacker.address
    return {
        "mint": (h.vault, h.vault.mint.prepare_calldata(WAD, [MAX] * 2, a)),
        "redeem": (h.vault, h.vault.redeem.prepare_calldata(WAD, [0, 0], a, 0)),
        "withdraw_claim": (h.vault, h.vault.withdraw_claim.prepare_calldata(h.hook.address, a)),
        "push_claim": (h.vault, h.vault.push_claim.prepare_calldata(h.hook.address, a)),
        "sync": (h.vault, h.vault.sync.prepare_calldata(h.hook.address)),
        "accrue_fees": (h.vault, h.vault.accrue_fees.prepare_calldata()),
        "bid": (h.rebalancer, h.rebalancer.bid.prepare_calldata(h.hook.address, 10**5, MAX, a, b"")),
        "mint_from": (
            h.router,
            h.router.mint_from.prepare_calldata(h.solo.address, h.hook.address, 10**8, WAD, [(DIRECT, 0, [])], a, FAR),
        ),
        "redeem_to": (
            h.router,
            h.router.redeem_to.prepare_calldata(h.solo.address, h.hook.address, WAD, 0, [(DIRECT, 0, [])], a, FAR),
        ),
    }


def _ledger(h):
    return Ledger(
        h.vault, [h.usdc, h.hook], attacker=h.attacker.address, depositor=h.depositor, router=h.router.address
    )


def _state(h):
    solo = Ledger(h.solo, [h.hook], attacker=h.attacker.address, router=h.router.address, arb=h.arb.address)
    return (
        _ledger(h).read(),
        solo.read(),
        h.vault.units(),
        h.vault.claims(h.hook.address, h.attacker.address),
        h.rebalancer.remaining(h.hook.address),
    )


# (the call the hook fires in, the re-entry, the reason that stops it)
CASES = [
    ("mint", "mint", "vault: reentrant call"),
    ("mint", "redeem", "vault: reentrant call"),
    ("mint", "withdraw_claim", "vault: reentrant call"),
    ("mint", "accrue_fees", "vault: reentrant call"),
    ("mint", "sync", "vault: reentrant call"),
    ("mint", "bid", "vault: reentrant call"),  # the bid's trade hits the vault's lock
    ("redeem", "redeem", "vault: reentrant call"),
    ("redeem", "mint", "vault: reentrant call"),
    ("redeem", "withdraw_claim", "vault: reentrant call"),
    ("withdraw_claim", "withdraw_claim", "vault: reentrant call"),
    ("withdraw_claim", "redeem", "vault: reentrant call"),
    ("push_claim", "push_claim", "vault: reentrant call"),
    ("push_claim", "mint", "vault: reentrant call"),
    ("bid", "bid", "rebalancer: reentrant call"),
    ("bid", "redeem", "vault: reentrant call"),
    ("mint_from", "mint_from", "router: reentrant call"),
    ("mint_from", "redeem_to", "router: reentrant call"),
    ("redeem_to", "mint_from", "router: reentrant call"),
    ("redeem_to", "redeem_to", "router: reentrant call"),
]


@pytest.mark.parametrize(("call", "reentry", "reason"), CASES, ids=[f"{c}-reenters-{r}" for c, r, _ in CASES])
def test_hook_reenters__reverts_with_the_lock_reason_and_nothing_moves(hooked, call, reentry, reason):
    """imBTC / Uniswap V1 (2020) and Cream Finance (2021): a token hook
    re-enters mid-call."""
    calls = _calls(hooked)
    target, data = calls[call]
    hooked.attacker.set_reentry(calls[reentry][0].address, calls[reentry][1])
    before = _state(hooked)
    with boa.reverts(reason):
        hooked.attacker.execute(target.address, data)
    assert _state(hooked) == before

    # The same call without the re-entry goes through, and the hook ran in it.
    hooked.attacker.set_reentry(ZERO_ADDRESS, b"")
    hooks = hooked.attacker.hooks_called()
    hooked.attacker.execute(target.address, data)
    assert hooked.attacker.hooks_called() > hooks


@pytest.mark.parametrize("entry", ["mint_and_sell", "buy_and_redeem"])
def test_hook_reenters_the_arbitrage__reverts_with_its_reason_and_nothing_moves(hooked, entry):
    """imBTC / Uniswap V1 (2020): the quote token's hook, fired by the
    arbitrage contract's first pull, re-enters it."""
    arb = hooked.arb
    calls = {
        "mint_and_sell": arb.mint_and_sell.prepare_calldata(
            hooked.solo.address, hooked.hook.address, 10**8, WAD, [(DIRECT, 0, [])], 0, FAR
        ),
        "buy_and_redeem": arb.buy_and_redeem.prepare_calldata(
            hooked.solo.address, hooked.hook.address, 10**8, [(DIRECT, 0, [])], 0, FAR
        ),
    }
    hooked.attacker.set_reentry(arb.address, calls[entry])
    before = _state(hooked)
    with boa.reverts("arbitrage: reentrant call"):
        hooked.attacker.execute(arb.address, calls[entry])
    assert _state(hooked) == before
