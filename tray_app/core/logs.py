"""Logging to standard error and a private log file, with secrets redacted.

Both outputs make text from outside inert (no escape sequence reaches a terminal or a
log viewer), and neither ever shows a traceback for a failure to write: a full disk or
a read-only state folder gives one sentence on standard error, once.

The log file is shared by the tray and any `check` run. Each line is appended by
opening, writing and closing the file under an OS lock, and rotation happens under the
same lock: no process keeps the file open, so rotation also works on Windows, where a
file another process holds open cannot be renamed.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tray_app import __version__
from tray_app.core import messages, paths
from tray_app.core.errors import CompanionError
from tray_app.core.locking import LockUnavailable, locked
from tray_app.core.text import inert
from tray_app.core.timeutil import format_utc

if TYPE_CHECKING:
    from tray_app.core.classify import Notice
    from tray_app.core.config import Config
    from tray_app.core.report import CheckReport

MAX_LOG_BYTES = 512 * 1024
LOG_BACKUPS = 2
_LOCK_TIMEOUT_SECONDS = 2.0
_OPEN_FLAGS = (os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
               | getattr(os, "O_CLOEXEC", 0))

_BEARER = re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+")
_SECRET_FIELDS = re.compile(
    r"(?i)((?:access_token|refresh_token|id_token|code_verifier|client_secret|code)"
    r"[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,}]+"
)
# Set by `-v` and inherited by worker processes; not a setting (COMPANION_<KEY>) of its own.
VERBOSE_ENV = "COMPANION_VERBOSE"
# Other people's loggers: WARNING and above only, unless -v.
LIBRARY_LOGGERS = ("apscheduler", "urllib3", "requests", "msal", "keyring", "secretstorage",
                   "jeepney", "google", "google_auth_oauthlib", "dropbox", "asyncio", "PIL")
_known_secrets: set[str] = set()
_unwritable_logs: set[Path] = set()  # each said once per process


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
    """The message as one inert line; a traceback (the app's own) only with
    `with_traceback`, as further lines."""

    def __init__(self, fmt: str, *, with_traceback: bool) -> None:
        super().__init__(fmt)
        self._with_traceback = with_traceback

    def format(self, record: logging.LogRecord) -> str:
        record.message = inert(record.getMessage())
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        line = self.formatMessage(record)
        if self._with_traceback and record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact(line)


class SharedLogFile(logging.Handler):
    """Appends to `path` (0600, never through a symbolic link) and rotates it at
    MAX_LOG_BYTES, keeping LOG_BACKUPS older files."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        self._lock_path = path.with_name(f".{path.name}.lock")

    def emit(self, record: logging.LogRecord) -> None:
        data = (self.format(record) + "\n").encode("utf-8", "replace")
        try:
            with locked(self._lock_path, _LOCK_TIMEOUT_SECONDS):
                self._rotate_if_full(len(data))
                self._append(data)
        except LockUnavailable as problem:
            self._complain(problem.reason)
        except OSError as problem:
            self._complain(problem.strerror or type(problem).__name__)

    def _append(self, data: bytes) -> None:
        fd = os.open(self.path, _OPEN_FLAGS, 0o600)
        try:
            if hasattr(os, "fchmod") and os.fstat(fd).st_mode & 0o077:
                os.fchmod(fd, 0o600)
            os.write(fd, data)
        finally:
            os.close(fd)

    def _rotate_if_full(self, adding: int) -> None:
        try:
            size = self.path.lstat().st_size
        except FileNotFoundError:
            return
        if size + adding <= MAX_LOG_BYTES:
            return
        for index in range(LOG_BACKUPS - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{index}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{index + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))

    def _complain(self, reason: str) -> None:
        _say_unwritable(self.path, reason)


def _say_unwritable(path: Path, reason: str) -> None:
    if path in _unwritable_logs:
        return
    _unwritable_logs.add(path)
    _tell_stderr(messages.log_file_unwritable(str(path), reason))


def _tell_stderr(sentence: str) -> None:
    stream = sys.stderr
    if stream is None:  # pythonw: nowhere to say it
        return
    try:
        stream.write(inert(sentence) + "\n")
        stream.flush()
    except (OSError, ValueError):
        pass


def set_verbose(verbose: bool = True) -> None:
    """`-v`: DEBUG on standard error and in the log file, libraries' loggers included,
    from now on and in the worker processes this one starts (through VERBOSE_ENV)."""
    if verbose:
        os.environ[VERBOSE_ENV] = "1"
    else:
        os.environ.pop(VERBOSE_ENV, None)


def is_verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "").strip() == "1"


