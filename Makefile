# GAN Classroom. `make run` opens the dashboard, `make test` runs every test (both set up .venv first).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: run test test-fast bench lint clean

$(BIN)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

run: $(BIN)/.installed
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true

test: $(BIN)/.installed
	$(BIN)/python -m pytest -q

test-fast: $(BIN)/.installed
	$(BIN)/python -m pytest -q -m "not e2e and not slow"

bench: $(BIN)/.installed
	$(BIN)/python -m gan_core bench

lint: $(BIN)/.installed
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) .pytest_cache
