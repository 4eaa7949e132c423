# The two commands a newcomer needs: `make demo` and `make test`. Everything else is optional.
SHELL := /bin/bash
MVN ?= mvn -B -q
export MLOPS_HOME ?= $(CURDIR)/.mlops

# the demo: 60 days of both models, ending yesterday (DynamoDB, and DynamoDB Local, expire items on the
# real clock, so the online store's latest values are live). 45 days ago ~1% of rows are garbled (ingest
# quarantines them and goes on); 40 days ago ~10% carry impossible values that parse fine (above the
# quarantine ratio: validate stops that day, exit 3, the later days go on); 35 days ago 0.5% do (validate
# quarantines them and the day passes, judged on the remaining rows). From 25 days ago zone demand shifts (the evening peak two hours
# later, weekends +30%): the drift quality should catch. The data of a date is the same whenever it is generated.
day = $(shell date -u -d '$(1) days ago' +%F)
DEMO_DAYS ?= 60
DEMO_FROM ?= $(call day,$(DEMO_DAYS))
DEMO_TO   ?= $(call day,1)
DEMO_BAD_DAYS ?= --bad-day $(call day,45):malformed --bad-day $(call day,40):out_of_range --bad-day $(call day,35):few_out_of_range
DEMO_DRIFT ?= --drift demand_shift@$(call day,25)
# trip_risk's labels arrive 30 days late and its driver features look back 30 days: a first version needs
# 30 + 28 (training window) + 30 days of data, so the demo loads 40 days of its history before the 60 days,
# as a team onboarding a model would (ingest, validate, features over the range), and the first version is
# trained and promoted inside the 60 days
DEMO_HISTORY_FROM ?= $(call day,$(shell expr $(DEMO_DAYS) + 40))
DEMO_HISTORY_TO ?= $(call day,$(shell expr $(DEMO_DAYS) + 1))
# a pipeline run exits 3 when a day hit a data contract violation (the other days still ran): the point of the demo
ACCEPT_CONTRACT_VIOLATION = || test $$? -eq 3
# the pipeline plan layer runs on this interpreter (it needs PyYAML: make python-yaml installs Debian's python3-yaml)
export MLOPS_PYTHON ?= $(DAGS_PYTHON)

# the job images (images/build.sh): one per step on a shared base
IMAGE_STEPS := ingest validate features train transform shadow quality promote

.PHONY: help build test demo bench images engine-start engine-stop engine-status athena-ddl clean

help:
	@echo "make build  - compile and package every job (jars + lib/ under jobs/*/target)"
	@echo "make test   - run all tests (embedded PostgreSQL and Spark start by themselves); starts a container engine first"
	@echo "              (images/engine.sh: Debian's docker.io, installed when missing) for ImagesIT, and stops it after if it started it"
	@echo "make demo   - last week of synthetic data through ingest, validate, features, train, transform, shadow, quality, promote (.mlops/)"
	@echo "make bench  - ingest vs a raw Spark CSV->Parquet conversion, validate vs one raw aggregation (BENCH_ROWS, default 10M),"
	@echo "              features: point-in-time join vs DuckDB and pandas, online writes vs raw BatchWriteItem (BENCH_FEATURES_*),"
	@echo "              train: XGBoost4J training vs Python XGBoost on the same data (BENCH_TRAIN_*),"
	@echo "              transform: Parquet -> Scorer -> Parquet vs raw XGBoost4J predict and Python XGBoost (BENCH_TRANSFORM_*),"
	@echo "              drift: DriftStats on 30 features vs one raw Spark scan of the same Parquet, and its passes (BENCH_DRIFT_*)"
	@echo "make images - build the job images from the built jars (images/build.sh; make build first when jars are missing),"
	@echo "              tagged IMAGE_TAG (default: the project version); starts the engine when none answers and leaves it running"
	@echo "make engine-start / engine-stop / engine-status - the container engine (images/engine.sh; stop stops only one it started)"
	@echo "make terraform-check - terraform fmt -check, validate and the modules' terraform tests on terraform/ (skipped"
	@echo "              when terraform is not on PATH; make test checks terraform/ without it; TF_INIT_FLAGS for a mirror)"
	@echo "make monitoring-check - promtool check/test rules on terraform/modules/monitoring and MonitoringRulesTest (installs"
	@echo "              Debian's prometheus package for promtool when it is missing; make test runs the test without promtool)"
	@echo "make dags-test - the Airflow DAGs (dags/): plan layer and DAG-file tests on Debian's python3 (no Airflow needed), and the"
	@echo "              DagBag/structure tests when AIRFLOW_PYTHON (default python3) imports airflow (docs/dags.md)"
	@echo "make clean  - remove build output, local state (.mlops/) and benchmark output"

