"""The Indexed Finance attack (October 2021) replayed against a TWAP-priced index, in titanoboa:
shared by `python -m benchmarks oracles` (`indexed_finance` in results/oracles.json) and
`tests/attacks/test_indexed_finance_twap.py`, which asserts what it measures.

Indexed's pools priced a newly added token from state the attacker moved inside one transaction:
flash-borrowed tokens sold into the pool drained its UNI balance, from which the controller
extrapolated the pool's value, so `updateMinimumBalance` set SUSHI's minimum balance to a sliver;
the attacker then joined with cheap SUSHI and exited with the rest (about 16M USD from DEFI5 and
CC10). Here an index of UNI and USDC prices UNI by a TwapFeed over a real Uniswap V3 pool (UNI/USDC,
1M USD a side at 8 USD, full range; `benchmarks/v3_pool.py`), its Rebalancer's auction sells 40 % of
the UNI (5,000 UNI, 40k USD) and Morpho Blue lends USDC against the index token (MorphoNavOracle over
its NavFeed, LLTV 77 %). The attacker, with a flash loan's worth of capital, plays the same book
against every path that reads the price, then trades the pool back to its price before:

- dumps the pool to half its price and buys all the UNI the auction sells (at par: no discount);
- pumps the pool to four times its price, mints 1,000 index tokens in kind, posts them on Morpho and
  borrows all it allows; walks away with the loan if it is worth more than the collateral at the
  prices before, else repays, takes the collateral back and redeems it in kind.

`held` = 0 plays it in one transaction; `held` = k holds each move k blocks (12 s each) before the
paths read the price: an attacker whose transactions end one block and start the next k later with
nobody trading in between (a validator's consecutive slots), who needs no arbitrageur to unwind.
Everything is valued in USD at the adapter's prices before the attack. `feed="spot"` prices UNI by
`mocks/SpotFeed.vy` (the pool's price now) instead: the control."""

from __future__ import annotations

import json
from fractions import Fraction
from types import SimpleNamespace

import boa
from eth_abi import encode
from eth_utils import keccak

from benchmarks import v3_pool as v3
from indexvault import amm
from indexvault.constants import WAD, ZERO_ADDRESS
from indexvault.lending import model as morpho_model
from indexvault.solidity import artifact

