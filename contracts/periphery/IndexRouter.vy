# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Index router
@license MIT
@notice One asset in, one asset out: mints an index vault's shares from a
        single token, and redeems them into a single token, through Uniswap
        V2 (Router02) and V3 (SwapRouter) pools.
        - `mint_from` pulls at most `max_in` of the input token, buys exactly
          what `vault.amounts_for_mint(shares)` asks of each component by
          exact-output swaps, mints the shares to the receiver and refunds
          the input it did not spend.
        - `redeem_to` (or `redeem_to_with_permit`, EIP-2612) pulls the
          shares, redeems them in kind to itself, sells every component by
          exact-input swaps and pays the receiver the whole proceeds, at
          least `min_out`.
        Each component takes one route, in the vault's component order: a
        V2 path (up to three tokens, from the input token to the component
        or from the component to the output token), a V3 single pool with
        its fee, or no swap for a component that is the input (output)
        token itself. Routes are chosen off chain (`indexvault.oneasset`).

        Trust model: nobody owns this contract; it has no storage but a
        transient reentrancy lock, and no admin, pause or upgrade. It
        holds nothing between transactions: every call ends by sending its
        whole balance of each token it touched to the caller (mint) or to
        the receiver (redeem), so a token sent here by mistake goes to the
        next user of that token. Every call ends with no allowance left
        to either Uniswap router or the vault (a USDT-style token refuses
        to approve from non-zero to non-zero, so one left behind would
        block that token's routes for everyone). The vault, the tokens and the
        routes are the caller's choice and are trusted by the caller only:
        a vault or token that misbehaves can only spend what the caller
        sent in this very call, which is bounded by `max_in` (or the
        shares). The two Uniswap routers are fixed at deployment.
        Emergency: there is nothing to stop; users mint and redeem in kind
        on the vault itself.
"""

from ethereum.ercs import IERC20


interface IIndexVault:
    def components() -> DynArray[address, MAX_COMPONENTS]: view
    def amounts_for_mint(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def amounts_for_redeem(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]: view
    def mint(
        shares: uint256, max_amounts_in: DynArray[uint256, MAX_COMPONENTS], receiver: address
    ) -> uint256: nonpayable
    def redeem(
        shares: uint256, min_amounts_out: DynArray[uint256, MAX_COMPONENTS], receiver: address, skip: uint256
    ) -> uint256: nonpayable
    def allowance(owner: address, spender: address) -> uint256: view
    def transferFrom(owner: address, to: address, amount: uint256) -> bool: nonpayable
    def permit(
        owner: address, spender: address, amount: uint256, deadline: uint256, v: uint8, r: bytes32, s: bytes32
    ): nonpayable


interface IUniswapV2Router02:
    def swapExactTokensForTokens(
        amountIn: uint256, amountOutMin: uint256, path: DynArray[address, MAX_HOPS], to: address, deadline: uint256
    ) -> DynArray[uint256, MAX_HOPS]: nonpayable


interface ISwapRouter:
    def exactInputSingle(params: ExactInputSingleParams) -> uint256: payable


# @dev The vault's largest basket; bounds every loop.
MAX_COMPONENTS: constant(uint256) = 128
# @dev Tokens in a V2 path: a direct pair or one hop through a third token.
MAX_HOPS: constant(uint256) = 3
# @dev Route kinds: the component is the input (output) token; a Uniswap V2
# path through Router02; a Uniswap V3 pool through SwapRouter.
DIRECT: public(constant(uint8)) = 0
V2: public(constant(uint8)) = 1
V3: public(constant(uint8)) = 2
# @dev Longest revert data kept from a failed swap (to recognise it or bubble it up).
MAX_REVERT: constant(uint256) = 512


struct Route:
    dex: uint8  # DIRECT, V2 or V3
    fee: uint24  # V3 pool fee, hundredths of a basis point; ignored otherwise
    path: DynArray[address, MAX_HOPS]  # tokens from what is sold to what is bought; [] for DIRECT


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


# @dev Uniswap V2 Router02 (zero if V2 routes are not offered).
v2_router: public(immutable(address))
# @dev Uniswap V3 SwapRouter (zero if V3 routes are not offered).
v3_router: public(immutable(address))

# @dev Reentrancy lock (transient storage), held by every external
# function that moves tokens; explicit so that a re-entry has a reason.
_locked: transient(bool)


event MintedFrom:
    sender: indexed(address)
    receiver: indexed(address)
    vault: indexed(address)
    token_in: address
    amount_in: uint256
    shares: uint256


event RedeemedTo:
    sender: indexed(address)
    receiver: indexed(address)
    vault: indexed(address)
    token_out: address
    amount_out: uint256
    shares: uint256


@deploy
def __init__(v2_router_: address, v3_router_: address):
    """
    @param v2_router_ Uniswap V2 Router02 (may be zero if only V3 is used).
    @param v3_router_ Uniswap V3 SwapRouter (may be zero if only V2 is used).
    """
    assert v2_router_ != empty(address) or v3_router_ != empty(address), "router: no dex"
    v2_router = v2_router_
    v3_router = v3_router_


@external
def mint_from(
    vault: IIndexVault,
    input_token: address,
    max_in: uint256,
    shares: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
    receiver: address,
    deadline: uint256,
) -> uint256:
    """
    @notice Mints `shares` of `vault` to `receiver` from `input_token` alone:
            pulls `max_in` from the caller, buys exactly what the vault asks
            of each component (`amounts_for_mint`, mint fee included) and
            refunds the caller what was not spent.
    @dev Reverts "router: max in exceeded" when the swaps and the
         components that are the input token itself need more than
         `max_in` in total; the whole call reverts and nothing is spent.
    @param vault The index vault.
    @param input_token What the caller pays with.
    @param max_in The most of `input_token` the caller pays (base units).
    @param shares Index tokens minted to `receiver` (wei).
    @param routes One per component, in the vault's order: a V2 path from
           `input_token` to the component, a V3 pool [input, component]
           with its fee, or DIRECT for a component that is `input_token`.
    @param receiver Who gets the shares.
    @param deadline Last block timestamp at which the call may run.
    @return What was spent of `input_token` (base units).
    """
    self._lock()
    assert block.timestamp <= deadline, "router: expired"
    assert receiver != empty(address), "router: zero receiver"
    tokens: DynArray[address, MAX_COMPONENTS] = staticcall vault.components()
    amounts: DynArray[uint256, MAX_COMPONENTS] = staticcall vault.amounts_for_mint(shares)
    assert len(routes) == len(tokens), "router: wrong number of routes"
    assert extcall IERC20(input_token).transferFrom(
        msg.sender, self, max_in, default_return_value=True
    ), "router: transfer failed"

    spent: uint256 = 0
    # Routers given an allowance of `max_in` of the input token, reset at the end.
    approved_v2: bool = False
    approved_v3: bool = False
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        route: Route = routes[i]
        self._check_route(route, input_token, tokens[i])
        if route.dex == DIRECT:
            spent += amounts[i]
            assert spent <= max_in, "router: max in exceeded"
        elif amounts[i] != 0:
            if route.dex == V2 and not approved_v2:
                approved_v2 = True
                self._approve(input_token, self._dex(V2), max_in)
            elif route.dex == V3 and not approved_v3:
                approved_v3 = True
                self._approve(input_token, self._dex(V3), max_in)
            spent += self._swap_exact_out(route, amounts[i], max_in - spent, deadline)
        # Exactly what the vault pulls. A removed component (unit 0) is never
        # called: a paused or dead token the vault no longer holds blocks nothing.
        if amounts[i] != 0:
            self._approve(tokens[i], vault.address, amounts[i])
    extcall vault.mint(shares, amounts, receiver)
    # A vault that pulled less than approved leaves no allowance behind.
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if amounts[i] != 0 and staticcall IERC20(tokens[i]).allowance(self, vault.address) != 0:
            self._approve(tokens[i], vault.address, 0)
    if approved_v2:
        self._approve(input_token, v2_router, 0)
    if approved_v3:
        self._approve(input_token, v3_router, 0)
    # The refund: what was not spent, and anything else left here.
    self._sweep(tokens, amounts, input_token, msg.sender)
    log MintedFrom(
        sender=msg.sender, receiver=receiver, vault=vault.address, token_in=input_token, amount_in=spent, shares=shares
    )
    self._locked = False
    return spent


@external
def redeem_to(
    vault: IIndexVault,
    output_token: address,
    shares: uint256,
    min_out: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
    receiver: address,
    deadline: uint256,
) -> uint256:
    """
    @notice Redeems `shares` of `vault`, pulled from the caller (who
            approved this contract), into `output_token` alone: the vault
            pays the components here, each is sold by an exact-input swap,
            and the receiver gets the whole proceeds.
    @dev Reverts "router: min out not met" when the proceeds are below
         `min_out`. Redeem fee as the vault charges it. A component whose
         transfer reverts makes this revert: redeem in kind with `skip`.
    @param vault The index vault.
    @param output_token What the receiver is paid in.
    @param shares Index tokens redeemed (wei), fee included.
    @param min_out The least of `output_token` accepted (base units).
    @param routes One per component, in the vault's order: a V2 path from
           the component to `output_token`, a V3 pool [component, output]
           with its fee, or DIRECT for a component that is `output_token`.
    @param receiver Who gets the proceeds.
    @param deadline Last block timestamp at which the call may run.
    @return What the receiver got of `output_token` (base units).
    """
    self._lock()
    amount_out: uint256 = self._redeem_to(vault, output_token, shares, min_out, routes, receiver, deadline)
    self._locked = False
    return amount_out


@external
def redeem_to_with_permit(
    vault: IIndexVault,
    output_token: address,
    shares: uint256,
    min_out: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
    receiver: address,
    deadline: uint256,
    v: uint8,
    r: bytes32,
    s: bytes32,
) -> uint256:
    """
    @notice `redeem_to` with an EIP-2612 permit of the vault's index token
            for `shares`, valid until `deadline`, instead of an approval.
    @dev A permit already used (e.g. copied from the mempool and sent
         first) is not needed again: the permit is skipped when the
         allowance already covers `shares`.
    @return What the receiver got of `output_token` (base units).
    """
    self._lock()
    if staticcall vault.allowance(msg.sender, self) < shares:
        extcall vault.permit(msg.sender, self, shares, deadline, v, r, s)
    amount_out: uint256 = self._redeem_to(vault, output_token, shares, min_out, routes, receiver, deadline)
    self._locked = False
    return amount_out


@internal
def _redeem_to(
    vault: IIndexVault,
    output_token: address,
    shares: uint256,
    min_out: uint256,
    routes: DynArray[Route, MAX_COMPONENTS],
    receiver: address,
    deadline: uint256,
) -> uint256:
    assert block.timestamp <= deadline, "router: expired"
    assert receiver != empty(address), "router: zero receiver"
    tokens: DynArray[address, MAX_COMPONENTS] = staticcall vault.components()
    assert len(routes) == len(tokens), "router: wrong number of routes"
    assert extcall vault.transferFrom(msg.sender, self, shares, default_return_value=True), "router: transfer failed"
    # What the redeem pays, read in the same transaction: exact.
    amounts: DynArray[uint256, MAX_COMPONENTS] = staticcall vault.amounts_for_redeem(shares)
    extcall vault.redeem(shares, amounts, self, 0)

    amount_out: uint256 = 0
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        route: Route = routes[i]
        self._check_route(route, tokens[i], output_token)
        if route.dex == DIRECT:
            amount_out += amounts[i]
        elif amounts[i] != 0:
            amount_out += self._swap_exact_in(route, amounts[i], deadline)
    assert amount_out >= min_out, "router: min out not met"

    # The proceeds, and anything else left here.
    self._sweep(tokens, amounts, output_token, receiver)
    log RedeemedTo(
        sender=msg.sender,
        receiver=receiver,
        vault=vault.address,
        token_out=output_token,
        amount_out=amount_out,
        shares=shares,
    )
    return amount_out


@internal
def _lock():
    assert not self._locked, "router: reentrant call"
    self._locked = True


@internal
@pure
def _check_route(route: Route, token_in: address, token_out: address):
    """
    @dev A route must sell `token_in` and buy `token_out`.
    """
    if route.dex == DIRECT:
        assert token_in == token_out, "router: bad route"
        return
    assert route.dex == V2 or (route.dex == V3 and len(route.path) == 2), "router: bad route"
    assert len(route.path) >= 2, "router: bad route"
    assert route.path[0] == token_in and route.path[len(route.path) - 1] == token_out, "router: bad route"


@internal
@view
def _dex(dex: uint8) -> address:
    router: address = v2_router if dex == V2 else v3_router
    assert router != empty(address), "router: dex not offered"
    return router


@internal
def _approve(token: address, spender: address, amount: uint256):
    assert extcall IERC20(token).approve(spender, amount, default_return_value=True), "router: approve failed"


@internal
def _swap_exact_out(route: Route, amount_out: uint256, budget: uint256, deadline: uint256) -> uint256:
    """
    @dev Buys exactly `amount_out` of the route's last token for at most
         `budget` of its first; returns what was paid. A swap that needs
         more than `budget` fails in Uniswap with one of its own reasons,
         turned here into "router: max in exceeded"; any other failure
         bubbles up as Uniswap gave it.
    """
    success: bool = False
    response: Bytes[MAX_REVERT] = b""
    if route.dex == V2:
        success, response = raw_call(
            v2_router,
            abi_encode(
                amount_out,
                budget,
                route.path,
                self,
                deadline,
                method_id=method_id("swapTokensForExactTokens(uint256,uint256,address[],address,uint256)"),
            ),
            max_outsize=MAX_REVERT,
            revert_on_failure=False,
        )
        if success:
            amounts: DynArray[uint256, MAX_HOPS] = abi_decode(response, DynArray[uint256, MAX_HOPS])
            return amounts[0]
    else:
        success, response = raw_call(
            v3_router,
            abi_encode(
                ExactOutputSingleParams(
                    tokenIn=route.path[0],
                    tokenOut=route.path[1],
                    fee=route.fee,
                    recipient=self,
                    deadline=deadline,
                    amountOut=amount_out,
                    amountInMaximum=budget,
                    sqrtPriceLimitX96=0,
                ),
                method_id=method_id(
                    "exactOutputSingle((address,address,uint24,address,uint256,uint256,uint256,uint160))"
                ),
            ),
            max_outsize=MAX_REVERT,
            revert_on_failure=False,
        )
        if success:
            return abi_decode(response, uint256)
    reason: bytes32 = keccak256(response)
    # Uniswap's reasons for "more than the maximum in": V2's check; V3's
    # check, or its payment (STF) failing first on our exact allowance.
    assert reason != keccak256(
        abi_encode("UniswapV2Router: EXCESSIVE_INPUT_AMOUNT", method_id=method_id("Error(string)"))
    ), "router: max in exceeded"
    assert reason != keccak256(
        abi_encode("Too much requested", method_id=method_id("Error(string)"))
    ), "router: max in exceeded"
    assert reason != keccak256(abi_encode("STF", method_id=method_id("Error(string)"))), "router: max in exceeded"
    raw_revert(response)


@internal
def _swap_exact_in(route: Route, amount_in: uint256, deadline: uint256) -> uint256:
    """
    @dev Sells `amount_in` of the route's first token; returns what came
         out of its last. No minimum per swap: the caller's `min_out`
         bounds the total. Router02 always takes all of `amount_in`, so its
         exact allowance is used up. A V3 pool with no price limit that
         runs dry fills only part and takes only that (the rest is swept to
         the receiver): the allowance left is reset, or a USDT-style token
         (which refuses to approve from non-zero to non-zero) could never
         be approved to SwapRouter again, and every V3 route for it would
         be dead.
    """
    token_in: address = route.path[0]
    if route.dex == V2:
        self._approve(token_in, self._dex(V2), amount_in)
        amounts: DynArray[uint256, MAX_HOPS] = extcall IUniswapV2Router02(v2_router).swapExactTokensForTokens(
            amount_in, 0, route.path, self, deadline
        )
        return amounts[len(amounts) - 1]
    self._approve(token_in, self._dex(V3), amount_in)
    amount_out: uint256 = extcall ISwapRouter(v3_router).exactInputSingle(
        ExactInputSingleParams(
            tokenIn=token_in,
            tokenOut=route.path[1],
            fee=route.fee,
            recipient=self,
            deadline=deadline,
            amountIn=amount_in,
            amountOutMinimum=0,
            sqrtPriceLimitX96=0,
        )
    )
    # Read rather than reset: a full fill (the usual case) left nothing, and a read is cheaper.
    if staticcall IERC20(token_in).allowance(self, v3_router) != 0:
        self._approve(token_in, v3_router, 0)
    return amount_out


@internal
def _sweep(
    tokens: DynArray[address, MAX_COMPONENTS], amounts: DynArray[uint256, MAX_COMPONENTS], token: address, to: address
):
    """
    @dev Sends `to` this contract's whole balance of `token` and of every
         component it moved, so that it ends the call holding nothing.
         Components with no amount (removed ones, unit 0) are not called.
    """
    self._send_all(token, to)
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        if tokens[i] != token and amounts[i] != 0:
            self._send_all(tokens[i], to)


@internal
def _send_all(token: address, to: address):
    balance: uint256 = staticcall IERC20(token).balanceOf(self)
    if balance != 0:
        assert extcall IERC20(token).transfer(to, balance, default_return_value=True), "router: transfer failed"
