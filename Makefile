PYTHON := .venv/bin/python

.PHONY: install run test bench lint

install:
	./stack/install.sh

run: install
	$(PYTHON) -m stack.run

test: install
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) -m bench

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
