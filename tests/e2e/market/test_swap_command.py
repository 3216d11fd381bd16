"""`ape run market swap`'s logic (indexvault.market.swap) on a restored
market: which pool a pair of symbols names, a trade of a given amount paying
the constant product's output exactly, a `--move` landing the pool's price
where it was asked to, and refusals that name what to do."""

from __future__ import annotations

from decimal import Decimal

import pytest

from indexvault import amm
from indexvault.market import swap
from indexvault.market import uniswap as uni
from indexvault.market.record import MarketError
from indexvault.market.rpc import Tx

TRADER_INDEX = 6  # an anvil dev account the market does not use


def rpc_sender(rpc, trader):
    """`send` for `swap.trade` through the node's unlocked dev account."""

    def send(calls):
        receipts = rpc.transact([Tx(trader, c.to, c.data, c.label, gas=c.gas) for c in calls])
        return sum(int(r["gasUsed"], 16) for r in receipts)

    return send


@pytest.fixture
def trader(rpc, market):
    who = rpc.call("eth_accounts")[TRADER_INDEX]
    rpc.transact(
        [
            Tx(
                who,
                market.assets[s].token,
                uni.MOCK_MINT(who, 10**8 * 10 ** market.assets[s].decimals),
                f"fund {s}",
                gas=100_000,
            )
            for s in ("USDC", "BTC", "LINK")
        ]
    )
    return who


def test_find_pool__v2_by_default__v3_on_request__by_token_or_data_symbol(market):
    v2 = swap.find_pool(market, {}, "USDC", "WBTC")
    assert (v2.label, v2.dex, v2.fee) == ("WBTC/USDC v2", "v2", 3000)
    assert (v2.sell.symbol, v2.buy.symbol, v2.asset.symbol, v2.pair.symbol) == ("USDC", "WBTC", "WBTC", "USDC")
    v3 = swap.find_pool(market, {}, "BTC", "USDC", "v3")
    assert (v3.label, v3.dex, v3.fee, v3.address) == (
        "WBTC/USDC v3",
        "v3",
        500,
        next(p.address for p in market.assets["BTC"].pools if p.dex == "v3"),
    )
    weth = swap.find_pool(market, {}, "LINK", "WETH")
    assert weth.label == "LINK/WETH v2"


def test_find_pool__refusals_name_what_there_is(market):
    with pytest.raises(MarketError, match="'PEPE' is neither an asset of the 2024-01-01 market nor an index"):
        swap.find_pool(market, {}, "USDC", "PEPE")
    with pytest.raises(MarketError, match="the market has no pool of WBTC against SOL"):
        swap.find_pool(market, {}, "WBTC", "SOL")
    with pytest.raises(MarketError, match="--sell and --buy are both USDC"):
        swap.find_pool(market, {}, "USDC", "USDC")
    index = {"MKT10": {"symbol": "MKT10", "vault": "0x" + "11" * 20}}
    with pytest.raises(MarketError, match="index MKT10 has no pool: create it with `ape run keeper arbitrage"):
        swap.find_pool(market, index, "USDC", "MKT10")
    index["MKT10"]["pool"] = "0x" + "22" * 20
    with pytest.raises(MarketError, match="index MKT10's pool trades it against USDC only"):
        swap.find_pool(market, index, "WBTC", "MKT10")
    ref = swap.find_pool(market, index, "usdc", "mkt10")
    assert (ref.label, ref.address, ref.index, ref.asset.symbol, ref.pair.symbol) == (
        "MKT10/USDC v2",
        "0x" + "22" * 20,
        "MKT10",
        "MKT10",
        "USDC",
    )


def test_trade__amount__pays_the_constant_product_exactly(rpc, market, trader):
    ref = swap.find_pool(market, {}, "USDC", "LINK")
    r0, r1 = swap.read_state(rpc, ref)
    r_usdc, r_link = (r0, r1) if ref.sell_is_token0 else (r1, r0)
    amount = 20_000 * 10**6
    done = swap.trade(rpc, market, ref, trader, rpc_sender(rpc, trader), amount=amount)
    assert done.paid == amount
    assert done.received == amm.v2_amount_out(amount, r_usdc, r_link)
    assert done.after > done.before
    assert done.gas_used > 0


@pytest.mark.parametrize(
    ("sell", "buy", "dex"), [("USDC", "WBTC", "v2"), ("WBTC", "USDC", "v2"), ("USDC", "WBTC", "v3")]
)
def test_trade__move__lands_the_bought_token_that_much_dearer(rpc, market, trader, sell, buy, dex):
    ref = swap.find_pool(market, {}, sell, buy, dex)
    done = swap.trade(rpc, market, ref, trader, rpc_sender(rpc, trader), move=Decimal("0.2"))
    # The price is quoted as USDC per WBTC: buying WBTC raises it 20 %, buying USDC lowers it to 1 / 1.2.
    expected = Decimal("1.2") if buy == "WBTC" else 1 / Decimal("1.2")
    assert done.after / done.before == pytest.approx(expected, rel=Decimal("1e-6"))


def test_trade__short_balance__refused_before_sending_anything(rpc, market, trader):
    ref = swap.find_pool(market, {}, "USDC", "LINK")
    before = swap.read_state(rpc, ref)
    with pytest.raises(
        MarketError,
        match=r"holds 100000000 USDC; the trade sells 200000000: get them first with "
        r"`ape run market fund USDC 200000000`",
    ):
        swap.trade(rpc, market, ref, trader, rpc_sender(rpc, trader), amount=2 * 10**8 * 10**6)
    with pytest.raises(MarketError, match="give a positive move"):
        swap.trade(rpc, market, ref, trader, rpc_sender(rpc, trader), move=Decimal(0))
    assert swap.read_state(rpc, ref) == before
