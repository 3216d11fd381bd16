# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Leveraged (2x) or inverse (-1x) index token on Morpho Blue
@license MIT
@notice An ERC-20 whose holders share one position on one Morpho Blue
        market, minted and redeemed from USDC in one transaction. The
        direction is fixed at deployment:
        - long (`inverse` False): collateral is the index token, the loan
          USDC (the market of index collateral against a USDC loan);
          exposure is the collateral's value, leverage = collateral value /
          equity (target e.g. 2.0);
        - inverse (`inverse` True): collateral is USDC, the loan the index
          token (a market priced by MorphoInverseNavOracle); exposure is
          the debt's value, leverage = debt value / equity (target 1.0).
        Values are in USDC at the index's NAV (`nav_oracle`, the
        MorphoNavOracle of the index against USDC): equity = collateral
        value - debt value, rounded in the holders' disfavour.

        The index token is bought with USDC through the IndexRouter's
        `mint_from` (exact index out, at most a budget in) and sold through
        `redeem_to` (exact index in); the caller gives the routes (one per
        component, as the router takes them). Every position change runs in
        one of Morpho's own callbacks, its flash-loan-free leverage: adding
        to the position, `supplyCollateral` credits the collateral first and
        calls back `onMorphoSupplyCollateral`, where the debt is borrowed
        and swapped into the collateral Morpho then pulls; reducing it,
        `repay` credits the repayment first and calls back `onMorphoRepay`,
        where the collateral is withdrawn and swapped into what Morpho
        then pulls. (Morpho's `flashLoan` would lend from Morpho's idle
        balance the very token the position then withdraws or borrows, so
        it needs twice the amount idle; these callbacks need none.)
        - mint: the USDC in buys a slice of the position with the
          position's own debt-to-collateral ratio (the target's when
          empty), sized so that swap costs up to `swap_buffer` fit; USDC
          not needed is refunded. Shares are issued for the equity actually
          added (equity after - equity before, at the NAV), so the minter
          bears the swap costs;
        - redeem: the shares' fraction of the debt (borrow shares, rounded
          up) is repaid and their fraction of the collateral (rounded down)
          withdrawn and swapped; the receiver gets the USDC left;
        - rebalance (keeper) and ripcord (anyone, above `ripcord_leverage`,
          for a fixed USDC reward taken from the position): one trade of
          the index back toward the target, never past it, at most
          `max_trade` USDC of value, paying or receiving within
          `max_slippage` of the NAV.

        A stale NAV (MorphoNavOracle refuses it) stops minting, rebalancing
        and the ripcord, which value at it. Redemption never reads it, but
        Morpho's health check on withdrawing collateral does: while it
        lasts only a redemption that repays the whole debt (of the whole
        supply, in one hand) goes through. Anyone may arm the `unwind`
        while the oracle refuses the NAV, and a day (`UNWIND_DELAY`) after
        the arming anyone may `unwind`: the whole debt
        repaid within a bound from the last NAV, all collateral withdrawn
        (no debt: no oracle read), the product closed for good; `redeem`
        then pays each holder their fraction of what it holds, in kind. A
        Morpho market without liquidity stops minting (borrowing), never
        redemption (repaying).

        Trust model: DEFAULT_ADMIN_ROLE (meant to be the index's
        IndexTimelock, so its changes wait for the delay) sets the mint and
        redeem fees (each at most its maximum fixed at deployment), the fee
        recipient and the roles; MANAGER_ROLE sets the supply cap;
        KEEPER_ROLE rebalances within the bounds above. No role can pause
        or block redemption, take the position or choose the routes of
        anyone else's mint or redeem: only Morpho itself (a reverting
        oracle stops withdrawing collateral; a market without liquidity
        stops borrowing, hence minting), the router's pools and, for the
        inverse, the index (its mint pause or a full supply cap stops
        buying the index to repay, hence `redeem`, delevering and the
        ripcord; `redeem_in_index` repays in index tokens the redeemer
        brings) can. Morpho,
        the market, the oracle, the router, the direction and the leverage
        bounds are fixed at deployment. Until unwound it holds nothing
        between transactions: the USDC left after a mint (refund) or a
        redeem (proceeds) goes to the caller or receiver, and every
        allowance it gives is used up within the call; unwound, it holds
        the holders' index and USDC.
        Emergency: the admin raises nothing and pauses nothing; holders
        redeem; the keeper stops rebalancing; anyone may pull the ripcord.
