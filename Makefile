# The two commands: `make run` and `make test`. Everything else is a step they share.
# Each step runs only when its inputs changed: install when the lock changes, regenerate when the
# knowledge base changes, train when data, domain, config or the NLU code change.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
RASA := $(PY) -m rasa

export PYTHONPATH := $(CURDIR)
# no telemetry, no downloads at run time, quiet libraries
export RASA_TELEMETRY_ENABLED := false
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export TF_CPP_MIN_LOG_LEVEL := 2
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

INSTALLED := $(VENV)/.installed
NODE_MODULES := node_modules/.installed
GENERATED := data/generated/.stamp
MODEL := models/current.tar.gz
RESULTS := results

KNOWLEDGE_INPUTS := $(wildcard bot/knowledge/*.yml) bot/catalog/schema.yml \
	$(wildcard bot/catalog/*.py) bot/nlu/normaliser.py bot/nlu/cantonese.yml bot/nlu/words.yml \
	bot/booking/reference.py
TRAINING_INPUTS := $(GENERATED) config.yml $(wildcard domain/*.yml) \
	$(shell find data -name '*.yml' -not -path 'data/generated/*') \
	bot/nlu/components.py bot/nlu/sentence_features.py bot/nlu/normaliser.py bot/nlu/cantonese.yml \
	bot/language.py bot/booking/reference.py

.PHONY: help install system-packages generate train run shell test lint unit validate test-stories test-nlu smoke test-browser \
	test-realistic bench clean lock run-cluster test-faults validate-deploy profile

help:
	@echo "make run    install, train if needed, start everything and print where to open it"
	@echo "make test   install, train if needed, run every check"
	@echo "make shell  chat in the terminal;  make bench  speed, memory and per-script NLU figures"

$(INSTALLED): requirements.lock scripts/bootstrap scripts/find-python310
	scripts/bootstrap
	touch $@

install: $(INSTALLED) $(NODE_MODULES)

# the widget's JavaScript (socket.io-client, served from node_modules; axe-core for the tests)
$(NODE_MODULES): package-lock.json
	npm ci --no-audit --no-fund
	touch $@

# Debian packages the tests run against (PostgreSQL, Redis, nginx, Chromium, CJK fonts)
system-packages:
	scripts/system-packages

$(GENERATED): $(INSTALLED) $(KNOWLEDGE_INPUTS)
	$(PY) -m bot.catalog build
	touch $@

generate: $(GENERATED)

$(MODEL): $(INSTALLED) $(TRAINING_INPUTS)
	$(RASA) train --domain domain --data data --config config.yml --out models \
		--fixed-model-name current --num-threads 2
	touch $@

train: $(MODEL)

# three Rasa processes share the port and both cores (while one waits for another server, the
# others compute: docs/deploy.md, sixteenth pass), with a Redis for their conversation locks
run: $(MODEL) $(NODE_MODULES)
	scripts/system-packages redis-server
	$(PY) -m bot.stack --workers 3

shell: $(MODEL)
	$(PY) -m bot.stack --shell

test: system-packages lint unit validate validate-deploy test-stories test-nlu smoke test-browser test-faults
	@echo "All checks passed."

lint: $(INSTALLED)
	$(PY) -m ruff check .

unit: $(GENERATED)
	$(PY) -m pytest -q -m "not stack and not faults"

validate: $(GENERATED)
	$(PY) -m bot.catalog validate
	$(PY) scripts/validate_training_data.py

# end to end: Rasa parses each story's user text (NLU), then the policies predict each action;
# only files named test_*.yml are conversation tests (Rasa 3.6, YAMLStoryReader.is_test_stories_file)
test-stories: $(MODEL)
	$(RASA) test core --model $(MODEL) --stories tests/stories --e2e \
		--fail-on-prediction-errors --out $(RESULTS)/stories --no-plot

# the held-out set, scored per written form: intent macro-F1 and entity recall floors in each
test-nlu: $(MODEL)
	$(PY) scripts/check_nlu_report.py --model $(MODEL) --nlu tests/nlu --out $(RESULTS)/nlu \
		--min-macro-f1 0.95 --min-entity-recall 0.95

smoke: $(MODEL) $(NODE_MODULES)
	$(PY) -m pytest -q -m stack

# the realistic conversations, report per written form (its own stack; tests/realistic/README.md)
test-realistic: $(MODEL)
	$(PY) -m tests.realistic.runner --json $(RESULTS)/realistic.json

# the browser tests: their own venv (Playwright), Debian's chromium, the real stack
BROWSER_VENV := .venv-browser/.installed
$(BROWSER_VENV): tests/browser/requirements.lock scripts/browser-venv
	scripts/browser-venv

test-browser: $(MODEL) $(NODE_MODULES) $(BROWSER_VENV) system-packages
	.venv-browser/bin/python -m pytest -q -c tests/browser/pytest.ini tests/browser

# the production topology in miniature: PostgreSQL, Redis, two Rasa replicas, two action servers,
# the booking service and nginx in front (bot/cluster, docs/deploy.md)
run-cluster: $(MODEL) $(NODE_MODULES) system-packages
	$(PY) -m bot.cluster

# the cluster under faults: a replica killed, the whole cluster restarted, PostgreSQL and Redis
# restarted under load, PostgreSQL away longer than the store waits (bounded, loopback)
test-faults: $(MODEL) system-packages
	$(PY) -m pytest -q -m faults tests/performance

# the Kubernetes manifests against the API schemas shipped in kubernetes-validate (own venv)
DEPLOY_VENV := .venv-deploy/.installed
$(DEPLOY_VENV): deploy/kubernetes/requirements.lock scripts/tool-venv
	scripts/tool-venv .venv-deploy deploy/kubernetes/requirements.lock

validate-deploy: $(DEPLOY_VENV)
	.venv-deploy/bin/kubernetes-validate --strict --quiet --kubernetes-version 1.30.0 \
		deploy/kubernetes/*.yaml

# where the Rasa server's time goes under a steady load (py-spy, own venv): var/bench/profile-*
PROFILE_VENV := .venv-profile/.installed
$(PROFILE_VENV): bench/profile-requirements.lock scripts/tool-venv
	scripts/tool-venv .venv-profile bench/profile-requirements.lock

profile: $(MODEL) $(PROFILE_VENV)
	$(PY) -m bench.profile

# ours against stock Rasa (same run): latency, throughput, long conversations, memory, training;
# then the same for the cluster. Loads are bounded and on loopback. Not part of `make test`.
bench: $(MODEL) system-packages
	$(PY) -m bench.nlu_by_script
	$(PY) -m bench.compare --topology run
	$(PY) -m bench.compare --topology cluster

lock:
	scripts/lock

clean:
	rm -rf models results data/generated var .rasa
