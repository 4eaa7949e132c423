# The two commands a newcomer needs: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
MVN ?= mvn -B -q
export MLOPS_HOME ?= $(CURDIR)/.mlops

# the demo: the last week of both models, ending yesterday (so the online store's values are live:
# DynamoDB, and DynamoDB Local, expire items on the real clock). 4 days ago ~1% of rows are garbled
# (ingest quarantines them and goes on); 2 days ago ~1% carry impossible values that parse fine
# (validate stops that day, exit 3, and features go on without it). The data of a date is the same
# whenever it is generated.
day = $(shell date -u -d '$(1) days ago' +%F)
DEMO_FROM ?= $(call day,7)
DEMO_TO   ?= $(call day,1)
DEMO_BAD_DAYS ?= --bad-day $(call day,4):malformed --bad-day $(call day,2):out_of_range
# validate exits 3 for the bad day and still validates the later days: that is the point of the demo
ACCEPT_CONTRACT_VIOLATION = || test $$? -eq 3
# train exits 100 when there are too few labelled rows yet: "nothing to do", as Airflow skips it
ACCEPT_NOTHING_TO_DO = || test $$? -eq 100

ENGINE ?= $(shell command -v docker 2>/dev/null || command -v podman 2>/dev/null)
IMAGE_TAG ?= $(shell git rev-parse --short HEAD 2>/dev/null || echo dev)
STEPS := $(notdir $(patsubst %/Dockerfile,%,$(wildcard images/*/Dockerfile)))
STEPS := $(filter-out build base,$(STEPS))

.PHONY: help build test demo bench images athena-ddl clean

help:
	@echo "make build  - compile and package every job (jars + lib/ under jobs/*/target)"
	@echo "make test   - run all tests (embedded PostgreSQL and Spark start by themselves; no Docker)"
	@echo "make demo   - generate last week's synthetic data and run ingest, validate, features, train locally under .mlops/"
	@echo "make bench  - ingest vs a raw Spark CSV->Parquet conversion, validate vs one raw aggregation (BENCH_ROWS, default 10M),"
	@echo "              features: point-in-time join vs DuckDB and pandas, online writes vs raw BatchWriteItem (BENCH_FEATURES_*),"
	@echo "              train: XGBoost4J training vs Python XGBoost on the same data (BENCH_TRAIN_*)"
	@echo "make images - build the job images with docker or podman (images/; needs a running engine)"
	@echo "make clean  - remove build output, local state (.mlops/) and benchmark output"

build:
	$(MVN) -DskipTests package

# verify (not just test): modules use each other's packaged test-jars
test:
	$(MVN) verify

demo: build
	@mkdir -p $(MLOPS_HOME)
	@echo "== generate synthetic upstream data $(DEMO_FROM)..$(DEMO_TO) into $(MLOPS_HOME)"
	MLOPS_LOG_FORMAT=text ./mlops generate --from $(DEMO_FROM) --to $(DEMO_TO) $(DEMO_BAD_DAYS)
	@for model in zone_demand trip_risk; do \
	  echo "== $$model: ingest"; \
	  MLOPS_LOG_FORMAT=text ./mlops ingest --model $$model --from $(DEMO_FROM) --to $(DEMO_TO) 2>>$(MLOPS_HOME)/demo.log || exit $$?; \
	  echo "== $$model: validate"; \
	  MLOPS_LOG_FORMAT=text ./mlops validate --model $$model --from $(DEMO_FROM) --to $(DEMO_TO) 2>>$(MLOPS_HOME)/demo.log $(ACCEPT_CONTRACT_VIOLATION) || exit $$?; \
	  echo "== $$model: features (offline store + DynamoDB Local) and a point-in-time training set"; \
	  MLOPS_LOG_FORMAT=text ./mlops features --model $$model --from $(DEMO_FROM) --to $(DEMO_TO) 2>>$(MLOPS_HOME)/demo.log || exit $$?; \
	  MLOPS_LOG_FORMAT=text ./mlops features training-set --model $$model --from $(DEMO_FROM) --to $(DEMO_TO) 2>>$(MLOPS_HOME)/demo.log || exit $$?; \
	  echo "== $$model: train (trip_risk's labels arrive 30 days late: a week of data has none yet, exit 100)"; \
	  MLOPS_LOG_FORMAT=text ./mlops train --model $$model --date $(DEMO_TO) 2>>$(MLOPS_HOME)/demo.log $(ACCEPT_NOTHING_TO_DO) || exit $$?; \
	done
	@echo "== model registry"
	MLOPS_LOG_FORMAT=text ./mlops registry list 2>>$(MLOPS_HOME)/demo.log
	@echo "== online values of zone 1 (DynamoDB Local under $(MLOPS_HOME)/dynamodb)"
	MLOPS_LOG_FORMAT=text ./mlops features get --model zone_demand --group zone_activity --entity 1 2>>$(MLOPS_HOME)/demo.log
	@echo "== recorded runs"
	MLOPS_LOG_FORMAT=text ./mlops runs --limit 40 2>>$(MLOPS_HOME)/demo.log
	@echo "== done: lake under $(MLOPS_HOME)/lake, results under $(MLOPS_HOME)/results, logs in $(MLOPS_HOME)/demo.log"

# the benchmarks, each in its own JVM; figures in jobs/bench/target/results/{ingest,validate,features,train}.json.
# The python peers (pandas for the features bench, xgboost for the train bench) run on Debian's packages
# (/usr/bin/python3): installed here when missing; if that fails the bench skips that peer and says so
bench:
	@/usr/bin/python3 -c 'import pandas' 2>/dev/null || { echo "bench: installing python3-pandas (the pandas peer of the features bench)"; \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-pandas >/dev/null; } \
	  || echo "bench: could not install python3-pandas: the features bench will skip its pandas peer"; }
	@/usr/bin/python3 -c 'import xgboost' 2>/dev/null || { echo "bench: installing python3-xgboost (the python peer of the train bench)"; \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-xgboost >/dev/null; } \
	  || echo "bench: could not install python3-xgboost: the train bench will skip its python peer"; }
	$(MVN) -DskipTests install -pl jobs/bench -am
	$(MVN) exec:exec -pl jobs/bench -Dexec.mainClass=dev.mlops.bench.AllBenches

