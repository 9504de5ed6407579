# make run  - set everything up and serve the demo curriculum on http://127.0.0.1:5000
# make test - set everything up and run the whole test suite (and the linters)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 5000
BASE_URL ?= http://127.0.0.1:$(PORT)
export PORT BASE_URL

.PHONY: run test lint check-system clean bench bench-syllabus translations

$(STAMP): pyproject.toml constraints.txt
	@$(MAKE) --no-print-directory check-system
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

check-system:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { echo "Python's venv module is missing: sudo apt-get install python3-venv"; exit 1; }
	@ldconfig -p 2>/dev/null | grep -q 'libpango-1.0.so' || \
	  { echo "WeasyPrint needs Pango. Install it with:"; \
	    echo "  sudo apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0"; exit 1; }
	@fc-list 2>/dev/null | grep -q 'Noto Sans CJK' && fc-list 2>/dev/null | grep -q 'NotoSans-Regular' || \
	  { echo "The PDF syllabi need the Noto fonts (Latin, Arabic, Cyrillic, CJK). Install them with:"; \
	    echo "  sudo apt-get install fonts-noto-core fonts-noto-cjk"; exit 1; }

run: $(STAMP)
	$(BIN)/curriculum db upgrade
	$(BIN)/curriculum demo load
	$(BIN)/curriculum serve --worker --port $(PORT)

test: $(STAMP) lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

# Re-extract the syllabus's and the LTI pages' fixed texts, merge them into each catalogue, compile the .mo files
# (committed, so that nothing is built at run time). Translate new msgids before compiling.
TRANSLATIONS := exports/translations
# The launched LTI pages (learner and trainer) have catalogues of their own.
LTI_TRANSLATIONS := lti/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg --no-location --sort-output -k _ -k gettext \
	  -k ngettext:1,2 --project "GMG standing curriculum" -o $(TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(TRANSLATIONS)/messages.pot -d $(TRANSLATIONS) --ignore-obsolete \
	  --width 100
	$(BIN)/pybabel compile -d $(TRANSLATIONS) --statistics
	$(BIN)/pybabel extract -F lti/babel.cfg --no-location --sort-output -k _ -k gettext \
	  -k ngettext:1,2 --project "GMG standing curriculum" -o $(LTI_TRANSLATIONS)/messages.pot .
	$(BIN)/pybabel update -i $(LTI_TRANSLATIONS)/messages.pot -d $(LTI_TRANSLATIONS) \
	  --ignore-obsolete
	$(BIN)/pybabel compile -d $(LTI_TRANSLATIONS) --statistics

bench: $(STAMP)
	$(BIN)/python bench/catalogue.py

bench-syllabus: $(STAMP)
	$(BIN)/python bench/syllabus.py

clean:
	rm -rf $(VENV) instance .pytest_cache .mypy_cache .ruff_cache
