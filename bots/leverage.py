"""A Silverback bot running the leverage keeper: one round per block.

    silverback run leverage --network ethereum:local:foundry --account <alias>
    silverback run leverage --network ethereum:local:foundry   # no signer: simulate, sign nothing

The decisions are `indexvault.keepers.leverage.decide`, as under
`ape run keeper leverage`; the index is resolved once at startup (the
latest deployed on the network, or INDEXVAULT_INDEX) and kept in
`bot.state`. Each round reads the chain again (each product's position,
the NAV, the pools), so a restart or a failed rebalance needs nothing: the
next block's round decides afresh.
"""

import os

from ape import chain
from silverback import SilverbackBot

from indexvault.chain import load_deployment
from indexvault.keepers import leverage_chain

bot = SilverbackBot()


@bot.on_startup()
def resolve_index(startup_state):
    bot.state.index = load_deployment(os.environ.get("INDEXVAULT_INDEX"))["symbol"]


@bot.on_(chain.blocks)
def leverage_round(block):
    result = leverage_chain.round_on_network(bot.signer, bot.state.index)
    return {
        "products": len(result.decisions),
        "decided": sum(d.action is not None for d in result.decisions),
        "sent": result.acted,
        "gas": sum(s.gas_used or 0 for s in result.sent),
    }