# the Athena DDL of every model's lake tables, generated from its spec (a test checks they agree)
athena-ddl: build
	@for spec in dags/models/*.yaml; do model=$$(basename $$spec .yaml); \
	  MLOPS_LOG_FORMAT=text ./mlops spec --athena --model $$model > sql/athena/$$model.sql || exit 1; \
	  echo "wrote sql/athena/$$model.sql"; done

images:
	@if [ -z "$(ENGINE)" ] || ! $(ENGINE) info >/dev/null 2>&1; then \
	  echo "make images: no running docker or podman engine here; ImagesIT (make test) checks the image definitions instead"; exit 1; fi
	$(ENGINE) build -f images/build/Dockerfile -t mlops-build:$(IMAGE_TAG) .
	$(ENGINE) build -f images/base/Dockerfile --build-arg BUILD_IMAGE=mlops-build:$(IMAGE_TAG) \
	  --build-arg REVISION=$(IMAGE_TAG) -t mlops-base:$(IMAGE_TAG) .
	@for step in $(STEPS); do \
	  $(ENGINE) build -f images/$$step/Dockerfile --build-arg BUILD_IMAGE=mlops-build:$(IMAGE_TAG) \
	    --build-arg BASE_IMAGE=mlops-base:$(IMAGE_TAG) --build-arg REVISION=$(IMAGE_TAG) -t mlops-$$step:$(IMAGE_TAG) . || exit 1; \
	done

clean:
	-$(MVN) clean
	rm -rf .mlops
