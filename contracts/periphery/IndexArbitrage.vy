# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Index arbitrage
@license MIT
@notice Holds an index token's Uniswap V2 pool against a quote token (USDC)
        at the index's NAV, in one transaction each way, through the
        one-asset `IndexRouter`:
        - `mint_and_sell`: when the pool prices a share above what minting
          one costs, pulls `max_in` of the quote from the caller, mints
          `shares` from it (`IndexRouter.mint_from`) and sells them all
          into the pool;
        - `buy_and_redeem`: when the pool prices a share below what
          redeeming one pays, pulls `amount_in` of the quote, buys shares
          from the pool with it and redeems them all to the quote
          (`IndexRouter.redeem_to`).
        Either way the caller gets back its whole quote balance here, and
        the call reverts "arbitrage: unprofitable" unless that is at least
        what was pulled plus `min_profit`: a round trip that loses (a pool
        moved first, a price that changed) costs only the gas.
        Decisions and sizes are made off chain (`indexvault.keepers.arbitrage`).

        Trust model: nobody owns this contract; it has no storage but a
        transient reentrancy lock, and no admin, pause or upgrade. It holds
        nothing between transactions: every call ends by sending its whole
        balance of the quote, the index token and every component to the
        caller. Every allowance it gives is exact and used up by the call
        that follows (IndexRouter and Router02 always pull all of it), so
        none outlives a call: a USDT-style quote, which refuses to approve
        from non-zero to non-zero, keeps working. The vault, the quote token and the routes are the
        caller's choice and trusted by the caller only. The IndexRouter and
        Uniswap V2 Router02 are fixed at deployment.
        Emergency: there is nothing to stop; a keeper stops calling it.
