"""Every text a person reads lives in core/messages.py and goes through the catalog.

- every messages function gives a sentence in English, and under the pseudo-locale
  (en-XA) a bracketed one, i.e. it was looked up in the catalog when it was called;
- the msgids are literals (the extractor reads nothing else), and nothing is translated
  at import time;
- no widget in tray_app/ui is given a hard-coded string, and no user-facing call in the
  core and command line is either (the hard-coded-string finder).
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tray_app.core import i18n, messages
from tray_app.core.errors import ErrorKind
from tray_app.core.settings import SETTINGS
from tray_app.core.wording import REASONS

PACKAGE = Path(__file__).resolve().parent.parent / "tray_app"
MESSAGES = PACKAGE / "core" / "messages.py"
SAMPLES: dict[Any, Any] = {"str": "Dropbox", "int": 3, "float": 3.0}
# The keyed functions: each is called with every key it knows.
KEYED: dict[str, list[dict[str, Any]]] = {
    "error_title": [{"kind": kind.value} for kind in ErrorKind],
    "setting_label": [{"key": s.key} for s in SETTINGS if s.user_editable],
    "setting_description": [{"key": s.key, "english": s.description}
                            for s in SETTINGS if s.user_editable],
}


def _functions() -> list[tuple[str, Callable[..., str]]]:
    return [(name, function) for name, function in inspect.getmembers(messages,
                                                                        inspect.isfunction)
            if function.__module__ == messages.__name__ and not name.startswith("_")]


def _calls(name: str, function: Callable[..., str]) -> Iterator[dict[str, Any]]:
    """Sample arguments: str parameters get "Dropbox", numbers 3 (and, for those that
    choose their words by a count, 0, 1 and 2 too); keyed functions every key."""
    if name in KEYED:
        yield from KEYED[name]
        return
    parameters = inspect.signature(function).parameters
    base = {p: SAMPLES[parameter.annotation] for p, parameter in parameters.items()}
    yield base
    for p, parameter in parameters.items():
        if parameter.annotation in ("int", "float"):
            for count in (0, 1, 2):
                yield {**base, p: count}
        if parameter.annotation == "str":
            yield {**base, p: ""}  # optional parts ("", no email, no detail) too


@pytest.fixture
def pseudo_locale() -> Iterator[None]:
    i18n.use_language(i18n.PSEUDO)
    try:
        yield
    finally:
        i18n.use_english()


def test_there_are_messages_and_each_parameter_has_a_sample() -> None:
    functions = _functions()
    assert len(functions) > 250
    for name, function in functions:
        if name not in KEYED:
            for parameter in inspect.signature(function).parameters.values():
                assert parameter.annotation in SAMPLES, (name, parameter)


def test_every_message_is_a_non_empty_text_in_english() -> None:
    assert i18n.active_language() == i18n.ENGLISH
    for name, function in _functions():
        for arguments in _calls(name, function):
            text = function(**arguments)
            assert isinstance(text, str) and text.strip(), (name, arguments)
            assert "{" not in text or "{" in str(arguments), (name, text)  # all filled in


def test_every_message_went_through_the_catalog(pseudo_locale: None) -> None:
    for name, function in _functions():
        for arguments in _calls(name, function):
            text = function(**arguments)
            assert text.startswith("["), (name, arguments, text)


def test_the_language_is_looked_up_at_each_call(pseudo_locale: None) -> None:
    assert messages.notice_disconnected("Dropbox").startswith("[")
    i18n.use_english()
    assert messages.notice_disconnected("Dropbox") == (
        "Dropbox has unexpectedly been disconnected. Please reconnect your Dropbox account.")
    assert messages.error_title(ErrorKind.AUTH) == "Sign-in needed"


def test_english_is_what_it_always_was() -> None:
    assert messages.notice_expiring("Google Drive", "2026-12-04", 3) == (
        "Google Drive will be disconnected on 2026-12-04 (in 3 days). "
        "Please reconnect your Google Drive account before then.")
    assert messages.notice_expiring("Box", "2026-12-02", 1).endswith(
        "(in 1 day). Please reconnect your Box account before then.")
    assert "(within 24 hours)" in messages.notice_expiring("Box", "2026-12-01", 0)
    assert messages.state_expires(3, "4 Dec") == "expires in 3 days (4 Dec)"
    assert messages.tooltip_expires("Box", 0) == "Box expires within 24 hours"
    assert messages.popup_intro(1) == (
        "One of the accounts you connected to the intranet needs attention.")
    assert messages.popup_intro(2) == (
        "2 of the accounts you connected to the intranet need attention.")
    assert messages.store_no_answer("KWallet", 0.5).startswith(
        "The password store (KWallet) did not answer within 0.5 seconds;")
    assert messages.failure_deadline("i.example", 1).startswith(
        "The intranet at i.example took longer than 1 second to answer.")
    assert all(words() for words in REASONS.values())


# --- the module itself ------------------------------------------------------------------

GETTEXT = {"_": 1, "ngettext": 2, "pgettext": 2}  # how many leading literal arguments


def _tree() -> ast.Module:
    return ast.parse(MESSAGES.read_text(encoding="utf-8"))


def test_messages_imports_only_i18n() -> None:
    imported = {node.module for node in ast.walk(_tree())
                if isinstance(node, ast.ImportFrom) and node.module}
    imported |= {alias.name for node in ast.walk(_tree()) if isinstance(node, ast.Import)
                 for alias in node.names}
    assert {name for name in imported if name.startswith("tray_app")} <= {
        "tray_app.core.i18n", "tray_app.core.org_words", "tray_app.core"}


def test_every_msgid_is_a_literal() -> None:
    calls = [node for node in ast.walk(_tree()) if isinstance(node, ast.Call)
             and isinstance(node.func, ast.Name) and node.func.id in GETTEXT]
    assert len(calls) > 250
    for call in calls:
        literals = call.args[:GETTEXT[call.func.id]]  # type: ignore[union-attr]
        assert all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in literals), (
            f"line {call.lineno}: a msgid must be a plain string literal")


def test_nothing_is_translated_at_import() -> None:
    """Only functions (and the imports) at module level: a translated constant would
    keep the language of the moment it was imported."""
    for node in _tree().body:
        if isinstance(node, ast.FunctionDef | ast.Import | ast.ImportFrom):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        pytest.fail(f"line {node.lineno}: only functions at the top of messages.py")


# --- the hard-coded-string finder ---------------------------------------------------------

# Qt calls whose first argument a person reads.
UI_TEXT_METHODS = {"setText", "setWindowTitle", "setToolTip", "addAction", "addButton",
                   "setAccessibleName", "setAccessibleDescription", "setPlaceholderText",
                   "setStatusTip", "setWhatsThis", "showMessage", "addItem", "setTitle",
                   "setLabelText"}
UI_TEXT_CLASSES = {"QLabel", "QPushButton", "QAction", "QCheckBox", "QGroupBox", "QMenu",
                   "QRadioButton", "QToolButton"}
# Calls elsewhere whose string arguments a person reads: errors, terminal lines, prints.
CORE_TEXT_CALLS = {"CompanionError", "ConfigError", "SignInNeeded", "KeyringUnavailable",
                   "WorkerCancelled", "DemoUnavailable", "UnreadableFile", "ProtocolError",
                   "worker_failure", "say", "print", "_tell", "tell", "show_problem",
                   "show_progress", "_say", "_tell_stderr", "add_argument", "add_parser",
                   "ArgumentParser", "_page", "backend_failure", "_protocol", "_refused",
                   "_raise_for_error"}
CORE_SCOPE = ["core/*.py", "core/auth/*.py", "cli.py", "commands.py", "terminal.py",
              "gui_entry.py", "startup.py", "demo_process.py", "ui/*.py"]
# Arguments of those calls that are not text for a person.
NOT_TEXT_KEYWORDS = {"metavar", "dest", "prog", "choices", "action", "version", "default",
                     "file"}
# Strings that may stay, each for its reason.
ALLOWED: set[tuple[str, str]] = {
    # argparse option and command names: typed by people, never translated.
    ("cli.py", "--intranet-url"), ("cli.py", "--demo"), ("cli.py", "--autostart"),
    ("cli.py", "--version"), ("cli.py", "--json"), ("cli.py", "--method"),
    ("cli.py", "--token"), ("cli.py", "--device"), ("cli.py", "check"),
    ("cli.py", "demo-server"), ("cli.py", "diagnose"), ("cli.py", "sign-in"),
    ("cli.py", "sign-out"),
}


def _has_letters(text: str) -> bool:
    return any(char.isalpha() for char in text)


def _literal_texts(node: ast.expr) -> Iterator[str]:
    """The literal text in an argument: a string, an f-string's fixed parts, either side
    of a `+` or of a conditional."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and isinstance(part.value, str):
                yield part.value
            elif isinstance(part, ast.FormattedValue):
                yield from _literal_texts(part.value)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _literal_texts(node.left)
        yield from _literal_texts(node.right)
    elif isinstance(node, ast.IfExp):
        yield from _literal_texts(node.body)
        yield from _literal_texts(node.orelse)


