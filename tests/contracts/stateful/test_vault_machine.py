"""The vault against its Python reference model, step by step.

A hypothesis state machine mints, redeems, transfers, lets time pass,
accrues and changes fees, on a (6, 8, 18)-decimal basket, and after every
step holds the contract to `indexvault.model.VaultModel` integer for integer:
supply, every balance, the multiplier, the fee clock and the vault's token
holdings. Every share stays fully backed by tokens the vault really holds,
and no mint followed at once by a redeem returns more than it paid.
"""

import boa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from indexvault.model import UNIT_SCALE, WAD, YEAR, VaultModel, fee_on, preview_accrual
from tests.utils import MAX, sized
from tests.utils.boa_env import events, index_lens

MINTERS = ("depositor", "receiver", "attacker")
HOLDERS = MINTERS + ("fee_recipient",)
MAX_FEES = (WAD // 100, WAD // 100, WAD // 20)  # create_vault's default maxima
MAX_SHARES = 10**24  # a million shares: 1.5 million whole tokens of each component

shares_strategy = st.one_of(st.integers(1, 10**6), st.integers(1, MAX_SHARES))
seconds_strategy = st.one_of(st.integers(1, 3_600), st.integers(1, 2 * YEAR))
fees_strategy = st.tuples(*(st.integers(0, m) for m in MAX_FEES))
initial_fees_strategy = st.tuples(st.integers(0, MAX_FEES[0]), st.integers(0, MAX_FEES[1]), st.integers(1, MAX_FEES[2]))


class VaultMachine(RuleBasedStateMachine):
    def __init__(self, vault, tokens, units, actors, admin):
        super().__init__()
        # Every example starts from the same deployed, funded vault.
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        self.vault, self.tokens, self.units = vault, tokens, units
        self.actors, self.admin = actors, admin
        self.model = VaultModel(
            units=list(units),
            supply_cap=vault.supply_cap(),
            last_accrual=vault.last_fee_accrual(),
        )

    def teardown(self):
        self._anchor.__exit__(None, None, None)

    # --- helpers ---------------------------------------------------------------

    def _token_balances(self, who: str) -> list[int]:
        return [t.balanceOf(self.actors[who]) for t in self.tokens]

    def _mint(self, actor: str, shares: int, receiver: str) -> list[int]:
        """Mints on the contract and the model; returns what the actor paid."""
        before = self._token_balances(actor)
        with boa.env.prank(self.actors[actor]):
            self.vault.mint(shares, [MAX] * 3, self.actors[receiver])
        (event,) = events(self.vault, "Mint")
        paid = [b - a for b, a in zip(before, self._token_balances(actor))]

        expected = self.model.mint(receiver, shares, boa.env.timestamp)
        assert event.fee_shares == fee_on(shares, self.model.mint_fee)
        assert paid == expected
        return paid

    def _redeem(self, owner: str, shares: int, receiver: str) -> list[int]:
        """Redeems on the contract and the model; returns what the receiver got."""
        before = self._token_balances(receiver)
        with boa.env.prank(self.actors[owner]):
            self.vault.redeem(shares, [0] * 3, self.actors[receiver])
        (event,) = events(self.vault, "Redeem")
        received = [a - b for b, a in zip(before, self._token_balances(receiver))]

        expected = self.model.redeem(owner, shares, boa.env.timestamp)
        assert event.fee_shares == fee_on(shares, self.model.redeem_fee)
        assert received == expected
        return received

    def _holders_with_shares(self) -> list[str]:
        return [h for h in HOLDERS if self.model.balances.get(h, 0) > 0]

    # --- rules -------------------------------------------------------------------

    @initialize(fees=initial_fees_strategy)
    def start_with_fees(self, fees):
        # Every example streams a fee from the first step; most also charge
        # mint and redeem fees.
        self.set_fees(fees)

    @rule(actor=st.sampled_from(MINTERS), receiver=st.sampled_from(HOLDERS), shares=shares_strategy)
    def mint(self, actor, receiver, shares):
        self._mint(actor, shares, receiver)

    @precondition(lambda self: self._holders_with_shares())
    @rule(data=st.data(), receiver=st.sampled_from(HOLDERS))
    def redeem(self, data, receiver):
        owner = data.draw(st.sampled_from(self._holders_with_shares()), label="owner")
        shares = data.draw(st.integers(1, self.model.balances[owner]), label="shares")
        self._redeem(owner, shares, receiver)

    @rule(actor=st.sampled_from(MINTERS), shares=shares_strategy)
    def mint_then_redeem(self, actor, shares):
        paid = self._mint(actor, shares, actor)
        received = self._redeem(actor, shares, actor)
        assert all(r <= p for r, p in zip(received, paid)), (paid, received)

    @precondition(lambda self: self._holders_with_shares())
    @rule(data=st.data(), to=st.sampled_from(HOLDERS))
    def transfer(self, data, to):
        owner = data.draw(st.sampled_from(self._holders_with_shares()), label="owner")
        shares = data.draw(st.integers(1, self.model.balances[owner]), label="shares")
        with boa.env.prank(self.actors[owner]):
            self.vault.transfer(self.actors[to], shares)
        self.model.balances[owner] -= shares
        self.model.balances[to] = self.model.balances.get(to, 0) + shares

    @rule(seconds=seconds_strategy)
    def time_travel(self, seconds):
        boa.env.time_travel(seconds=seconds)

    @rule()
    def accrue_fees(self):
        self.vault.accrue_fees()
        accrued = events(self.vault, "FeesAccrued")
        fee_shares = self.model.accrue(boa.env.timestamp)
        expected = [(fee_shares, self.model.multiplier)] if fee_shares else []
        assert [(e.fee_shares, e.multiplier) for e in accrued] == expected

    @rule(fees=fees_strategy)
    def set_fees(self, fees):
        with boa.env.prank(self.admin):
            self.vault.set_fees(*fees)
        now = boa.env.timestamp
        # The contract accrues at the old rate, then restarts the clock.
        self.model.accrue(now)
        self.model.mint_fee, self.model.redeem_fee, self.model.streaming_fee = fees
        self.model.last_accrual = now

    # --- invariants ------------------------------------------------------------------

    @invariant()
    def matches_the_model(self):
        vault, model = self.vault, self.model
        assert vault.totalSupply() == model.supply
        for holder in HOLDERS:
            assert vault.balanceOf(self.actors[holder]) == model.balances.get(holder, 0), holder
        assert vault.multiplier() == model.multiplier
        assert vault.last_fee_accrual() == model.last_accrual
        assert [t.balanceOf(vault.address) for t in self.tokens] == model.holdings
        assert (vault.mint_fee(), vault.redeem_fee(), vault.streaming_fee()) == (
            model.mint_fee,
            model.redeem_fee,
            model.streaming_fee,
        )

    @invariant()
    def pending_accrual_matches_the_model(self):
        elapsed = boa.env.timestamp - self.model.last_accrual
        supply, _ = preview_accrual(self.model.supply, self.model.multiplier, self.model.streaming_fee, elapsed)
        assert index_lens().total_supply_after_accrual(self.vault) == supply

    @invariant()
    def every_share_fully_backed(self):
        assert self.model.is_fully_backed()
        supply, multiplier = self.vault.totalSupply(), self.vault.multiplier()
        for token, unit in zip(self.tokens, self.units):
            assert token.balanceOf(self.vault.address) * UNIT_SCALE >= supply * unit * multiplier


@pytest.fixture(scope="module")
def machine_vault(create_basket, create_vault, fund, actors):
    tokens, units = create_basket((6, 8, 18))
    vault = create_vault(tokens, units)
    for name in MINTERS:
        fund(vault, tokens, actors[name], amount_whole=10**12)
    return vault, tokens, units


def test_vault_matches_the_model(machine_vault, actors, admin):
    vault, tokens, units = machine_vault
    run_state_machine_as_test(
        lambda: VaultMachine(vault, tokens, units, actors, admin),
        settings=settings(
            max_examples=sized(8, 50),
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
