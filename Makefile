# partext build and test entry points.
#   make / make release   build build/release/partext.duckdb_extension
#   make test             formatting and clippy, unit tests, sqllogictest files, integration and
#                         install-by-name tests on every supported host
#   make readme           every code block of README.md, the recipes under examples/ among them (also part of make test)
#   make run              demo: a generated dataset, a monthly manifest, month partitions as Parquet in ./out
#   make shell            an interactive DuckDB shell with partext loaded
#   make bench            benchmark harness, quick (20M rows, ~40 min with materialization beyond memory): bench/RESULTS.md, bench/ratios.png
#   make bench-full       the same at 100M rows and a 1 GB memory limit (~40 min)
#                         (BENCH_HOST=1.5.6 runs either on the other supported host)
#   make bench-peers      writing a partitioned dataset larger than memory: partext at 64MB against
#                         Polars, pyarrow, DuckDB's one-pass COPY and DataFusion, same Parquet file
#                         and codec, 3 runs each (~60 min): bench/PEERS.md
#   make bench-pass-profile  where a pass's time goes: scan, key, encoding, compression (~15 min):
#                         bench/PASS_PROFILE.md
#   make install          install partext into the DuckDB extension directory of every supported
#                         version (DUCKDB_VERSIONS selects), so that LOAD partext works by name
#   make repository       build/repository/<version>/<platform>/partext.duckdb_extension.gz
#   make wheel            build/wheel/duckdb_extension_partext-<version>-py3-none-<platform>.whl
#   make exit-stress      process exits with a query in flight, partext against plain DuckDB,
#                         EXIT_RUNS (default 500) runs of each per host (~20 min per host)
#   make test-beyond-memory  write_plan on every source kind (table, Parquet with DuckDB's and pyarrow's
#                         row groups, a glob, CSV, DataFrame) x shape x strategy at full size: 20M
#                         events and 6M order lines at memory_limit 64MB, BEYOND_RUNS (default 3)
#                         runs each, on every host (hours; make test runs a smaller matrix)
#   make fuzz             property tests of the kernels (PROPERTY_CASES each) and generated hostile
#                         SQL calls for FUZZ_MINUTES (default 20) per host; a bounded part runs in make test
# Everything the build and the tests need is installed here, from the package registries.

HOSTS        := 1.5.6 2.0.1
CLI_VERSION  := 1.5.6
FAKER_VERSION := 7.2.1
PYTHON       ?= python3
VENV         := .venv
CARGO        ?= cargo

VERSION      := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
MIN_API      := $(shell sed -n 's/.*MIN_DUCKDB_VERSION: &str = "\(v[0-9.]*\)".*/\1/p' src/ext/entry.rs | head -n 1)
# DuckDB's platform name and the library cargo builds. Linux (amd64, arm64) is what the tests
# run on; macOS and Windows follow DuckDB's names and cargo's library names.
ifeq ($(OS),Windows_NT)
  PLATFORM   := windows_amd64
  LIBRARY    := target/release/partext.dll
else
  UNAME_S    := $(shell uname -s)
  ARCH       := $(shell uname -m)
  ifeq ($(UNAME_S),Darwin)
    PLATFORM := $(if $(filter arm64 aarch64,$(ARCH)),osx_arm64,osx_amd64)
    LIBRARY  := target/release/libpartext.dylib
  else
    PLATFORM := $(if $(filter x86_64 amd64,$(ARCH)),linux_amd64,$(if $(filter aarch64 arm64,$(ARCH)),linux_arm64,linux_$(ARCH)))
    LIBRARY  := target/release/libpartext.so
  endif
endif
EXT          := build/release/partext.duckdb_extension
CLI          := $(VENV)/cli-$(CLI_VERSION)/bin/duckdb
HOST_STAMPS  := $(foreach v,$(HOSTS),$(VENV)/duckdb-$(v)/.installed)

BENCH_HOST   ?= 2.0.1
MATPLOTLIB   := 3.10.7

