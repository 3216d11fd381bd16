"""A Silverback bot running the liquidation keeper: one round per block.

    silverback run liquidate --network ethereum:local:foundry --account <alias>
    silverback run liquidate --network ethereum:local:foundry   # no signer: simulate, sign nothing

The decisions are `indexvault.keepers.liquidate.decide`, as under
`ape run keeper liquidate`; the index is resolved once at startup (the
latest deployed on the network, or INDEXVAULT_INDEX) and kept in
`bot.state`. Each round reads the chain again (borrowers, positions,
prices, pools), so a restart or a failed liquidation needs nothing: the
next block's round decides afresh.
"""

import os

from ape import chain
from silverback import SilverbackBot

from indexvault.chain import load_deployment
from indexvault.keepers import liquidate_chain

bot = SilverbackBot()


@bot.on_startup()
def resolve_index(startup_state):
    bot.state.index = load_deployment(os.environ.get("INDEXVAULT_INDEX"))["symbol"]


@bot.on_(chain.blocks)
def liquidation_round(block):
    result = liquidate_chain.round_on_network(bot.signer, bot.state.index)
    return {
        "borrowers": len(result.snapshot.borrowers),
        "decided": len(result.decision.actions),
        "liquidated": result.liquidated,
        "profit": sum(s.profit or 0 for s in result.sent),
    }
