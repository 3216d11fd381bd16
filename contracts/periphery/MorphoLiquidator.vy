# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Morpho liquidator
@license MIT
@notice Liquidates a Morpho Blue position whose collateral is an index
        token, with no capital: `liquidate` calls `Morpho.liquidate` with
        this contract as the liquidator. Morpho sends it the seized index
        tokens and calls `onMorphoLiquidate` back; there the tokens are
        redeemed in kind through the IndexRouter (`redeem_to`) and every
        component sold for the market's loan token by the routes the
        caller chose (per component, a Uniswap V2 path or V3 pool, or none
        for the loan token itself), Morpho is approved exactly what it is
        owed and pulls it when the callback returns. What is left of the
        loan token is the profit, sent to the caller; the call reverts
        ("liquidator: profit below minimum") when it is below the caller's
        minimum, so a liquidation that does not pay costs only gas.

        Trust model: anyone may call `liquidate`; nobody owns this contract
        and it has no storage but a transient flag. The callback is
        accepted only from Morpho and only inside this contract's own
        `liquidate`, so nobody can make it redeem or pay at another time.
        It holds nothing between transactions: the loan token left over
        goes to the caller, and so does any component a dry V3 pool did
        not take (the router sends those here); a call that would leave
        it index tokens reverts ("liquidator: tokens left"). The router is
        approved exactly the seized index tokens and Morpho exactly the
        repaid assets, both used up by the call. Morpho and the router are
        fixed at deployment; the market (its tokens, oracle, LLTV) and the
        routes are the caller's choice, trusted by the caller only.
        Emergency: there is nothing to stop; a keeper stops calling it.