PANDAS_VERSION := 3.1.1
PYARROW_VERSION := 26.0.1
TQDM_VERSION := 4.70.1
DASK_VERSION := 2026.8.0
# The peers bench/peers.py measures partext against, in a venv of their own.
POLARS_VERSION := 2.1.0
DATAFUSION_VERSION := 55.0.0
PYICEBERG_VERSION := 0.12.0
PYICEBERG_CORE_VERSION := 0.10.1
SQLALCHEMY_VERSION := 2.1.9
# DuckDB's Python client needs pytz to fetch TIMESTAMPTZ values (an identity field over one).
PYTZ_VERSION := 2026.6

.PHONY: all release test unit lint sqltest integration install-test examples readme run shell hosts bench bench-full bench-peers bench-pass-profile exit-stress fuzz fuzz-quick test-beyond-memory \
        wheel repository install clean FORCE

all: release
release: $(EXT)

$(EXT): FORCE
	$(CARGO) build --release -p partext -p partext-tools
	@mkdir -p $(dir $@)
	target/release/append-metadata $(LIBRARY) $@ v$(VERSION) $(MIN_API) $(PLATFORM)
	@echo "built $@ (v$(VERSION), C API $(MIN_API), $(PLATFORM))"

# One venv per supported DuckDB host (with pandas and pyarrow: manifests over DataFrames and Arrow
# tables are tested), and one for the shell.
$(VENV)/duckdb-%/.installed:
	$(PYTHON) -m venv $(VENV)/duckdb-$*
	$(VENV)/duckdb-$*/bin/pip install --quiet duckdb==$* mmh3==5.3.1 pandas==$(PANDAS_VERSION) pyarrow==$(PYARROW_VERSION)
	touch $@

$(VENV)/cli-$(CLI_VERSION)/.installed:
	$(PYTHON) -m venv $(VENV)/cli-$(CLI_VERSION)
	$(VENV)/cli-$(CLI_VERSION)/bin/pip install --quiet duckdb-cli==$(CLI_VERSION)
	touch $@

# airbyte-source-faker emits real Airbyte protocol output for read_airbyte's tests; it is heavy,
# so it has a venv of its own.
$(VENV)/airbyte-faker/.installed:
	$(PYTHON) -m venv $(VENV)/airbyte-faker
	$(VENV)/airbyte-faker/bin/pip install --quiet airbyte-source-faker==$(FAKER_VERSION)
	touch $@

# The partition spec tests compare partext with Iceberg itself: pyiceberg (with its SQLite
# catalog and its Rust transforms) writes the same rows as an Iceberg table.
$(VENV)/duckdb-%/.iceberg-installed: $(VENV)/duckdb-%/.installed
	$(VENV)/duckdb-$*/bin/pip install --quiet pyiceberg==$(PYICEBERG_VERSION) pyiceberg-core==$(PYICEBERG_CORE_VERSION) SQLAlchemy==$(SQLALCHEMY_VERSION) pytz==$(PYTZ_VERSION)
	touch $@

# The Python recipes need tqdm (progress bar) and Dask (the distributed example) in every host venv.
$(VENV)/duckdb-%/.examples-installed: $(VENV)/duckdb-%/.installed
	$(VENV)/duckdb-$*/bin/pip install --quiet tqdm==$(TQDM_VERSION) dask==$(DASK_VERSION) distributed==$(DASK_VERSION)
	touch $@

# The Node.js recipe: @duckdb/node-api from the npm registry, pinned by package-lock.json.
examples/node/node_modules/.installed: examples/node/package.json examples/node/package-lock.json
	cd examples/node && npm ci --no-audit --no-fund
	touch $@

# The benchmark's chart needs matplotlib in the host's venv.
$(VENV)/duckdb-%/.bench-installed: $(VENV)/duckdb-%/.installed
	$(VENV)/duckdb-$*/bin/pip install --quiet matplotlib==$(MATPLOTLIB)
	touch $@

bench: release $(VENV)/duckdb-$(BENCH_HOST)/.bench-installed
	$(VENV)/duckdb-$(BENCH_HOST)/bin/python bench/run.py

