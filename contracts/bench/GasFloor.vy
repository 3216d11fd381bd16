# pragma version ~=0.4.3
# pragma nonreentrancy off
"""
@title Gas floor for in-kind issuance, for the benchmark only
@notice The least an in-kind index can do: read one packed (token, unit)
        slot per component, move the tokens with transferFrom/transfer, and
        credit or debit the index balance. No fees, checks or events of its
        own. The benchmark measures the vault against it.
"""


interface IToken:
    def transferFrom(owner: address, to: address, amount: uint256) -> bool: nonpayable
    def transfer(to: address, amount: uint256) -> bool: nonpayable


MAX_COMPONENTS: constant(uint256) = 128

# @dev token (low 160 bits) | unit per 1e18 shares (high 96 bits).
positions: uint256[MAX_COMPONENTS]
# @dev Number of components.
count: uint256
# @dev Index balances.
balanceOf: public(HashMap[address, uint256])
totalSupply: public(uint256)


@deploy
def __init__(tokens: DynArray[address, MAX_COMPONENTS], units: DynArray[uint256, MAX_COMPONENTS]):
    for i: uint256 in range(len(tokens), bound=MAX_COMPONENTS):
        self.positions[i] = convert(tokens[i], uint256) | (units[i] << 160)
    self.count = len(tokens)


@external
def mint(shares: uint256):
    for i: uint256 in range(self.count, bound=MAX_COMPONENTS):
        position: uint256 = self.positions[i]
        extcall IToken(convert(position & (2**160 - 1), address)).transferFrom(
            msg.sender, self, (shares * (position >> 160) + 10**18 - 1) // 10**18
        )
    self.balanceOf[msg.sender] += shares
    self.totalSupply += shares


@external
def redeem(shares: uint256):
    self.balanceOf[msg.sender] -= shares
    self.totalSupply -= shares
    for i: uint256 in range(self.count, bound=MAX_COMPONENTS):
        position: uint256 = self.positions[i]
        extcall IToken(convert(position & (2**160 - 1), address)).transfer(
            msg.sender, shares * (position >> 160) // 10**18
        )
