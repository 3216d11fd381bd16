"""The vault on a fork of the saved market, driven by hypothesis.

Titanoboa forks a node restored from the saved market; the engine deploys
IndexVault and OracleAdapter over five of its assets, and every rule is one
engine operation (the same `apply` the fast campaigns run), flushed at once:
after each call the engine checks full backing, the vault's surplus never
falling, supply, multiplier, holdings and balances against the reference
model, the round trips, and the oracle's NAV (see indexvault/fuzz/engine.py).
"""

from __future__ import annotations

import boa
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from indexvault.fuzz import engine, rebalance
from indexvault.fuzz.backends import BoaBackend
from indexvault.fuzz.engine import HOLDER, MAX_FEES, MINTERS, OPERATIONS, REDEEMERS, TRADER, Action
from tests.utils import sized

SYMBOLS = engine.Scenario().assets
shares = st.one_of(st.integers(1, 10**6), st.integers(1, 10**21))


def apply(world, action):
    OPERATIONS[action.kind].apply(world, action)
    world.flush()
    world.check_balances()


class ForkedVaultMachine(RuleBasedStateMachine):
    world: engine.World = None
    saved: dict = None

    def __init__(self):
        super().__init__()
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        self.world.restore(self.saved)

    def teardown(self):
        self._anchor.__exit__(None, None, None)
        self.world.restore(self.saved)

    def _holders(self, names):
        return [n for n in names if self.world.model.balances.get(n, 0) > 0]

    @rule(actor=st.sampled_from(MINTERS), shares=shares, to_holder=st.booleans())
    def mint(self, actor, shares, to_holder):
        apply(self.world, Action("mint", actor, (shares, HOLDER if to_holder else actor)))

    @precondition(lambda self: self._holders(REDEEMERS))
    @rule(data=st.data())
    def redeem(self, data):
        owner = data.draw(st.sampled_from(self._holders(REDEEMERS)), label="owner")
        amount = data.draw(st.integers(1, self.world.model.balances[owner]), label="shares")
        apply(self.world, Action("redeem", owner, (amount,)))

    @rule(actor=st.sampled_from(MINTERS), shares=shares)
    def round_trip(self, actor, shares):
        apply(self.world, Action("round_trip", actor, (shares,)))

    @precondition(lambda self: self._holders(MINTERS))
    @rule(data=st.data())
    def transfer(self, data):
        owner = data.draw(st.sampled_from(self._holders(MINTERS)), label="owner")
        amount = data.draw(st.integers(1, self.world.model.balances[owner]), label="shares")
        apply(self.world, Action("transfer", owner, (amount,)))

    @rule(actor=st.sampled_from(MINTERS + (HOLDER,)))
    def accrue(self, actor):
        apply(self.world, Action("accrue", actor))

    @rule(fees=st.tuples(*(st.integers(0, m) for m in MAX_FEES)))
    def set_fees(self, fees):
        apply(self.world, Action("set_fees", None, fees))

    @rule(symbol=st.sampled_from(SYMBOLS), move=st.one_of(st.sampled_from((-0.5, 0.5)), st.floats(-0.3, 0.3)))
    def shock(self, symbol, move):
        answer = max(1, int(self.world.answers[symbol] * (1 + move)))
        apply(self.world, Action("shock", None, (symbol, answer)))

    @rule(symbol=st.sampled_from(SYMBOLS), buy=st.booleans(), usd=st.floats(100, 300_000))
    def pool_trade(self, symbol, buy, usd):
        apply(self.world, Action("pool_trade", TRADER, (symbol, buy, usd)))

    @rule(seconds=st.one_of(st.integers(1, 3_600), st.integers(86_400, 3 * 86_400)))
    def time_passes(self, seconds):
        apply(self.world, Action("time", None, (seconds,)))

    @rule()
    def feeds_updated(self):
        apply(self.world, Action("feed_update", None, tuple(self.world.snapshot().stale()) or SYMBOLS[:1]))

    # Rebalancing (indexvault/fuzz/rebalance.py): the manager proposes, the timelock passes, the bidder
    # trades the auctions; each bid's price and the units it moves are held to indexvault.auction_model.
    @rule(
        factors=st.lists(st.floats(0.5, 1.5), min_size=len(SYMBOLS) - 1, max_size=len(SYMBOLS) - 1),
        duration=st.sampled_from(rebalance.DURATIONS),
    )
    def propose_targets(self, factors, duration):
        apply(self.world, Action("rebalance", rebalance.BIDDER, ("propose", factors, duration)))

    @precondition(lambda self: rebalance.phase(self.world) == "pending")
    @rule(seconds=st.integers(0, 600))
    def past_the_timelock(self, seconds):
        apply(self.world, Action("rebalance", rebalance.BIDDER, ("wait", seconds)))

    @precondition(lambda self: getattr(self.world, "rebalance", None) is not None)
    @rule(symbol=st.sampled_from(SYMBOLS[1:]), fraction=st.one_of(st.just(1.0), st.floats(1e-6, 1)))
    def bid(self, symbol, fraction):
        apply(self.world, Action("rebalance", rebalance.BIDDER, ("bid", symbol, fraction)))

    @invariant()
    def nav_matches_the_model_or_reverts_stale(self):
        apply(self.world, Action("nav", HOLDER))


