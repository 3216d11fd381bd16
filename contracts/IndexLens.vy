# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Index lens
@license MIT
@notice Reporting views over any IndexVault, kept out of the vault so the
        contract that holds the basket stays small (EIP-170): what
        dashboards, keepers and scripts read, computed from the vault's own
        views. Stateless and ownerless: one lens per network serves every
        vault, each view taking the vault's address.

        No contract relies on the lens for value: mint, redeem, trade and
        the oracle adapter read the vault itself. The views that other
        contracts call on-chain (`components`, `units`, `backing`,
        `amounts_for_mint`, `amounts_for_redeem`, `trade_basis`) stay in the
        vault.

        Trust model: none. Nothing here writes state or holds funds.
"""

from ethereum.ercs import IERC20

# @dev The basket's shared constants (stateless: constants only).
from lib import basket


interface IIndexVault:
    def component_count() -> uint256: view
    def position(index: uint256) -> (address, uint256): view
    def trade_basis(token: address) -> (uint256, uint256, uint256): view
    def total_claims(token: address) -> uint256: view


@external
@view
def solvency(
    vault: IIndexVault,
) -> (DynArray[uint256, basket.MAX_COMPONENTS], DynArray[uint256, basket.MAX_COMPONENTS]):
    """
    @notice Per slot of `vault`, what it holds of each component (its
            balance) and what it owes: the backing of all shares once the
            pending streaming fee accrues, rounded up, plus outstanding
            claims. Held below owed is exactly when `vault.sync` writes the
            unit down; held above owed is surplus (a donation, rounding) no
            share is owed.
    @param vault An IndexVault.
    @return held, owed: one each per slot (`vault.component_count()`).
    """
    supply: uint256 = 0
    multiplier: uint256 = 0
    ignored: uint256 = 0
    ignored, supply, multiplier = staticcall vault.trade_basis(empty(address))
    count: uint256 = staticcall vault.component_count()
    held: DynArray[uint256, basket.MAX_COMPONENTS] = []
    owed: DynArray[uint256, basket.MAX_COMPONENTS] = []
    for i: uint256 in range(count, bound=basket.MAX_COMPONENTS):
        token: address = empty(address)
        unit: uint256 = 0
        token, unit = staticcall vault.position(i)
        held.append(staticcall IERC20(token).balanceOf(vault.address))
        backing: uint256 = (supply * unit * multiplier + basket.UNIT_SCALE - 1) // basket.UNIT_SCALE
        owed.append(backing + staticcall vault.total_claims(token))
    return held, owed


@external
@view
def total_supply_after_accrual(vault: IIndexVault) -> uint256:
    """
    @notice `vault`'s total supply once the pending streaming fee is minted.
    @param vault An IndexVault.
    """
    ignored: uint256 = 0
    supply: uint256 = 0
    multiplier: uint256 = 0
    ignored, supply, multiplier = staticcall vault.trade_basis(empty(address))
    return supply
