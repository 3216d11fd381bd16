# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Index vault
@license MIT
@notice The index token (ERC-20 with EIP-2612 permit) and the basket
        of ERC-20 components that backs it, minted and redeemed in kind.

        Accounting is in units per share, as Set Protocol's positions: for
        each component the vault stores the token and a base unit (token
        base units per 1e18 shares), and one global multiplier that the
        streaming fee lowers. A share is worth `base unit * multiplier / 1e18`
        of each component, whatever the vault's balances say, so:
        - a token sent to the vault directly changes no share's value
          (donations and first-minter inflation attacks have no lever);
        - nothing per component is written on mint or redeem.
        Amounts are `shares * unit * multiplier / 1e36`, rounded up when the
        vault takes (mint) and down when it pays (redeem).

        The streaming fee lowers the multiplier down to MIN_MULTIPLIER
        (1e12, a millionth of its start) and stops there: at the highest
        fee any vault may set (10 % a year) that takes about 131 years,
        after which no fee is charged and redemption keeps working at
        every age.

        A component that changes after listing (a fee charged to its
        sender, a downward rebase, a seized balance) can leave the vault
        holding less than it owes. `IndexLens.solvency(vault)` shows held
        against owed per component, and anyone may call `sync(token)` to
        write that
        component's unit down to what the vault really holds beyond its
        claims, so every holder shares the loss pro rata and no
        redemption is blocked. `sync` never raises a unit: a donation
        stays outside the units, as above.

        The component list is append-only, so index i names the same token
        for the vault's whole life and the per-index arrays of `mint` and
        `redeem` can never be applied to the wrong component: a component
        whose unit reaches 0 keeps its slot (unit 0; mint and redeem move
        nothing for it and never call its token), a token that comes back
        takes its old slot again, and a new token is appended. At most
        MAX_COMPONENTS distinct tokens over the vault's lifetime.

        Trust model:
        - admin (DEFAULT_ADMIN_ROLE): grants and revokes roles, sets fees
          (never above the maxima fixed at deployment) and the fee recipient.
        - manager: sets the supply cap.
        - guardian: pauses and unpauses minting.
        - rebalancer (REBALANCER_ROLE, granted by the admin to a
          Rebalancer contract): `trade` swaps one component for another
          and moves both units by exactly the amounts traded. The
          Rebalancer's own manager, guardian, timelock, oracle band and
          auction decide what and at what price; see TECH_SPEC.md.
          REBALANCER_ROLE IS A DRAIN KEY: `trade` prices nothing and pays
          out any amount of any component for any amount (even 0) of
          another, so its holder can empty the vault. Only ever grant it
          to a deployed Rebalancer contract, never to an account, and only
          through the admin timelock.
        - Nobody can pause or block redemption in kind: a redeemer whose
          component transfer reverts may skip it and keep a claim on it;
          anyone may push a claim to its owner (`push_claim`), so a
          contract that cannot call `withdraw_claim` is still paid.
        - Anyone may `sync` a component, which can only lower its unit.

        In an emergency the guardian pauses minting; holders keep
        redeeming in kind.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed
from interfaces import IRebalanceCallback

implements: IERC20
implements: IERC20Detailed

from snekmate.auth import access_control

# @dev Constants and position packing shared with the Rebalancer, the lens
# and the factory (stateless: constants only).
from lib import basket

# @dev The index token itself: balances, allowances and EIP-2612 permit,
# snekmate's ERC-20 with name and symbol in storage so that every clone of
# one implementation has its own (and its own EIP-712 domain).
from lib import index_token as erc20

initializes: erc20

# @dev Roles: admin, manager, guardian.
initializes: access_control

exports: (
    # The index token (ERC-20 + EIP-2612 + EIP-5267).
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
    # Roles.
    access_control.DEFAULT_ADMIN_ROLE,
    access_control.hasRole,
    access_control.getRoleAdmin,
    access_control.grantRole,
    access_control.revokeRole,
    access_control.renounceRole,
    access_control.supportsInterface,
)


# @dev The largest basket; bounds every loop.
MAX_COMPONENTS: public(constant(uint256)) = basket.MAX_COMPONENTS
# @dev 1.0 in fixed point: fees and the multiplier are fractions of it.
WAD: constant(uint256) = basket.WAD
# @dev `amount = shares * unit * multiplier / UNIT_SCALE`.
UNIT_SCALE: constant(uint256) = basket.UNIT_SCALE
# @dev Base units are packed into the 96 high bits of a position slot:
# up to 7.9e28 token base units per share, i.e. 79 billion whole tokens of
# an 18-decimal token per share. The resolution is one base unit per share.
MAX_UNIT: constant(uint256) = basket.MAX_UNIT
# @dev The streaming fee's floor under the multiplier (WAD / 1e6). Accrual
# stops charging where it would take the multiplier below it, so the
# multiplier keeps twelve significant digits (each accrual rounds it by at
# most one part in 1e12) and never reaches 0, where every share would be
# worth nothing and mint and redeem would stop. Supply times multiplier
# never grows with accrual, so no product below can overflow, and the fee
# can dilute the supply at most a millionfold (minting needs the supply
# under the cap, at most MAX_SUPPLY).
MIN_MULTIPLIER: public(constant(uint256)) = 10**12
# @dev Largest amount `trade` moves (token base units): keeps
# `amount * 1e36` within 256 bits.
MAX_TRADE_AMOUNT: constant(uint256) = 2**128
# @dev The supply cap's ceiling: with units below 2**96 and the multiplier
# at most 1e18 (< 2**60), `shares * unit * multiplier` cannot overflow.
MAX_SUPPLY: public(constant(uint256)) = basket.MAX_SUPPLY
# @dev Hard ceilings on the fee maxima any deployment can choose.
FEE_CEILING: constant(uint256) = basket.FEE_CEILING  # 10 % per mint or redeem
STREAMING_FEE_CEILING: constant(uint256) = basket.FEE_CEILING  # 10 % a year
# @dev One year in seconds, for the annual streaming fee.
YEAR: constant(uint256) = 365 * 86400