build:
	$(MVN) -DskipTests package

# verify (not just test): modules use each other's packaged test-jars. -fae: a failing module does not stop the
# others (those that depend on it are skipped). Ends with what ran: per module run / failed / skipped, the ten
# slowest classes and `N passed, N failed` (.ci/test_summary.py); the exit code is the first failure's
# A container engine first (images/engine.sh start: one that answers already is used and left alone), for ImagesIT,
# which builds and runs the images; stopped at the end only if this started it.
test: python-yaml
	@rm -rf target/dags-tests.log jobs/*/target/surefire-reports jobs/*/target/failsafe-reports; rc=0; \
	engine=$$(images/engine.sh start) || echo "make test: no container engine started (ImagesIT says why)"; \
	trap '[ "$$engine" != started ] || images/engine.sh stop' EXIT; \
	if [ -n "$$engine" ]; then export MLOPS_REQUIRE_ENGINE=1; fi; \
	$(MVN) -fae verify || rc=$$?; \
	$(MAKE) --no-print-directory dags-test || { [ $$rc -ne 0 ] || rc=1; }; \
	$(DAGS_PYTHON) .ci/test_summary.py $(CURDIR); exit $$rc

demo: build python-yaml
	@mkdir -p $(MLOPS_HOME)
	@echo "== trip_risk's history first: $(DEMO_HISTORY_FROM)..$(DEMO_HISTORY_TO) generated, ingested, validated, its features computed"
	MLOPS_LOG_FORMAT=text ./mlops generate --model trip_risk --from $(DEMO_HISTORY_FROM) --to $(DEMO_HISTORY_TO) 2>>$(MLOPS_HOME)/demo.log
	@for job in ingest validate features; do \
	  MLOPS_LOG_FORMAT=text ./mlops $$job --model trip_risk --from $(DEMO_HISTORY_FROM) --to $(DEMO_HISTORY_TO) \
	    >$(MLOPS_HOME)/history-$$job.out 2>>$(MLOPS_HOME)/demo.log; rc=$$?; tail -1 $(MLOPS_HOME)/history-$$job.out; \
	  [ $$rc -eq 0 ] || exit $$rc; \
	done
	@echo "== generate $(DEMO_DAYS) days of synthetic upstream data, $(DEMO_FROM)..$(DEMO_TO), into $(MLOPS_HOME)"
	MLOPS_LOG_FORMAT=text ./mlops generate --from $(DEMO_FROM) --to $(DEMO_TO) $(DEMO_BAD_DAYS) $(DEMO_DRIFT) 2>>$(MLOPS_HOME)/demo.log
	@echo "== the daily DAG of each model through the local executor (the same plan Airflow runs: dags/, docs/dags.md)"
	@echo "   quality decides the first training, the retrain DAG trains and promotes it; then daily scoring, quality, drift,"
	@echo "   retrains, shadowing and promotion by the gates. Task logs: $(MLOPS_HOME)/pipeline/, job logs: $(MLOPS_HOME)/demo.log"
	@for model in zone_demand trip_risk; do \
	  MLOPS_LOG_FORMAT=text ./mlops pipeline run $${model}_daily --from $(DEMO_FROM) --to $(DEMO_TO) 2>>$(MLOPS_HOME)/demo.log $(ACCEPT_CONTRACT_VIOLATION) || exit $$?; \
	done
	@echo "== the audit ledger: every decision above, hash-chained"
	MLOPS_LOG_FORMAT=text ./mlops audit verify 2>>$(MLOPS_HOME)/demo.log
	@echo "== model registry"
	MLOPS_LOG_FORMAT=text ./mlops registry list 2>>$(MLOPS_HOME)/demo.log
	@echo "== summary and report"
	MLOPS_LOG_FORMAT=text ./mlops report 2>>$(MLOPS_HOME)/demo.log

