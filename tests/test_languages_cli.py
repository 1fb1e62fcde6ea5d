"""The human `check` speaks each shipped language, the seed sentence included;
`check --json` is the same bytes in every language (cli.md)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tray_app.demo.server import DemoIntranet

REPO = Path(__file__).resolve().parents[1]
TOKEN = "s3cret-token-for-tests-0123456789"
ENGLISH_SEED = ("Dropbox has unexpectedly been disconnected. Please reconnect your Dropbox "
                "account.")
LANGS = {"de": "de_DE.UTF-8", "fr": "fr_FR.UTF-8", "es": "es_ES.UTF-8",
         "pt_BR": "pt_BR.UTF-8", "ja": "ja_JP.UTF-8", "ar": "ar_EG.UTF-8"}


@pytest.fixture(scope="module")
def demo():
    with DemoIntranet(token=TOKEN) as server:
        yield server


def check(demo: DemoIntranet, lang: str, *args: str,
          tmp_path: Path) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("COMPANION_", "LC_", "LANG"))}
    env.update(COMPANION_POLICY_FILE=os.environ["COMPANION_POLICY_FILE"],
               COMPANION_INTRANET_URL=demo.url, COMPANION_TOKEN=TOKEN, LANG=lang,
               XDG_STATE_HOME=str(tmp_path / lang))
    done = subprocess.run([sys.executable, str(REPO / "main.py"), "check", *args],
                          capture_output=True, env=env, timeout=60, check=False)
    assert b"Traceback" not in done.stderr
    return done


def seed_sentence(language: str) -> str:
    from tray_app.core import i18n, messages

    i18n.use_language(language.replace("_", "-"))
    try:
        return messages.notice_disconnected("Dropbox")
    finally:
        i18n.use_english()


@pytest.mark.parametrize("language", sorted(LANGS))
def test_the_human_check_speaks_the_language(demo: DemoIntranet, language: str,
                                             tmp_path: Path) -> None:
    done = check(demo, LANGS[language], tmp_path=tmp_path)
    text = done.stdout.decode("utf-8")
    translated = seed_sentence(language)
    assert translated != ENGLISH_SEED
    assert translated in text
    assert ENGLISH_SEED not in text


def test_check_json_is_the_same_bytes_in_every_language(demo: DemoIntranet,
                                                        tmp_path: Path) -> None:
    def normalised(done: subprocess.CompletedProcess[bytes]) -> bytes:
        # checked_at is the server's clock at each check; every other byte must be equal.
        return re.sub(rb'"checked_at": *"[^"]*"', b'"checked_at": ""', done.stdout)

    english = check(demo, "en_US.UTF-8", "--json", tmp_path=tmp_path)
    assert ENGLISH_SEED.encode() in english.stdout
    for lang in LANGS.values():
        other = check(demo, lang, "--json", tmp_path=tmp_path)
        assert other.returncode == english.returncode
        assert normalised(other) == normalised(english), lang