"""

from ethereum.ercs import IERC20


interface IMorpho:
    def liquidate(
        market_params: MarketParams,
        borrower: address,
        seized_assets: uint256,
        repaid_shares: uint256,
        data: Bytes[MAX_DATA],
    ) -> (uint256, uint256): nonpayable


interface IIndexRouter:
    def redeem_to(
        vault: address,
        output_token: address,
        shares: uint256,
        min_out: uint256,
        routes: DynArray[Route, MAX_COMPONENTS],
        receiver: address,
        deadline: uint256,
    ) -> uint256: nonpayable


interface IIndexVault:
    def components() -> DynArray[address, MAX_COMPONENTS]: view


# @dev Largest basket liquidated through this contract (the vault allows
# 128; a route is 8 ABI words, so the callback's data stays small). The
# router's ABI does not carry the bound: a shorter one is the same call.
MAX_COMPONENTS: constant(uint256) = 32
# @dev Tokens in a V2 path, as the router allows.
MAX_HOPS: constant(uint256) = 3
# @dev The callback's data: the two tokens, the caller's minimum and the
# routes (abi-encoded: 5 head words, the length, and per route an offset
# and 7 words).
MAX_DATA: constant(uint256) = 32 * (6 + 8 * MAX_COMPONENTS)


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


# @dev Morpho Blue, the only caller of the callback.
morpho: public(immutable(address))
# @dev The IndexRouter the seized index tokens are redeemed through.
router: public(immutable(IIndexRouter))

# @dev Set for the length of this contract's own `liquidate` (transient):
# the callback is refused at any other time, and `liquidate` is not
# re-entered (the proceeds sit here during the callback).
_liquidating: transient(bool)


# @dev Morpho's Liquidate event has the repaid shares and the bad debt.
event Liquidated:
    keeper: indexed(address)
    borrower: indexed(address)
    collateral: indexed(address)
    seized: uint256
    repaid: uint256
    profit: uint256


@deploy
def __init__(morpho_: address, router_: IIndexRouter):
    """
    @param morpho_ Morpho Blue.
    @param router_ The IndexRouter that redeems the seized index tokens.
    """
    assert morpho_ != empty(address), "liquidator: zero morpho"
    assert router_.address != empty(address), "liquidator: zero router"
    morpho = morpho_
    router = router_


@external
def liquidate(
    market_params: MarketParams,
    borrower: address,
    seized_assets: uint256,
    repaid_shares: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
    min_profit: uint256,
) -> uint256:
    """
    @notice Liquidates `borrower` in the Morpho market of `market_params`
            (its collateral an index vault's token), redeems what is seized
            into the loan token and sends the profit to the caller.
    @dev Exactly one of `seized_assets` (index tokens to seize) and
         `repaid_shares` (borrow shares to repay) is non-zero, as Morpho
         requires. Reverts "liquidator: profit below minimum" when the
         redemption pays less than Morpho is owed plus `min_profit`; any
         Morpho or router failure reverts the whole call.
    @param routes One per component of the vault, in its order, from the
           component to the loan token (IndexRouter's routes).
    @param min_profit The least loan token the caller accepts as profit
           (base units).
    @return The profit, loan token base units.
    """
    # A token's hook re-entering mid-callback would find the proceeds here.
    assert not self._liquidating, "liquidator: reentrant call"
    loan: address = market_params.loanToken
    collateral: address = market_params.collateralToken

    self._liquidating = True
    seized: uint256 = 0
    repaid: uint256 = 0
    seized, repaid = extcall IMorpho(morpho).liquidate(
        market_params, borrower, seized_assets, repaid_shares, abi_encode(loan, collateral, min_profit, routes)
    )
    self._liquidating = False

    assert staticcall IERC20(collateral).balanceOf(self) == 0, "liquidator: tokens left"
    # Rounds nothing: the profit is what the redemption left over, exactly
    # (with anything sent here by mistake: it holds nothing after a call).
    profit: uint256 = staticcall IERC20(loan).balanceOf(self)
    assert profit >= min_profit, "liquidator: profit below minimum"
    if profit != 0:
        self._transfer(loan, msg.sender, profit)
    # A component a dry V3 pool did not take (the router sent it here).
    for token: address in staticcall IIndexVault(collateral).components():
        if token != loan:
            left: uint256 = staticcall IERC20(token).balanceOf(self)
            if left != 0:
                self._transfer(token, msg.sender, left)
    log Liquidated(
        keeper=msg.sender, borrower=borrower, collateral=collateral, seized=seized, repaid=repaid, profit=profit
    )
    return profit


@external
def onMorphoLiquidate(repaid_assets: uint256, data: Bytes[MAX_DATA]):
    """
    @notice Morpho's callback: it has sent the seized index tokens here and
            pulls `repaid_assets` of the loan token when this returns. Only
            from Morpho, only during `liquidate`.
    @param repaid_assets Loan token base units Morpho is owed.
    @param data What `liquidate` passed: the loan and collateral tokens,
           the caller's minimum profit and the routes.
    """
    assert msg.sender == morpho, "liquidator: not morpho"
    assert self._liquidating, "liquidator: not liquidating"
    loan: address = empty(address)
    collateral: address = empty(address)
    min_profit: uint256 = 0
    routes: DynArray[Route, MAX_COMPONENTS] = []
    loan, collateral, min_profit, routes = abi_decode(
        data, (address, address, uint256, DynArray[Route, MAX_COMPONENTS])
    )
    seized: uint256 = staticcall IERC20(collateral).balanceOf(self)
    self._approve(collateral, router.address, seized)
    # The router's own minimum names the shortfall: checked here instead.
    proceeds: uint256 = extcall router.redeem_to(collateral, loan, seized, 0, routes, self, block.timestamp)
    assert proceeds >= repaid_assets + min_profit, "liquidator: profit below minimum"
    self._approve(loan, morpho, repaid_assets)


@internal
def _approve(token: address, spender: address, amount: uint256):
    assert extcall IERC20(token).approve(spender, amount, default_return_value=True), "liquidator: approve failed"


@internal
def _transfer(token: address, to: address, amount: uint256):
    assert extcall IERC20(token).transfer(to, amount, default_return_value=True), "liquidator: transfer failed"
