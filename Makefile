# CRMKit — quick start: `make demo`, then `make test`.
SWIFT ?= swift
STORE ?= ./crm-store
TRIALS ?= 100

.PHONY: demo test test-long deps chromium build bench fuzz clean docs examples

## deps: install liblmdb-dev when it is missing (Debian/Ubuntu via apt-get; a clear message elsewhere)
deps:
	@if pkg-config --exists lmdb 2>/dev/null; then \
		echo "liblmdb-dev: present ($$(pkg-config --modversion lmdb))"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "liblmdb-dev: installing with apt-get"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq liblmdb-dev pkg-config >/dev/null \
			|| { echo "error: could not install liblmdb-dev with apt-get" >&2; exit 1; }; \
	else \
		echo "error: LMDB development files are missing and apt-get is not available." >&2; \
		echo "       Install LMDB with its pkg-config file (lmdb.pc), e.g. 'brew install lmdb' or 'dnf install lmdb-devel'." >&2; \
		exit 1; \
	fi

## chromium: install Debian's chromium when it is missing (the HTML report's rendering test needs it)
chromium:
	@if command -v chromium >/dev/null 2>&1; then \
		echo "chromium: present"; \
	elif command -v apt-get >/dev/null 2>&1; then \
		echo "chromium: installing with apt-get (for the HTML report's headless rendering test)"; \
		SUDO=""; [ "$$(id -u)" -ne 0 ] && SUDO="sudo"; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null \
			|| { echo "error: could not install chromium with apt-get" >&2; exit 1; }; \
	else \
		echo "error: chromium is missing and apt-get is not available; install Chromium for the HTML report test." >&2; \
		exit 1; \
	fi

build: deps
	$(SWIFT) build

## demo: generate a seeded CRM history into $(STORE) (reused when it exists; DEMO_ARGS=--reset regenerates),
## build the read models, print the reports and write report.html
DEMO_ARGS ?=
demo: deps
	$(SWIFT) build -c release --product crm
	$$($(SWIFT) build -c release --show-bin-path)/crm demo --store $(STORE) --report report.html $(DEMO_ARGS)

## test: the whole test suite, with 100 crash and 100 tamper trials, the HTML report in headless
## Chromium; the PostgreSQL backend's cases run against a throwaway local server
## (.ci/with-postgres.sh installs it on CI)
test: deps chromium
	CRMKIT_TRIALS=$(TRIALS) bash .ci/with-postgres.sh $(SWIFT) test

## test-long: the same with 1,000 crash and 1,000 tamper trials
test-long:
	$(MAKE) test TRIALS=1000

## docs: build the DocC catalog of every library product in Package.swift with warnings as errors
## (into .build/docs) and check that every public symbol is documented; see .ci/docs
docs: deps
	SWIFT="$(SWIFT)" bash .ci/docs

## examples: build and test each package in Examples/ (their own packages, so that users of the
## library never fetch Hummingbird); a package without tests is run instead. They share one
## build folder, so CRMKit and swift-crypto are compiled once for all of them.
EXAMPLES ?= Embedding EmbeddedLog HTTPService
EXAMPLES_BUILD ?= $(CURDIR)/.build/examples
examples: deps
	@for example in $(EXAMPLES); do \
		echo "== Examples/$$example"; \
		start=$$(date +%s); \
		if [ -d Examples/$$example/Tests ]; then \
			(cd Examples/$$example && $(SWIFT) build --build-tests --scratch-path "$(EXAMPLES_BUILD)" \
				&& $(SWIFT) test --scratch-path "$(EXAMPLES_BUILD)") || exit 1; \
		else \
			(cd Examples/$$example && $(SWIFT) build --scratch-path "$(EXAMPLES_BUILD)" \
				&& $(SWIFT) run --scratch-path "$(EXAMPLES_BUILD)") || exit 1; \
		fi; \
		echo "== Examples/$$example: built and tested in $$(( $$(date +%s) - start )) s"; \
	done

## bench: the benchmarks against SQLite (GRDB) and raw LMDB; see docs/benchmarks.md
bench: deps
	cd Benchmarks && $(SWIFT) package benchmark --no-progress

## fuzz: run the libFuzzer targets (event decoder, JSON Lines importer) for FUZZ_SECONDS each; not in CI
FUZZ_SECONDS ?= 300
fuzz: deps
	cd Fuzz && $(SWIFT) build -c release -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library
	mkdir -p Fuzz/Findings
	cd Fuzz && for target in FuzzEventDecoder FuzzJSONLines; do \
		corpus=$$( [ $$target = FuzzEventDecoder ] && echo decoder || echo jsonl ); mkdir -p .corpus/$$corpus; \
		./.build/release/$$target -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 -artifact_prefix=Findings/$$target- \
			.corpus/$$corpus Corpus/$$corpus 2>&1 | grep -E "stat::number_of_executed_units|stat::peak_rss|Done|ERROR|SUMMARY" || exit 1; \
	done

clean:
	rm -rf .build Benchmarks/.build Fuzz/.build Examples/*/.build $(STORE) $(STORE)-backup $(STORE).master-key report.html