# the benchmarks, each in its own JVM; figures in jobs/bench/target/results/{ingest,validate,features,train,transform,drift}.json.
# The drift bench keeps its generated Parquet in jobs/bench/target/data/drift (generated once per size; make clean removes it).
# The python peers (pandas for the features bench, xgboost for the train and transform benches) run on Debian's packages
# (/usr/bin/python3): installed here when missing; if that fails the bench skips that peer and says so
bench:
	@/usr/bin/python3 -c 'import pandas' 2>/dev/null || { echo "bench: installing python3-pandas (the pandas peer of the features bench)"; \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-pandas >/dev/null; } \
	  || echo "bench: could not install python3-pandas: the features bench will skip its pandas peer"; }
	@/usr/bin/python3 -c 'import xgboost' 2>/dev/null || { echo "bench: installing python3-xgboost (the python peer of the train and transform benches)"; \
	  { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-xgboost >/dev/null; } \
	  || echo "bench: could not install python3-xgboost: the train and transform benches will skip their python peer"; }
	$(MVN) -DskipTests install -pl jobs/bench -am
	$(MVN) exec:exec -pl jobs/bench -Dexec.mainClass=dev.mlops.bench.AllBenches

# the Athena DDL of every model's lake tables and its views, generated from its spec (a test checks they agree)
athena-ddl: build
	@for spec in dags/models/*.yaml; do model=$$(basename $$spec .yaml); \
	  MLOPS_LOG_FORMAT=text ./mlops spec --athena --model $$model > sql/athena/$$model.sql || exit 1; \
	  echo "wrote sql/athena/$$model.sql"; \
	  MLOPS_LOG_FORMAT=text ./mlops spec --athena-views --model $$model > sql/athena/views/$$model.sql || exit 1; \
	  echo "wrote sql/athena/views/$$model.sql"; done

# the job images from the jars Maven built (images/README.md): images/build.sh, after make build when a jar is missing.
# IMAGE_TAG (default: the project version), JRE_IMAGE (default: mlops-jre:17-bookworm, made here with debootstrap)
images: engine-start
	@[ -d jobs/cli/target/lib ] && for s in $(IMAGE_STEPS); do [ -f jobs/$$s/target/mlops-$$s-runnable.jar ] || exit 1; done \
	  || $(MAKE) --no-print-directory build
	images/build.sh $(IMAGE_STEPS)

# the container engine: images/engine.sh (dockerd without a bridge or NAT: builds and containers use the host network)
engine-start:
	@images/engine.sh start >/dev/null
engine-stop:
	@images/engine.sh stop
engine-status:
	@images/engine.sh status

# terraform/ with real Terraform, when it is on PATH: fmt -check, then init -backend=false and validate in every
# environment, module and example, and `terraform test` where a module has tests/ (Terraform 1.7+). It runs on a
# copy of terraform/ and sql/athena, so init leaves no .terraform/ or lock file here. Without registry access,
# point init at a provider mirror: make terraform-check TF_INIT_FLAGS=-plugin-dir=/path/to/mirror.
# The checks that need no Terraform (structure, encryption, IAM, jobs vs images/) are jobs/deploy's, in make test.
TERRAFORM ?= terraform
TF_INIT_FLAGS ?=
.PHONY: terraform-check
terraform-check:
	@if ! command -v $(TERRAFORM) >/dev/null 2>&1; then \
	  echo "terraform-check: skipped: no terraform on PATH (make test checks terraform/ without it: jobs/deploy)"; exit 0; fi; \
	set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "== terraform fmt -check"; $(TERRAFORM) fmt -check -recursive -diff terraform; \
	version=$$($(TERRAFORM) version | head -1 | sed 's/^Terraform v//'); \
	tests=yes; [ "$$(printf '%s\n' 1.7.0 "$$version" | sort -V | head -1)" = 1.7.0 ] || tests=no; \
	tar -cf - --exclude=.terraform --exclude='*.tfstate*' --exclude=.terraform.lock.hcl terraform sql/athena | tar -xf - -C "$$tmp"; \
	for d in $$(cd "$$tmp" && find terraform -name '*.tf' -not -path '*/.terraform/*' -exec dirname {} \; | sort -u); do \
	  echo "== terraform validate $$d"; \
	  $(TERRAFORM) -chdir="$$tmp/$$d" init -backend=false -input=false -no-color $(TF_INIT_FLAGS) >"$$tmp/init.log" 2>&1 \
	    || { cat "$$tmp/init.log"; exit 1; }; \
	  $(TERRAFORM) -chdir="$$tmp/$$d" validate -no-color; \
	  if [ -d "$$tmp/$$d/tests" ]; then \
	    if [ $$tests = yes ]; then echo "== terraform test $$d"; $(TERRAFORM) -chdir="$$tmp/$$d" test -no-color; \
	    else echo "terraform test $$d: skipped (needs Terraform 1.7+, this is $$version)"; fi; \
	  fi; \
	done

# the monitoring rules and dashboard (terraform/modules/monitoring): promtool check rules and test rules, then
# MonitoringRulesTest, which runs the jobs on a tiny model and checks every metric name the rules, their tests and the
# dashboard use against what the runs emitted (and, with promtool on PATH, parses the dashboard's queries too).
# promtool comes from Debian's prometheus package, installed here when missing; make test does not need it
MONITORING := terraform/modules/monitoring
.PHONY: monitoring-check
monitoring-check:
	@command -v promtool >/dev/null 2>&1 || { echo "monitoring-check: installing Debian's prometheus package (promtool)"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends prometheus >/dev/null; } \
	  || { echo "monitoring-check: could not install promtool (apt-get install prometheus)"; exit 1; }
	cd $(MONITORING)/rules && promtool check rules mlops.rules.yml && promtool test rules mlops.rules.test.yml
	$(MVN) verify -pl jobs/cli -am -DskipITs -Dsurefire.failIfNoSpecifiedTests=false -Dtest='MonitoringNamesTest,MonitoringRulesTest'

# the Airflow DAGs (dags/, docs/dags.md): the plan layer and the DAG file's tests on Debian's python3 with python3-yaml,
# python3-jinja2 and python3-pathspec (installed here when missing), then the tests that need Airflow, with
# AIRFLOW_PYTHON when it imports airflow (e.g. AIRFLOW_PYTHON=~/venvs/airflow/bin/python); without Airflow they are
# skipped, and this says so
DAGS_PYTHON ?= /usr/bin/python3
AIRFLOW_PYTHON ?= python3
# the plan layer (and so `mlops pipeline`, the demo and the tests) needs PyYAML: Debian's python3-yaml
.PHONY: python-yaml
python-yaml:
	@$(DAGS_PYTHON) -c 'import yaml' 2>/dev/null || { echo "installing python3-yaml (the pipeline plan layer reads the specs with PyYAML)"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-yaml >/dev/null; } \
	  || { echo "could not install python3-yaml: apt-get install python3-yaml"; exit 1; }
# the DAG tests render the templates with Jinja and match .airflowignore with pathspec, as Airflow does (they skip
# those checks without them): Debian's python3-jinja2 and python3-pathspec
.PHONY: dags-test-libs
dags-test-libs:
	@$(DAGS_PYTHON) -c 'import jinja2, pathspec' 2>/dev/null || { echo "installing python3-jinja2 and python3-pathspec (the DAG tests render and match as Airflow)"; \
	  apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q python3-jinja2 python3-pathspec >/dev/null; } \
	  || { echo "could not install python3-jinja2 and python3-pathspec: apt-get install python3-jinja2 python3-pathspec"; exit 1; }
.PHONY: dags-test
dags-test: python-yaml dags-test-libs
	@mkdir -p target
	cd dags && $(DAGS_PYTHON) -m unittest discover -s tests -t . 2>&1 | tee ../target/dags-tests.log; exit $${PIPESTATUS[0]}
	@if $(DAGS_PYTHON) -c 'import airflow' 2>/dev/null; then echo "dags-test: the Airflow tests ran above ($(DAGS_PYTHON) imports airflow)"; \
	elif $(AIRFLOW_PYTHON) -c 'import airflow, yaml' 2>/dev/null; then \
	  echo "== Airflow tests with $(AIRFLOW_PYTHON)"; cd dags && $(AIRFLOW_PYTHON) -m unittest -v tests.test_airflow_dags; \
	else echo "dags-test: Airflow tests skipped: $(AIRFLOW_PYTHON) cannot import airflow and yaml (set AIRFLOW_PYTHON to a Python with"; \
	  echo "           apache-airflow>=2.10, apache-airflow-providers-cncf-kubernetes and PyYAML to run them)"; fi

clean:
	-$(MVN) clean
	rm -rf .mlops
