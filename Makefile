# One entry point. `make report` runs the main job, `make test` the whole suite.
# Both create or refresh the project virtualenv (.venv) from pinned versions first;
# the stamp file makes that a no-op when requirements.lock and pyproject.toml are unchanged.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCENARIO ?= data/scenarios/default.yaml

.PHONY: env report test test-fast lab bench browser clean package lint-template deploy smoke

env: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $(STAMP)

# Headless Chromium for the rendered-report check (Debian package `chromium`).
# Installed when missing and we may (root with apt-get); otherwise that test skips with a message.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	      echo "installing chromium (Debian package) for the browser check"; \
	      (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	        || echo "warning: could not install chromium; the browser check will be skipped"; \
	    else echo "note: chromium not found and cannot be installed here; the browser check will be skipped"; fi; }

report: $(STAMP)
	$(VENV)/bin/costmodel report $(SCENARIO)

test: $(STAMP) browser
	$(VENV)/bin/ruff check src handler_reference handler_harness tests benchmarks
	$(VENV)/bin/mypy
	$(PY) -m pytest -q -rs tests notebooks --nbval --nbval-current-env --nbval-sanitize-with tests/nbval/sanitize.cfg -p no:cacheprovider

test-fast: $(STAMP)
	$(PY) -m pytest -q tests -p no:cacheprovider

# JupyterLab in the project venv (widgets and plotly extensions come with the pinned packages),
# rooted at the repository (notebooks, scenarios, docs and reports in the file browser), opening
# notebooks/00-start-here.ipynb. `make lab PORT=8899 ARGS="--no-browser --IdentityProvider.token=x"`.
# Jupyter refuses to run as root without --allow-root; containers and CI machines often are root.
PORT ?= 8888
ARGS ?=
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --ServerApp.port=$(PORT) \
	  --LabApp.default_url=/lab/tree/notebooks/00-start-here.ipynb \
	  $$( [ "$$(id -u)" = 0 ] && echo --allow-root ) $(ARGS)

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

# The reference handler as a stack (deploy/template.yaml; docs/handler.md, "Deployable stack").
# Needs the AWS CLI and credentials for the target account; never run by the tests.
#   make deploy ARTIFACT_BUCKET=my-artifacts STACK=docs-dev REGION=eu-west-1 PARAMS="QueueType=fifo"
#   make smoke STACK=docs-dev REGION=eu-west-1
STACK ?= docs-dev
REGION ?= us-east-1
ARTIFACT_BUCKET ?=
PARAMS ?=
BUILD ?= build

package: $(STAMP)
	$(PY) -m handler_harness.stack package --out-dir $(BUILD)

lint-template: $(STAMP)
	$(VENV)/bin/cfn-lint --include-checks I -- deploy/template.yaml

deploy: $(STAMP) lint-template
	@test -n "$(ARTIFACT_BUCKET)" || { echo "usage: make deploy ARTIFACT_BUCKET=<bucket in $(REGION)> [STACK=$(STACK)] [REGION=$(REGION)] [PARAMS='Name=value ...']"; exit 2; }
	key=$$($(PY) -m handler_harness.stack package --out-dir $(BUILD)) && \
	aws s3 cp "$(BUILD)/$$key" "s3://$(ARTIFACT_BUCKET)/$$key" --region $(REGION) && \
	aws cloudformation deploy --template-file deploy/template.yaml --stack-name $(STACK) \
	  --region $(REGION) --capabilities CAPABILITY_IAM --no-fail-on-empty-changeset \
	  --parameter-overrides CodeS3Bucket=$(ARTIFACT_BUCKET) CodeS3Key=$$key $(PARAMS) && \
	aws cloudformation describe-stacks --stack-name $(STACK) --region $(REGION) \
	  --query "Stacks[0].Outputs" --output table

smoke: $(STAMP)
	$(PY) -m handler_harness.smoke --stack-name $(STACK) --region $(REGION)

clean:
	rm -rf $(VENV) $(BUILD) reports/*.html reports/*.ipynb
