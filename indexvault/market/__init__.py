"""The local market: real tokens' decimals, Chainlink-style feeds and Uniswap
V2 and V3 pools seeded from real history on an anvil node, replayed day by
day, saved once and restored in seconds."""