def setup_logging(level: str = "INFO", *, stderr_level: str | None = None,
                  to_file: bool = True) -> None:
    """The file gets `level` (the `log_level` setting), standard error `stderr_level`
    (WARNING by default); with `-v` (set_verbose) both get DEBUG, except a standard error
    a caller keeps quieter on purpose (the worker's, which is the tray's pipe)."""
    verbose = is_verbose()
    if verbose:
        level = "DEBUG"
    stderr_level = stderr_level or ("DEBUG" if verbose else "WARNING")
    _quiet_libraries(not verbose)
    # A handler that cannot write must never print logging's own traceback.
    logging.raiseExceptions = False
    root = logging.getLogger()
    root.setLevel(logging.DEBUG)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    console = logging.StreamHandler()
    console.setLevel(stderr_level)
    console.setFormatter(RedactingFormatter("%(levelname)s: %(message)s",
                                            with_traceback=False))
    root.addHandler(console)
    if to_file:
        _add_file_handler(root, level)


def _add_file_handler(root: logging.Logger, level: str) -> None:
    path = paths.log_file()
    try:
        paths.ensure_private_dir(path.parent)
    except OSError as problem:
        _say_unwritable(path, problem.strerror or type(problem).__name__)
        return
    handler = SharedLogFile(path)
    handler.setLevel(level)
    handler.setFormatter(RedactingFormatter(
        "%(asctime)s %(levelname)s %(name)s: %(message)s", with_traceback=True))
    root.addHandler(handler)


def _quiet_libraries(quiet: bool) -> None:
    for name in LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING if quiet else logging.NOTSET)


# --- lines an IT admin reads ---------------------------------------------------------------
# In English, like every log line; one line per event, `key value` pairs a grep can find.


def log_start(config: Config, component: str) -> None:
    """The first line of a run: what is running, where, against which intranet, how it
    signs in and where policy came from."""
    log = logging.getLogger("tray_app")
    log.info("Intranet Companion %s started (%s) on %s; intranet %s; sign-in %s; policy %s",
             __version__, component, _platform_words(), _intranet_words(config),
             _sign_in_words(config), _policy_words(config))


def _platform_words() -> str:
    import platform  # 1 ms, on the tray's way to its login popup otherwise

    parts = (platform.system() or "unknown OS", platform.release(), platform.machine())
    return f"{' '.join(p for p in parts if p)}, Python {platform.python_version()}"


def _intranet_words(config: Config) -> str:
    try:
        origin = config.intranet_url()
    except CompanionError:
        raw = str(config.get("intranet_url"))
        return f"not usable ({raw!r}, from {config.source('intranet_url')})" if raw \
            else "not set"
    return f"{origin} (from {config.source('intranet_url')})"


def _sign_in_words(config: Config) -> str:
    if os.environ.get("COMPANION_TOKEN", "").strip():
        return "COMPANION_TOKEN (environment)"
    return f"{config.get('auth_method')} (from {config.source('auth_method')})"


def _policy_words(config: Config) -> str:
    if config.problem is not None:
        return f"unreadable: {config.problem.message}"
    return config.policy_origin or "none"


def log_check(report: CheckReport, seconds: float) -> None:
    """One line per check: outcome, HTTP status or error, counts per state, time taken."""
    log = logging.getLogger("tray_app.core.check")
    took = f"{round(seconds * 1000)} ms"
    where = report.intranet_url or "(no intranet)"
    if report.error is not None:
        kept = (f"; last known answer kept (confirmed {format_utc(report.confirmed_at)})"
                if report.stale and report.confirmed_at else "")
        log.info("Check of %s failed: %s: %s%s; %s", where, report.error.kind.value,
                 report.error.message, kept, took)
        return
    result = report.classification
    views = result.integrations if result else ()
    counts = Counter(view.state.value for view in views)
    states = ", ".join(f"{state} {count}" for state, count in sorted(counts.items()))
    http = "304 not modified" if report.http_status == 304 else f"HTTP {report.http_status}"
    log.info("Checked %s: %d integrations (%s); outcome %s; %s; %d notices, %d warnings; %s",
             where, len(views), states or "none", report.outcome, http,
             len(result.notices) if result else 0, len(result.warnings) if result else 0,
             took)


def log_notices(action: str, notices: Iterable[Notice]) -> None:
    """A notice shown, snoozed ("remind me later") or dismissed ("don't remind me
    again"), one line each, by integration, kind and key (no server text)."""
    log = logging.getLogger("tray_app.core.session")
    for notice in notices:
        log.info("Notice %s: %s %s (key %s)", action, notice.integration_id,
                 notice.kind.value, notice.key or '""')
