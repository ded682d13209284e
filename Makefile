# One entry point. `make report` runs the main job, `make test` the whole suite.
# Both create or refresh the project virtualenv (.venv) from pinned versions first;
# the stamp file makes that a no-op when requirements.lock and pyproject.toml are unchanged.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
SCENARIO ?= data/scenarios/default.yaml

.PHONY: env report test test-fast lab bench browser clean

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
	$(PY) -m pytest -q tests notebooks --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

test-fast: $(STAMP)
	$(PY) -m pytest -q tests -p no:cacheprovider

# JupyterLab in the project venv (widgets and plotly extensions come with the pinned packages).
# Jupyter refuses to run as root without --allow-root; containers and CI machines often are root.
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=notebooks $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench: $(STAMP)
	@for b in benchmarks/bench_*.py; do echo "== $$b"; $(PY) $$b || exit 1; done

clean:
	rm -rf $(VENV) reports/*.html reports/*.ipynb
