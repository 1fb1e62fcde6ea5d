"""Choosing the language: the desktop's (LANGUAGE, LC_ALL, LC_MESSAGES, LANG), or the
`language` setting; English as the fallback; the pseudo-locale; right to left."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tray_app.core import i18n
from tray_app.core.pseudo import pseudo

LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")
SEED = "{name} has unexpectedly been disconnected. Please reconnect your {name} account."


@pytest.fixture(autouse=True)
def english_after(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    yield
    i18n.use_english()


@pytest.mark.parametrize(("environment", "expected"), [
    ({"LANG": "de_DE.UTF-8"}, "de"),
    ({"LANG": "pt_BR.UTF-8"}, "pt-BR"),
    ({"LANG": "pt_PT.UTF-8"}, "pt-BR"),
    ({"LC_ALL": "ja_JP.UTF-8", "LANG": "de_DE.UTF-8"}, "ja"),
    ({"LC_MESSAGES": "fr_FR.UTF-8", "LANG": "de_DE.UTF-8"}, "fr"),
    ({"LANGUAGE": "ar:de", "LANG": "de_DE.UTF-8"}, "ar"),
    ({"LANGUAGE": "xx:es", "LANG": "de_DE.UTF-8"}, "es"),
    ({"LANGUAGE": "de"}, "de"),
    ({"LANG": "C"}, "en"),
    ({"LANG": "en_GB.UTF-8"}, "en"),
    ({"LANGUAGE": "en_US:de", "LANG": "de_DE.UTF-8"}, "en"),
    ({"LANG": "xx_YY.UTF-8"}, "en"),
    ({}, "en"),
])
def test_the_desktops_language_is_used(monkeypatch: pytest.MonkeyPatch,
                                       environment: dict[str, str], expected: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert i18n.use_language(None) == expected
    assert i18n.active_language() == expected


def test_the_language_setting_wins_over_the_desktop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANG", "de_DE.UTF-8")
    assert i18n.use_language("ja") == "ja"
    assert i18n.use_language("") == "de"


def test_the_seed_sentence_is_translated_in_german() -> None:
    i18n.use_language("de")
    german = i18n._(SEED)
    assert german != SEED and german.count("{name}") == 2


def test_a_damaged_catalog_falls_back_to_english(tmp_path, monkeypatch) -> None:
    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    (folder / f"{i18n.DOMAIN}.mo").write_bytes(b"\xde\x12\x04\x95garbage")
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert i18n.use_language("de") == "en"
    assert i18n._(SEED) == SEED


def test_right_to_left_languages() -> None:
    assert i18n.is_right_to_left("ar")
    assert not i18n.is_right_to_left("de")
    i18n.use_language("ar")
    assert i18n.is_right_to_left()


def test_the_pseudo_locale_is_bracketed_longer_and_keeps_placeholders() -> None:
    i18n.use_language(i18n.PSEUDO)
    text = i18n._(SEED)
    assert text.startswith("[") and text.endswith("]")
    assert text.count("{name}") == 2
    assert len(text) >= 1.35 * len(SEED)
    assert i18n.ngettext("{count} day", "{count} days", 2).count("{count}") == 1


@given(st.text(max_size=200))
def test_pseudo_never_breaks_a_placeholder(message: str) -> None:
    result = pseudo(message)
    for placeholder in re.findall(r"\{[^{}]*\}", message):
        assert placeholder in result


@given(st.text(max_size=40))
def test_any_tag_is_either_normalised_or_refused(raw: str) -> None:
    tag = i18n.normalise_tag(raw)
    assert tag == "" or tag == i18n.normalise_tag(tag)
    assert i18n.best_match([raw], i18n.shipped_languages()) in i18n.shipped_languages()


def test_windows_uses_the_users_display_language(monkeypatch: pytest.MonkeyPatch) -> None:
    """Windows' API cannot run here: a stand-in for kernel32 answers as Windows does."""
    import ctypes

    class Kernel32:
        def GetUserDefaultUILanguage(self) -> int:
            return 0x0416  # pt-BR

        def LCIDToLocaleName(self, lcid: int, buffer, size: int, flags: int) -> int:
            assert lcid == 0x0416 and size >= 85
            buffer.value = "pt-BR"
            return 6

    monkeypatch.setattr(ctypes, "windll", type("WinDLL", (), {"kernel32": Kernel32()})(),
                        raising=False)
    monkeypatch.setattr(i18n.sys, "platform", "win32")
    assert i18n.desktop_languages() == ["pt-BR"]
    assert i18n.use_language(None) == "pt-BR"


def test_macos_uses_the_preferred_languages(monkeypatch: pytest.MonkeyPatch) -> None:
    """`defaults read -g AppleLanguages` cannot run here: its output is given."""
    import subprocess

    def defaults(command, **_options):
        assert command == ["defaults", "read", "-g", "AppleLanguages"]
        return subprocess.CompletedProcess(command, 0, '(\n    "ja-JP",\n    "en-US"\n)\n', "")

    monkeypatch.setattr(subprocess, "run", defaults)
    monkeypatch.setattr(i18n.sys, "platform", "darwin")
    assert i18n.desktop_languages()[:2] == ["ja-JP", "en-US"]
    assert i18n.use_language(None) == "ja"


def test_windows_without_an_answer_falls_back_to_english(monkeypatch) -> None:
    import ctypes

    monkeypatch.delattr(ctypes, "windll", raising=False)
    monkeypatch.setattr(i18n.sys, "platform", "win32")
    assert i18n.use_language(None) == "en"
