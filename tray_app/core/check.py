"""One check: fetch -> classify -> report. Used by `check` and by the tray alike.

`Checker.run` only reads the state (for the ETag and the last answer); whoever owns the
state then records the report with `remember` inside `StateStore.update`: `check` itself,
or in the tray the session, so a check never saves an older copy over a user's choice.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from tray_app.core import messages
from tray_app.core.classify import Classification, classify
from tray_app.core.client import FetchResult, IntranetClient
from tray_app.core.config import Config
from tray_app.core.credentials import TokenProvider, token_provider
from tray_app.core.errors import CompanionError, ErrorKind, SignInNeeded
from tray_app.core.logs import log_check
from tray_app.core.model import parse_integration_list
from tray_app.core.report import CheckReport
from tray_app.core.state import AppState, StateStore, remember
from tray_app.core.timeutil import utc_now

log = logging.getLogger(__name__)

@dataclass
class Checker:
    """Runs checks for one configuration; the tray keeps one, `check` makes one."""

    config: Config
    store: StateStore
    environ: Mapping[str, str] | None = None
    clock: Callable[[], datetime] = utc_now
    provider_factory: Callable[[str], TokenProvider] | None = None

    def run(self) -> CheckReport:
        """One check; reads the state but never saves it (see `remember`). Logs one line."""
        started = time.monotonic()
        report = self._run()
        log_check(report, time.monotonic() - started)
        return report

    def _run(self) -> CheckReport:
        if self.config.problem is not None:
            return CheckReport(None, self.clock(), error=self.config.problem)
        try:
            intranet_url = self.config.intranet_url()
        except CompanionError as problem:
            return CheckReport(None, self.clock(), error=problem)
        state = self.store.load()
        try:
            return self._fetch_and_classify(intranet_url, state)
        except CompanionError as problem:
            return self._stale_report(intranet_url, state, problem)

    def run_and_remember(self) -> CheckReport:
        """For `check`: one check, recorded in the shared state."""
        report = self.run()
        if report.intranet_url is not None:
            self.store.update(lambda state: remember(state, report))
        return report

    def _provider(self, intranet_url: str) -> TokenProvider:
        if self.provider_factory is not None:
            return self.provider_factory(intranet_url)
        return token_provider(self.config, self.environ)

    def _client(self, intranet_url: str) -> IntranetClient:
        return IntranetClient(
            intranet_url,
            connect_timeout=self.config.get("connect_timeout_seconds"),
            read_timeout=self.config.get("read_timeout_seconds"),
        )

    def _fetch(self, intranet_url: str, etag: str | None) -> FetchResult:
        provider = self._provider(intranet_url)
        token = provider.access_token()
        client = self._client(intranet_url)
        try:
            try:
                return client.fetch_integrations(token, etag)
            except SignInNeeded:
                # One silent refresh after a 401, then give up and ask for sign-in.
                return client.fetch_integrations(provider.refresh(), etag)
        finally:
            client.close()

    def acknowledge(self, identities: Iterable[tuple[str, str, str]]) -> None:
        """Tell the intranet the user has seen these notices, by (integration id, kind,
        key) (optional API; failures only logged)."""
        try:
            intranet_url = self.config.intranet_url()
            token = self._provider(intranet_url).access_token()
            client = self._client(intranet_url)
        except CompanionError as problem:
            log.info("Not acknowledging notices: %s", problem.message)
            return
        try:
            for integration_id, kind, key in identities:
                client.ack_notice(token, integration_id, kind, key)
        except CompanionError as problem:
            log.info("The intranet did not take the acknowledgement: %s", problem.message)
        finally:
            client.close()

    def _fetch_and_classify(self, intranet_url: str, state: AppState) -> CheckReport:
        last = state.last_good_for(intranet_url)
        result = self._fetch(intranet_url, last.etag if last else None)
        if result.not_modified:
            if last is None:
                raise CompanionError(ErrorKind.PROTOCOL, messages.not_modified_unasked())
            answer = last.answer
        else:
            answer = parse_integration_list(result.body)
        server_time = result.server_time
        warnings: tuple[str, ...] = ()
        if server_time is None:
            server_time = self.clock()
            warnings = (messages.warning_no_date_header(),)
        result_classification = classify(answer, server_time, intranet_url)
        if warnings:
            result_classification = Classification(
                result_classification.integrations, result_classification.notices,
                result_classification.warnings + warnings,
                result_classification.external_apps_url)
        return CheckReport(intranet_url, server_time, answer=answer,
                           classification=result_classification, confirmed_at=server_time,
                           etag=result.etag, http_status=304 if result.not_modified else 200)

    def _stale_report(self, intranet_url: str, state: AppState,
                      problem: CompanionError) -> CheckReport:
        now = self.clock()
        not_before = None
        if problem.retry_after is not None:
            not_before = now + timedelta(seconds=problem.retry_after)
        last = state.last_good_for(intranet_url)
        if last is None:
            return CheckReport(intranet_url, now, error=problem, retry_not_before=not_before)
        return CheckReport(
            intranet_url, now, error=problem, answer=last.answer,
            classification=classify(last.answer, last.server_time, intranet_url),
            stale=True, confirmed_at=last.server_time, retry_not_before=not_before,
        )
