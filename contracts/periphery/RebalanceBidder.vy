# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Rebalance bidder
@license MIT
@notice Fills a Rebalancer's auctions with DEX liquidity, for keepers with
        no capital. `fill` bids through the Rebalancer with this contract
        as the payer; in the vault's callback it swaps on Uniswap V2 or
        V3, as the route says: V2 (0) trades with the token/quote pair
        directly, no router (a sale's tokens go from the vault straight to
        the pair, a purchase's from the pair straight to the vault);
        V2_WETH (2) takes two hops through Router02, the token/WETH and
        WETH/quote pairs; V3 (1) uses SwapRouter and the pool of `fee`:
        - the vault sells `token`: what it sent is swapped token -> quote,
          exact input, and the quote owed is paid;
        - the vault buys `token`: the quote it sent is swapped quote ->
          token, exact output, for exactly the amount owed, which is paid.
        The quote left over is the profit; `fill` sends it to its caller
        and reverts unless it is at least `min_profit`.

        Trust model: anyone may call `fill`; nobody owns this contract and
        it has no state but a transient flag. It holds nothing between
        transactions: a fill that would leave it more of the token or of
        the quote than it had before reverts (a V2 fill never holds the
        token even for a moment, so only the quote is checked). The callback is accepted
        only from the vault and only inside this contract's own `fill`,
        so nobody can make it swap or pay at another time. A V2 fill
        needs no allowance (it pays the pair by transfer). Router02 (for
        V2_WETH) and SwapRouter are approved exactly what each swap may
        take, and every fill ends with no allowance left to either: a
        USDT-style token refuses to approve from non-zero to non-zero, so
        an allowance left behind (or a standing maximum that a token
        counts down) would block that token's fills.
        Emergency: there is nothing to stop; a keeper stops calling it.
"""

from ethereum.ercs import IERC20
from ..interfaces import IRebalanceCallback

implements: IRebalanceCallback


interface IRebalancer:
    def bid(
        token: address, amount: uint256, quote_limit: uint256, receiver: address, data: Bytes[1024]
    ) -> uint256: nonpayable
    def vault() -> address: view
    def quote() -> address: view


interface IUniswapV2Router02:
    def swapExactTokensForTokens(
        amountIn: uint256, amountOutMin: uint256, path: DynArray[address, 3], to: address, deadline: uint256
    ) -> DynArray[uint256, 3]: nonpayable
    def swapTokensForExactTokens(
        amountOut: uint256, amountInMax: uint256, path: DynArray[address, 3], to: address, deadline: uint256
    ) -> DynArray[uint256, 3]: nonpayable
    def WETH() -> address: view
    def factory() -> address: view


interface IUniswapV2Pair:
    def getReserves() -> (uint112, uint112, uint32): view
    def swap(amount0Out: uint256, amount1Out: uint256, to: address, data: Bytes[1]): nonpayable


interface ISwapRouter:
    def exactInputSingle(params: ExactInputSingleParams) -> uint256: payable
    def exactOutputSingle(params: ExactOutputSingleParams) -> uint256: payable


# @dev Routes: which router a fill swaps on.
V2: public(constant(uint256)) = 0
V3: public(constant(uint256)) = 1
# @dev Two V2 hops: token/WETH, then WETH/quote (Router02's path).
V2_WETH: public(constant(uint256)) = 2

# @dev keccak256 of UniswapV2Pair's creation code, as Router02's
# UniswapV2Library.pairFor has it: V2 pairs are found by CREATE2, no call.
V2_PAIR_INIT_CODE_HASH: constant(bytes32) = 0x96e8ac4277198ff8b6f785478aa9a39f403cb768dd02cbee326c3e7da348845f


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
# @dev Router02's WETH (the middle of a V2_WETH route) and factory (whose
# pairs V2 trades with); zero without V2.
weth: public(immutable(address))
v2_factory: public(immutable(address))

# @dev Set for the length of this contract's own `fill`: the callback is
# refused at any other time (transient storage). FILLING: what the vault
# sells comes to this contract; TO_PAIR: a V2 sale, it went to the pair.
_filling: transient(uint256)
FILLING: constant(uint256) = 1
TO_PAIR: constant(uint256) = 2


# @dev The Rebalancer's Bid event has the amounts, the price and the factor.
event Filled:
    keeper: indexed(address)
    token: indexed(address)
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
    weth = staticcall v2_router_.WETH() if v2_router_.address != empty(address) else empty(address)
    v2_factory = staticcall v2_router_.factory() if v2_router_.address != empty(address) else empty(address)


@external
def fill(
    token: address,
    amount: uint256,
    quote_limit: uint256,
    vault_sells: bool,
    dex: uint256,
    fee: uint24,
    min_profit: uint256,
) -> uint256:
    """
    @notice Bids for up to `amount` of `token` in the Rebalancer's auction
            and settles it through a DEX swap; sends the profit (quote) to
            the caller.
    @param quote_limit As `Rebalancer.bid`: the most quote paid when the
           vault sells, the least accepted when it buys.
    @param vault_sells Whether the vault sells `token` in this auction
           (the Rebalancer decides; a wrong guess reverts). A V2 sale has
           the vault send the token straight to the pair.
    @param dex V2 (0), V3 (1): the pool `token`/quote swapped in; V2_WETH
           (2): the V2 pools token/WETH and WETH/quote, through Router02.
    @param fee The V3 pool's fee (hundredths of a bip); ignored for V2.
    @param min_profit The least quote the caller accepts as profit.
    @return The profit, quote base units.
    """
    assert dex == V2 or dex == V3 or dex == V2_WETH, "bidder: bad route"
    assert token != quote, "bidder: token is the quote"
    assert dex != V2_WETH or (token != weth and quote != weth), "bidder: bad route"
    # A V2 route never hands this contract the token (the vault's sale goes
    # to the pair, the pair's sale to the vault): only the others need the check.
    token_before: uint256 = 0
    if dex != V2:
        token_before = staticcall IERC20(token).balanceOf(self)
    quote_before: uint256 = staticcall IERC20(quote).balanceOf(self)

    receiver: address = self
    if vault_sells and dex == V2:
        receiver = self._pair(token, quote)
        self._filling = TO_PAIR
    else:
        self._filling = FILLING
    # The route in one word: dex in the low byte, the V3 fee above it.
    extcall rebalancer.bid(token, amount, quote_limit, receiver, abi_encode(dex | convert(fee, uint256) << 8))
    self._filling = 0

    if dex != V2:
        assert staticcall IERC20(token).balanceOf(self) == token_before, "bidder: tokens left"
    # Rounds nothing: the profit is what the swap left over, exactly.
    profit: uint256 = staticcall IERC20(quote).balanceOf(self) - quote_before
    assert profit >= min_profit, "bidder: profit below minimum"
    if profit != 0:
        assert extcall IERC20(quote).transfer(msg.sender, profit, default_return_value=True), "bidder: transfer failed"
    log Filled(keeper=msg.sender, token=token, profit=profit)
    return profit


@external
def on_rebalance_bid(token_out: address, amount_out: uint256, token_in: address, amount_in: uint256, data: Bytes[1024]):
    """
    @notice The vault's callback: it has sent `amount_out` of `token_out`
            (to this contract, or for a V2 sale to the pair) and expects
            `amount_in` of `token_in` back before this returns. Only from
            the vault, only during `fill`.
    """
    assert msg.sender == vault, "bidder: not the vault"
    mode: uint256 = self._filling
    assert mode != 0, "bidder: not filling"
    route: uint256 = abi_decode(data, uint256)
    dex: uint256 = route & 255
    fee: uint256 = route >> 8
    sold: bool = token_in == quote
    # What the vault sold went to the pair only if it really sells (else its quote would be there).
    assert (mode == TO_PAIR) == (sold and dex == V2), "bidder: wrong side"
    if dex == V2:
        if sold:
            # `amount_out` of the token is in the pair already: take the quote it pays for it.
            received: uint256 = self._v2_sell(token_out, amount_out)
            assert received >= amount_in, "bidder: swap short"
            assert extcall IERC20(quote).transfer(
                vault, amount_in, default_return_value=True
            ), "bidder: transfer failed"
        else:
            # Pay the pair the quote for exactly `amount_in` of the token, sent straight to the vault.
            self._v2_buy(token_in, amount_in, amount_out)
        return
    if sold:
        # The vault sold `token_out`: swap all of it for at least the quote owed.
        received: uint256 = self._swap_exact_in(token_out, amount_out, quote, amount_in, dex, fee)
        assert received >= amount_in, "bidder: swap short"
    else:
        # The vault bought `token_in`: spend at most the quote it sent on exactly what it is owed.
        self._swap_exact_out(quote, amount_out, token_in, amount_in, dex, fee)
    assert extcall IERC20(token_in).transfer(vault, amount_in, default_return_value=True), "bidder: transfer failed"


@internal
@view
def _pair(token: address, other: address) -> address:
    """
    @dev The V2 pair of two tokens (UniswapV2Library.pairFor), by CREATE2.
    """
    a: address = token
    b: address = other
    if convert(other, uint256) < convert(token, uint256):
        a = other
        b = token
    salt: bytes32 = keccak256(concat(convert(a, bytes20), convert(b, bytes20)))
    digest: bytes32 = keccak256(concat(b"\xff", convert(v2_factory, bytes20), salt, V2_PAIR_INIT_CODE_HASH))
    return convert(convert(slice(digest, 12, 20), bytes20), address)


@internal
def _v2_sell(token: address, amount: uint256) -> uint256:
    """
    @dev The pair has just received `amount` of `token`: swap it for quote,
         to this contract, at the pair's exact price (getAmountOut).
    """
    pair: IUniswapV2Pair = IUniswapV2Pair(self._pair(token, quote))
    r0: uint112 = 0
    r1: uint112 = 0
    t: uint32 = 0
    r0, r1, t = staticcall pair.getReserves()
    token_is_0: bool = convert(token, uint256) < convert(quote, uint256)
    reserve_in: uint256 = convert(r0 if token_is_0 else r1, uint256)
    reserve_out: uint256 = convert(r1 if token_is_0 else r0, uint256)
    with_fee: uint256 = amount * 997
    out: uint256 = with_fee * reserve_out // (reserve_in * 1000 + with_fee)
    if token_is_0:
        extcall pair.swap(0, out, self, b"")
    else:
        extcall pair.swap(out, 0, self, b"")
    return out


@internal
def _v2_buy(token: address, amount: uint256, max_in: uint256):
    """
    @dev Pay the pair the quote for exactly `amount` of `token`
         (getAmountIn), at most `max_in`, and have it send the token to the
         vault.
    """
    pair: IUniswapV2Pair = IUniswapV2Pair(self._pair(token, quote))
    r0: uint112 = 0
    r1: uint112 = 0
    t: uint32 = 0
    r0, r1, t = staticcall pair.getReserves()
    token_is_0: bool = convert(token, uint256) < convert(quote, uint256)
    reserve_in: uint256 = convert(r1 if token_is_0 else r0, uint256)
    reserve_out: uint256 = convert(r0 if token_is_0 else r1, uint256)
    assert amount < reserve_out, "bidder: swap short"
    cost: uint256 = reserve_in * amount * 1000 // ((reserve_out - amount) * 997) + 1
    assert cost <= max_in, "bidder: swap short"
    assert extcall IERC20(quote).transfer(pair.address, cost, default_return_value=True), "bidder: transfer failed"
    if token_is_0:
        extcall pair.swap(amount, 0, vault, b"")
    else:
        extcall pair.swap(0, amount, vault, b"")


@internal
def _approve(token: address, router: address, amount: uint256):
    assert extcall IERC20(token).approve(router, amount, default_return_value=True), "bidder: approve failed"


@internal
def _path(token_in: address, token_out: address, dex: uint256) -> DynArray[address, 3]:
    if dex == V2_WETH:
        return [token_in, weth, token_out]
    return [token_in, token_out]


@internal
def _swap_exact_in(
    token_in: address, amount_in: uint256, token_out: address, min_out: uint256, dex: uint256, fee: uint256
) -> uint256:
    """
    @dev Swaps all of `amount_in`; returns what came out. The exact
         allowance is used up: Router02 always takes all of it, and a V3
         pool that runs dry and takes only part leaves the rest here, which
         `fill` refuses ("bidder: tokens left"), so no allowance outlives
         a fill.
    """
    router: address = v3_router.address if dex == V3 else v2_router.address
    self._approve(token_in, router, amount_in)
    if dex != V3:
        amounts: DynArray[uint256, 3] = extcall v2_router.swapExactTokensForTokens(
            amount_in, min_out, self._path(token_in, token_out, dex), self, block.timestamp
        )
        return amounts[len(amounts) - 1]
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
    @dev Buys exactly `amount_out` for at most `max_in`; the allowance
         left (what was not spent, the profit: almost never zero) is reset.
    """
    router: address = v3_router.address if dex == V3 else v2_router.address
    self._approve(token_in, router, max_in)
    if dex != V3:
        extcall v2_router.swapTokensForExactTokens(
            amount_out, max_in, self._path(token_in, token_out, dex), self, block.timestamp
        )
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
    self._approve(token_in, router, 0)
