# Everything a new clone needs, from Python 3.11, Node.js and make alone.
# `make demo` and `make test` install what is missing (quickly when present).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed
BUILD := .build/__local__.json
CONTRACTS := $(shell find contracts -name '*.vy' -o -name '*.vyi')
# The venv's tools (ape, and vyper, which ape-vyper finds on PATH) and the
# anvil binary shipped inside the npm package; one known-harmless warning of
# ape-vyper's config model silenced.
RUN := PYTHONWARNINGS=ignore::UserWarning:pydantic_settings.sources.utils PATH="$(CURDIR)/$(VENV)/bin:$$(echo $(CURDIR)/node_modules/@foundry-rs/anvil-*/bin):$$PATH"

MARKET_DATE ?= 2024-01-01
MARKET_SIZE ?= 20
MARKET := markets/$(MARKET_DATE)/state.json
MARKET_SOURCES := $(wildcard indexvault/market/*.py) $(wildcard indexvault/data/*)

.PHONY: install demo test test-contracts test-integration bench bench-market bench-rebalance bench-oneasset bench-fuzz \
	anvil market market-node rebalance-demo fuzz rehearsal bench-factory clean

install: $(STAMP_PY) $(STAMP_NODE) $(BUILD)

$(STAMP_PY): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required"; exit 1; }
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(STAMP_NODE): package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Ape's incremental compile has been seen to keep a changed contract's old
# bytecode; rebuild everything whenever any contract or interface changes.
$(BUILD): $(CONTRACTS) $(STAMP_PY)
	$(RUN) ape compile --force
	touch $@

# Deploy a 5-component index on a fresh anvil, mint, show status, redeem; anvil stops at the end.
demo: install
	$(RUN) APE_FOUNDRY_HOST=auto ape run demo --network ethereum:local:foundry -v WARNING

# Contract unit and property tests (titanoboa), the market from its saved state,
# then the scripts end to end on anvil.
test: install $(MARKET)
	$(RUN) pytest -p no:ape_test tests -q

test-contracts: install
	$(RUN) pytest -p no:ape_test tests/contracts -q

test-integration: install
	$(RUN) pytest -p no:ape_test tests/integration -q

# Gas, side by side with Set Protocol v2 and the floor; writes benchmarks/results/.
bench: install
	$(RUN) APE_FOUNDRY_HOST=auto ape run bench --network ethereum:local:foundry

# A long-running local node for `ape run deploy|mint|redeem|status` (Ctrl-C stops it).
anvil: install
	$(RUN) anvil

# The local market of MARKET_DATE (top 20 assets, Uniswap V2 and V3), built once and
# saved in markets/; rebuilt when the market code or the data change.
market: $(MARKET)
$(MARKET): $(MARKET_SOURCES) $(BUILD) | install
	$(RUN) ape run market build --date $(MARKET_DATE) --size $(MARKET_SIZE)

# A long-running node serving the saved market on 127.0.0.1:8545 (Ctrl-C stops it).
market-node: $(MARKET)
	$(RUN) ape run market serve --date $(MARKET_DATE)

# Build, restore and replay timings; writes benchmarks/results/market.json.
bench-market: $(MARKET)
	$(RUN) python benchmarks/market.py

# A 10-component, 10M USD index rebalanced from the 2024-01-01 to the 2024-02-01 targets
# through auctions the keeper fills against the market's pools; writes rebalance.json.
rebalance-demo: $(MARKET)
	$(RUN) ape run rebalance_demo -v WARNING

# A keeper's auction fill against a bare Router02 swap and Set v2's GeneralIndexModule trade.
bench-rebalance: $(MARKET)
	$(RUN) python benchmarks/rebalance_gas.py

# One-asset mint and redeem through the router against in-kind plus separate swaps.
bench-oneasset: $(MARKET)
	$(RUN) python benchmarks/oneasset.py

# The fuzz engine's operations a second against Ape's, in one run; writes fuzz.json.
bench-fuzz: $(MARKET)
	$(RUN) python benchmarks/fuzz.py

# A long fuzz campaign on the saved market, with a progress bar and a report (FUZZ_OPS operations).
FUZZ_OPS ?= 1000000
fuzz: $(MARKET)
	$(RUN) ape run fuzz --ops $(FUZZ_OPS)

# The testnet path on anvil with Sepolia's chain id (about 80 s): a keystore account, the factory,
# an index cut off and resumed, mint, redeem, a fee change through the timelock.
rehearsal: install
	$(RUN) ape run rehearsal

# Gas of launching an index through IndexFactory against Set v2's SetTokenCreator.create; writes factory.json.
bench-factory: install
	$(RUN) python benchmarks/factory_gas.py

clean:
	rm -rf .build .pytest_cache .hypothesis