bench-full: release $(VENV)/duckdb-$(BENCH_HOST)/.bench-installed
	$(VENV)/duckdb-$(BENCH_HOST)/bin/python bench/run.py --full

$(VENV)/peers/.installed:
	$(PYTHON) -m venv $(VENV)/peers
	$(VENV)/peers/bin/pip install --quiet duckdb==$(BENCH_HOST) polars==$(POLARS_VERSION) \
	    pyarrow==$(PYARROW_VERSION) datafusion==$(DATAFUSION_VERSION)
	touch $@

bench-peers: release $(VENV)/peers/.installed
	$(VENV)/peers/bin/python bench/peers.py --python $(VENV)/peers/bin/python --out bench/PEERS.md

# Where a pass's time goes (scan, key function, encoding, compression, partitioned write).
bench-pass-profile: release $(VENV)/peers/.installed
	$(VENV)/peers/bin/python bench/pass_profile.py --python $(VENV)/peers/bin/python --out bench/PASS_PROFILE.md

DUCKDB_VERSIONS ?= $(HOSTS)
SETUPTOOLS_VERSION := 80.9.0
WHEEL_VERSION := 0.45.1

# Packaging tools for the wheel, from PyPI.
$(VENV)/packaging/.installed:
	$(PYTHON) -m venv $(VENV)/packaging
	$(VENV)/packaging/bin/pip install --quiet setuptools==$(SETUPTOOLS_VERSION) wheel==$(WHEEL_VERSION)
	touch $@

wheel: release $(VENV)/packaging/.installed
	$(VENV)/packaging/bin/python tools/package.py wheel --extension $(EXT) --platform $(PLATFORM) --versions $(HOSTS) --out build/wheel

repository: release
	$(PYTHON) tools/package.py repository --extension $(EXT) --platform $(PLATFORM) --versions $(HOSTS) --out build/repository

# DuckDB's own INSTALL '<file>' copies the extension into ~/.duckdb/extensions/v<version>/<platform>/,
# which the DuckDB shell and the Python client share.
install: release $(foreach v,$(DUCKDB_VERSIONS),$(VENV)/duckdb-$(v)/.installed)
	@for v in $(DUCKDB_VERSIONS); do \
	  $(VENV)/duckdb-$$v/bin/python tools/package.py install --extension $(EXT) || exit 1; \
	done

EXIT_RUNS    ?= 500

exit-stress: release $(HOST_STAMPS)
	@for v in $(HOSTS); do \
	  $(VENV)/duckdb-$$v/bin/python test/stress/exit_stress.py --runs $(EXIT_RUNS) --extension $(EXT) || exit 1; \
	done

# write_plan beyond memory at full size: every source kind x shape x strategy at 64MB, the
# pyarrow-written file (1,048,576-row row groups) at 256MB, and refused with a clear error at 64MB.
BEYOND_RUNS  ?= 3
BEYOND_DIR   ?= build/beyond-memory-full

test-beyond-memory: release $(HOST_STAMPS)
	@for v in $(HOSTS); do \
	  $(VENV)/duckdb-$$v/bin/python test/beyond_memory/matrix.py --extension $(CURDIR)/$(EXT) --dir $(BEYOND_DIR) --all \
	    --events-rows 20000000 --order-rows 6000000 --limit 64MB --runs $(BEYOND_RUNS) \
	    $(foreach s,day month hash64 range16,--case order_lines:parquet_1m:$(s):256MB) \
	    --refuse events:parquet_1m:day:64MB --refuse order_lines:parquet_1m:month:64MB $(BEYOND_CASES) || exit 1; \
	done

# Fuzzing: the Rust property tests at scale, then generated SQL calls in child processes on every host.
FUZZ_MINUTES   ?= 20
PROPERTY_CASES ?= 5000000

fuzz: release $(HOST_STAMPS)
	PARTEXT_PROPERTY_CASES=$(PROPERTY_CASES) $(CARGO) test --release --lib property_
	@for v in $(HOSTS); do \
	  $(VENV)/duckdb-$$v/bin/python test/fuzz/fuzz_sql.py --minutes $(FUZZ_MINUTES) --extension $(EXT) || exit 1; \
	done

