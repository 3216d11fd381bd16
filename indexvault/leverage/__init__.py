"""Leveraged (2x) and inverse (-1x) index tokens on a lending market (Morpho Blue): the value math (`model`),
pure, the reference `contracts/periphery/LeveragedIndex.vy` is held to."""