"""

from ethereum.ercs import IERC20
from snekmate.auth import access_control
from snekmate.auth import ownable
from snekmate.tokens import erc20

# @dev snekmate's erc20 needs an owner (its minter role, unused here:
# shares are minted and burnt only internally).
initializes: ownable

# @dev The product's share: snekmate's ERC-20 with EIP-2612 permit.
initializes: erc20[ownable := ownable]

# @dev Admin, manager and keeper roles.
initializes: access_control

exports: (
    erc20.totalSupply,
    erc20.balanceOf,
    erc20.allowance,
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.supportsInterface,
)


interface IMorpho:
    def supplyCollateral(
        market_params: MarketParams, assets: uint256, on_behalf: address, data: Bytes[MAX_DATA]
    ): nonpayable
    def withdrawCollateral(
        market_params: MarketParams, assets: uint256, on_behalf: address, receiver: address
    ): nonpayable
    def borrow(
        market_params: MarketParams, assets: uint256, shares: uint256, on_behalf: address, receiver: address
    ) -> (uint256, uint256): nonpayable
    def repay(
        market_params: MarketParams, assets: uint256, shares: uint256, on_behalf: address, data: Bytes[MAX_DATA]
    ) -> (uint256, uint256): nonpayable
    def accrueInterest(market_params: MarketParams): nonpayable
    def position(id: bytes32, user: address) -> (uint256, uint128, uint128): view
    def market(id: bytes32) -> (uint128, uint128, uint128, uint128, uint128, uint128): view


interface IOracle:
    def price() -> uint256: view


# @dev MorphoNavOracle's `last_price`: the price at the last NAV its feed
# carries however old, and the time it began refusing it as stale.
interface INavOracle:
    def last_price() -> (uint256, uint256): view


interface IIndexRouter:
    def mint_from(
        vault: address,
        input_token: address,
        max_in: uint256,
        shares: uint256,
        routes: DynArray[Route, MAX_COMPONENTS],
        receiver: address,
        deadline: uint256,
    ) -> uint256: nonpayable
    def redeem_to(
        vault: address,
        output_token: address,
        shares: uint256,
        min_out: uint256,
        routes: DynArray[Route, MAX_COMPONENTS],
        receiver: address,
        deadline: uint256,
    ) -> uint256: nonpayable


WAD: constant(uint256) = 10**18
# @dev Morpho's ORACLE_PRICE_SCALE: a price is quote base units per base
# unit times this.
PRICE_SCALE: constant(uint256) = 10**36
# @dev USDC base units (6 decimals) to the 18-decimal USD of the views;
# also the shares of the first mint per USDC of equity (NAV 1 USD).
USDC_TO_WAD: constant(uint256) = 10**12
# @dev The least non-zero supply (0.001 USD of shares at the first mint's
# NAV): a supply this large makes inflating the equity per share (a
# donation to the position through Morpho's `onBehalf`) to round a later
# mint's shares away cost more than 1e15 times what it could take.
MIN_SUPPLY: public(constant(uint256)) = 10**15
# @dev SharesMathLib's virtual shares and assets.
VIRTUAL_SHARES: constant(uint256) = 10**6
VIRTUAL_ASSETS: constant(uint256) = 1
# @dev Hard ceiling on the fee maxima: 10 % a mint or redeem, as the vault.
FEE_CEILING: constant(uint256) = WAD // 10
# @dev Hard ceiling on the swap buffer and the NAV slippage bound: 5 %.
SLIPPAGE_CEILING: constant(uint256) = WAD // 20
# @dev Largest basket traded through this contract, as MorphoLiquidator
# (the router's ABI does not carry the bound).
MAX_COMPONENTS: constant(uint256) = 32
MAX_HOPS: constant(uint256) = 3
# @dev A callback's data: the plan (2 words), the routes' offset and
# length, and per route an offset and 7 words.
MAX_DATA: constant(uint256) = 32 * (4 + 8 * MAX_COMPONENTS)

# @dev How long after its arming (the first `unwind` call that saw the NAV
# oracle refuse the NAV) anyone may `unwind`: a day. A feed that misses a
# heartbeat or an L2 sequencer that restarts is back well within it (the
# oracle's maximum age already covers the longest heartbeat once); a day
# more of a position nobody can rebalance, ripcord or liquidate (Morpho's
# liquidation reads the same oracle) and nobody but a holder of the whole
# supply can leave is the most holders are asked to wait.
UNWIND_DELAY: public(constant(uint256)) = 86_400
# @dev The unwind's price bound widens by 1 % of the last NAV an hour past
# `max_slippage` from the arming + UNWIND_DELAY: seconds per percent point
# (WAD / 100 an hour).
UNWIND_WIDENING: public(constant(uint256)) = 360_000

MANAGER_ROLE: public(constant(bytes32)) = keccak256("MANAGER_ROLE")
KEEPER_ROLE: public(constant(bytes32)) = keccak256("KEEPER_ROLE")


# @dev Morpho's MarketParams: the market's id is the hash of these.
struct MarketParams:
    loanToken: address
    collateralToken: address
    oracle: address
    irm: address
    lltv: uint256


# @dev The router's Route: DIRECT (0), V2 (1) or V3 (2), the V3 fee, the path.
struct Route:
    dex: uint8
    fee: uint24
    path: DynArray[address, MAX_HOPS]


# @dev Leverage bounds (WAD) and trade limits, fixed at deployment.
struct Bounds:
    target: uint256  # leverage aimed at: 2e18 long, 1e18 inverse
    low: uint256  # the band: the keeper rebalances below `low` or above `high`
    high: uint256
    ripcord: uint256  # above this anyone may pull the ripcord
    max_trade: uint256  # most USDC of index value one rebalance or ripcord trades
    max_slippage: uint256  # WAD: most a trade may pay above (or get below) the NAV
    swap_buffer: uint256  # WAD: swap cost a mint's sizing leaves room for
    ripcord_reward: uint256  # USDC base units paid to the ripcord's caller


# @dev What a callback does besides the swap's exact side, which is the
# callback's `assets`: in `onMorphoSupplyCollateral`, `amount` of the loan
# token is borrowed and swapped into the collateral; in `onMorphoRepay`,
# `amount` of collateral is withdrawn and swapped into the loan token.
# `limit` bounds the swap: the most USDC spent buying the index, the least
# got selling it.
struct Plan:
    amount: uint256
    limit: uint256


# @dev A snapshot of the position at the NAV.
struct State:
    collateral: uint256  # collateral token base units
    debt: uint256  # loan token base units owed (rounded up)
    borrow_shares: uint256
    total_borrow_assets: uint256
    total_borrow_shares: uint256
    price: uint256  # USDC base units per index wei, times 1e36
    exposure: uint256  # USDC value of the index side (collateral long, debt inverse)
    equity: uint256  # USDC value of collateral minus debt, 0 if underwater


# @dev Morpho Blue.
morpho: public(immutable(IMorpho))
# @dev The IndexRouter the index is bought and sold through.
router: public(immutable(IIndexRouter))
# @dev The index's MorphoNavOracle against USDC: what the position is valued at.
nav_oracle: public(immutable(IOracle))
# @dev The index token and USDC.
index: public(immutable(address))
usdc: public(immutable(address))
# @dev True: USDC collateral, index debt (-1x); False: index collateral, USDC debt (2x).
inverse: public(immutable(bool))
# @dev The Morpho market's id (keccak of its params).
market_id: public(immutable(bytes32))
# @dev Leverage bounds and trade limits.
target_leverage: public(immutable(uint256))
min_leverage: public(immutable(uint256))
max_leverage: public(immutable(uint256))
ripcord_leverage: public(immutable(uint256))
max_trade: public(immutable(uint256))
max_slippage: public(immutable(uint256))
swap_buffer: public(immutable(uint256))
ripcord_reward: public(immutable(uint256))
# @dev Fee maxima (WAD fractions of the shares), fixed at deployment.
max_mint_fee: public(immutable(uint256))
max_redeem_fee: public(immutable(uint256))

# @dev The Morpho market's params (a struct cannot be immutable).
market_params: public(MarketParams)
# @dev Mint fee, WAD fraction of the shares minted, paid in shares.
mint_fee: public(uint256)
# @dev Redeem fee, WAD fraction of the shares redeemed, paid in shares.
redeem_fee: public(uint256)
# @dev Receives the fees, as shares.
fee_recipient: public(address)
# @dev Largest total supply minting may reach (share wei).
supply_cap: public(uint256)
# @dev Set for good by `unwind`: no Morpho position, mint, rebalance and
# ripcord closed, `redeem` pays the holdings pro rata in kind.
unwound: public(bool)

# @dev When `unwind` first saw the NAV stale (its arming: the delay and
# the bound's widening count from it, never from an old round the NAV feed
# carries), and the `stale_since` it saw then: another (the NAV came back
# and went stale again) arms anew.
unwind_armed_at: public(uint256)
unwind_armed_for: public(uint256)

# @dev Held by every external function that moves value (transient):
# explicit so that a re-entry reverts with a reason.
_locked: transient(bool)
# @dev Set while this contract's own call into Morpho runs (transient):
# the callbacks are refused at any other time.
_calling: transient(bool)


event Minted:
    sender: indexed(address)
    receiver: indexed(address)
    usdc_in: uint256
    shares: uint256
    fee_shares: uint256
    equity_added: uint256


event Redeemed:
    sender: indexed(address)
    receiver: indexed(address)
    shares: uint256
    fee_shares: uint256
    usdc_out: uint256


event Rebalanced:
    caller: indexed(address)
    delever: bool
    index_amount: uint256
    leverage_before: uint256
    leverage_after: uint256


event Unwound:
    caller: indexed(address)
    tolerance: uint256
    collateral_swapped: uint256  # long: index sold; inverse: USDC the purchase of the debt may spend
    usdc_limit: uint256


event UnwindArmed:
    caller: indexed(address)
    stale_since: uint256


event RipcordPulled:
    caller: indexed(address)
    reward: uint256


event FeesSet:
    mint_fee: uint256
    redeem_fee: uint256


event FeeRecipientSet:
    fee_recipient: indexed(address)


event SupplyCapSet:
    supply_cap: uint256


@deploy
def __init__(
    name_: String[25],
    symbol_: String[5],
    morpho_: IMorpho,
    market_params_: MarketParams,
    nav_oracle_: IOracle,
    router_: IIndexRouter,
    inverse_: bool,
    bounds_: Bounds,
    admin_: address,
    manager_: address,
    keeper_: address,
    fee_recipient_: address,
    max_fees_: uint256[2],
    supply_cap_: uint256,
):
    """
    @param market_params_ The Morpho market: long, loan USDC and collateral
           the index; inverse, loan the index and collateral USDC.
    @param nav_oracle_ The index's MorphoNavOracle against USDC (index
           collateral, USDC loan), whatever the direction.
    @param inverse_ The direction: False 2x long, True -1x.
    @param bounds_ Leverage bounds (low <= target <= high < ripcord) and
           trade limits.
    @param max_fees_ Maximum mint and redeem fee, WAD, at most 10 %.
    """
    assert morpho_.address.is_contract, "lev: morpho has no code"
    assert nav_oracle_.address.is_contract, "lev: oracle has no code"
    assert router_.address.is_contract, "lev: router has no code"
    assert 0 < bounds_.low and bounds_.low <= bounds_.target, "lev: bad bounds"
    assert bounds_.target <= bounds_.high and bounds_.high < bounds_.ripcord, "lev: bad bounds"
    assert inverse_ or bounds_.target > WAD, "lev: bad bounds"
    assert bounds_.max_slippage <= SLIPPAGE_CEILING and bounds_.swap_buffer <= SLIPPAGE_CEILING, "lev: bad bounds"
    assert max_fees_[0] <= FEE_CEILING and max_fees_[1] <= FEE_CEILING, "lev: fee maximum too high"
    assert admin_ != empty(address), "lev: zero admin"
    ownable.__init__()
    erc20.__init__(name_, symbol_, 18, name_, "1")
    # snekmate's access control makes the deployer admin: moved to `admin_`.
    access_control.__init__()
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)
    access_control._grant_role(MANAGER_ROLE, manager_)
    access_control._grant_role(KEEPER_ROLE, keeper_)
    if admin_ != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    morpho = morpho_
    router = router_
    nav_oracle = nav_oracle_
    inverse = inverse_
    index = market_params_.loanToken if inverse_ else market_params_.collateralToken
    usdc = market_params_.collateralToken if inverse_ else market_params_.loanToken
    market_id = keccak256(abi_encode(market_params_))
    self.market_params = market_params_
    target_leverage = bounds_.target
    min_leverage = bounds_.low
    max_leverage = bounds_.high
    ripcord_leverage = bounds_.ripcord
    max_trade = bounds_.max_trade
    max_slippage = bounds_.max_slippage
    swap_buffer = bounds_.swap_buffer
    ripcord_reward = bounds_.ripcord_reward
    max_mint_fee = max_fees_[0]
    max_redeem_fee = max_fees_[1]
    self._set_fee_recipient(fee_recipient_)
    self.supply_cap = supply_cap_


@external
def mint(usdc_in: uint256, min_shares: uint256, routes: DynArray[Route, MAX_COMPONENTS], receiver: address) -> uint256:
    """
    @notice Buys a slice of the position with at most `usdc_in` USDC
            (pulled from the caller, the unspent part refunded) and mints
            shares for the equity it added, less the mint fee.
    @dev Reverts "lev: min shares not met", "lev: supply cap exceeded",
         "lev: no equity" (the position is underwater), "lev: swap cost
         above buffer" / "router: max in exceeded" (the swaps cost more
         than `swap_buffer`), and with Morpho's reasons.
    @param routes The router's routes, one per index component: long,
           from USDC to each component; inverse, from each to USDC.
    @return The shares minted to `receiver`.
    """
    self._open()
    assert usdc_in != 0, "lev: zero amount"
    assert receiver != empty(address), "lev: zero receiver"
    # Interest accrued first, so the equity before and after are comparable.
    self._accrue()
    before: State = self._state()
    supply: uint256 = erc20.totalSupply
    assert supply == 0 or before.equity != 0, "lev: no equity"
    # Debt value per collateral value (WAD): the position's, or the target's when empty.
    ratio: uint256 = 0
    if before.collateral != 0 and before.debt != 0:
        ratio = (before.exposure if inverse else before.debt) * WAD // (
            before.collateral if inverse else before.exposure
        )
    elif inverse:
        ratio = target_leverage * WAD // (target_leverage + WAD)
    else:
        ratio = (target_leverage - WAD) * WAD // target_leverage
    self._pull(usdc, msg.sender, usdc_in)
    added: uint256 = 0
    if inverse:
        # Supply `added` USDC, paid by `usdc_in` and the sale of the borrowed index.
        added = usdc_in * WAD // (WAD - ratio * (WAD - swap_buffer) // WAD)
    else:
        # Buy `added` index with `usdc_in` and the borrowed USDC.
        added = usdc_in * WAD // (WAD + swap_buffer - ratio) * PRICE_SCALE // before.price
    borrowed: uint256 = self._slice(added, before, ratio)
    self._run(False, added, 0, Plan(amount=borrowed, limit=0 if inverse else usdc_in + borrowed), routes)

    after: State = self._state()
    assert after.equity > before.equity, "lev: no equity"
    equity_added: uint256 = after.equity - before.equity
    shares: uint256 = equity_added * USDC_TO_WAD
    if supply != 0:
        shares = equity_added * supply // before.equity
    fee_shares: uint256 = shares * self.mint_fee // WAD
    assert supply + shares <= self.supply_cap, "lev: supply cap exceeded"
    assert supply + shares >= MIN_SUPPLY, "lev: dust supply left"
    assert shares - fee_shares >= min_shares and shares != 0, "lev: min shares not met"
    erc20._mint(receiver, shares - fee_shares)
    if fee_shares != 0:
        erc20._mint(self.fee_recipient, fee_shares)
    # The refund: what the swaps did not need.
    self._send_all(usdc, msg.sender)
    log Minted(
        sender=msg.sender,
        receiver=receiver,
        usdc_in=usdc_in,
        shares=shares - fee_shares,
        fee_shares=fee_shares,
        equity_added=equity_added,
    )
    self._locked = False
    return shares - fee_shares


@external
def redeem(
    shares: uint256, min_usdc_out: uint256, routes: DynArray[Route, MAX_COMPONENTS], receiver: address
) -> uint256:
    """
    @notice Redeems the caller's `shares` (less the redeem fee, paid in
            shares) for their fraction of the position in USDC: the debt's
            fraction repaid, the collateral's withdrawn, the index swapped.
            Once unwound: their fraction of the index and the USDC held
            (rounded down), in kind, no swap (`routes` unused).
    @dev Reverts "lev: min out not met", "lev: dust supply left" (it
         would leave a supply below MIN_SUPPLY but above 0), "lev: zero
         amount" (too few shares to withdraw any collateral), "lev:
         proceeds below debt" (long: the sale does not repay the
         fraction's debt), and with Morpho's and the router's reasons.
    @param routes The router's routes, one per index component: long,
           from each component to USDC; inverse, from USDC to each.
    @return The USDC paid to `receiver`.
    """
    self._lock()
    net: uint256 = 0
    fee_shares: uint256 = 0
    supply: uint256 = 0
    net, fee_shares, supply = self._leave(shares, receiver)
    usdc_out: uint256 = 0
    if self.unwound:
        # The shares' fraction of what the unwind left, in kind, no swap.
        self._pay(index, net, supply, receiver)
        usdc_out = self._pay(usdc, net, supply, receiver)
    else:
        collateral: uint256 = 0
        repay_shares: uint256 = 0
        collateral, repay_shares = self._fraction(net, supply)
        # Inverse: the withdrawn USDC buys the index repaid; long: the withdrawn index is sold.
        self._run(True, 0, repay_shares, Plan(amount=collateral, limit=collateral if inverse else 0), routes)
        usdc_out = staticcall IERC20(usdc).balanceOf(self)
        self._send_all(usdc, receiver)
    assert usdc_out >= min_usdc_out, "lev: min out not met"
    log Redeemed(sender=msg.sender, receiver=receiver, shares=net, fee_shares=fee_shares, usdc_out=usdc_out)
    self._locked = False
    return usdc_out


@external
def redeem_in_index(shares: uint256, max_index_in: uint256, receiver: address) -> uint256:
    """
    @notice Inverse only: redeems the caller's `shares` (less the redeem
            fee, paid in shares) by repaying their fraction of the debt
            with index tokens pulled from the caller (at most
            `max_index_in`), for their fraction of the USDC collateral. No
            swap: the exit that needs neither the router nor the index's
            minting, which `redeem` buys the debt through (a paused mint
            or a full supply cap of the index stops it).
    @dev Reverts "lev: inverse only", "lev: max in exceeded", and as
         `redeem` ("lev: dust supply left", "lev: zero amount").
    @return The USDC paid to `receiver`.
    """
    self._open()
    assert inverse, "lev: inverse only"
    self._accrue()  # so that the debt read is what `repay` takes
    net: uint256 = 0
    fee_shares: uint256 = 0
    supply: uint256 = 0
    net, fee_shares, supply = self._leave(shares, receiver)
    collateral: uint256 = 0
    repay_shares: uint256 = 0
    collateral, repay_shares = self._fraction(net, supply)
    s: State = self._position()
    owed: uint256 = self._to_assets_up(repay_shares, s.total_borrow_assets, s.total_borrow_shares)
    assert owed <= max_index_in, "lev: max in exceeded"
    self._pull(index, msg.sender, owed)
    self._approve(index, morpho.address, owed)
    self._morpho_repay(0, repay_shares, b"")
    self._withdraw(collateral, receiver)
    log Redeemed(sender=msg.sender, receiver=receiver, shares=net, fee_shares=fee_shares, usdc_out=collateral)
    self._locked = False
    return collateral


@external
def rebalance(index_amount: uint256, usdc_limit: uint256, routes: DynArray[Route, MAX_COMPONENTS]):
    """
    @notice Keeper only: trades `index_amount` of the index toward the
            target leverage, when leverage is outside its band. Above the
            band the position delevers (long: sells the index, repays
            USDC; inverse: buys the index, repays it), below it levers.
    @dev Reverts "lev: leverage in band", "lev: trade above max" (worth
         more than `max_trade`), "lev: trade past target" (beyond the
         target at the NAV), "lev: zero amount"; a trade worse than
         `usdc_limit` or `max_slippage` off the NAV fails in the router
         ("router: max in exceeded" buying, "router: min out not met"
         selling).
    @param usdc_limit Buy: the most USDC paid; sell: the least received.
    """
    access_control._check_role(KEEPER_ROLE, msg.sender)
    self._open()
    self._accrue()
    s: State = self._state()
    lev: uint256 = self._leverage(s)
    assert lev > max_leverage or lev < min_leverage, "lev: leverage in band"
    self._trade(s, lev, lev > max_leverage, index_amount, usdc_limit, routes)
    self._locked = False


@external
def ripcord(routes: DynArray[Route, MAX_COMPONENTS]) -> uint256:
    """
    @notice Anyone, while leverage is above `ripcord_leverage`: delevers
            back to the target (or by `max_trade` if that is less) within
            `max_slippage` of the NAV, and pays the caller
            `ripcord_reward` USDC from the position.
    @dev Reverts "lev: leverage below ripcord".
    @return The reward paid (USDC base units).
    """
    self._open()
    self._accrue()
    s: State = self._state()
    lev: uint256 = self._leverage(s)
    assert lev > ripcord_leverage, "lev: leverage below ripcord"
    # To the target, or the largest trade allowed.
    value: uint256 = min(s.exposure - target_leverage * s.equity // WAD, max_trade)
    self._trade(s, lev, True, value * PRICE_SCALE // s.price, max_value(uint256) if inverse else 0, routes)
    if ripcord_reward != 0:
        self._take_usdc(ripcord_reward)
        self._transfer(usdc, msg.sender, ripcord_reward)
    log RipcordPulled(caller=msg.sender, reward=ripcord_reward)
    self._locked = False
    return ripcord_reward


@external
def unwind(routes: DynArray[Route, MAX_COMPONENTS]) -> uint256:
    """
    @notice Anyone, while the NAV oracle refuses the NAV: the first call
            on a staleness only arms (records the time, logs UnwindArmed,
            returns 0, trades nothing): the feed may carry a round days old,
            so the oracle's `stale_since` says nothing of how long the NAV
            has been missing. A call `UNWIND_DELAY` after the arming closes
            the Morpho position for good, so that
            every holder can leave while Morpho's health check (which reads
            that oracle) stops any partial exit. Repays the whole debt in
            `repay`'s callback (long: sells index for it; inverse: buys
            the index owed), then withdraws all collateral (no debt: no
            oracle read). The swap is bounded by the last NAV the feed
            carries, off by a tolerance: `max_slippage` a day after the
            arming, 1 % of that NAV more each hour after, at most 1 / target
            leverage (where the product at its target would have no
            equity left). Long: sells the index worth the debt at that
            floor, for at least that; inverse: pays at most that ceiling.
            Then `redeem` pays each holder their fraction of the index and
            USDC held; mint, rebalance, ripcord and `redeem_in_index`
            revert "lev: unwound".
    @dev Reverts "lev: unwound", "lev: nav not stale", "lev: unwind armed,
         wait" (armed less than `UNWIND_DELAY` ago); a swap
         outside the bound fails in the router ("router: min out not
         met", "router: max in exceeded") or "lev: proceeds below debt".
    @param routes The router's routes: long, from each component to
           USDC; inverse, from USDC to each.
    @return The tolerance the swap was bounded by (WAD); 0 when it armed.
    """
    self._open()
    # The last NAV's price, however old, and when the oracle began refusing it.
    last: uint256 = 0
    stale_since: uint256 = 0
    last, stale_since = staticcall INavOracle(nav_oracle.address).last_price()
    assert block.timestamp > stale_since, "lev: nav not stale"
    tolerance: uint256 = 0
    if self.unwind_armed_for != stale_since:
        # The first call on this staleness only arms: the clock starts now.
        self.unwind_armed_for = stale_since
        self.unwind_armed_at = block.timestamp
        log UnwindArmed(caller=msg.sender, stale_since=stale_since)
    else:
        opens: uint256 = self.unwind_armed_at + UNWIND_DELAY
        assert block.timestamp >= opens, "lev: unwind armed, wait"
        tolerance = min(max_slippage + (block.timestamp - opens) * WAD // UNWIND_WIDENING, WAD * WAD // target_leverage)
        self.unwound = True
        self._accrue()
        s: State = self._position()
        plan: Plan = empty(Plan)
        if s.borrow_shares != 0:
            if inverse:
                # Withdraw the most USDC the index owed may cost; the router refunds the rest.
                plan.amount = min(s.debt * last // PRICE_SCALE * (WAD + tolerance) // WAD, s.collateral)
                plan.limit = plan.amount
            else:
                # Sell the index worth the debt at the floor, for at least that.
                bound: uint256 = last * (WAD - tolerance) // WAD
                plan.amount = min(self._div_up(s.debt * PRICE_SCALE, bound), s.collateral)
                plan.limit = plan.amount * bound // PRICE_SCALE
            self._run(True, 0, s.borrow_shares, plan, routes)
        if s.collateral != plan.amount:
            self._withdraw(s.collateral - plan.amount, self)
        log Unwound(caller=msg.sender, tolerance=tolerance, collateral_swapped=plan.amount, usdc_limit=plan.limit)
    self._locked = False
    return tolerance


@external
def onMorphoSupplyCollateral(assets: uint256, data: Bytes[MAX_DATA]):
    """
    @notice Morpho's callback inside this contract's own `supplyCollateral`
            of `assets`, already credited: borrows the plan's amount and
            swaps it into the collateral (long: buys exactly `assets` of
            the index; inverse: sells the borrowed index), then approves
            Morpho exactly `assets`, which it pulls when this returns.
            Only from Morpho, only during this contract's own call.
    """
    plan: Plan = empty(Plan)
    routes: DynArray[Route, MAX_COMPONENTS] = []
    plan, routes = self._callback(data)
    self._borrow(plan.amount)
    if inverse:
        self._sell(plan.amount, plan.limit, routes)
        assert staticcall IERC20(usdc).balanceOf(self) >= assets, "lev: swap cost above buffer"
    else:
        self._buy(assets, plan.limit, routes)
    self._approve(self._collateral_token(), morpho.address, assets)


@external
def onMorphoRepay(assets: uint256, data: Bytes[MAX_DATA]):
    """
    @notice Morpho's callback inside this contract's own `repay`, already
            credited: withdraws the plan's amount of collateral and swaps
            it into the loan token (long: sells the withdrawn index;
            inverse: buys exactly `assets` of the index with the withdrawn
            USDC), then approves Morpho exactly `assets`, which it pulls
            when this returns. Only from Morpho, only during this
            contract's own call.
    """
    plan: Plan = empty(Plan)
    routes: DynArray[Route, MAX_COMPONENTS] = []
    plan, routes = self._callback(data)
    self._withdraw(plan.amount, self)
    if inverse:
        self._buy(assets, plan.limit, routes)
    else:
        assert self._sell(plan.amount, plan.limit, routes) >= assets, "lev: proceeds below debt"
    self._approve(self._loan_token(), morpho.address, assets)


@external
def set_fees(mint_fee: uint256, redeem_fee: uint256):
    """
    @notice Admin only (the timelock): sets the mint and redeem fees, WAD
            fractions of the shares, each at most its maximum.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    assert mint_fee <= max_mint_fee, "lev: mint fee above maximum"
    assert redeem_fee <= max_redeem_fee, "lev: redeem fee above maximum"
    self.mint_fee = mint_fee
    self.redeem_fee = redeem_fee
    log FeesSet(mint_fee=mint_fee, redeem_fee=redeem_fee)


@external
def set_fee_recipient(fee_recipient: address):
    """
    @notice Admin only: sets who receives the fees (as shares).
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._set_fee_recipient(fee_recipient)


@external
def set_supply_cap(supply_cap: uint256):
    """
    @notice Manager only: the largest total supply minting may reach. A
            cap below the supply stops minting, never redemption.
    """
    access_control._check_role(MANAGER_ROLE, msg.sender)
    self.supply_cap = supply_cap
    log SupplyCapSet(supply_cap=supply_cap)


@external
@view
def equity_usd() -> uint256:
    """
    @notice The position's equity at the NAV, USD (USDC at 1), 18 decimals.
    """
    return self._state().equity * USDC_TO_WAD


@external
@view
def nav_per_share() -> uint256:
    """
    @notice Equity per whole share, USD, 18 decimals (1 USD before the first mint).
    """
    supply: uint256 = erc20.totalSupply
    if supply == 0:
        return WAD
    return self._state().equity * USDC_TO_WAD * WAD // supply


@external
@view
def leverage() -> uint256:
    """
    @notice Exposure over equity, WAD (long: collateral value; inverse:
            debt value); 0 for an empty position, max uint256 underwater.
    """
    return self._leverage(self._state())


@external
@view
def position() -> (uint256, uint256):
    """
    @notice The position: collateral and debt in their tokens' base units
            (read without the NAV, so it answers while the NAV is stale).
    """
    s: State = self._position()
    return s.collateral, s.debt


@internal
def _trade(
    s: State,
    lev: uint256,
    delever: bool,
    index_amount: uint256,
    usdc_limit: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
):
    """
    @dev One trade of `index_amount` toward the target, checked against
         `max_trade`, the target and the NAV (`max_slippage`).
    """
    value: uint256 = index_amount * s.price // PRICE_SCALE
    assert index_amount != 0, "lev: zero amount"
    assert value <= max_trade, "lev: trade above max"
    goal: uint256 = target_leverage * s.equity // WAD
    # The room to the target: exposure above it (delever) or below it.
    high: uint256 = s.exposure if delever else goal
    low: uint256 = goal if delever else s.exposure
    assert high >= low and value <= high - low, "lev: trade past target"
    # Buying the index: at most the limit and the NAV plus the slippage
    # bound; selling it: at least the limit and the NAV less the bound.
    # Selling: `index_amount` withdrawn (long delever) or borrowed (inverse
    # lever), sold for at least `min_out`, which is repaid or supplied.
    plan: Plan = Plan(amount=index_amount, limit=max(usdc_limit, value * (WAD - max_slippage) // WAD))
    assets: uint256 = plan.limit
    if delever == inverse:
        # Buying: `budget` USDC withdrawn (inverse delever) or borrowed
        # (long lever) buys `index_amount`, which is repaid or supplied.
        budget: uint256 = min(usdc_limit, self._div_up(value * (WAD + max_slippage), WAD))
        plan = Plan(amount=budget, limit=budget)
        assets = index_amount
    self._run(delever, assets, 0, plan, routes)
    # What the swap moved beyond its bound goes back into the position.
    left: uint256 = staticcall IERC20(usdc).balanceOf(self)
    if left != 0:
        self._add_usdc(left)
    log Rebalanced(
        caller=msg.sender,
        delever=delever,
        index_amount=index_amount,
        leverage_before=lev,
        leverage_after=self._leverage(self._state()),
    )


@internal
def _leave(shares: uint256, receiver: address) -> (uint256, uint256, uint256):
    """
    @dev A redemption's start: the fee in shares to the recipient, the
         rest burnt (a dust supply refused). Returns the shares burnt, the
         fee's, and the supply before.
    """
    assert shares != 0, "lev: zero amount"
    assert receiver != empty(address), "lev: zero receiver"
    supply: uint256 = erc20.totalSupply
    fee_shares: uint256 = shares * self.redeem_fee // WAD
    net: uint256 = shares - fee_shares
    if fee_shares != 0:
        erc20._transfer(msg.sender, self.fee_recipient, fee_shares)
    erc20._burn(msg.sender, net)
    assert supply == net or supply - net >= MIN_SUPPLY, "lev: dust supply left"
    return net, fee_shares, supply


@internal
@view
def _fraction(net: uint256, supply: uint256) -> (uint256, uint256):
    """
    @dev `net` of `supply` shares' fraction of the collateral (rounded
         down) and of the borrow shares (rounded up).
    """
    s: State = self._position()
    collateral: uint256 = s.collateral * net // supply
    assert collateral != 0, "lev: zero amount"
    return collateral, min(self._div_up(s.borrow_shares * net, supply), s.borrow_shares)


@internal
def _pay(token: address, net: uint256, supply: uint256, receiver: address) -> uint256:
    """
    @dev `net` of `supply` shares' fraction of this contract's `token`
         (rounded down), paid to `receiver`.
    """
    amount: uint256 = staticcall IERC20(token).balanceOf(self) * net // supply
    if amount != 0:
        self._transfer(token, receiver, amount)
    return amount


@internal
def _run(repay: bool, assets: uint256, shares: uint256, plan: Plan, routes: DynArray[Route, MAX_COMPONENTS]):
    """
    @dev `repay` of `assets` or `shares`, or `supplyCollateral` of
         `assets`, with the plan run in its callback.
    """
    self._calling = True
    data: Bytes[MAX_DATA] = abi_encode(plan, routes)
    if repay:
        self._morpho_repay(assets, shares, data)
    else:
        self._morpho_supply(assets, data)
    self._calling = False


@internal
def _morpho_supply(assets: uint256, data: Bytes[MAX_DATA]):
    extcall morpho.supplyCollateral(self.market_params, assets, self, data)


@internal
def _morpho_repay(assets: uint256, shares: uint256, data: Bytes[MAX_DATA]):
    extcall morpho.repay(self.market_params, assets, shares, self, data)


@internal
def _callback(data: Bytes[MAX_DATA]) -> (Plan, DynArray[Route, MAX_COMPONENTS]):
    assert msg.sender == morpho.address, "lev: not morpho"
    assert self._calling, "lev: not called back"
    self._calling = False  # one callback per call
    return abi_decode(data, (Plan, DynArray[Route, MAX_COMPONENTS]))


@internal
def _buy(index_amount: uint256, max_in: uint256, routes: DynArray[Route, MAX_COMPONENTS]) -> uint256:
    """
    @dev Buys exactly `index_amount` of the index for at most `max_in`
         USDC; the router pulls `max_in` and refunds the rest, so no
         allowance is left.
    """
    self._approve(usdc, router.address, max_in)
    return extcall router.mint_from(index, usdc, max_in, index_amount, routes, self, block.timestamp)


@internal
def _sell(index_amount: uint256, min_out: uint256, routes: DynArray[Route, MAX_COMPONENTS]) -> uint256:
    """
    @dev Sells exactly `index_amount` of the index for at least `min_out` USDC.
    """
    self._approve(index, router.address, index_amount)
    return extcall router.redeem_to(index, usdc, index_amount, min_out, routes, self, block.timestamp)


@internal
def _accrue():
    extcall morpho.accrueInterest(self.market_params)


@internal
def _withdraw(amount: uint256, receiver: address):
    extcall morpho.withdrawCollateral(self.market_params, amount, self, receiver)


@internal
def _borrow(amount: uint256):
    extcall morpho.borrow(self.market_params, amount, 0, self, self)


@internal
def _add_usdc(amount: uint256):
    """
    @dev USDC held here back into the position: long, repaid (at most the
         debt); inverse, supplied as collateral.
    """
    self._approve(usdc, morpho.address, amount)
    if inverse:
        self._morpho_supply(amount, b"")
    else:
        self._morpho_repay(amount, 0, b"")


@internal
def _take_usdc(amount: uint256):
    """
    @dev USDC out of the position: long, borrowed; inverse, collateral withdrawn.
    """
    if inverse:
        self._withdraw(amount, self)
    else:
        self._borrow(amount)


@internal
@view
def _collateral_token() -> address:
    return usdc if inverse else index


@internal
@view
def _loan_token() -> address:
    return index if inverse else usdc


@internal
@view
def _slice(added: uint256, s: State, ratio: uint256) -> uint256:
    """
    @dev The debt to add with `added` collateral: the position's own
         debt per collateral (rounded down), or `ratio` of its value when
         the position has none.
    """
    if s.collateral != 0 and s.debt != 0:
        return added * s.debt // s.collateral
    if inverse:
        return added * ratio // WAD * PRICE_SCALE // s.price
    return added * s.price // PRICE_SCALE * ratio // WAD


@internal
@view
def _state() -> State:
    """
    @dev The position valued at the NAV; once unwound, the holdings (the
         collateral token's balance, and the long's USDC).
    """
    s: State = self._position()
    if self.unwound:
        s.collateral = staticcall IERC20(self._collateral_token()).balanceOf(self)
    s.price = staticcall nav_oracle.price()
    assets: uint256 = 0
    liabilities: uint256 = 0
    if inverse:
        s.exposure = self._div_up(s.debt * s.price, PRICE_SCALE)
        assets = s.collateral
        liabilities = s.exposure
    else:
        s.exposure = s.collateral * s.price // PRICE_SCALE
        assets = s.exposure
        if self.unwound:
            assets += staticcall IERC20(usdc).balanceOf(self)
        liabilities = s.debt
    if assets > liabilities:
        s.equity = assets - liabilities
    return s


@internal
@view
def _position() -> State:
    """
    @dev The position and its market's borrow totals, unpriced (what a
         redemption needs: it never reads the NAV).
    """
    s: State = empty(State)
    supply_shares: uint256 = 0
    borrow_shares: uint128 = 0
    collateral: uint128 = 0
    supply_shares, borrow_shares, collateral = staticcall morpho.position(market_id, self)
    tsa: uint128 = 0
    tss: uint128 = 0
    tba: uint128 = 0
    tbs: uint128 = 0
    last_update: uint128 = 0
    fee: uint128 = 0
    tsa, tss, tba, tbs, last_update, fee = staticcall morpho.market(market_id)
    s.collateral = convert(collateral, uint256)
    s.borrow_shares = convert(borrow_shares, uint256)
    s.total_borrow_assets = convert(tba, uint256)
    s.total_borrow_shares = convert(tbs, uint256)
    s.debt = self._to_assets_up(s.borrow_shares, s.total_borrow_assets, s.total_borrow_shares)
    return s


@internal
@pure
def _leverage(s: State) -> uint256:
    if s.equity == 0:
        return 0 if s.exposure == 0 else max_value(uint256)
    return s.exposure * WAD // s.equity


@internal
@pure
def _to_assets_up(shares: uint256, total_assets: uint256, total_shares: uint256) -> uint256:
    """
    @dev SharesMathLib.toAssetsUp: what Morpho's repay of `shares` takes.
    """
    return self._div_up(shares * (total_assets + VIRTUAL_ASSETS), total_shares + VIRTUAL_SHARES)


@internal
@pure
def _div_up(x: uint256, d: uint256) -> uint256:
    return (x + d - 1) // d


@internal
def _lock():
    assert not self._locked, "lev: reentrant call"
    self._locked = True


@internal
def _open():
    """
    @dev `_lock` for what the unwind closes for good.
    """
    self._lock()
    assert not self.unwound, "lev: unwound"


@internal
def _set_fee_recipient(fee_recipient: address):
    assert fee_recipient != empty(address), "lev: zero fee recipient"
    self.fee_recipient = fee_recipient
    log FeeRecipientSet(fee_recipient=fee_recipient)


@internal
def _pull(token: address, owner: address, amount: uint256):
    assert extcall IERC20(token).transferFrom(owner, self, amount, default_return_value=True), "lev: transfer failed"


@internal
def _transfer(token: address, to: address, amount: uint256):
    assert extcall IERC20(token).transfer(to, amount, default_return_value=True), "lev: transfer failed"


@internal
def _approve(token: address, spender: address, amount: uint256):
    assert extcall IERC20(token).approve(spender, amount, default_return_value=True), "lev: approve failed"


@internal
def _send_all(token: address, to: address):
    balance: uint256 = staticcall IERC20(token).balanceOf(self)
    if balance != 0:
        self._transfer(token, to, balance)