# The bounded part of make test: a fixed seed, so that a failure reproduces.
fuzz-quick: release $(HOST_STAMPS)
	@for v in $(HOSTS); do \
	  $(VENV)/duckdb-$$v/bin/python test/fuzz/fuzz_sql.py --cases 300 --seed 7 --extension $(EXT) || exit 1; \
	done

hosts: $(HOST_STAMPS) $(VENV)/cli-$(CLI_VERSION)/.installed $(VENV)/airbyte-faker/.installed

test: lint unit sqltest integration fuzz-quick install-test readme
	@echo "all partext tests passed on DuckDB $(HOSTS) and duckdb-cli $(CLI_VERSION)"

# Formatting (rustfmt.toml) and clippy with warnings as errors, on every crate and test.
lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --release --workspace --all-targets -- -D warnings

unit:
	$(CARGO) test --workspace --release

sqltest: release hosts
	@for v in $(HOSTS); do \
	  target/release/slt-runner --python $(VENV)/duckdb-$$v/bin/python --extension $(EXT) test/sql/*.test || exit 1; \
	done

# Install by name: the wheel in fresh venvs, make install's mechanism in a fresh HOME, and a
# repository served over HTTP and read from a path, on every host and the shell.
install-test: release hosts wheel repository
	$(PYTHON) test/install/test_install.py --extension $(CURDIR)/$(EXT) --wheel-dir build/wheel --repository build/repository \
	  --platform $(PLATFORM) --cli $(CURDIR)/$(CLI) $(foreach v,$(HOSTS),--host $(v)=$(CURDIR)/$(VENV)/duckdb-$(v)/bin/python) \
	  --library $(CURDIR)/$(LIBRARY) --append-metadata $(CURDIR)/target/release/append-metadata --min-api $(MIN_API) \
	  --packaging-python $(CURDIR)/$(VENV)/packaging/bin/python

integration: release hosts $(foreach v,$(HOSTS),$(VENV)/duckdb-$(v)/.iceberg-installed)
	@for v in $(HOSTS); do \
	  for t in test/integration/test_*.py; do \
	    PARTEXT_EXTENSION=$(CURDIR)/$(EXT) $(VENV)/duckdb-$$v/bin/python $$t || exit 1; \
	  done; \
	done
	test/integration/test_shell.sh $(CLI) $(CURDIR)/$(EXT)

# Every block of README.md, as written (test/readme/run_readme.py), on every host: SQL and Python
# blocks, the recipes under examples/ (shown whole in it) twice each; shell and SQL-with-dot-command
# blocks on duckdb-cli and the Node.js block on @duckdb/node-api on the host of their version;
# then Node.js's manifest against Python's.
readme: release hosts wheel $(foreach v,$(HOSTS),$(VENV)/duckdb-$(v)/.examples-installed) $(VENV)/cli-$(CLI_VERSION)/.installed examples/node/node_modules/.installed
	@for v in $(HOSTS); do \
	  $(VENV)/duckdb-$$v/bin/python test/readme/run_readme.py --extension $(CURDIR)/$(EXT) --wheel $$(ls $(CURDIR)/build/wheel/duckdb_extension_partext-*.whl) \
	    $$( [ $$v = $(CLI_VERSION) ] && echo --shell $(CURDIR)/$(CLI) --node $(CURDIR)/examples/node ) || exit 1; \
	  $(VENV)/duckdb-$$v/bin/python examples/node/compare_with_python.py $(CURDIR)/$(EXT) || exit 1; \
	done

examples: readme

run: release $(VENV)/cli-$(CLI_VERSION)/.installed
	@mkdir -p out
	$(CLI) -unsigned -cmd "LOAD '$(EXT)'" < examples/demo.sql

shell: release $(VENV)/cli-$(CLI_VERSION)/.installed
	$(CLI) -unsigned -cmd "LOAD '$(EXT)'"

clean:
	rm -rf build out
	$(CARGO) clean
