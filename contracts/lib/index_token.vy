# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Initializable ERC-20 with EIP-2612 permit
@custom:contract-name index_token
@license MIT
@notice The index token, for a vault that is a minimal proxy (EIP-1167)
        over one shared implementation: snekmate's `erc20` with its
        behaviour and revert reasons, but name, symbol and the EIP-712
        domain's name in storage instead of immutables (an implementation's
        immutables are the same for every clone). The domain separator is
        built from the running contract's own address (`self`, the clone's
        under a delegatecall) and `chain.id` at each call, so a signature
        for one index is never valid for another, nor on another chain.

        Decimals are 18, the EIP-712 version "1". Minting and burning are
        internal only (`_mint`, `_burn`); no owner, no minter role. Reuses
        snekmate's `ecdsa` (signature recovery, malleability checks) and
        `message_hash_utils` (the EIP-712 digest).
"""

from ethereum.ercs import IERC20
from snekmate.utils import ecdsa
from snekmate.utils import message_hash_utils


# @dev The 32-byte type hash of the `permit` function.
_PERMIT_TYPE_HASH: constant(bytes32) = keccak256(
    "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
)
# @dev EIP-712 domain type hash and the version's hash ("1").
_TYPE_HASH: constant(bytes32) = keccak256(
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
)
_VERSION: constant(String[20]) = "1"
_HASHED_VERSION: constant(bytes32) = keccak256(_VERSION)

decimals: public(constant(uint8)) = 18

name: public(String[25])
symbol: public(String[5])
balanceOf: public(HashMap[address, uint256])
allowance: public(HashMap[address, HashMap[address, uint256]])
# @dev The total supply in bits 128-255; bits 0-127 belong to the importing
# contract (the vault's hot state), so that one cold read gives both and
# a mint or redeem writes one slot, not two.
_word: uint256
SUPPLY_SHIFT: constant(uint256) = 128
LOW_MASK: constant(uint256) = 2**128 - 1
nonces: public(HashMap[address, uint256])
# @dev keccak256 of the name, the EIP-712 domain's name hash.
_hashed_name: bytes32


@deploy
def __init__():
    pass


@external
@view
def totalSupply() -> uint256:
    return self._word >> SUPPLY_SHIFT


@external
def transfer(to: address, amount: uint256) -> bool:
    self._transfer(msg.sender, to, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    self._approve(msg.sender, spender, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    self._spend_allowance(owner, msg.sender, amount)
    self._transfer(owner, to, amount)
    return True


@external
def permit(owner: address, spender: address, amount: uint256, deadline: uint256, v: uint8, r: bytes32, s: bytes32):
    """
    @notice EIP-2612: sets `amount` as `spender`'s allowance over
            `owner`'s tokens, given `owner`'s signature over this
            contract's EIP-712 domain and `owner`'s current nonce.
    """
    assert block.timestamp <= deadline, "erc20: expired deadline"
    current_nonce: uint256 = self.nonces[owner]
    self.nonces[owner] = unsafe_add(current_nonce, 1)
    struct_hash: bytes32 = keccak256(abi_encode(_PERMIT_TYPE_HASH, owner, spender, amount, current_nonce, deadline))
    hash: bytes32 = message_hash_utils._to_typed_data_hash(self._domain_separator(), struct_hash)
    signer: address = ecdsa._recover_vrs(hash, convert(v, uint256), convert(r, uint256), convert(s, uint256))
    assert signer == owner, "erc20: invalid signature"
    self._approve(owner, spender, amount)


@external
@view
def DOMAIN_SEPARATOR() -> bytes32:
    """
    @notice The EIP-712 domain separator for this contract on this chain.
    """
    return self._domain_separator()


@external
@view
def eip712Domain() -> (bytes1, String[50], String[20], uint256, address, bytes32, DynArray[uint256, 32]):
    """
    @notice EIP-5267: the fields of this contract's EIP-712 domain.
    """
    return (0x0f, self.name, _VERSION, chain.id, self, empty(bytes32), empty(DynArray[uint256, 32]))


@internal
def _init(name_: String[25], symbol_: String[5]):
    """
    @dev Sets the name, symbol and the domain's name hash: once, from the
         vault's constructor or initializer.
    """
    self.name = name_
    self.symbol = symbol_
    self._hashed_name = keccak256(name_)


@internal
@view
def _supply() -> uint256:
    return self._word >> SUPPLY_SHIFT


@internal
@view
def _domain_separator() -> bytes32:
    return keccak256(abi_encode(_TYPE_HASH, self._hashed_name, _HASHED_VERSION, chain.id, self))


@internal
def _transfer(owner: address, to: address, amount: uint256):
    assert owner != empty(address), "erc20: transfer from the zero address"
    assert to != empty(address), "erc20: transfer to the zero address"
    owner_balance: uint256 = self.balanceOf[owner]
    assert owner_balance >= amount, "erc20: transfer amount exceeds balance"
    self.balanceOf[owner] = unsafe_sub(owner_balance, amount)
    self.balanceOf[to] = unsafe_add(self.balanceOf[to], amount)
    log IERC20.Transfer(sender=owner, receiver=to, value=amount)


@internal
def _mint(owner: address, amount: uint256):
    assert owner != empty(address), "erc20: mint to the zero address"
    word: uint256 = self._word
    supply: uint256 = (word >> SUPPLY_SHIFT) + amount
    assert supply <= LOW_MASK, "erc20: supply overflow"
    self._word = (word & LOW_MASK) | (supply << SUPPLY_SHIFT)
    self.balanceOf[owner] = unsafe_add(self.balanceOf[owner], amount)
    log IERC20.Transfer(sender=empty(address), receiver=owner, value=amount)


@internal
def _burn(owner: address, amount: uint256):
    assert owner != empty(address), "erc20: burn from the zero address"
    account_balance: uint256 = self.balanceOf[owner]
    assert account_balance >= amount, "erc20: burn amount exceeds balance"
    self.balanceOf[owner] = unsafe_sub(account_balance, amount)
    # The supply is at least any balance: no underflow into the low bits.
    self._word = unsafe_sub(self._word, amount << SUPPLY_SHIFT)
    log IERC20.Transfer(sender=owner, receiver=empty(address), value=amount)


@internal
def _approve(owner: address, spender: address, amount: uint256):
    assert owner != empty(address), "erc20: approve from the zero address"
    assert spender != empty(address), "erc20: approve to the zero address"
    self.allowance[owner][spender] = amount
    log IERC20.Approval(owner=owner, spender=spender, value=amount)


@internal
def _spend_allowance(owner: address, spender: address, amount: uint256):
    current_allowance: uint256 = self.allowance[owner][spender]
    if current_allowance < max_value(uint256):
        assert current_allowance >= amount, "erc20: insufficient allowance"
        self._approve(owner, spender, unsafe_sub(current_allowance, amount))
