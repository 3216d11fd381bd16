"""Fixtures for the attack catalogue: the contract tests' named actors and
factories (`tests/contracts/conftest.py`) and the Rebalancer's USDC/WBTC/WETH
vault with a live auction (`tests/contracts/rebalance/conftest.py`), imported
rather than written again, with their per-module and per-test anchors."""

from tests.contracts.conftest import (  # noqa: F401  (fixtures, used by name)
    actors,
    admin,
    attacker,
    create_basket,
    create_feed,
    create_oracle,
    create_token,
    create_vault,
    depositor,
    fee_recipient,
    fund,
    guardian,
    isolated_module,
    isolated_test,
    manager,
    receiver,
)
from tests.contracts.rebalance.conftest import (  # noqa: F401
    create_rebalancer,
    env,
    keeper,
    propose,
    proposed,
    started,
)
