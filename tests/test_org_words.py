"""The organisation's words from policy: per language, falling back to the policy's
unsuffixed text and then to nothing (the built-in sentence)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tray_app.core import i18n, org_words
from tray_app.core.config import load_config
from tray_app.core.policy import RawPolicy
from tray_app.core.settings import TEXT_LANGUAGES


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    yield
    org_words.forget()
    i18n.use_english()


def remember(**policy: str) -> None:
    config = load_config({}, policy=RawPolicy(values=dict(policy), origin="test"))
    org_words.remember(config.get, TEXT_LANGUAGES)


@pytest.mark.parametrize(("language", "expected"), [
    ("de", "IT-Servicedesk, Durchwahl 4357"),
    ("pt-BR", "Central de TI, ramal 4357"),
    ("fr", "IT Service Desk, ext. 4357"),  # no French text: the policy's default
    ("en", "IT Service Desk, ext. 4357"),
])
def test_the_text_for_the_language_else_the_default(language: str, expected: str) -> None:
    remember(support_line="IT Service Desk, ext. 4357",
             support_line_de="IT-Servicedesk, Durchwahl 4357",
             support_line_pt_BR="Central de TI, ramal 4357")
    i18n.use_language(language)
    assert org_words.text("support_line") == expected


def test_nothing_set_means_the_built_in_text() -> None:
    remember()
    assert org_words.text("popup_heading") == ""


def test_a_support_link_must_be_https() -> None:
    config = load_config({}, policy=RawPolicy(values={"support_url": "http://evil.example"},
                                              origin="test"))
    assert config.get("support_url") == ""
    remember(support_url="https://help.example.com/it")
    assert org_words.text("support_url") == "https://help.example.com/it"


def test_text_is_plain_and_trimmed() -> None:
    remember(organization_name="  <b>Acme</b>\\n ")
    assert org_words.text("organization_name") == "<b>Acme</b>\\n"
