# The two commands: `make run` and `make test`. Everything else is a helper.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# uv installs the lock (pinned in it, bootstrapped with pip): a third of pip's time on a
# clean machine (24 s against 75 s, pyspark's build included, measured 2026-12-05). It
# compiles the bytecode as it installs: where PYTHONDONTWRITEBYTECODE is set (these
# machines and their CI), Python would otherwise compile every module it imports in every
# process, and importing Dagster, GX and pandas took 11.5 s a process against 5.8 s.
UV_INSTALL := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python
STAMP := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
ALT_VENV := .venv-duckdb155
ALT_STAMP := $(ALT_VENV)/.installed-$(shell cat requirements.lock benchmarks/engine_alt.txt | cksum | cut -d' ' -f1)

.PHONY: run test bench lock dictionary ui-check web-screenshots browser java debian clean

$(STAMP): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Causeway needs Python 3.11")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $$(grep '^uv==' requirements.lock)
	$(UV_INSTALL) -r requirements.lock
	$(UV_INSTALL) --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/causeway demo --only-if-new
	$(BIN)/causeway run

test: $(STAMP) debian
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

bench: $(STAMP) $(ALT_STAMP)
	for bench in benchmarks/bench_*.py; do $(BIN)/python $$bench || exit 1; done

# The other engine design, for benchmarks/bench_engine.py only (docs/engine.md): the same
# lock with DuckDB 1.5.5 and its extension wheels instead of the pinned engine.
$(ALT_STAMP): requirements.lock benchmarks/engine_alt.txt
	test -x $(ALT_VENV)/bin/python || $(PYTHON) -m venv $(ALT_VENV)
	grep -v '^duckdb==' requirements.lock > $(ALT_VENV)/requirements.txt
	$(ALT_VENV)/bin/python -m pip install --quiet -r $(ALT_VENV)/requirements.txt \
		-r benchmarks/engine_alt.txt
	rm -f $(ALT_VENV)/.installed-*
	touch $(ALT_STAMP)

# Re-resolve the lock file after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 \
		--no-emit-package causeway -o requirements.lock

# Loads a small demo, starts the Dagster UI on loopback and screenshots the asset graph and
# the run page with its summary (needs Debian's chromium).
ui-check: $(STAMP) browser
	$(BIN)/python -m pipelines.ui_check --out docs/ui-asset-graph.png

dictionary: $(STAMP)
	$(BIN)/causeway dictionary --output docs/data_dictionary.md
	$(BIN)/python -c 'from schemas.contracts import render_contract_reference as r; print(r())' > docs/contracts.md

# The README's pictures of `causeway web` (a published demo district, a grid worker's view).
web-screenshots: $(STAMP) browser
	$(BIN)/python -m pipelines.web_screenshots --out docs

# Debian's packages, each only when its command is missing, in one apt-get run:
# chromium for the browser tests and screenshots (Playwright drives it; its own browser
# download is not reachable from these machines) and Java 17 for Spark (`causeway link
# --engine spark` and its parity test: pyspark's wheel carries Spark, not a JVM).
CHROMIUM := $(if $(shell command -v chromium),,chromium)
JAVA := $(if $(shell command -v java),,openjdk-17-jre-headless)
APT_INSTALL = missing="$(strip $(1))"; [ -z "$$missing" ] || { \
	cmd="apt-get update -qq && apt-get install -y -qq $$missing"; \
	if [ "$$(id -u)" = 0 ]; then sh -c "$$cmd"; else sudo sh -c "$$cmd"; fi; }
debian:
	@$(call APT_INSTALL,$(CHROMIUM) $(JAVA))
browser:
	@$(call APT_INSTALL,$(CHROMIUM))
java:
	@$(call APT_INSTALL,$(JAVA))

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
