"""The index token as collateral on a lending market (Morpho Blue): the value math (`model`),
pure, and the chain side beside it."""
