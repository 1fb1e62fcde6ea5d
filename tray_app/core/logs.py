"""Logging to standard error and a private log file, with secrets redacted."""

from __future__ import annotations

import logging
import logging.handlers
import os
import re

from tray_app.core import paths

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_SECRET_FIELDS = re.compile(
    r"(?i)((?:access_token|refresh_token|id_token|code_verifier|client_secret|code)"
    r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
)
_known_secrets: set[str] = set()


def register_secret(value: str) -> None:
    """Make sure `value` never reaches a log line, whatever code logs it."""
    if value and len(value) >= 8:
        _known_secrets.add(value)


def redact(text: str) -> str:
    text = _BEARER.sub(r"\1[redacted]", text)
    text = _SECRET_FIELDS.sub(r"\1[redacted]", text)
    for secret in _known_secrets:
        text = text.replace(secret, "[redacted]")
    return text


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO", *, stderr_level: str = "WARNING",
                  to_file: bool = True) -> None:
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler()
    console.setLevel(stderr_level)
    console.setFormatter(RedactingFormatter("%(levelname)s: %(message)s"))
    root.addHandler(console)
    if to_file:
        _add_file_handler(root, level)


def _add_file_handler(root: logging.Logger, level: str) -> None:
    path = paths.log_file()
    try:
        paths.ensure_private_dir(path.parent)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=512 * 1024, backupCount=2, encoding="utf-8")
        os.chmod(path, 0o600)
    except OSError as problem:
        root.warning("Cannot write the log file %s (%s)", path, problem.strerror)
        return
    handler.setLevel(level)
    handler.setFormatter(RedactingFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