# @dev A position word (`_positions`): token in the low bits, unit above.
TOKEN_MASK: constant(uint256) = basket.TOKEN_MASK
UNIT_SHIFT: constant(uint256) = basket.UNIT_SHIFT
# @dev The hot state (`erc20._word`'s low bits): multiplier, last accrual,
# slot count and the mint pause bit.
MULTIPLIER_MASK: constant(uint256) = 2**64 - 1
ACCRUAL_SHIFT: constant(uint256) = 64
ACCRUAL_MASK: constant(uint256) = 2**48 - 1
COUNT_SHIFT: constant(uint256) = 112
COUNT_MASK: constant(uint256) = 255
PAUSED_SHIFT: constant(uint256) = 120
# @dev The fee word (`_fees`): mint, redeem and streaming fee, 64 bits each.
FEE_MASK: constant(uint256) = 2**64 - 1
REDEEM_FEE_SHIFT: constant(uint256) = 64
STREAMING_FEE_SHIFT: constant(uint256) = 128

MANAGER_ROLE: public(constant(bytes32)) = keccak256("MANAGER_ROLE")
GUARDIAN_ROLE: public(constant(bytes32)) = keccak256("GUARDIAN_ROLE")
REBALANCER_ROLE: public(constant(bytes32)) = keccak256("REBALANCER_ROLE")
# @dev Longest callback data a rebalancing bidder may pass through `trade`.
MAX_CALLBACK_DATA: constant(uint256) = basket.MAX_CALLBACK_DATA


# @dev The fee maxima, fixed at initialization, packed as `_fees`: mint
# (WAD fraction of the shares minted), redeem (of the shares redeemed) and
# streaming (of supply a year). Read only when fees are set.
_max_fees: uint256


# @dev Component positions, one slot each: token address in the low 160
# bits, base unit (token base units per 1e18 shares) in the high 96 bits.
# One cold read gives both. Append-only: a component that left the basket
# keeps its slot with unit 0, so an index always names the same token.
_positions: uint256[MAX_COMPONENTS]
# @dev Each component's slot index plus one (0: never a component), so
# `trade`, `trade_basis` and `sync` find a token in one read whatever the
# basket's size, instead of scanning the slots (a cold read each). Written
# once per token, when its slot is made; mint and redeem never read it.
_slot_of: HashMap[address, uint256]

# @dev Hot state, the low 128 bits of the index token's supply word
# (`erc20._word`), so every mint and redeem reads the state and the total
# supply in one cold read and writes one slot:
# bits 0-63 multiplier (WAD, starts at 1e18, only falls),
# bits 64-111 timestamp of the last streaming fee accrual,
# bits 112-119 number of component slots (zero-unit slots included; only
# grows), bit 120 mint paused; bits 128-255 the total supply. Non-zero
# once initialized (the multiplier never reaches 0).

# @dev Fees in one slot, WAD fractions: bits 0-63 mint fee,
# 64-127 redeem fee, 128-191 streaming fee (a year).
_fees: uint256

# @dev Largest total supply that minting may reach (index token wei).
supply_cap: public(uint256)

# @dev Receives mint, redeem and streaming fees, as index tokens.
fee_recipient: public(address)

# @dev Component amounts owed to redeemers who skipped a component whose
# transfer reverted: token => owner => amount (token base units).
claims: public(HashMap[address, HashMap[address, uint256]])

# @dev Sum of `claims` per token, so the vault's obligations are known.
total_claims: public(HashMap[address, uint256])

# @dev Reentrancy lock (transient storage), held by mint, redeem,
# withdraw_claim, push_claim, sync, accrue_fees and trade (so a bidder's
# callback cannot sync mid-trade); explicit rather than
# `@nonreentrant` so that a re-entry reverts with a reason.
_locked: transient(bool)


event Mint:
    sender: indexed(address)
    receiver: indexed(address)
    shares: uint256
    fee_shares: uint256


event Redeem:
    sender: indexed(address)
    receiver: indexed(address)
    shares: uint256
    fee_shares: uint256
    skipped: uint256


event FeesAccrued:
    fee_shares: uint256
    multiplier: uint256


event ClaimCredited:
    token: indexed(address)
    owner: indexed(address)
    amount: uint256


event ClaimWithdrawn:
    token: indexed(address)
    owner: indexed(address)
    receiver: address
    amount: uint256


event ClaimPushed:
    token: indexed(address)
    owner: indexed(address)
    caller: address
    amount: uint256


event Synced:
    token: indexed(address)
    unit_before: uint256
    unit_after: uint256
    held: uint256
    claims: uint256


event FeesSet:
    mint_fee: uint256
    redeem_fee: uint256
    streaming_fee: uint256


event FeeRecipientSet:
    fee_recipient: indexed(address)


event SupplyCapSet:
    supply_cap: uint256


event MintPausedSet:
    paused: bool


event Traded:
    token_out: indexed(address)
    token_in: indexed(address)
    amount_out: uint256
    amount_in: uint256
    unit_out: uint256
    unit_in: uint256


