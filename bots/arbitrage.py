"""A Silverback bot running the arbitrage keeper: one round per block.

    silverback run arbitrage --network ethereum:local:foundry --account <alias>
    silverback run arbitrage --network ethereum:local:foundry   # no signer: simulate, sign nothing

The decisions are `indexvault.keepers.arbitrage.decide`, as under
`ape run keeper arbitrage`. At startup the bot resolves its index once (the
latest deployed on the network, or INDEXVAULT_INDEX; its pool created first
with `ape run keeper arbitrage --create-pool <USD>`), its market and, with a
signer, the IndexArbitrage it trades through, and keeps them in `bot.state`.
Each round reads the chain again, so a restart or a failed trade needs
nothing: the next block's round decides afresh.
"""

import os

from ape import chain
from silverback import SilverbackBot, StateSnapshot

from indexvault.bots import arbitrage_metrics
from indexvault.index import DeployedIndex
from indexvault.keepers.arbitrage_runner import NetworkKeeper

bot = SilverbackBot()


@bot.on_startup()
def resolve_index(startup_state: StateSnapshot):
    index = DeployedIndex.load(os.environ.get("INDEXVAULT_INDEX"))
    bot.state.keeper = NetworkKeeper.connect(bot.signer, index)


@bot.on_(chain.blocks)
def arbitrage_round(block):
    return arbitrage_metrics(bot.state.keeper.round())
