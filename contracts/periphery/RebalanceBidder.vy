# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Rebalance bidder
@license MIT
@notice Fills a Rebalancer's auctions with DEX liquidity, for keepers with
        no capital. `fill` bids through the Rebalancer with this contract
        as the receiver and payer; in the vault's callback it swaps on
        Uniswap V2 (Router02) or V3 (SwapRouter), as the route says:
        - the vault sells `token`: what it sent is swapped token -> quote,
          exact input, and the quote owed is paid;
        - the vault buys `token`: the quote it sent is swapped quote ->
          token, exact output, for exactly the amount owed, which is paid.
        The quote left over is the profit; `fill` sends it to its caller
        and reverts unless it is at least `min_profit`.

        Trust model: anyone may call `fill`; nobody owns this contract and
        it has no state but a transient flag. It holds nothing between
        transactions: a fill that would leave it more of the token or of
        the quote than it had before reverts. The callback is accepted
        only from the vault and only inside this contract's own `fill`,
        so nobody can make it swap or pay at another time. Routers get an
        allowance of exactly one swap's input, reset to zero after it.
        Emergency: there is nothing to stop; a keeper stops calling it.
"""

from ethereum.ercs import IERC20
from ..interfaces import IRebalanceCallback

implements: IRebalanceCallback


interface IRebalancer:
    def bid(token: address, amount: uint256, quote_limit: uint256, receiver: address, data: Bytes[1024]) -> uint256: nonpayable
    def vault() -> address: view
    def quote() -> address: view

interface IUniswapV2Router02:
    def swapExactTokensForTokens(
        amountIn: uint256, amountOutMin: uint256, path: DynArray[address, 2], to: address, deadline: uint256
    ) -> DynArray[uint256, 2]: nonpayable
    def swapTokensForExactTokens(
        amountOut: uint256, amountInMax: uint256, path: DynArray[address, 2], to: address, deadline: uint256
    ) -> DynArray[uint256, 2]: nonpayable

interface ISwapRouter:
    def exactInputSingle(params: ExactInputSingleParams) -> uint256: payable
    def exactOutputSingle(params: ExactOutputSingleParams) -> uint256: payable


# @dev Routes: which router a fill swaps on.
V2: public(constant(uint256)) = 0
V3: public(constant(uint256)) = 1


struct ExactInputSingleParams:
    tokenIn: address
    tokenOut: address
    fee: uint24
    recipient: address
    deadline: uint256
    amountIn: uint256
    amountOutMinimum: uint256
    sqrtPriceLimitX96: uint160

struct ExactOutputSingleParams:
    tokenIn: address
    tokenOut: address
    fee: uint24
    recipient: address
    deadline: uint256
    amountOut: uint256
    amountInMaximum: uint256
    sqrtPriceLimitX96: uint160


# @dev The Rebalancer bid through; its vault is the only caller of the callback.
rebalancer: public(immutable(IRebalancer))
# @dev The Rebalancer's vault (read from it at deployment).
vault: public(immutable(address))
# @dev The asset every auction trades against, and the profit's token.
quote: public(immutable(address))
# @dev Uniswap V2 Router02 and V3 SwapRouter.
v2_router: public(immutable(IUniswapV2Router02))
v3_router: public(immutable(ISwapRouter))

# @dev Set for the length of this contract's own `fill`: the callback is
# refused at any other time (transient storage).
_filling: transient(bool)


event Filled:
    keeper: indexed(address)
    token: indexed(address)
    quote_amount: uint256
    dex: uint256
    profit: uint256


@deploy
def __init__(rebalancer_: IRebalancer, v2_router_: IUniswapV2Router02, v3_router_: ISwapRouter):
    """
    @param rebalancer_ The Rebalancer whose auctions this contract fills.
    @param v2_router_ Uniswap V2 Router02 (may be zero if only V3 is used).
    @param v3_router_ Uniswap V3 SwapRouter (may be zero if only V2 is used).
    """
    assert rebalancer_.address != empty(address), "bidder: zero rebalancer"
    assert v2_router_.address != empty(address) or v3_router_.address != empty(address), "bidder: no router"
    rebalancer = rebalancer_
    vault = staticcall rebalancer_.vault()
    quote = staticcall rebalancer_.quote()
    v2_router = v2_router_
    v3_router = v3_router_


@external
def fill(
    token: address, amount: uint256, quote_limit: uint256, dex: uint256, fee: uint24, min_profit: uint256
) -> uint256:
    """
    @notice Bids for up to `amount` of `token` in the Rebalancer's auction
            and settles it through a DEX swap; sends the profit (quote) to
            the caller.
    @param quote_limit As `Rebalancer.bid`: the most quote paid when the
           vault sells, the least accepted when it buys.
    @param dex V2 (0) or V3 (1): the pool `token`/quote swapped in.
    @param fee The V3 pool's fee (hundredths of a bip); ignored for V2.
    @param min_profit The least quote the caller accepts as profit.
    @return The profit, quote base units.
    """
    assert dex == V2 or dex == V3, "bidder: bad route"
    assert token != quote, "bidder: token is the quote"
    token_before: uint256 = staticcall IERC20(token).balanceOf(self)
    quote_before: uint256 = staticcall IERC20(quote).balanceOf(self)

    self._filling = True
    quote_amount: uint256 = extcall rebalancer.bid(token, amount, quote_limit, self, abi_encode(dex, fee))
    self._filling = False

    assert staticcall IERC20(token).balanceOf(self) == token_before, "bidder: tokens left"
    # Rounds nothing: the profit is what the swap left over, exactly.
    profit: uint256 = staticcall IERC20(quote).balanceOf(self) - quote_before
    assert profit >= min_profit, "bidder: profit below minimum"
    if profit != 0:
        assert extcall IERC20(quote).transfer(msg.sender, profit, default_return_value=True), "bidder: transfer failed"
    log Filled(keeper=msg.sender, token=token, quote_amount=quote_amount, dex=dex, profit=profit)
    return profit


@external
def on_rebalance_bid(
    token_out: address, amount_out: uint256, token_in: address, amount_in: uint256, data: Bytes[1024]
):
    """
    @notice The vault's callback: it has sent this contract `amount_out` of
            `token_out` and expects `amount_in` of `token_in` back before
            this returns. Only from the vault, only during `fill`.
    """
    assert msg.sender == vault, "bidder: not the vault"
    assert self._filling, "bidder: not filling"
    dex: uint256 = 0
    fee: uint256 = 0
    dex, fee = abi_decode(data, (uint256, uint256))
    if token_in == quote:
        # The vault sold `token_out`: swap all of it for at least the quote owed.
        received: uint256 = self._swap_exact_in(token_out, amount_out, quote, amount_in, dex, fee)
        assert received >= amount_in, "bidder: swap short"
    else:
        # The vault bought `token_in`: spend at most the quote it sent on exactly what it is owed.
        self._swap_exact_out(quote, amount_out, token_in, amount_in, dex, fee)
    assert extcall IERC20(token_in).transfer(vault, amount_in, default_return_value=True), "bidder: transfer failed"


@internal
def _swap_exact_in(
    token_in: address, amount_in: uint256, token_out: address, min_out: uint256, dex: uint256, fee: uint256
) -> uint256:
    """
    @dev Swaps all of `amount_in`; returns what came out.
    """
    router: address = v2_router.address if dex == V2 else v3_router.address
    assert extcall IERC20(token_in).approve(router, amount_in, default_return_value=True), "bidder: approve failed"
    if dex == V2:
        amounts: DynArray[uint256, 2] = extcall v2_router.swapExactTokensForTokens(
            amount_in, min_out, [token_in, token_out], self, block.timestamp
        )
        return amounts[1]
    return extcall v3_router.exactInputSingle(
        ExactInputSingleParams(
            tokenIn=token_in,
            tokenOut=token_out,
            fee=convert(fee, uint24),
            recipient=self,
            deadline=block.timestamp,
            amountIn=amount_in,
            amountOutMinimum=min_out,
            sqrtPriceLimitX96=0,
        )
    )


@internal
def _swap_exact_out(
    token_in: address, max_in: uint256, token_out: address, amount_out: uint256, dex: uint256, fee: uint256
):
    """
    @dev Buys exactly `amount_out` for at most `max_in`; the allowance left
         unspent is reset to zero.
    """
    router: address = v2_router.address if dex == V2 else v3_router.address
    assert extcall IERC20(token_in).approve(router, max_in, default_return_value=True), "bidder: approve failed"
    if dex == V2:
        extcall v2_router.swapTokensForExactTokens(amount_out, max_in, [token_in, token_out], self, block.timestamp)
    else:
        extcall v3_router.exactOutputSingle(
            ExactOutputSingleParams(
                tokenIn=token_in,
                tokenOut=token_out,
                fee=convert(fee, uint24),
                recipient=self,
                deadline=block.timestamp,
                amountOut=amount_out,
                amountInMaximum=max_in,
                sqrtPriceLimitX96=0,
            )
        )
    assert extcall IERC20(token_in).approve(router, 0, default_return_value=True), "bidder: approve failed"