@deploy
def __init__(
    name_: String[25],
    symbol_: String[5],
    tokens_: DynArray[address, MAX_COMPONENTS],
    units_: DynArray[uint256, MAX_COMPONENTS],
    admin_: address,
    manager_: address,
    guardian_: address,
    fee_recipient_: address,
    fees_: uint256[3],
    max_fees_: uint256[3],
    supply_cap_: uint256,
):
    """
    @notice Deployed directly, an index vault initialized here, as
            `initialize` would (the deployer keeps no role unless it is
            `admin_`). Deployed with no components and a zero admin, the
            implementation every factory clone (EIP-1167) delegates to:
            inert, with no role holder, no component and minting paused,
            and it can never be initialized.
    @param name_ Index token name (at most 25 characters).
    @param symbol_ Index token symbol (at most 5 characters).
    @param tokens_ Component tokens, no duplicates.
    @param units_ Initial base units per 1e18 shares, one per token;
           the first mint uses them.
    @param admin_ Holder of DEFAULT_ADMIN_ROLE.
    @param manager_ Holder of MANAGER_ROLE.
    @param guardian_ Holder of GUARDIAN_ROLE.
    @param fee_recipient_ Receives fees as index tokens.
    @param fees_ Mint, redeem and streaming (annual) fee, WAD fractions.
    @param max_fees_ Their maxima, fixed for the vault's lifetime.
    @param supply_cap_ Largest total supply minting may reach.
    """
    erc20.__init__()
    # snekmate's access control makes the deployer admin: renounced below
    # unless the deployer is `admin_`.
    access_control.__init__()
    if len(tokens_) == 0 and admin_ == empty(address):
        # The implementation: a non-zero state marks it initialized.
        erc20._word = WAD | (1 << PAUSED_SHIFT)
    else:
        self._initialize(
            name_, symbol_, tokens_, units_, admin_, manager_, guardian_, fee_recipient_, fees_, max_fees_, supply_cap_
        )
    if admin_ != msg.sender:
        access_control._revoke_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)


@external
def initialize(
    name_: String[25],
    symbol_: String[5],
    tokens_: DynArray[address, MAX_COMPONENTS],
    units_: DynArray[uint256, MAX_COMPONENTS],
    admin_: address,
    manager_: address,
    guardian_: address,
    fee_recipient_: address,
    fees_: uint256[3],
    max_fees_: uint256[3],
    supply_cap_: uint256,
):
    """
    @notice Initializes a clone (EIP-1167 minimal proxy) of this vault,
            with the constructor's parameters and checks. Once: every
            initialized vault, the implementation included, has a non-zero
            state word, so a second call reverts. The factory calls it in
            the transaction that creates the clone.
    """
    if erc20._word != 0:
        self._fail("vault: initialized")
    self._initialize(
        name_, symbol_, tokens_, units_, admin_, manager_, guardian_, fee_recipient_, fees_, max_fees_, supply_cap_
    )


@external
def mint(shares: uint256, max_amounts_in: DynArray[uint256, MAX_COMPONENTS], receiver: address) -> uint256:
    """
    @notice Mints `shares` index tokens to `receiver` against each component,
            pulled from the caller pro rata and rounded up. The mint fee is
            charged on top, as extra shares paid for by the caller and
            minted to the fee recipient.
    @dev Refuses tokens that deliver less than the amount transferred
         (fee-on-transfer): the whole mint reverts and nothing moves.
    @param shares Index tokens the receiver gets (wei).
    @param max_amounts_in Most the caller will pay of each component, one
           per slot (`component_count()`), zero-unit slots included.
    @param receiver Who gets the shares.
    @return The fee shares minted to the fee recipient.
    """
    self._lock()
    state: uint256 = self._accrue()
    if (state >> PAUSED_SHIFT) & 1 == 1:
        self._fail("vault: minting paused")
    if shares == 0:
        self._fail("vault: zero shares")
    count: uint256 = (state >> COUNT_SHIFT) & COUNT_MASK
    if len(max_amounts_in) != count:
        self._fail("vault: wrong number of amounts")
    # Any cap is at most MAX_SUPPLY; bounding first keeps the fee in range.
    if shares > MAX_SUPPLY:
        self._fail("vault: supply cap exceeded")

    fee_shares: uint256 = self._fee_on(shares, self._fees & FEE_MASK)
    total: uint256 = shares + fee_shares
    if erc20._supply() + total > self.supply_cap:
        self._fail("vault: supply cap exceeded")

    multiplier: uint256 = state & MULTIPLIER_MASK
    # The last component paid; still empty after the loop if none was.
    token: IERC20 = empty(IERC20)
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        position: uint256 = self._positions[i]
        if position >> UNIT_SHIFT == 0:
            # A component that left the basket: it owes 0, its token is not called.
            continue
        token = IERC20(convert(position & TOKEN_MASK, address))
        # Round up: the vault never takes less than a share is worth.
        amount: uint256 = (total * (position >> UNIT_SHIFT) * multiplier + UNIT_SCALE - 1) // UNIT_SCALE
        if amount > max_amounts_in[i]:
            self._fail("vault: slippage exceeded")
        before: uint256 = staticcall token.balanceOf(self)
        if not extcall token.transferFrom(msg.sender, self, amount, default_return_value=True):
            self._fail("vault: transfer failed")
        if staticcall token.balanceOf(self) < before + amount:
            self._fail("vault: fee-on-transfer token")
    if token.address == empty(address):
        # Every unit 0: shares would be minted against nothing.
        self._fail("vault: empty basket")

    erc20._mint(receiver, shares)
    if fee_shares != 0:
        erc20._mint(self.fee_recipient, fee_shares)
    log Mint(sender=msg.sender, receiver=receiver, shares=shares, fee_shares=fee_shares)
    self._locked = False
    return fee_shares


