"""A Silverback bot running the arbitrage keeper: one round per block.

    silverback run arbitrage --network ethereum:local:foundry --account <alias>
    silverback run arbitrage --network ethereum:local:foundry   # no signer: simulate, sign nothing

The decisions are `indexvault.keepers.arbitrage.decide`, as under
`ape run keeper arbitrage`; the index is the latest deployed on the network
(or INDEXVAULT_INDEX), with its pool created first (`ape run keeper
arbitrage --create-pool <USD>`). Each round reads the chain again, so a
restart or a failed trade needs nothing: the next block's round decides afresh.
"""

import os

from ape import chain
from silverback import SilverbackBot

from indexvault.bots import arbitrage_metrics
from indexvault.keepers import arbitrage

bot = SilverbackBot()


@bot.on_(chain.blocks)
def arbitrage_round(block):
    result = arbitrage.round_on_network(bot.signer, os.environ.get("INDEXVAULT_INDEX"))
    return arbitrage_metrics(result)
