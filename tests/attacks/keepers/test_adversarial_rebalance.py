"""Attacks on a running rebalance, performed on the restored market:
pools moved by a flash-loan-sized trade before a bid, and a keeper that
crashes, or whose fills fail, in the middle of a rebalance."""

from __future__ import annotations

from decimal import Decimal

from indexvault.keepers import rebalance as decisions
from indexvault.keepers import runner
from indexvault.market import pools as market_pools
from indexvault.market import replay as market_replay
from indexvault.market import uniswap as uni
from indexvault.market.rpc import Tx
from tests.utils import WAD

BAND = Decimal("0.05")


def into_auction(rpc, record, hours: int) -> None:
    """`hours` into the auction (past the one-hour timelock), whatever the clock's time before: each test
    stands at its own point of the auction, alone on a node or after another test on the same one."""
    (start,) = rpc.read([(record["rebalancer"], runner.R_AUCTION_START, ())])[0]
    rpc.set_next_timestamp(max(start + hours * 3_600, rpc.timestamp() + 1))
    rpc.mine()


def move_pools(rpc, market, symbol: str, factor: Decimal) -> None:
    """A flash-loan-sized trade per pool of `symbol`: each to `factor` times its feed price."""
    feeds = market_pools.feed_prices(rpc, market)
    trades = [
        market_replay.arbitrage(state, feeds[symbol] * factor, feeds[state.pair.symbol])
        for state in market_pools.read(rpc, market, feeds)
        if state.asset.symbol == symbol
    ]
    rpc.transact([market_replay.trade_tx(market, t) for t in trades if t])
    for state in market_pools.read(rpc, market):
        if state.asset.symbol == symbol:
            assert abs(state.price_usd / state.feed_usd - factor) < Decimal("0.001"), state.label


def test_pools_moved_50_percent__a_bid_still_trades_at_oracle_times_factor_inside_the_band(ape_node, market, launched):
    """Indexed Finance (2021) lost its pools' value to a rebalance priced from the
    pools. Here the auction prices from the oracle: moving every MATIC pool 50 %
    changes nothing the vault receives."""
    from ape import accounts, project

    record, proposal, _ = launched
    rpc = ape_node.rpc
    into_auction(rpc, record, 6)
    rebalancer = project.Rebalancer.at(record["rebalancer"])
    oracle = project.OracleAdapter.at(record["oracle"])
    matic, usdc = market.assets["MATIC"], market.assets["USDC"]
    amount = 1_000 * 10**matic.decimals
    sells, take, quote_before = rebalancer.preview_bid(matic.token, amount)
    assert sells and take == amount

    move_pools(rpc, market, "MATIC", Decimal("1.5"))
    rpc.call("evm_setNextBlockTimestamp", hex(rpc.timestamp() + 1))  # the bid's block, as the preview's
    attacker = accounts.test_accounts[3]
    rpc.transact([Tx(market.maker, usdc.token, uni.MOCK_MINT(attacker.address, 10**12), "fund", gas=100_000)])
    project.MockToken.at(usdc.token).approve(record["vault"], 2**256 - 1, sender=attacker)
    vault_usdc = project.MockToken.at(usdc.token).balanceOf(record["vault"])
    factor = rebalancer.factor()
    receipt = rebalancer.bid(matic.token, amount, 2**256 - 1, attacker.address, b"", sender=attacker)

    paid = project.MockToken.at(usdc.token).balanceOf(record["vault"]) - vault_usdc
    assert paid == receipt.return_value
    # The pools say MATIC is worth 1.5x; the vault still sells at oracle x factor, within 1 +- band.
    oracle_value = Decimal(amount) / 10**matic.decimals * Decimal(oracle.price(matic.token)) / WAD
    realised = Decimal(paid) / 10**usdc.decimals * Decimal(oracle.price(usdc.token)) / WAD / oracle_value
    assert abs(realised - Decimal(factor) / WAD) < Decimal("0.0001")
    assert 1 - BAND <= realised <= 1 + BAND
    assert abs(Decimal(paid) / Decimal(quote_before) - 1) < Decimal("0.001")  # a second of decay, no pool in it


def test_keeper_crash_and_failed_fills__the_next_round_decides_again(ape_node, market, launched):
    """A keeper whose pool moves between its decision and its fills loses those
    fills (they revert and nothing changes); a restarted keeper, holding no state,
    reads the chain and goes on toward the targets without doing anything twice."""
    record, _, keeper = launched
    rpc = ape_node.rpc
    into_auction(rpc, record, 10)
    settings = decisions.Settings(min_profit_usd=Decimal("0.1"))
    before = {c.symbol: c for c in runner.read_snapshot(rpc, market, record).components}

    moved = []

    def crash_the_pools(line: str) -> None:
        # Called after the decision and before any fill: the sales' pools fall 50 %.
        if not moved:
            moved.append(True)
            for symbol, c in before.items():
                if c.sell and c.remaining:
                    move_pools(rpc, market, symbol, Decimal("0.5"))

    first = runner.run_round(rpc, market, record, keeper, settings, log=crash_the_pools)
    failed = [f for f in first.fills if not f.ok and f.action.sell]
    assert failed, first.decision.lines()
    # The pools pay too little now: each fill reverts with the swap's reason ("Too little received" for V3).
    assert all(f.error for f in failed)
    mid = {c.symbol: c for c in runner.read_snapshot(rpc, market, record).components}
    for f in failed:
        assert mid[f.action.symbol].remaining == before[f.action.symbol].remaining  # nothing half-done

    # The market's arbitrageur restores the pools; a fresh keeper takes over.
    feeds = market_pools.feed_prices(rpc, market)
    trades = [
        market_replay.arbitrage(s, feeds[s.asset.symbol], feeds[s.pair.symbol])
        for s in market_pools.read(rpc, market, feeds)
    ]
    rpc.transact([market_replay.trade_tx(market, t) for t in trades if t])
    second = runner.run_round(rpc, market, record, keeper, settings, log=lambda line: None)
    assert [f for f in second.fills if f.ok and f.action.sell]
    after = {c.symbol: c for c in runner.read_snapshot(rpc, market, record).components}
    for symbol, c in after.items():
        assert c.remaining <= mid[symbol].remaining  # only ever toward the target
        assert (c.unit >= c.target) if c.sell else (c.unit <= c.target)  # never past it
