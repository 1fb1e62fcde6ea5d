"""The translation catalogs hold every sentence of the code, translated, with the same
placeholders, and their compiled .mo files are what `make catalogs` makes of them."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tray_app.core import i18n

REPO = Path(__file__).resolve().parents[1]
SHIPPED = ("de", "fr", "es", "pt_BR", "ja", "ar")
KEYWORDS = {"_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{[a-z_]*\}")


def code_messages() -> dict[tuple[str | None, str], tuple[str, ...]]:
    """(context, msgid) -> every form (singular, plural) found in tray_app's code."""
    found: dict[tuple[str | None, str], tuple[str, ...]] = {}
    extracted = extract_from_dir(str(REPO / "tray_app"), method_map=[("**.py", "python")],
                                 keywords=KEYWORDS, comment_tags=("Translators:",))
    for _file, _line, message, _comments, context in extracted:
        forms = (message,) if isinstance(message, str) else tuple(message)
        found[(context, forms[0])] = forms
    return found


def po_path(language: str) -> Path:
    return i18n.LOCALE_DIR / language / "LC_MESSAGES" / f"{i18n.DOMAIN}.po"


def catalog(language: str):
    with po_path(language).open("rb") as stream:
        return read_po(stream, locale=language)


def test_the_code_has_sentences_to_translate() -> None:
    messages = code_messages()
    assert len(messages) > 150
    assert (None, "{name} has unexpectedly been disconnected. Please reconnect your {name} "
                  "account.") in messages


@pytest.mark.parametrize("language", SHIPPED)
def test_every_sentence_is_translated_with_its_placeholders(language: str) -> None:
    translations = catalog(language)
    problems = []
    for (context, msgid), forms in code_messages().items():
        entry = translations.get(msgid if len(forms) == 1 else forms[0], context=context)
        if entry is None or not entry.string or entry.fuzzy:
            problems.append(f"untranslated: {msgid!r}")
            continue
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if not all(strings):
            problems.append(f"a plural form is empty: {msgid!r}")
            continue
        wanted = set(PLACEHOLDER.findall(" ".join(forms)))
        for text in strings:
            # A translation may leave out {count} in a form used only for one (e.g. "a day").
            have = set(PLACEHOLDER.findall(text))
            if have - wanted or (wanted - have) - {"{count}"}:
                problems.append(f"placeholders differ: {msgid!r} -> {text!r}")
    assert not problems, "\n".join(problems[:40])


@pytest.mark.parametrize("language", SHIPPED)
def test_the_compiled_catalog_is_up_to_date(language: str) -> None:
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language), use_fuzzy=False)
    mo = po_path(language).with_suffix(".mo")
    assert mo.read_bytes() == compiled.getvalue(), f"run `make catalogs` ({mo})"


def test_each_shipped_language_is_offered() -> None:
    assert set(i18n.shipped_languages()) >= {"en", "en-XA", "de", "fr", "es", "pt-BR", "ja",
                                             "ar"}
