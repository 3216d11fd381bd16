"""The leverage keeper records the index NavFeed's live round (`poke`) when its last recorded round trails it by
more than an hour: once the adapter stops answering the feed carries that round, and LeveragedIndex's unwind is
bounded by its NAV (on a node, a round recorded before a 13 % fall held the unwind refused at 2 %)."""

from __future__ import annotations

from indexvault.keepers import leverage_chain

FEED = "0x" + "22" * 20


class Reader:
    def __init__(self, open_round: tuple, recorded_at: int) -> None:
        self.open_round, self.recorded_at = open_round, recorded_at

    def read(self, calls):
        [(_, function, args)] = calls
        if function is leverage_chain.F_ROUND:
            return [self.open_round]
        return [(args[0], 1, self.recorded_at, self.recorded_at, args[0])]


class Sender:
    errors = (RuntimeError,)

    def __init__(self) -> None:
        self.poked = []

    def poke(self, feed: str) -> int:
        self.poked.append(feed)
        return 250_000


def run(open_round: tuple, recorded_at: int) -> tuple[list, list]:
    sender, lines = Sender(), []
    leverage_chain._poke_nav_feed(Reader(open_round, recorded_at), sender, FEED, lines.append)
    return sender.poked, lines


def test_pokes_only_a_live_round_more_than_an_hour_ahead_of_the_recorded_one():
    live = (8, 100, 10_000 + 3_601, 10_000 + 3_601, 8)  # round 8 open and live, round 7 recorded at 10,000
    assert run(live, 10_000) == (
        [FEED],
        ["NavFeed poked: its last recorded round was 3,601 s behind the live one (gas 250,000)"],
    )
    assert run((8, 100, 13_600, 13_600, 8), 10_000) == ([], [])  # an hour: recent enough
    assert run((8, 100, 10_000, 10_000, 7), 10_000) == ([], [])  # carried (answeredInRound 7): nothing to record
    assert run((1, 100, 50_000, 50_000, 1), 0) == ([], [])  # nothing recorded yet