def _called(node: ast.Call) -> str:
    function = node.func
    if isinstance(function, ast.Attribute):
        return function.attr
    return function.id if isinstance(function, ast.Name) else ""


def _qmessagebox(node: ast.Call) -> bool:
    function = node.func
    return isinstance(function, ast.Attribute) and isinstance(function.value, ast.Name) \
        and function.value.id == "QMessageBox"


def _hard_coded(path: Path, arguments: Callable[[ast.Call], list[ast.expr] | None]
                ) -> list[str]:
    found = []
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for argument in arguments(node) or []:
            for text in _literal_texts(argument):
                if _has_letters(text) and (path.name, text) not in ALLOWED:
                    found.append(f"{path.parent.name}/{path.name}:{node.lineno}: {text!r}")
    return found


def _ui_text_arguments(node: ast.Call) -> list[ast.expr] | None:
    name = _called(node)
    if _qmessagebox(node):
        return [*node.args[1:], *(k.value for k in node.keywords)]  # title, text, ...
    if name in UI_TEXT_METHODS or name in UI_TEXT_CLASSES:
        return node.args[:1]
    return None


def _core_text_arguments(node: ast.Call) -> list[ast.expr] | None:
    if _called(node) not in CORE_TEXT_CALLS:
        return None
    if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
            and node.func.value.id in ("log", "logging"):
        return None
    return [*node.args, *(k.value for k in node.keywords if k.arg not in NOT_TEXT_KEYWORDS)]


def test_the_finder_finds_hard_coded_strings(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('label.setText("Hello")\nQPushButton(f"Reconnect {name}")\n'
                      'QMessageBox.warning(self, "Oops", message)\nbox.setText(name)\n'
                      'say("  " + text)\nraise ConfigError("Broken " + why)\n')
    assert len(_hard_coded(sample, _ui_text_arguments)) == 3
    assert len(_hard_coded(sample, _core_text_arguments)) == 1


def test_no_widget_is_given_a_hard_coded_string() -> None:
    found = [hit for path in sorted((PACKAGE / "ui").glob("*.py"))
             for hit in _hard_coded(path, _ui_text_arguments)]
    assert found == [], "texts to move to core/messages.py:\n" + "\n".join(found)


def test_no_error_or_terminal_line_is_a_hard_coded_string() -> None:
    paths = sorted({path for pattern in CORE_SCOPE for path in PACKAGE.glob(pattern)})
    found = [hit for path in paths if path != MESSAGES
             for hit in _hard_coded(path, _core_text_arguments)]
    assert found == [], "texts to move to core/messages.py:\n" + "\n".join(found)
