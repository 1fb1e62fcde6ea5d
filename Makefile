PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The app's own dependencies only (make demo): no test tools.
RUNTIME_STAMP := $(VENV)/.installed-runtime

.PHONY: venv demo demo-server test lint bench clean dist installers deb msi admin-doc \
	catalogs messages-template update-catalogs new-language date-formats

# Translations (README, "Translating"): one gettext domain; .po sources, compiled .mo
# catalogs kept beside them (so a plain checkout runs in every language).
LOCALE := tray_app/locale
DOMAIN := intranet-companion
POT := $(LOCALE)/$(DOMAIN).pot
PO_FILES := $(wildcard $(LOCALE)/*/LC_MESSAGES/$(DOMAIN).po)
MO_FILES := $(PO_FILES:.po=.mo)

# Deployment (ADMIN.md): the frozen app, the Linux package and the Windows MSI.
VERSION := $(shell $(PYTHON) -c 'import tray_app; print(tray_app.__version__)')
BUILD_STAMP := $(VENV)/.installed-build
FROZEN := dist/intranet-companion/intranet-companion
DEB := dist/intranet-companion_$(VERSION)_amd64.deb
MSI := dist/IntranetCompanion-$(VERSION)-x64.msi
APP_SOURCES := main.py $(shell find tray_app resources -type f -not -path '*/__pycache__/*') \
	installers/pyinstaller/intranet-companion.spec installers/pyinstaller/bundle_filters.py \
	installers/icon_files.py

venv: $(STAMP)

$(RUNTIME_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

# The test tools on top of the runtime (one venv, filled in this order).
$(STAMP): pyproject.toml $(RUNTIME_STAMP)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(RUNTIME_STAMP) catalogs
	$(BIN)/python main.py --demo

demo-server: $(STAMP)
	$(BIN)/python main.py demo-server --port 8765

test: $(STAMP) catalogs
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

bench: $(STAMP)
	$(BIN)/python bench/check.py

clean:
	rm -rf $(VENV) build dist *.egg-info

$(BUILD_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[test,build]'
	touch $@

# The frozen app for this OS in dist/intranet-companion/ (rebuilt when a source changes).
dist: $(FROZEN)

$(FROZEN): $(BUILD_STAMP) $(APP_SOURCES) $(MO_FILES)
	$(BIN)/pyinstaller --noconfirm --log-level WARN --distpath dist \
		--workpath build/pyinstaller installers/pyinstaller/intranet-companion.spec
	touch $@

# dpkg-deb, wixl and msibuild come from apt: .ci/setup-installers.sh installs them.
installers: deb msi

deb: $(DEB)

$(DEB): $(FROZEN) installers/build_deb.py $(wildcard installers/linux/*)
	$(BIN)/python -m installers.build_deb

# Around the Linux build, only to inspect its tables: see installers/build_msi.py.
msi: $(MSI)

$(MSI): $(FROZEN) installers/build_msi.py installers/windows/IntranetCompanion.wxs
	$(BIN)/python -m installers.build_msi

# ADMIN.md's key table, ADMX/ADML, Jamf schema, profiles: regenerated from the settings table.
admin-doc: $(STAMP)
	$(BIN)/python -m installers.generate

# Compile every language's catalog (only those whose .po changed).
catalogs: $(MO_FILES)

$(LOCALE)/%/LC_MESSAGES/$(DOMAIN).mo: $(LOCALE)/%/LC_MESSAGES/$(DOMAIN).po | $(RUNTIME_STAMP)
	$(BIN)/pybabel compile --statistics -D $(DOMAIN) -i $< -o $@ -l $*

# The template of every sentence, from core/messages.py (and anything else marked).
messages-template: $(STAMP)
	$(BIN)/pybabel extract --no-location --sort-output --omit-header -F babel.cfg \
		-c "Translators:" -k pgettext:1c,2 -o $(POT) tray_app

# Bring every language up to the template (new sentences appear untranslated).
update-catalogs: messages-template
	$(BIN)/pybabel update --no-fuzzy-matching --ignore-obsolete -D $(DOMAIN) -i $(POT) -d $(LOCALE)

# A new language: make new-language LANG=it (then translate its .po and run make catalogs).
new-language: messages-template
	$(BIN)/pybabel init -D $(DOMAIN) -i $(POT) -d $(LOCALE) -l $(LANG)

# The CLDR date patterns of the shipped languages (tray_app/core/cldr_dates.py), from Babel.
date-formats: $(STAMP)
	$(BIN)/python -m tray_app.core.dates tray_app/core/cldr_dates.py
