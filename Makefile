# Everything a new clone needs, from Python 3.11, Node.js and make alone.
# `make demo` and `make test` install what is missing (quickly when present).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP_PY := $(VENV)/.installed
STAMP_NODE := node_modules/.installed
# The linters live in their own venv: mamushi pins a click that Ape cannot use.
LINT_VENV := .venv-lint
STAMP_LINT := $(LINT_VENV)/.installed
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

.PHONY: install lint layers format demo test test-contracts test-integration bench bench-market bench-rebalance bench-oneasset bench-fuzz \
	anvil market market-node rebalance-demo fuzz rehearsal bench-factory bench-matrix clean

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
# bytecode; rebuild everything whenever any contract or interface changes,
# or ape-config.yaml (it chooses what the build keeps).
$(BUILD): $(CONTRACTS) ape-config.yaml $(STAMP_PY)
	$(RUN) ape compile --force
	touch $@

# Deploy a 5-component index on a fresh anvil, mint, show status, redeem; anvil stops at the end.
demo: install
	$(RUN) APE_FOUNDRY_HOST=auto ape run demo --network ethereum:local:foundry -v WARNING

$(STAMP_LINT): tools/lint-requirements.txt
	@test -n "$(PYTHON)" || { echo "Python 3.11 is required"; exit 1; }
	test -x $(LINT_VENV)/bin/python || $(PYTHON) -m venv $(LINT_VENV)
	$(LINT_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -r tools/lint-requirements.txt
	touch $@

# The contracts natrix checks (mocks and the gas floor implement interfaces they do not use whole).
# Rules off: NTX11 wants a leading underscore on every argument (not this code's style), NTX1 flags the
# memory frames that 128-component arrays need by design, NTX4 takes an internal function that calls
# out for one that only reads, NTX5 wants `decimals`/`version` pure where the Chainlink interface the
# oracle adapter implements says view (Vyper refuses the mismatch).
NATRIX_CONTRACTS := $(wildcard contracts/*.vy contracts/periphery/*.vy)
NATRIX_OFF := NTX1 NTX4 NTX5 NTX11

# Lint and format checks, part of `make test`: ruff (Python), mamushi and natrix (Vyper). natrix
# compiles each contract twice, one at a time (about 50 s of CPU): the contracts go to it in batches
# of four, one batch per core.
lint: $(STAMP_LINT) $(STAMP_PY)
	$(LINT_VENV)/bin/ruff check .
	$(LINT_VENV)/bin/ruff format --check .
	$(LINT_VENV)/bin/mamushi --check -l 120 contracts
	printf '%s\n' $(NATRIX_CONTRACTS) | PATH="$(CURDIR)/$(LINT_VENV)/bin:$$PATH" xargs -P $$(nproc) -n 4 \
		natrix lint -d $(NATRIX_OFF) \
		-p $$($(VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])') contracts --

# The layers contract in pyproject.toml ([tool.importlinter]), part of `make test`: pure modules stay off
# the chain, the product imports neither the benchmarks nor the tests.
LINT_IMPORTS ?= $(VENV)/bin/lint-imports
layers: $(STAMP_PY)
	PYTHONPATH=$(CURDIR) $(LINT_IMPORTS) --no-cache

# What `make lint` checks, fixed in place (review the diff).
format: $(STAMP_LINT)
	$(LINT_VENV)/bin/ruff check --fix .
	$(LINT_VENV)/bin/ruff format .
	$(LINT_VENV)/bin/mamushi -l 120 contracts

# Lint, then the contract unit and property tests (titanoboa), the market from its saved
# state, and the scripts end to end on anvil, on two workers (the end-to-end tests that use
# 127.0.0.1:8545 share one; see tests/conftest.py).
test: install lint layers $(MARKET)
	$(RUN) pytest -p no:ape_test tests -q -n 2 --dist loadgroup --durations=30

test-contracts: install
	$(RUN) pytest -p no:ape_test tests/contracts -q

test-integration: install
	$(RUN) pytest -p no:ape_test tests/e2e -q

# Every benchmark is `python -m benchmarks KIND` (benchmarks/README.md); each writes its JSON in benchmarks/results/.
# Gas, side by side with Set Protocol v2 and the floor (anvil on a random port; 8545 is left alone).
bench: install
	$(RUN) python -m benchmarks gas

# A long-running local node for `ape run deploy|mint|redeem|status` (Ctrl-C stops it). PORT=8546 starts a
# second one beside it; commands use it with APE_FOUNDRY_HOST=http://127.0.0.1:8546 (README, "Two local nodes").
PORT ?= 8545
anvil: install
	$(RUN) anvil --port $(PORT)

# The local market of MARKET_DATE (top 20 assets, Uniswap V2 and V3), built once and
# saved in markets/; rebuilt when the market code or the data change.
market: $(MARKET)
$(MARKET): $(MARKET_SOURCES) $(BUILD) | install
	$(RUN) ape run market build --date $(MARKET_DATE) --size $(MARKET_SIZE)

# A long-running node serving the saved market on 127.0.0.1:8545 (Ctrl-C stops it).
market-node: $(MARKET)
	$(RUN) ape run market serve --date $(MARKET_DATE) --port $(PORT)

# Build, restore and replay timings; writes benchmarks/results/market.json.
bench-market: $(MARKET)
	$(RUN) python -m benchmarks market

# A 10-component, 10M USD index rebalanced from the 2024-01-01 to the 2024-02-01 targets
# through auctions the keeper fills against the market's pools; writes rebalance.json.
rebalance-demo: $(MARKET)
	$(RUN) ape run rebalance_demo -v WARNING

# A keeper's auction fill against a bare Router02 swap and Set v2's GeneralIndexModule trade.
bench-rebalance: $(MARKET)
	$(RUN) python -m benchmarks rebalance

# One-asset mint and redeem through the router against in-kind plus separate swaps.
bench-oneasset: $(MARKET)
	$(RUN) python -m benchmarks oneasset

# The fuzz engine's operations a second against Ape's, in one run; writes fuzz.json.
bench-fuzz: $(MARKET)
	$(RUN) python -m benchmarks fuzz

# A long fuzz campaign on the saved market, with a progress bar and a report (FUZZ_OPS operations).
FUZZ_OPS ?= 1000000
fuzz: $(MARKET)
	$(RUN) ape run fuzz --ops $(FUZZ_OPS)

# The testnet path on anvil with Sepolia's chain id (about 3 min): a keystore account, the factory,
# an index cut off and resumed, mint, redeem, a fee change through the timelock, then the keepers
# (propose, rebalance, arbitrage) against pools found through the rehearsal's own address book.
rehearsal: install
	$(RUN) ape run rehearsal

# Gas of launching an index through IndexFactory against Set v2's SetTokenCreator.create; writes factory.json.
bench-factory: install
	$(RUN) python -m benchmarks factory

# Gas of mint, bid and redeem per cell of the extreme matrix (titanoboa); writes benchmarks/results/matrix.json.
bench-matrix: install
	$(RUN) python -m benchmarks matrix

clean:
	rm -rf .build .pytest_cache .hypothesis
