# ifes-archive: `make demo` and `make test` are all a fresh clone needs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
# pywb (replay tests) lives in its own environment: its pins must not move the crawler's.
PYWB_VENV ?= .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed-stamp
# scrapyd (scheduled-crawl tests) in its own environment, as the README sets up a scrapyd host:
# scrapyd and the crawler's dependencies, never the crawler itself (it comes as the deployed egg).
SCRAPYD_VENV ?= .venv-scrapyd
SCRAPYD_STAMP := $(SCRAPYD_VENV)/.installed-stamp
# The demo's archive folder: outside the checkout (nothing is written into the source tree).
DEMO_OUT ?= $(or $(TMPDIR),/tmp)/ifes-archive-demo
# ReplayWeb.page (replay test of the WACZ): the npm package, as replayweb.page serves it.
REPLAYWEB ?= .replayweb
REPLAYWEB_VERSION ?= 2.5.3
REPLAYWEB_STAMP := $(REPLAYWEB)/.installed-stamp

.PHONY: venv demo lint test bench bench-hostile bench-extract bench-stranger bench-stranger2 clean

# uv (from PyPI, into the crawler's venv) installs in seconds what pip takes minutes for (a fresh
# clone's environments: about 30 s against 3-5 min on this 2-core machine); where uv cannot be had
# or fails, pip does the same install.
UV := $(VENV)/bin/uv
# $(call install,PYTHON,ARGS): pip install ARGS into the environment of PYTHON, by uv or by pip.
# The crawler and every extra the tests and benchmarks use (a variable: commas split call's arguments).
# uv writes the .pyc files as pip does (--compile-bytecode): without them every interpreter compiles
# what it imports where PYTHONDONTWRITEBYTECODE is set (a crawl's imports: 4.5 s of CPU, 2.2 s with
# them; compiling the crawler's environment once, 9,362 files: 51 s of CPU, on both cores).
EDITABLE := -e '.[release,browse,tokens,deploy,dev]'
install = ($(UV) pip install --quiet --compile-bytecode --python $(1) $(2) 2>/dev/null \
	|| $(1) -m pip install --quiet $(2))

# The crawler's venv with uv in it: pywb's environment needs only this much of it (its install
# runs beside the crawler's under `make test`). scrapyd's builds the checkout, as the crawler's
# editable install does: it waits for that one (two builds in one source tree could collide).
UV_STAMP := $(VENV)/.uv-stamp
$(UV_STAMP):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet uv || echo "uv not installed: pip installs the environments"
	touch $(UV_STAMP)

$(STAMP): pyproject.toml | $(UV_STAMP)
	$(call install,$(PY),$(EDITABLE))
	touch $(STAMP)

$(PYWB_STAMP): | $(UV_STAMP)
	$(PYTHON) -m venv $(PYWB_VENV)
	$(call install,$(PYWB_VENV)/bin/python,'pywb>=2.8')
	touch $(PYWB_STAMP)

$(SCRAPYD_STAMP): pyproject.toml | $(STAMP)
	$(PYTHON) -m venv $(SCRAPYD_VENV)
	$(call install,$(SCRAPYD_VENV)/bin/python,'scrapyd>=1.6' .)
	$(UV) pip uninstall --quiet --python $(SCRAPYD_VENV)/bin/python ifes-archive 2>/dev/null \
		|| $(SCRAPYD_VENV)/bin/python -m pip uninstall --quiet --yes ifes-archive
	touch $(SCRAPYD_STAMP)

$(REPLAYWEB_STAMP):
	@if command -v npm >/dev/null && mkdir -p $(REPLAYWEB) && (cd $(REPLAYWEB) \
		&& npm pack --silent replaywebpage@$(REPLAYWEB_VERSION) >/dev/null \
		&& tar xzf replaywebpage-$(REPLAYWEB_VERSION).tgz); then touch $@; \
	else echo "ReplayWeb.page not fetched (npm missing or failed): its test will fail"; fi

venv: $(STAMP)

## Serve the bundled mirror on 127.0.0.1, crawl it, print where the WARCs and records went.
demo: venv
	$(PY) -m ifes_archive.fixtures.demo --out $(DEMO_OUT)

## Lint (ruff) and type (mypy) gates: the settings are in pyproject.toml.
lint: venv
	$(PY) -m ruff check crawler archive fixtures tests bench setup.py
	@# mypy cannot follow the editable install's name mapping: it reads the folders linked as
	@# ifes_archive.* under the venv (pyproject.toml, [tool.mypy] mypy_path).
	@mkdir -p $(VENV)/typecheck/ifes_archive
	@for d in crawler archive fixtures; do ln -sfn $(CURDIR)/$$d $(VENV)/typecheck/ifes_archive/$$d; done
	MYPYPATH=$(VENV)/typecheck $(PY) -m mypy

## The whole test suite (real crawls of the mirror on loopback; replay in pywb and Chromium;
## scheduled crawls under scrapyd), after the lint and type gates. Here a missing replay tool
## fails its tests (IFES_TEST_EXTRAS, tests/extras.py); `pytest` run alone skips them, saying which.
## Whole modules go to each worker (--dist loadfile): a module's fixtures (test_import's six
## crawls) are built once, not on both workers; tests/conftest.py starts the longest ones first
## (--no-loadscope-reorder: xdist would otherwise start the modules with the most tests first).
## The project's `python -m` children (crawls, servers) are forked by a pre-warmed zygote, one per
## worker (tests/zygote.py, put in place by tests/conftest.py); IFES_TEST_ZYGOTE=0 execs them afresh.
## The set-up steps run side by side (a make of its own with -j: `make test` alone is serial):
## ReplayWeb.page's download, and pywb's environment once uv is in the crawler's, beside the
## crawler's install; then the lint and type gates beside scrapyd's environment. The tests start
## once all have passed.
SETUP := venv lint $(PYWB_STAMP) $(SCRAPYD_STAMP) $(REPLAYWEB_STAMP)
test:
	@$(MAKE) --no-print-directory -j4 $(SETUP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)
	IFES_TEST_EXTRAS=required $(PY) -m pytest -q -n 2 --dist loadfile --no-loadscope-reorder --durations=30 tests

## Benchmarks: figures side by side with their baselines, in one run.
bench: venv
	@command -v wget >/dev/null || (apt-get update -qq && apt-get install -y -qq wget)
	@status=0; for b in crawl rebuild recrawl extract generic release soak hostile_soak; do \
		echo "$(PY) -m bench.$$b"; $(PY) -m bench.$$b || status=1; \
	done; exit $$status

## Issue 19's soak: every trap and attack at once among the mirror's pages (crawl, rebuild, release).
bench-hostile: venv
	$(PY) -m bench.hostile_soak

## Extraction quality and speed on the gold set beside trafilatura, readability-lxml, jusText;
## the generic path beside trafilatura on the article-extraction-benchmark (a local clone).
bench-extract: venv
	$(PY) -m bench.extract
	$(PY) -m bench.generic

## Crawl the clean-room stranger mirror and score against its own truth (SEED=1: development; >= 1000 held out).
bench-stranger: venv
	$(PY) -m bench.stranger --seed $(or $(SEED),1)

## Crawl the second clean-room mirror (fixtures/stranger2) and score against its truth (SEED=1: development; >= 7000 held out).
bench-stranger2: venv
	$(PY) -m bench.stranger2 --seed $(or $(SEED),1)

clean:
	rm -rf out build *.egg-info
