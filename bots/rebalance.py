"""A Silverback bot running the rebalance keeper: one round per block.

    silverback run rebalance --network ethereum:local:foundry --account <alias>
    silverback run rebalance --network ethereum:local:foundry   # no signer: simulate, sign nothing

The decisions are `indexvault.keepers.rebalance.decide`, as under
`ape run keeper rebalance`. At startup the bot resolves its index once (the
latest deployed on the network, or INDEXVAULT_INDEX) and its market, and
keeps them in `bot.state`. Each round reads the chain again, so a restart or
a failed fill needs nothing: the next block's round decides afresh.
"""

import os

from ape import chain
from silverback import SilverbackBot, StateSnapshot

from indexvault.bots import rebalance_metrics
from indexvault.index import DeployedIndex
from indexvault.keepers.runner import NetworkKeeper

bot = SilverbackBot()


@bot.on_startup()
def resolve_index(startup_state: StateSnapshot):
    index = DeployedIndex.load(os.environ.get("INDEXVAULT_INDEX"))
    bot.state.keeper = NetworkKeeper.connect(bot.signer, index)


@bot.on_(chain.blocks)
def rebalance_round(block):
    return rebalance_metrics(bot.state.keeper.round())