@pytest.fixture(scope="module")
def forked_world(market_node):
    node, record = market_node
    with boa.swap_env(boa.Env()):
        world = engine.World(BoaBackend(node.url), record)
        yield world


def test_forked_vault_holds_its_invariants(forked_world):
    ForkedVaultMachine.world = forked_world
    ForkedVaultMachine.saved = forked_world.save()
    run_state_machine_as_test(
        ForkedVaultMachine,
        settings=settings(
            max_examples=sized(4, 15),
            stateful_step_count=20,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )
    assert forked_world.vault_ops == 0  # every example started from the same world


def test_a_rebalance_on_the_fork__proposal__timelock__bids_to_the_targets(forked_world):
    """One proposal, the timelock, and bids until every target is met, each
    bid held to indexvault.auction_model and the engine's checks."""
    saved = forked_world.save()
    with boa.env.anchor():
        world = forked_world
        apply(world, Action("mint", "depositor", (10**21, "depositor")))
        apply(world, Action("rebalance", rebalance.BIDDER, ("propose", [1.5, 0.5, 1.2, 0.8], 86_400)))
        apply(world, Action("rebalance", rebalance.BIDDER, ("bid", SYMBOLS[1], 0.5)))  # "not started"
        assert world.rebalance["expected_reverts"] == {"not started": 1}
        apply(world, Action("rebalance", rebalance.BIDDER, ("wait", 60)))
        assert rebalance.phase(world) == "running"
        targets = dict(world.rebalance["targets"])
        for symbol in SYMBOLS[1:]:
            apply(world, Action("rebalance", rebalance.BIDDER, ("bid", symbol, 0.5)))
            apply(world, Action("rebalance", rebalance.BIDDER, ("bid", symbol, 1.0)))
        assert [world.model.units[world.symbols.index(s)] for s in SYMBOLS[1:]] == list(targets.values())
        assert world.rebalance["bids"] == 8 and rebalance.phase(world) == "none"
        apply(world, Action("nav", HOLDER))
        apply(world, Action("redeem", "depositor", (world.model.balances["depositor"],)))
    forked_world.restore(saved)


def test_a_wrong_model_is_caught(forked_world):
    """The checks bite: a model that charges one wei less mint fee than the
    vault makes fee shares differ from the model's, and the engine says so."""
    saved = forked_world.save()
    with boa.env.anchor():
        forked_world.model.mint_fee += 1
        with pytest.raises(engine.Violation, match="the model says"):
            apply(forked_world, Action("mint", "depositor", (10**20, "depositor")))
    forked_world.restore(saved)


def test_a_wrong_auction_model_is_caught(forked_world, monkeypatch):
    """A model that prices a bid one base unit dearer than the Rebalancer
    expects a return the chain does not give, and the engine says so."""
    from indexvault import auction_model

    saved = forked_world.save()
    real = auction_model.whole_step_quote
    with boa.env.anchor():
        world = forked_world
        apply(world, Action("mint", "depositor", (10**21, "depositor")))
        apply(world, Action("rebalance", rebalance.BIDDER, ("propose", [1.0, 0.5, 1.0, 1.0], 86_400)))
        apply(world, Action("rebalance", rebalance.BIDDER, ("wait", 60)))
        monkeypatch.setattr(auction_model, "whole_step_quote", lambda *args: real(*args) + 1)
        with pytest.raises(engine.Violation, match="the model says"):
            apply(world, Action("rebalance", rebalance.BIDDER, ("bid", SYMBOLS[2], 1.0)))
    forked_world.restore(saved)
