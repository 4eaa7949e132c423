# The two commands a newcomer needs: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
MVN ?= mvn -B -q
export MLOPS_HOME ?= $(CURDIR)/.mlops

# the demo: a week of both models, with one bad-data day to show the quarantine
DEMO_FROM ?= 2024-03-01
DEMO_TO   ?= 2024-03-07
DEMO_BAD_DAY ?= 2024-03-05:malformed

.PHONY: help build test demo bench clean

help:
	@echo "make build  - compile and package every job (jars + lib/ under jobs/*/target)"
	@echo "make test   - run all tests (embedded PostgreSQL and Spark start by themselves; no Docker)"
	@echo "make demo   - generate a week of synthetic data and run the lifecycle locally under .mlops/"
	@echo "make bench  - ingest throughput vs a raw Spark CSV->Parquet conversion (BENCH_ROWS, default 10M)"
	@echo "make clean  - remove build output, local state (.mlops/) and benchmark output"

build:
	$(MVN) -DskipTests package

# verify (not just test): modules use each other's packaged test-jars
test:
	$(MVN) verify

demo: build
	@echo "== generate synthetic upstream data $(DEMO_FROM)..$(DEMO_TO) into $(MLOPS_HOME)"
	MLOPS_LOG_FORMAT=text ./mlops generate --from $(DEMO_FROM) --to $(DEMO_TO) --bad-day $(DEMO_BAD_DAY)
	@echo "== ingest zone_demand"
	MLOPS_LOG_FORMAT=text ./mlops ingest --model zone_demand --from $(DEMO_FROM) --to $(DEMO_TO)
	@echo "== ingest trip_risk"
	MLOPS_LOG_FORMAT=text ./mlops ingest --model trip_risk --from $(DEMO_FROM) --to $(DEMO_TO)
	@echo "== recorded runs"
	MLOPS_LOG_FORMAT=text ./mlops runs --limit 20
	@echo "== done: lake under $(MLOPS_HOME)/lake, results under $(MLOPS_HOME)/results"

bench:
	$(MVN) -DskipTests install -pl jobs/bench -am
	$(MVN) exec:exec -pl jobs/bench

clean:
	-$(MVN) clean
	rm -rf .mlops bench/out
