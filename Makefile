# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /usr/bin/env bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := /usr/local/go/bin:$(PATH)

GO       ?= go
TESTFLAGS ?= -race -count=1 -timeout 15m
# A count of inputs, not a duration: Go 1.26's fuzzing coordinator can fail a
# target with "context deadline exceeded" when a duration ends while a worker
# is mid-input (go.dev/issue/75804, fixed in Go 1.27).
FUZZTIME  ?= 10000x
# Fuzz targets run briefly in `make test` (their seed corpora run with every
# go test): package directory and target.
FUZZ = pkg/httpserver:FuzzDecodeJSON services/catalogue/sheet:FuzzReadAndConvert \
	services/matching/lexicon:FuzzRead services/matching/search/meili:FuzzFilterKeepsValuesInside \
	services/matching/search/bleve:FuzzTextNeverWidensFilters services/catalogue/domain:FuzzValidate \
	services/demand/domain:FuzzValidate services/fairs/domain:FuzzValidate pkg/ocop:FuzzFoldAgreesWithDecomposing
MODULES   = $(shell $(GO) list -f '{{.Dir}}' -m)

.PHONY: help run test fuzz chaos proto proto-check fmt-check vet lint build eval bench clean

help:
	@echo "make run     start the whole system (all services, embedded NATS and search) with the demo catalogue"
	@echo "make test    every module's tests against a real PostgreSQL and real NATS, then a short fuzz run (FUZZTIME)"
	@echo "make eval    ranking quality on the judged demands (nDCG@10, P@5, R@20, MRR)"
	@echo "make bench   benchmarks: Go benchmarks of the hot paths, then ocop bench at 10,000 and 100,000 products, a fresh server each (BENCH_PRODUCTS, BENCH_ARGS)"
	@echo "make chaos   fault-injection run: 1,000 demands while service processes are SIGKILLed and NATS restarted (CHAOS_ARGS)"
	@echo "make proto   regenerate the Go code of the event schemas in proto/"
	@echo "make lint    gofmt and go vet on every module"

run:
	DATABASE_URL="$$(scripts/ensure-postgres.sh)" $(GO) run ./services/ocop serve --demo

test: proto-check fmt-check vet
	@export TEST_DATABASE_URL="$$(scripts/ensure-postgres.sh --admin)"; \
	for dir in $(MODULES); do \
		echo "== go test $${dir#$(CURDIR)/}"; \
		(cd "$$dir" && $(GO) test $(TESTFLAGS) ./...) || { echo "FAIL in $${dir#$(CURDIR)/}"; exit 1; }; \
	done
	@$(MAKE) --no-print-directory fuzz

fuzz:
	@for target in $(FUZZ); do \
		dir="$${target%%:*}"; name="$${target##*:}"; \
		echo "== fuzz $$dir $$name ($(FUZZTIME))"; \
		(cd "$$dir" && $(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) .) || exit 1; \
	done

# The fault-injection run: services as separate processes, killed while
# demands arrive (CHAOS_ARGS, e.g. --demands 100 for the short form).
chaos:
	@mkdir -p bin && $(GO) build -o bin/ocop ./services/ocop
	DATABASE_URL="$$(scripts/ensure-postgres.sh --admin)" bin/ocop chaos $(CHAOS_ARGS)

proto:
	$(GO) run ./scripts/protogen -root proto

proto-check:
	@$(GO) run ./scripts/protogen -root proto -check

fmt-check:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go' | grep -v '\.pb\.go$$'))"; \
	if [ -n "$$unformatted" ]; then echo "gofmt would change:"; echo "$$unformatted"; exit 1; fi

vet:
	@for dir in $(MODULES); do (cd "$$dir" && $(GO) vet ./...) || exit 1; done

lint: fmt-check vet

build:
	$(GO) build -o bin/ocop ./services/ocop

eval:
	$(GO) run ./services/ocop eval --catalogue services/ocop/demo/ocop-catalogue.json --demands services/ocop/demo/demands-dev.json

bench:
	@for dir in $(MODULES); do \
		(cd "$$dir" && $(GO) test -run '^$$' -bench . -benchmem ./...) || exit 1; \
	done
	bash scripts/bench.sh

clean:
	rm -rf bin
