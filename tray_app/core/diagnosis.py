"""What `diagnose` finds: where every setting came from, the password store, the
credential and whether the intranet answers, and the problems that make it exit
non-zero. The text and the JSON (`diagnose --json`, see README) come from one Diagnosis.

Exit status (README, `diagnose --help`), the most basic problem first: 5 configuration
error, 3 intranet not reached or not answering properly, 4 no usable credential (no
password store, no sign-in, or the intranet refused it), else 0.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from typing import Any

from tray_app import __version__
from tray_app.core import messages, paths
from tray_app.core.check import Checker
from tray_app.core.config import Config
from tray_app.core.errors import CompanionError, ErrorKind, SignInNeeded
from tray_app.core.keyring_names import StoreName, name_store
from tray_app.core.logs import register_secret
from tray_app.core.state import StateStore
from tray_app.core.tokens import TOKEN_ENV, StaticToken, TokenProvider

log = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_UNREACHABLE = 3
EXIT_CREDENTIAL = 4
EXIT_CONFIG = 5
_WORST_FIRST = (EXIT_CONFIG, EXIT_UNREACHABLE, EXIT_CREDENTIAL)
_NOT_REACHED = (ErrorKind.NETWORK, ErrorKind.TLS, ErrorKind.TIMEOUT)


@dataclass(frozen=True)
class Problem:
    area: str  # "config", "intranet", "keyring" or "credential"
    error: CompanionError

    @property
    def exit_code(self) -> int:
        if self.area == "config" or self.error.kind is ErrorKind.CONFIG:
            return EXIT_CONFIG
        if self.area in ("keyring", "credential"):
            return EXIT_CREDENTIAL
        return self.error.exit_code


@dataclass(frozen=True)
class Store:
    name: StoreName | None  # None when there is no usable store
    error: CompanionError | None = None


@dataclass(frozen=True)
class Credential:
    source: str | None  # "environment", "keyring" or None
    method: str  # the `auth_method` setting
    present: bool


@dataclass(frozen=True)
class Reach:
    reached: bool
    http_status: int | None  # of the answer, when there was one to judge
    duration_ms: int
    signed_in: bool  # the request carried the credential
    error: CompanionError | None = None


@dataclass
class Diagnosis:
    config: Config
    intranet_url: str | None
    store: Store
    credential: Credential
    reach: Reach | None  # None when the intranet was not asked (configuration error)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # odd, but nothing broken

    @property
    def exit_code(self) -> int:
        codes = {problem.exit_code for problem in self.problems}
        return next((code for code in _WORST_FIRST if code in codes), EXIT_OK)


def diagnose(config: Config) -> Diagnosis:
    problems: list[Problem] = []
    if config.problem is not None:
        problems.append(Problem("config", config.problem))
    intranet_url = _intranet_url(config, problems)
    env_token = os.environ.get(TOKEN_ENV, "").strip()
    store, secrets = _open_store(config)
    notes = list(config.warnings)
    if store.error is not None:
        if env_token:
            notes.append(messages.diagnose_keyring_not_needed(store.error.message))
        else:
            problems.append(Problem("keyring", store.error))
    provider, credential = _credential(config, env_token, secrets, problems)
    reach = None
    if intranet_url is not None and config.problem is None:
        reach = _reach(config, intranet_url, provider)
        if reach.error is not None:
            area = "credential" if reach.error.kind is ErrorKind.AUTH else "intranet"
            problems.append(Problem(area, reach.error))
    return Diagnosis(config, intranet_url, store, credential, reach, problems, notes)


def _intranet_url(config: Config, problems: list[Problem]) -> str | None:
    try:
        return config.intranet_url()
    except CompanionError as problem:
        problems.append(Problem("config", problem))
        return None


def _open_store(config: Config) -> tuple[Store, Any]:
    from tray_app.core.secrets import open_secret_store

    try:
        secrets = open_secret_store(config)
    except CompanionError as problem:
        return Store(None, problem), None
    return Store(name_store(secrets)), secrets


def _credential(config: Config, env_token: str, secrets: Any,
                problems: list[Problem]) -> tuple[TokenProvider | None, Credential]:
    """The provider to check with (None when there is no credential) and what it is.
    A stored sign-in is read, and refreshed when it has expired, as a check would."""
    method = str(config.get("auth_method"))
    if env_token:
        register_secret(env_token)
        return StaticToken(env_token), Credential("environment", method, True)
    if secrets is None:
        return None, Credential(None, method, False)
    from tray_app.core.auth import method_for

    try:
        provider = method_for(config, secrets).provider()
    except CompanionError as problem:  # a method that cannot be loaded here
        problems.append(Problem("config", problem))
        return None, Credential(None, method, False)
    try:
        register_secret(provider.access_token())
    except SignInNeeded as problem:
        problems.append(Problem("credential", problem))
        return None, Credential(None, method, False)
    except CompanionError:  # a refresh that could not reach the intranet: judged below
        pass
    return provider, Credential("keyring", method, True)


def _reach(config: Config, intranet_url: str, provider: TokenProvider | None) -> Reach:
    started = time.monotonic()
    if provider is None:
        status, error = _ask_without_sign_in(config, intranet_url)
    else:
        report = Checker(config, StateStore(), provider_factory=lambda _url: provider).run()
        status, error = report.http_status, report.error
    took = round((time.monotonic() - started) * 1000)
    reached = error is None or error.kind not in _NOT_REACHED
    return Reach(reached, status, took, provider is not None, error)


def _ask_without_sign_in(config: Config,
                         intranet_url: str) -> tuple[int | None, CompanionError | None]:
    """The integrations URL without a token: any answer (401, as a rule) shows the
    intranet is there; a server error or no answer at all does not."""
    from tray_app.core.client import INTEGRATIONS_PATH, IntranetClient

    client = IntranetClient(intranet_url,
                            connect_timeout=config.get("connect_timeout_seconds"),
                            read_timeout=config.get("read_timeout_seconds"))
    try:
        status = client.get_public_json(intranet_url + INTEGRATIONS_PATH).status
    except CompanionError as problem:
        log.info("Asked %s without a sign-in: error %s: %s", intranet_url, problem.kind.value,
                 problem.message)
        return None, problem
    finally:
        client.close()
    log.info("Asked %s without a sign-in: HTTP %d", intranet_url, status)
    return status, None


# --- JSON --------------------------------------------------------------------------------

SOURCES = ("default", "user_settings", "environment", "command_line", "policy")


def setting_source(source: str) -> tuple[str, str | None]:
    """Resolved.source as (one of SOURCES, the file or variable it names, if any)."""
    if source.startswith("env "):
        return "environment", source.removeprefix("env ")
    if source.startswith("settings file"):
        return "user_settings", source.removeprefix("settings file").strip() or None
    if source == "command line":
        return "command_line", None
    return source, None


def _error_json(error: CompanionError | None) -> dict[str, str] | None:
    return error.to_json() if error is not None else None


def _settings_json(config: Config) -> dict[str, Any]:
    settings = {}
    for key, resolved in config.resolved.items():
        source, origin = setting_source(resolved.source)
        if source == "policy":
            origin = config.policy_origin or None
        settings[key] = {"value": resolved.value, "source": source, "origin": origin,
                         "locked": resolved.locked}
    return settings


def _keyring_json(store: Store) -> dict[str, Any]:
    name = store.name
    return {
        "available": name is not None,
        "id": name.id if name else None,
        "name": name.name if name else None,
        "chosen_by": name.chosen_by if name else None,
        "secure": name.secure if name else False,
        "error": _error_json(store.error),
    }


def _reach_json(reach: Reach | None) -> dict[str, Any]:
    if reach is None:
        return {"checked": False, "reached": False, "http_status": None, "duration_ms": None,
                "signed_in": False, "error": None}
    return {"checked": True, "reached": reach.reached, "http_status": reach.http_status,
            "duration_ms": reach.duration_ms, "signed_in": reach.signed_in,
            "error": _error_json(reach.error)}


def diagnosis_to_json(found: Diagnosis) -> dict[str, Any]:
    """The `diagnose --json` object (README: "diagnose --json")."""
    config = found.config
    return {
        "schema": 1,
        "version": __version__,
        "intranet_url": found.intranet_url,
        "exit_code": found.exit_code,
        "settings": _settings_json(config),
        "policy": {"origin": config.policy_origin or None,
                   "error": _error_json(config.problem)},
        "files": {"settings": str(config.settings_path or paths.settings_file()),
                  "state": str(paths.state_file()), "log": str(paths.log_file())},
        "keyring": _keyring_json(found.store),
        "credential": {"present": found.credential.present,
                       "source": found.credential.source,
                       "sign_in_method": found.credential.method},
        "intranet": _reach_json(found.reach),
        "problems": [{"area": p.area, "kind": p.error.kind.value, "message": p.error.message,
                      "exit_code": p.exit_code} for p in found.problems],
        "warnings": list(found.notes),
    }