MAX = 2**256 - 1
WINDOW = 1_800
BLOCK = 12
MAX_HELD = 10  # the auction's midpoint is this many blocks after `build` leaves the chain
HEARTBEAT = 86_400
TIMELOCK = 3_600  # the Rebalancer's shortest
DURATION = 3_600
BAND = WAD // 20  # ±5 %: the auction's curve runs from 1.05 to 0.95, par at its midpoint
LLTV = 770 * 10**15  # 77 %, a mainnet LLTV
UNITS = [25 * WAD // 4, 50 * 10**6]  # a share: 6.25 UNI (50 USD at 8 USD) and 50 USDC
SUPPLY = 2_000 * WAD  # the honest holder's shares: 200k USD
UNI_TARGET = 15 * WAD // 4  # the rebalance sells 40 % of the UNI: 5,000 UNI
COLLATERAL = 1_000 * WAD  # the index tokens the attacker mints in kind and posts on Morpho
LENT = 1_000_000 * 10**6  # the lender's USDC on Morpho
DUMP, PUMP = Fraction(1, 2), Fraction(4)  # the spot moves, as factors of the price before


def deploy_morpho(owner: str):
    """Morpho Blue 1.0.0 (the published code, `indexvault.solidity`) owned by `owner`, with the
    zero-rate IRM (address 0) and mainnet's LLTVs enabled, as `ape run market build` deploys it."""
    compiled = artifact("Morpho")
    address, _ = boa.env.deploy_code(bytecode=bytes.fromhex(compiled["bytecode"][2:]) + encode(["address"], [owner]))
    morpho = boa.loads_abi(json.dumps(compiled["abi"]), name="Morpho").at(address)
    with boa.env.prank(owner):
        morpho.enableIrm(ZERO_ADDRESS)
        for lltv in morpho_model.MAINNET_LLTVS:
            morpho.enableLltv(lltv)
    return morpho


def build(deploy=v3.deployer) -> SimpleNamespace:
    """The index, its pool, feeds, auction and Morpho market, the attacker funded and approved;
    the chain left MAX_HELD blocks before the auction's midpoint. `deploy(path)` compiles a project
    contract (the tests pass their own cache)."""
    actor = boa.env.generate_address
    admin, attacker, lp, lender = actor("if_admin"), actor("if_attacker"), actor("if_lp"), actor("if_lender")
    token = deploy("mocks/MockToken.vy")
    usdc, uni = token.deploy("USDC", "USDC", 6), token.deploy("UNI", "UNI", 18)
    usdc_feed = deploy("mocks/MockFeed.vy").deploy(8, "USDC / USD", 10**8)
    pool = v3.create_pool(v3.deploy_uniswap(), uni, usdc, Fraction(8), cardinality=200)
    pool.fund(lp)
    pool.fund(attacker)  # the flash loan: far more of both than any trade here moves
    pool.add_liquidity(lp, 125_000 * WAD, 1_000_000 * 10**6)
    twap = v3.create_twap_feed(pool, usdc_feed, WINDOW, heartbeat=HEARTBEAT)
    spot = deploy("mocks/SpotFeed.vy").deploy(pool.contract.address, uni.address, usdc.address, usdc_feed.address)
    with boa.env.prank(admin):
        vault = deploy("IndexVault.vy").deploy(
            "TWAP Index", "TWAP", [uni.address, usdc.address], UNITS, admin, admin, admin, admin,
            [0, 0, 0], [WAD // 100, WAD // 100, WAD // 20], 10**9 * WAD,
        )  # fmt: skip
        oracle = deploy("OracleAdapter.vy").deploy(vault.address, admin)
        rebalancer = deploy("Rebalancer.vy").deploy(vault.address, oracle.address, usdc.address, TIMELOCK, BAND)
        oracle.set_feed(usdc.address, usdc_feed.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
        oracle.set_feed(uni.address, twap.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)
        vault.grantRole(vault.REBALANCER_ROLE(), rebalancer.address)
        for t in (uni, usdc):
            t.mint(admin, 10**9 * 10 ** t.decimals())
            t.approve(vault.address, MAX)
        vault.mint(SUPPLY, [MAX] * 2, admin)  # the honest holder
        rebalancer.propose([uni.address], [UNI_TARGET], DURATION, WAD + BAND, WAD - BAND)
    nav_feed = deploy("NavFeed.vy").deploy(oracle.address, 0)
    nav_oracle = deploy("periphery/MorphoNavOracle.vy").deploy(
        nav_feed.address, HEARTBEAT, usdc_feed.address, HEARTBEAT, vault.address, usdc.address
    )
    morpho = deploy_morpho(admin)
    params = (usdc.address, vault.address, nav_oracle.address, ZERO_ADDRESS, LLTV)
    morpho.createMarket(params)
    usdc.mint(lender, LENT)
    with boa.env.prank(lender):
        usdc.approve(morpho.address, MAX)
        morpho.supply(params, LENT, 0, lender, b"")
    with boa.env.prank(attacker):
        for spender in (vault.address, morpho.address):
            uni.approve(spender, MAX)
            usdc.approve(spender, MAX)
        vault.approve(morpho.address, MAX)
    midpoint = rebalancer.auction_start() + DURATION // 2
    boa.env.time_travel(seconds=midpoint - MAX_HELD * BLOCK - boa.env.timestamp)
    return SimpleNamespace(
        pool=pool, uni=uni, usdc=usdc, twap=twap, spot=spot, vault=vault, oracle=oracle, rebalancer=rebalancer,
        nav_oracle=nav_oracle, morpho=morpho, params=params, attacker=attacker, admin=admin,
    )  # fmt: skip


def use_spot_feed(env) -> None:
    """The control: the adapter prices UNI by the pool's price now."""
    with boa.env.prank(env.admin):
        env.oracle.set_feed(env.uni.address, env.spot.address, HEARTBEAT, ZERO_ADDRESS, 0, 0)


def _usd(amount_uni: int, amount_usdc: int, price_uni: int, price_usdc: int) -> Fraction:
    """USD of token amounts at adapter prices (USD 1e18 per whole token)."""
    return (Fraction(amount_uni * price_uni, 10**18) + Fraction(amount_usdc * price_usdc, 10**6)) / WAD


def _move(pool, who, sqrt_price: int) -> None:
    """`who` trades the pool's price to exactly `sqrt_price` (Q64.96)."""
    now = pool.contract.slot0()[0]
    if now != sqrt_price:
        pool.swap(who, (sqrt_price < now) == pool.asset_is_token0, v3.FUNDS // 4, sqrt_price)


def _scaled(sqrt_price: int, pool, factor: Fraction) -> int:
    """The sqrt price at which the asset's price is `factor` times that at `sqrt_price`."""
    ratio = Fraction(sqrt_price**2, 2**192) * (factor if pool.asset_is_token0 else 1 / factor)
    return amm.sqrt_price_x96(ratio)


def replay(env, *, dump: bool, pump: bool, held: int) -> SimpleNamespace:
    """The attacker's book (module docstring), each move held `held` blocks before the paths read
    the price, the bid at the auction's midpoint. What it returns, USD at the prices before:
    `pnl` the attacker's, `auction_gain` the bid's (the lot's worth less what it paid),
    `lender_gain` what walking away with the loan took, `pool_fees` what the round trips left the
    pool's LPs, `holders_loss` the honest holder's; the prices the paths read; in kind, what the
    attacker paid and got back."""
    a, pool, uni, usdc, vault = env.attacker, env.pool, env.uni, env.usdc, env.vault
    fair_uni, fair_usdc = env.oracle.price(uni.address), env.oracle.price(usdc.address)

    def value(who) -> Fraction:
        return _usd(uni.balanceOf(who), usdc.balanceOf(who), fair_uni, fair_usdc)

    def per_share() -> Fraction:
        return _usd(*vault.amounts_for_redeem(WAD), fair_uni, fair_usdc)

    def held_tokens() -> list[int]:
        return [uni.balanceOf(a), usdc.balanceOf(a)]

    start = pool.contract.slot0()[0]
    attacker_before, pool_before, holders_before = value(a), value(pool.contract.address), per_share()
    out = SimpleNamespace(fair=fair_uni, auction_gain=Fraction(0), lender_gain=Fraction(0), defaulted=False)
    boa.env.time_travel(seconds=(MAX_HELD - held) * BLOCK)
    if dump:
        _move(pool, a, _scaled(start, pool, DUMP))
        boa.env.time_travel(seconds=held * BLOCK)
        out.factor, out.price_dumped = env.rebalancer.factor(), env.oracle.price(uni.address)
        lot = env.rebalancer.remaining(uni.address)[1]
        with boa.env.prank(a):
            paid = env.rebalancer.bid(uni.address, lot, MAX, a)
        out.auction_gain = _usd(lot, -paid, fair_uni, fair_usdc)
        if held:  # the next move starts from the price before
            _move(pool, a, start)
    if pump:
        _move(pool, a, _scaled(start, pool, PUMP))
        boa.env.time_travel(seconds=held * BLOCK)
        out.price_pumped = env.oracle.price(uni.address)
        before = held_tokens()
        with boa.env.prank(a):
            vault.mint(COLLATERAL, [MAX] * 2, a)
            paid_in_kind = [b - h for b, h in zip(before, held_tokens())]
            env.morpho.supplyCollateral(env.params, COLLATERAL, a, b"")
            loan = morpho_model.max_borrow(COLLATERAL, env.nav_oracle.price(), LLTV)
            env.morpho.borrow(env.params, loan, 0, a, a)
        out.loan = Fraction(loan * fair_usdc, 10**6 * WAD)
        out.collateral_value = _usd(*vault.amounts_for_redeem(COLLATERAL), fair_uni, fair_usdc)
        out.defaulted = out.loan > out.collateral_value  # the lender is left with less than it lent
        if out.defaulted:
            out.lender_gain = out.loan - out.collateral_value
        else:
            with boa.env.prank(a):
                owed_shares = env.morpho.position(keccak(encode(["address"] * 4 + ["uint256"], env.params)), a)[1]
                env.morpho.repay(env.params, 0, owed_shares, a, b"")
                env.morpho.withdrawCollateral(env.params, COLLATERAL, a, a)
                before = held_tokens()
                vault.redeem(COLLATERAL, [0, 0], a)
            out.in_kind = (paid_in_kind, [h - b for b, h in zip(before, held_tokens())])
    _move(pool, a, start)
    out.pnl = value(a) - attacker_before
    out.pool_fees = value(pool.contract.address) - pool_before
    out.holders_loss = (holders_before - per_share()) * SUPPLY / WAD
    return out


def _row(out) -> dict:
    keys = ("pnl", "auction_gain", "lender_gain", "pool_fees", "holders_loss")
    row = {f"{k}_usd": round(float(getattr(out, k)), 2) + 0.0 for k in keys}  # + 0.0: no "-0.0"
    for k in ("price_dumped", "price_pumped"):
        if hasattr(out, k):
            row[f"{k.split('_')[1]}_price_read_over_before"] = round(getattr(out, k) / out.fair, 6)
    return row


def measure() -> dict:
    """Each book on a fresh copy of the same chain: one transaction against the TWAP and against
    the spot feed; held 1 and 5 blocks against the TWAP (the dump, then the pump, apart), with the
    auction lot at which the held dump would break even (its fees over the TWAP's move)."""
    env = build()
    result = {}
    with boa.env.anchor():
        result["one_transaction_twap"] = _row(replay(env, dump=True, pump=True, held=0))
    with boa.env.anchor():
        use_spot_feed(env)
        result["one_transaction_spot"] = _row(replay(env, dump=True, pump=True, held=0))
    for held in (1, 5):
        with boa.env.anchor():
            down = replay(env, dump=True, pump=False, held=held)
            move = 1 - Fraction(down.price_dumped, down.fair)
            result[f"held_{held}_blocks_dump_twap"] = {
                **_row(down),
                "break_even_lot_usd": round(float(down.pool_fees / move)),
            }
        with boa.env.anchor():
            result[f"held_{held}_blocks_pump_twap"] = _row(replay(env, dump=False, pump=True, held=held))
    return {
        "setup": (
            "UNI/USDC Uniswap V3 0.3 %, 1M USD a side full range; index 2,000 shares of 6.25 UNI + 50 USDC; "
            "auction selling 5,000 UNI (40k USD) at par; Morpho USDC market on the index, LLTV 77 %; "
            f"TWAP window {WINDOW} s; the spot dumped to {float(DUMP)}x and pumped to {float(PUMP)}x"
        ),
        **result,
    }
