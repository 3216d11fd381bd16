# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Fuzz harness
@license MIT
@notice Runs a batch of calls, each as one of its actors (or as itself),
        and after every call reads the vault's supply, multiplier and the
        component balances it holds, checks that every share is fully
        backed, and logs one `Step`. A campaign sends one batch per
        transaction; Python checks each Step against the reference model.
        Local fuzzing only: it is the vault's admin in a campaign.
        Trust model: only `owner` (who deployed it) may run a batch.
"""

interface IActor:
    def execute(target: address, data: Bytes[2048]) -> (bool, Bytes[256]): nonpayable

interface IVault:
    def totalSupply() -> uint256: view
    def multiplier() -> uint256: view
    def component_count() -> uint256: view
    def position(index: uint256) -> (address, uint256): view
    def total_claims(token: address) -> uint256: view

interface IToken:
    def balanceOf(owner: address) -> uint256: view

# @dev Most calls in one batch; a batch must also fit one transaction's gas.
# Calls of up to 2,048 bytes (IndexRouter's five-route mint_from is about
# 1,400); 128 of them keep the batch's memory what 256 of 1,024 bytes took.
MAX_CALLS: constant(uint256) = 128
MAX_DATA: constant(uint256) = 2048
MAX_OUT: constant(uint256) = 256
# @dev Most components checked (the campaign's baskets are smaller).
MAX_CHECKED: constant(uint256) = 32
UNIT_SCALE: constant(uint256) = 10**36

struct Call:
    actor: address  # an actor of this harness, or empty for the harness itself
    target: address
    data: Bytes[MAX_DATA]

# @dev Who may run batches.
owner: public(immutable(address))
# @dev The vault checked after every call.
vault: public(address)

event Step:
    index: uint256
    ok: bool
    out: Bytes[MAX_OUT]
    supply: uint256
    multiplier: uint256
    holdings: DynArray[uint256, MAX_CHECKED]
    backed: bool


@deploy
def __init__():
    owner = msg.sender


@external
def set_vault(vault_: address):
    """
    @notice The vault to check after every call. Owner only.
    """
    assert msg.sender == owner, "harness: not the owner"
    self.vault = vault_


@external
def run(calls: DynArray[Call, MAX_CALLS]):
    """
    @notice Makes each call in order; a failing call does not stop the
            batch (its revert data is logged). One Step per call.
    """
    assert msg.sender == owner, "harness: not the owner"
    vault: IVault = IVault(self.vault)
    for i: uint256 in range(len(calls), bound=MAX_CALLS):
        call: Call = calls[i]
        ok: bool = False
        out: Bytes[MAX_OUT] = b""
        if call.actor == empty(address):
            ok, out = raw_call(call.target, call.data, max_outsize=MAX_OUT, revert_on_failure=False)
        else:
            ok, out = extcall IActor(call.actor).execute(call.target, call.data)
        supply: uint256 = staticcall vault.totalSupply()
        multiplier: uint256 = staticcall vault.multiplier()
        count: uint256 = staticcall vault.component_count()
        holdings: DynArray[uint256, MAX_CHECKED] = []
        backed: bool = True
        for j: uint256 in range(count, bound=MAX_CHECKED):
            token: address = empty(address)
            unit: uint256 = 0
            token, unit = staticcall vault.position(j)
            held: uint256 = staticcall IToken(token).balanceOf(vault.address)
            holdings.append(held)
            # Held, less what redeemers keep as claims, covers what all shares are owed.
            owed: uint256 = supply * unit * multiplier + (staticcall vault.total_claims(token)) * UNIT_SCALE
            if held * UNIT_SCALE < owed:
                backed = False
        log Step(index=i, ok=ok, out=out, supply=supply, multiplier=multiplier, holdings=holdings, backed=backed)