@external
def redeem(
    shares: uint256,
    min_amounts_out: DynArray[uint256, MAX_COMPONENTS],
    receiver: address,
    skip: uint256 = 0,
) -> uint256:
    """
    @notice Burns `shares` of the caller's index tokens and pays `receiver`
            each component pro rata, rounded down. The redeem fee is taken
            first: those shares go to the fee recipient and only the rest
            are paid out. Never paused.
    @dev A component whose transfer reverts (a paused or blocklisting
         token) would block redemption; set its bit in `skip` and its
         amount is credited to `receiver` as a claim, withdrawable with
         `withdraw_claim` once the token moves again.
    @param shares Index tokens the caller gives up, fee included (wei).
    @param min_amounts_out Least the receiver accepts of each component
           (for a skipped component, of the claim), one per slot
           (`component_count()`), zero-unit slots included.
    @param receiver Who gets the components (or the claims).
    @param skip Bit i set: credit component i as a claim, do not transfer.
    @return The fee shares moved to the fee recipient.
    """
    self._lock()
    state: uint256 = self._accrue()
    if shares == 0:
        self._fail("vault: zero shares")
    if receiver == empty(address):
        self._fail("vault: zero receiver")
    count: uint256 = (state >> COUNT_SHIFT) & COUNT_MASK
    if len(min_amounts_out) != count:
        self._fail("vault: wrong number of amounts")
    # Burn all the shares first, so a short balance reverts with one reason
    # whatever the fee (and `shares` is then at most the supply, so the fee
    # cannot overflow); the fee shares are then minted to the fee recipient.
    supply: uint256 = erc20._supply()
    erc20._burn(msg.sender, shares)
    fee_shares: uint256 = self._fee_on(shares, (self._fees >> REDEEM_FEE_SHIFT) & FEE_MASK)
    net: uint256 = shares - fee_shares
    if fee_shares != 0:
        erc20._mint(self.fee_recipient, fee_shares)

    multiplier: uint256 = state & MULTIPLIER_MASK
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        position: uint256 = self._positions[i]
        token: address = convert(position & TOKEN_MASK, address)
        # Round down: the vault never pays more than a share is worth. A
        # zero-unit slot pays 0 (no transfer below), so a nonzero minimum
        # quoted before its component left reverts here.
        amount: uint256 = net * (position >> UNIT_SHIFT) * multiplier // UNIT_SCALE
        skipped: bool = (skip >> i) & 1 == 1
        if skipped and amount != 0:
            # A claim is never more than the redeemer's share of what the
            # vault really holds beyond earlier claims: a component that lost
            # balance and is not synced yet is shared pro rata, as `sync`
            # would share it, and no claim can outgrow the balance (a vault
            # that holds what it owes is never capped: its free balance
            # covers the backing of every share).
            free: uint256 = self._free(token)
            if free <= max_value(uint256) // net:
                amount = min(amount, free * net // supply)
        if amount < min_amounts_out[i]:
            self._fail("vault: slippage exceeded")
        if skipped:
            self.claims[token][receiver] += amount
            self.total_claims[token] += amount
            log ClaimCredited(token=token, owner=receiver, amount=amount)
        elif amount != 0:
            if not extcall IERC20(token).transfer(receiver, amount, default_return_value=True):
                self._fail("vault: transfer failed")
    log Redeem(sender=msg.sender, receiver=receiver, shares=shares, fee_shares=fee_shares, skipped=skip)
    self._locked = False
    return fee_shares


@external
def withdraw_claim(token: address, receiver: address) -> uint256:
    """
    @notice Pays the caller's whole claim on `token` to `receiver`.
    @return The amount paid (token base units).
    """
    self._lock()
    if receiver == empty(address):
        self._fail("vault: zero receiver")
    amount: uint256 = self._pay_claim(token, msg.sender, receiver)
    log ClaimWithdrawn(token=token, owner=msg.sender, receiver=receiver, amount=amount)
    self._locked = False
    return amount


@external
def push_claim(token: address, owner: address) -> uint256:
    """
    @notice Pays `owner`'s whole claim on `token` to `owner` itself.
            Anyone may call it, so a claim credited to a contract that
            cannot call `withdraw_claim` still reaches it; the funds can
            go nowhere but to their owner.
    @return The amount paid (token base units).
    """
    self._lock()
    amount: uint256 = self._pay_claim(token, owner, owner)
    log ClaimPushed(token=token, owner=owner, caller=msg.sender, amount=amount)
    self._locked = False
    return amount


@external
def sync(token: address) -> uint256:
    """
    @notice Writes component `token`'s unit down to what the vault really
            holds of it beyond outstanding claims, when it holds less than
            all shares are owed (a token that charged the vault a fee on
            transfer, rebased down or had part of its balance seized).
            Every holder then shares the loss pro rata and every
            redemption is paid in full at the new unit. Anyone may call
            it; it accrues the streaming fee first.
    @dev Only ever lowers a unit (rounded down, in the vault's favour): a
         balance above what is owed (a donation) is left out of the units,
         so no transfer to the vault can raise what a share is worth, move
         a rebalancing auction's basis, or reopen donation and
         first-minter inflation attacks. Claims are paid first: they are
         amounts already owed to redeemers. With no supply nothing is owed
         and nothing changes. Emits `Synced` when the unit falls.
         A redeemer who redeems before the sync is paid the old unit (the
         keepers sync as soon as the lens's `solvency` shows a shortfall). A token
         that keeps charging the vault on every transfer out costs more
         at each redemption: sync again, and rebalance it out of the
         basket. A token whose balance a third party can lower for a
         moment must never be listed: a sync then would lock the
         difference away from holders for good.
    @return The component's unit after the call.
    """
    self._lock()
    state: uint256 = self._accrue()
    slot: uint256 = self._slot_of[token]
    if slot == 0:
        self._fail("vault: not a component")
    index: uint256 = slot - 1
    unit: uint256 = self._positions[index] >> UNIT_SHIFT
    scale: uint256 = erc20._supply() * (state & MULTIPLIER_MASK)
    held: uint256 = staticcall IERC20(token).balanceOf(self)
    claims: uint256 = self.total_claims[token]
    free: uint256 = held - min(held, claims)
    # Exact comparison: holdings at or above the exact backing need
    # nothing (nor does a balance too large to scale, which exceeds any
    # backing). Below it `free * 1e36 < scale * unit`, so no division by 0.
    if free > max_value(uint256) // UNIT_SCALE or free * UNIT_SCALE >= scale * unit:
        self._locked = False
        return unit
    new_unit: uint256 = free * UNIT_SCALE // scale
    self._positions[index] = convert(token, uint256) | (new_unit << UNIT_SHIFT)
    log Synced(token=token, unit_before=unit, unit_after=new_unit, held=held, claims=claims)
    self._locked = False
    return new_unit


@external
def accrue_fees():
    """
    @notice Accrues the streaming fee up to now. Anyone may call it;
            mint and redeem call it first.
    """
    self._lock()
    self._accrue()
    self._locked = False


@external
def trade(
    token_out: address,
    amount_out: uint256,
    floor_unit_out: uint256,
    token_in: address,
    amount_in: uint256,
    cap_unit_in: uint256,
    payer: address,
    receiver: address,
    data: Bytes[MAX_CALLBACK_DATA],
):
    """
    @notice Rebalancing: pays `amount_out` of `token_out` to `receiver` and
            takes `amount_in` of `token_in` from `payer`, then moves both
            units by exactly what was traded over the supply. Rebalancer
            only; the Rebalancer prices the trade.
    @dev Payment: with empty `data` the vault pulls `amount_in` from
         `payer` (who approved the vault); otherwise it calls
         `payer.on_rebalance_bid(...)`, which must transfer it. Either way
         the vault's balance of `token_in` must have grown by `amount_in`.
         Units round in the vault's favour: the sold unit falls by
         `ceil(amount_out * 1e36 / (supply * multiplier))`, the bought one
         rises by that ratio rounded down, to at most `cap_unit_in`. A sold
         unit left within one base unit of the whole supply's worth above
         `floor_unit_out` is set to it. A unit that reaches zero keeps its
         slot (the list is append-only); a token bought back takes its old
         slot, a new one is appended. Streaming fees accrue first. Claims
         are paid first: the vault must hold `amount_out` beyond the
         token's outstanding claims, else "vault: sells claimed balance"
         (a balance lost and not synced yet is never sold out from under
         a redeemer's claim).
    @param floor_unit_out The sold component's target unit.
    @param cap_unit_in The bought component's target unit (max for the quote).
    """
    self._lock()
    access_control._check_role(REBALANCER_ROLE, msg.sender)
    if token_out == token_in:
        self._fail("vault: same token")
    if amount_out > MAX_TRADE_AMOUNT or amount_in > MAX_TRADE_AMOUNT:
        self._fail("vault: amount too large")
    state: uint256 = self._accrue()
    supply: uint256 = erc20._supply()
    if supply == 0:
        self._fail("vault: no supply")
    scale: uint256 = supply * (state & MULTIPLIER_MASK)
    count: uint256 = (state >> COUNT_SHIFT) & COUNT_MASK

    # Slots of both tokens (count if absent), zero-unit slots included.
    slot_out: uint256 = self._slot_of[token_out]
    if slot_out == 0:
        self._fail("vault: not a component")
    index_out: uint256 = slot_out - 1
    index_in: uint256 = self._slot_of[token_in]
    index_in = count if index_in == 0 else index_in - 1

    # Round up: the sold unit falls by at least what left the vault.
    unit_out: uint256 = self._positions[index_out] >> UNIT_SHIFT
    fall: uint256 = (amount_out * UNIT_SCALE + scale - 1) // scale
    if fall > unit_out:
        self._fail("vault: sells more than backed")
    unit_out -= fall
    if unit_out > floor_unit_out and (unit_out - floor_unit_out) * scale < UNIT_SCALE:
        unit_out = floor_unit_out
    # Round down: the bought unit rises by at most what came in.
    unit_in: uint256 = 0
    if index_in < count:
        unit_in = self._positions[index_in] >> UNIT_SHIFT
    unit_in = min(unit_in + amount_in * UNIT_SCALE // scale, max(cap_unit_in, unit_in))
    if unit_in > MAX_UNIT:
        self._fail("vault: unit too large")
    # A token not yet listed must be a contract, as at deployment.
    if index_in >= count and not token_in.is_contract:
        self._fail("vault: component has no code")

    before: uint256 = staticcall IERC20(token_in).balanceOf(self)
    if amount_out != 0:
        # Claims are paid first: whatever the units say (a balance lost and
        # not synced yet), the vault sends out only what it holds beyond them.
        if staticcall IERC20(token_out).balanceOf(self) < self.total_claims[token_out] + amount_out:
            self._fail("vault: sells claimed balance")
        if not extcall IERC20(token_out).transfer(receiver, amount_out, default_return_value=True):
            self._fail("vault: transfer failed")
    if len(data) == 0:
        if not extcall IERC20(token_in).transferFrom(payer, self, amount_in, default_return_value=True):
            self._fail("vault: transfer failed")
    else:
        extcall IRebalanceCallback(payer).on_rebalance_bid(token_out, amount_out, token_in, amount_in, data)
    if staticcall IERC20(token_in).balanceOf(self) < before + amount_in:
        self._fail("vault: bid not paid")
    # The list only grows: an emptied slot stays (unit 0), so no index a
    # caller quoted ever names another token.
    self._positions[index_out] = convert(token_out, uint256) | (unit_out << UNIT_SHIFT)
    if index_in < count:
        self._positions[index_in] = convert(token_in, uint256) | (unit_in << UNIT_SHIFT)
    elif unit_in != 0:
        if count >= MAX_COMPONENTS:
            self._fail("vault: too many components")
        self._positions[count] = convert(token_in, uint256) | (unit_in << UNIT_SHIFT)
        self._slot_of[token_in] = count + 1
        # Read again: the bidder's callback may have paused minting or set
        # fees (both write this slot); only the count changes here.
        erc20._word += 1 << COUNT_SHIFT
    log Traded(
        token_out=token_out,
        token_in=token_in,
        amount_out=amount_out,
        amount_in=amount_in,
        unit_out=unit_out,
        unit_in=unit_in,
    )
    self._locked = False


@external
def set_fees(mint_fee: uint256, redeem_fee: uint256, streaming_fee: uint256):
    """
    @notice Sets the fees (WAD fractions; streaming is per year), each at
            most its maximum fixed at deployment. Admin only. The streaming
            fee is accrued at the old rate first.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._accrue()
    self._set_fees(mint_fee, redeem_fee, streaming_fee)


@external
def set_fee_recipient(fee_recipient: address):
    """
    @notice Sets who receives fees. Admin only. Accrued streaming fees go
            to the old recipient first.
    """
    access_control._check_role(access_control.DEFAULT_ADMIN_ROLE, msg.sender)
    self._accrue()
    self._set_fee_recipient(fee_recipient)


@external
def set_supply_cap(supply_cap: uint256):
    """
    @notice Sets the largest total supply minting may reach. Manager only.
            A cap below the current supply stops minting, never redemption.
    """
    access_control._check_role(MANAGER_ROLE, msg.sender)
    self._set_supply_cap(supply_cap)


@external
def set_mint_paused(paused: bool):
    """
    @notice Pauses or resumes minting. Guardian only. Redemption is never
            paused.
    """
    access_control._check_role(GUARDIAN_ROLE, msg.sender)
    state: uint256 = erc20._word
    if paused:
        erc20._word = state | (1 << PAUSED_SHIFT)
    else:
        erc20._word = state & ~(1 << PAUSED_SHIFT)
    log MintPausedSet(paused=paused)


@external
@view
def max_mint_fee() -> uint256:
    """
    @notice Maximum mint fee (WAD fraction of the shares minted), fixed at initialization.
    """
    return self._max_fees & FEE_MASK


@external
@view
def max_redeem_fee() -> uint256:
    """
    @notice Maximum redeem fee (WAD fraction of the shares redeemed), fixed at initialization.
    """
    return (self._max_fees >> REDEEM_FEE_SHIFT) & FEE_MASK


@external
@view
def max_streaming_fee() -> uint256:
    """
    @notice Maximum streaming fee (WAD fraction of supply a year), fixed at initialization.
    """
    return (self._max_fees >> STREAMING_FEE_SHIFT) & FEE_MASK


@external
@view
def mint_paused() -> bool:
    """
    @notice Whether minting is paused.
    """
    return (erc20._word >> PAUSED_SHIFT) & 1 == 1


@external
@view
def multiplier() -> uint256:
    """
    @notice The stored unit multiplier (WAD), before any pending accrual.
    """
    return erc20._word & MULTIPLIER_MASK


@external
@view
def last_fee_accrual() -> uint256:
    """
    @notice Timestamp of the last streaming fee accrual.
    """
    return (erc20._word >> ACCRUAL_SHIFT) & ACCRUAL_MASK


@external
@view
def component_count() -> uint256:
    """
    @notice Number of component slots: the length of every per-component
            array (`components`, `units`, `backing`, `amounts_for_*`, and
            the amounts `mint` and `redeem` take). Includes components that
            left the basket (unit 0); only ever grows.
    """
    return (erc20._word >> COUNT_SHIFT) & COUNT_MASK


@external
@view
def mint_fee() -> uint256:
    """
    @notice Mint fee, WAD fraction of the shares minted.
    """
    return self._fees & FEE_MASK


@external
@view
def redeem_fee() -> uint256:
    """
    @notice Redeem fee, WAD fraction of the shares redeemed.
    """
    return (self._fees >> REDEEM_FEE_SHIFT) & FEE_MASK


@external
@view
def streaming_fee() -> uint256:
    """
    @notice Streaming fee, WAD fraction of supply a year.
    """
    return (self._fees >> STREAMING_FEE_SHIFT) & FEE_MASK


@external
@view
def position(index: uint256) -> (address, uint256):
    """
    @notice Component `index`: its token and base unit (per 1e18 shares,
            before the multiplier); unit 0 if it left the basket.
    """
    if index >= (erc20._word >> COUNT_SHIFT) & COUNT_MASK:
        self._fail("vault: no such component")
    position: uint256 = self._positions[index]
    return convert(position & TOKEN_MASK, address), position >> UNIT_SHIFT


@external
@view
def components() -> DynArray[address, MAX_COMPONENTS]:
    """
    @notice The component tokens, one per slot in slot order, including
            those that left the basket (unit 0 in `units()`).
    """
    count: uint256 = (erc20._word >> COUNT_SHIFT) & COUNT_MASK
    result: DynArray[address, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        result.append(convert(self._positions[i] & TOKEN_MASK, address))
    return result


@external
@view
def trade_basis(token: address) -> (uint256, uint256, uint256):
    """
    @notice What a rebalancing trade of `token` is measured against now:
            its base unit (0 if not a component or it left the basket),
            and the supply and
            multiplier once the pending streaming fee accrues.
    """
    unit: uint256 = 0
    slot: uint256 = self._slot_of[token]
    if slot != 0:
        unit = self._positions[slot - 1] >> UNIT_SHIFT
    supply: uint256 = 0
    multiplier: uint256 = 0
    supply, multiplier = self._preview_accrual()
    return unit, supply, multiplier


@external
@view
def units() -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Each component's amount per 1e18 shares now, pending streaming
            fee included, rounded down (what redeeming 1e18 shares pays
            before the redeem fee). One per slot, 0 for a component that
            left the basket, as every per-component array here.
    """
    supply: uint256 = 0
    multiplier: uint256 = 0
    supply, multiplier = self._preview_accrual()
    return self._amounts(WAD, multiplier, False)


@external
@view
def backing() -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice Each component's amount owed to all shares together (rounded
            down). Streaming fees move value between holders, not out of the
            vault, so this does not depend on pending accrual.
    """
    return self._amounts(erc20._supply(), erc20._word & MULTIPLIER_MASK, False)


@external
@view
def amounts_for_mint(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice What `mint(shares, ...)` pulls now, mint fee included.
    """
    supply: uint256 = 0
    multiplier: uint256 = 0
    supply, multiplier = self._preview_accrual()
    if shares > MAX_SUPPLY:
        self._fail("vault: supply cap exceeded")
    total: uint256 = shares + self._fee_on(shares, self._fees & FEE_MASK)
    return self._amounts(total, multiplier, True)


@external
@view
def amounts_for_redeem(shares: uint256) -> DynArray[uint256, MAX_COMPONENTS]:
    """
    @notice What `redeem(shares, ...)` pays now, redeem fee deducted.
    """
    supply: uint256 = 0
    multiplier: uint256 = 0
    supply, multiplier = self._preview_accrual()
    # Nobody holds more than the supply, and MAX_SUPPLY keeps the product in range.
    if shares > max(supply, MAX_SUPPLY):
        self._fail("vault: shares above supply")
    net: uint256 = shares - self._fee_on(shares, (self._fees >> REDEEM_FEE_SHIFT) & FEE_MASK)
    return self._amounts(net, multiplier, False)


@internal
def _initialize(
    name_: String[25],
    symbol_: String[5],
    tokens_: DynArray[address, MAX_COMPONENTS],
    units_: DynArray[uint256, MAX_COMPONENTS],
    admin_: address,
    manager_: address,
    guardian_: address,
    fee_recipient_: address,
    fees_: uint256[3],
    max_fees_: uint256[3],
    supply_cap_: uint256,
):
    erc20._init(name_, symbol_)

    count: uint256 = len(tokens_)
    if count == 0:
        self._fail("vault: no components")
    if len(units_) != count:
        self._fail("vault: units length mismatch")
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        token: address = tokens_[i]
        if token == empty(address):
            self._fail("vault: zero token")
        if not token.is_contract:
            self._fail("vault: component has no code")
        if units_[i] == 0:
            self._fail("vault: zero unit")
        if units_[i] > MAX_UNIT:
            self._fail("vault: unit too large")
        # An earlier component has its slot recorded already.
        if self._slot_of[token] != 0:
            self._fail("vault: duplicate component")
        self._positions[i] = convert(token, uint256) | (units_[i] << UNIT_SHIFT)
        self._slot_of[token] = i + 1

    if max_fees_[0] > FEE_CEILING:
        self._fail("vault: max mint fee too high")
    if max_fees_[1] > FEE_CEILING:
        self._fail("vault: max redeem fee too high")
    if max_fees_[2] > STREAMING_FEE_CEILING:
        self._fail("vault: max streaming fee too high")
    self._max_fees = max_fees_[0] | (max_fees_[1] << REDEEM_FEE_SHIFT) | (max_fees_[2] << STREAMING_FEE_SHIFT)

    erc20._word = WAD | (block.timestamp << ACCRUAL_SHIFT) | (count << COUNT_SHIFT)
    self._set_fees(fees_[0], fees_[1], fees_[2])
    self._set_fee_recipient(fee_recipient_)
    self._set_supply_cap(supply_cap_)

    # A zero role holder would lock that role away for good.
    if admin_ == empty(address):
        self._fail("vault: zero admin")
    if manager_ == empty(address):
        self._fail("vault: zero manager")
    if guardian_ == empty(address):
        self._fail("vault: zero guardian")
    access_control._grant_role(access_control.DEFAULT_ADMIN_ROLE, admin_)
    access_control._grant_role(MANAGER_ROLE, manager_)
    access_control._grant_role(GUARDIAN_ROLE, guardian_)


@internal
@pure
def _fail(reason: String[34]):
    """
    @dev Reverts with `reason`. Every check's revert goes through this one
         block instead of each inlining its own reason encoding (about 110
         bytes a site): the condition is tested inline, so a call that
         passes costs what an `assert` does.
    """
    raise reason


@internal
def _lock():
    if self._locked:
        self._fail("vault: reentrant call")
    self._locked = True


@internal
@view
def _free(token: address) -> uint256:
    """
    @dev What the vault holds of `token` beyond outstanding claims; the
         largest uint256 when `balanceOf` fails (a broken token: no cap,
         so a skip is never blocked).
    """
    ok: bool = False
    response: Bytes[32] = b""
    ok, response = raw_call(
        token,
        abi_encode(self, method_id=method_id("balanceOf(address)")),
        max_outsize=32,
        is_static_call=True,
        revert_on_failure=False,
    )
    if not ok or len(response) < 32:
        return max_value(uint256)
    held: uint256 = abi_decode(response, uint256)
    return held - min(held, self.total_claims[token])


@internal
def _pay_claim(token: address, owner: address, receiver: address) -> uint256:
    """
    @dev Pays `owner`'s whole claim on `token` to `receiver`, clearing it
         first (checks-effects-interactions).
    """
    amount: uint256 = self.claims[token][owner]
    if amount == 0:
        self._fail("vault: no claim")
    self.claims[token][owner] = 0
    self.total_claims[token] -= amount
    if not extcall IERC20(token).transfer(receiver, amount, default_return_value=True):
        self._fail("vault: transfer failed")
    return amount


@internal
@view
def _amounts(shares: uint256, multiplier: uint256, roundup: bool) -> DynArray[uint256, MAX_COMPONENTS]:
    count: uint256 = (erc20._word >> COUNT_SHIFT) & COUNT_MASK
    result: DynArray[uint256, MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=MAX_COMPONENTS):
        product: uint256 = shares * (self._positions[i] >> UNIT_SHIFT) * multiplier
        if roundup:
            result.append((product + UNIT_SCALE - 1) // UNIT_SCALE)
        else:
            result.append(product // UNIT_SCALE)
    return result


@internal
@pure
def _fee_on(shares: uint256, fee: uint256) -> uint256:
    # Round up: fees never round to the payer's favour.
    return (shares * fee + WAD - 1) // WAD


@internal
@view
def _preview_accrual() -> (uint256, uint256):
    """
    @dev Supply and multiplier after accruing the streaming fee up to now.
         The fee dilutes: `fee_shares = supply * f / (1 - f)` go to the fee
         recipient and the multiplier falls by `supply / new_supply`
         (rounded down), so the basket owed to all shares never grows.
         At most one year accrues per call, in holders' favour. Where the
         multiplier would fall below MIN_MULTIPLIER, only the fee that
         takes it to the floor is charged (`new_supply = supply * m /
         MIN_MULTIPLIER`, rounded down, leaves it at or just above it);
         from there on nothing is.
    """
    state: uint256 = erc20._word
    supply: uint256 = erc20._supply()
    multiplier: uint256 = state & MULTIPLIER_MASK
    rate: uint256 = (self._fees >> STREAMING_FEE_SHIFT) & FEE_MASK
    elapsed: uint256 = block.timestamp - ((state >> ACCRUAL_SHIFT) & ACCRUAL_MASK)
    if rate == 0 or elapsed == 0 or supply == 0:
        return supply, multiplier
    fraction: uint256 = rate * min(elapsed, YEAR) // YEAR
    fee_shares: uint256 = supply * fraction // (WAD - fraction)
    new_supply: uint256 = supply + fee_shares
    new_multiplier: uint256 = multiplier * supply // new_supply
    if new_multiplier < MIN_MULTIPLIER:
        new_supply = supply * multiplier // MIN_MULTIPLIER
        new_multiplier = multiplier * supply // new_supply
    return new_supply, new_multiplier


@internal
def _accrue() -> uint256:
    """
    @dev Accrues the streaming fee and returns the hot state slot.
         With no fee rate nothing is written: `_set_fees` restarts the
         clock whenever the rate changes.
    """
    state: uint256 = erc20._word
    last: uint256 = (state >> ACCRUAL_SHIFT) & ACCRUAL_MASK
    if last == block.timestamp or (self._fees >> STREAMING_FEE_SHIFT) & FEE_MASK == 0:
        return state
    supply: uint256 = erc20._supply()
    new_supply: uint256 = 0
    multiplier: uint256 = 0
    new_supply, multiplier = self._preview_accrual()
    state = (state & ~(2**COUNT_SHIFT - 1)) | multiplier | (block.timestamp << ACCRUAL_SHIFT)
    erc20._word = state
    fee_shares: uint256 = new_supply - supply
    if fee_shares != 0:
        erc20._mint(self.fee_recipient, fee_shares)
        log FeesAccrued(fee_shares=fee_shares, multiplier=multiplier)
    return state


@internal
def _set_fees(mint_fee: uint256, redeem_fee: uint256, streaming_fee: uint256):
    max_fees: uint256 = self._max_fees
    if mint_fee > max_fees & FEE_MASK:
        self._fail("vault: mint fee above maximum")
    if redeem_fee > (max_fees >> REDEEM_FEE_SHIFT) & FEE_MASK:
        self._fail("vault: redeem fee above maximum")
    if streaming_fee > (max_fees >> STREAMING_FEE_SHIFT) & FEE_MASK:
        self._fail("vault: streaming fee above maximum")
    self._fees = mint_fee | (redeem_fee << REDEEM_FEE_SHIFT) | (streaming_fee << STREAMING_FEE_SHIFT)
    # Restart the streaming clock: what accrued before was charged at the old rate.
    erc20._word = (erc20._word & ~(ACCRUAL_MASK << ACCRUAL_SHIFT)) | (block.timestamp << ACCRUAL_SHIFT)
    log FeesSet(mint_fee=mint_fee, redeem_fee=redeem_fee, streaming_fee=streaming_fee)


@internal
def _set_fee_recipient(fee_recipient: address):
    if fee_recipient == empty(address):
        self._fail("vault: zero fee recipient")
    self.fee_recipient = fee_recipient
    log FeeRecipientSet(fee_recipient=fee_recipient)


@internal
def _set_supply_cap(supply_cap: uint256):
    if supply_cap > MAX_SUPPLY:
        self._fail("vault: cap above maximum")
    self.supply_cap = supply_cap
    log SupplyCapSet(supply_cap=supply_cap)