"""

from ethereum.ercs import IERC20


interface IIndexVault:
    def components() -> DynArray[address, MAX_COMPONENTS]: view
    def units() -> DynArray[uint256, MAX_COMPONENTS]: view


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


interface IUniswapV2Router02:
    def swapExactTokensForTokens(
        amountIn: uint256, amountOutMin: uint256, path: DynArray[address, 2], to: address, deadline: uint256
    ) -> DynArray[uint256, 2]: nonpayable


# @dev The vault's largest basket (as IndexRouter); bounds every loop.
MAX_COMPONENTS: constant(uint256) = 128
# @dev Tokens in a V2 path (as IndexRouter).
MAX_HOPS: constant(uint256) = 3


# @dev IndexRouter's route of one component, passed through unchanged.
struct Route:
    dex: uint8  # IndexRouter.DIRECT, V2 or V3
    fee: uint24  # V3 pool fee, hundredths of a basis point
    path: DynArray[address, MAX_HOPS]  # tokens from what is sold to what is bought


# @dev The one-asset router that mints from and redeems to the quote.
index_router: public(immutable(address))
# @dev Uniswap V2 Router02, through which the index token's pool is traded.
v2_router: public(immutable(address))

# @dev Reentrancy lock (transient storage), held by both external functions.
_locked: transient(bool)


event Arbitraged:
    caller: indexed(address)
    vault: indexed(address)
    quote: address
    minted: bool  # True: minted and sold; False: bought and redeemed
    shares: uint256  # index tokens minted and sold, or bought and redeemed (wei)
    quote_in: uint256  # quote pulled from the caller (base units)
    quote_out: uint256  # quote paid back to the caller (base units)


@deploy
def __init__(index_router_: address, v2_router_: address):
    """
    @param index_router_ The IndexRouter used for mint_from and redeem_to.
    @param v2_router_ Uniswap V2 Router02 of the index token's pool.
    """
    assert index_router_ != empty(address) and v2_router_ != empty(address), "arbitrage: zero address"
    index_router = index_router_
    v2_router = v2_router_


@external
def mint_and_sell(
    vault: address,
    quote: address,
    max_in: uint256,
    shares: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
    min_profit: uint256,
    deadline: uint256,
) -> uint256:
    """
    @notice Mints `shares` of `vault` from at most `max_in` of `quote`
            through the IndexRouter, sells them all into the V2 pool of the
            index token against `quote`, and pays the caller everything.
    @dev Reverts "arbitrage: unprofitable" when what comes back is less than
         `max_in + min_profit`; IndexRouter's own reasons bubble up.
    @param vault The index vault (and its token).
    @param quote The quote token: what is paid in and out (USDC).
    @param max_in The most of `quote` spent on the mint (base units).
    @param shares Index tokens minted and sold (wei).
    @param routes IndexRouter routes from `quote` to each component.
    @param min_profit The least gain in `quote` accepted (base units).
    @param deadline Last block timestamp at which the call may run.
    @return The profit in `quote` (base units).
    """
    self._lock()
    assert extcall IERC20(quote).transferFrom(
        msg.sender, self, max_in, default_return_value=True
    ), "arbitrage: transfer failed"
    # Used up: mint_from always pulls all of `max_in` (and refunds what it did not spend).
    self._approve(quote, index_router, max_in)
    extcall IIndexRouter(index_router).mint_from(vault, quote, max_in, shares, routes, self, deadline)
    self._approve(vault, v2_router, shares)
    extcall IUniswapV2Router02(v2_router).swapExactTokensForTokens(shares, 0, [vault, quote], self, deadline)
    profit: uint256 = self._settle(vault, quote, max_in, min_profit, True, shares)
    self._locked = False
    return profit


@external
def buy_and_redeem(
    vault: address,
    quote: address,
    amount_in: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
    min_profit: uint256,
    deadline: uint256,
) -> uint256:
    """
    @notice Buys index tokens of `vault` from its V2 pool against `quote`
            with `amount_in` of `quote`, redeems them all to `quote`
            through the IndexRouter, and pays the caller everything.
    @dev Reverts "arbitrage: unprofitable" when what comes back is less than
         `amount_in + min_profit`; IndexRouter's own reasons bubble up.
    @param vault The index vault (and its token).
    @param quote The quote token (USDC).
    @param amount_in What is spent on shares in the pool (base units).
    @param routes IndexRouter routes from each component to `quote`.
    @param min_profit The least gain in `quote` accepted (base units).
    @param deadline Last block timestamp at which the call may run.
    @return The profit in `quote` (base units).
    """
    self._lock()
    assert extcall IERC20(quote).transferFrom(
        msg.sender, self, amount_in, default_return_value=True
    ), "arbitrage: transfer failed"
    self._approve(quote, v2_router, amount_in)
    bought: DynArray[uint256, 2] = extcall IUniswapV2Router02(v2_router).swapExactTokensForTokens(
        amount_in, 0, [quote, vault], self, deadline
    )
    shares: uint256 = bought[1]
    self._approve(vault, index_router, shares)
    extcall IIndexRouter(index_router).redeem_to(vault, quote, shares, 0, routes, self, deadline)
    profit: uint256 = self._settle(vault, quote, amount_in, min_profit, False, shares)
    self._locked = False
    return profit


@internal
def _lock():
    assert not self._locked, "arbitrage: reentrant call"
    self._locked = True


@internal
def _approve(token: address, spender: address, amount: uint256):
    assert extcall IERC20(token).approve(spender, amount, default_return_value=True), "arbitrage: approve failed"


@internal
def _settle(
    vault: address, quote: address, pulled: uint256, min_profit: uint256, minted: bool, shares: uint256
) -> uint256:
    """
    @dev Checks the gain, then sends the caller this contract's whole
         balance of the quote, the index token and every component.
    """
    back: uint256 = staticcall IERC20(quote).balanceOf(self)
    assert back >= pulled + min_profit, "arbitrage: unprofitable"
    self._send_all(quote, msg.sender)
    self._send_all(vault, msg.sender)
    components: DynArray[address, MAX_COMPONENTS] = staticcall IIndexVault(vault).components()
    units: DynArray[uint256, MAX_COMPONENTS] = staticcall IIndexVault(vault).units()
    for i: uint256 in range(len(components), bound=MAX_COMPONENTS):
        # A removed component (unit 0) moved nothing and is not called.
        if components[i] != quote and units[i] != 0:
            self._send_all(components[i], msg.sender)
    log Arbitraged(
        caller=msg.sender, vault=vault, quote=quote, minted=minted, shares=shares, quote_in=pulled, quote_out=back
    )
    return back - pulled


@internal
def _send_all(token: address, to: address):
    balance: uint256 = staticcall IERC20(token).balanceOf(self)
    if balance != 0:
        assert extcall IERC20(token).transfer(to, balance, default_return_value=True), "arbitrage: transfer failed"
