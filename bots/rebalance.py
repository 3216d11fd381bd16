"""A Silverback bot running the rebalance keeper: one round per block.

    silverback run rebalance --network ethereum:local:foundry --account <alias>
    silverback run rebalance --network ethereum:local:foundry   # no signer: simulate, sign nothing

The decisions are `indexvault.keepers.rebalance.decide`, as under
`ape run keeper rebalance`; the index is the latest deployed on the network
(or INDEXVAULT_INDEX). Each round reads the chain again, so a restart or a
failed fill needs nothing: the next block's round decides afresh.
"""

import os

from ape import chain
from silverback import SilverbackBot

from indexvault.bots import rebalance_metrics
from indexvault.keepers import runner

bot = SilverbackBot()


@bot.on_(chain.blocks)
def rebalance_round(block):
    result = runner.round_on_network(bot.signer, os.environ.get("INDEXVAULT_INDEX"))
    return rebalance_metrics(result)
