"""Reconnect one integration: the vendor's own sign-in where the intranet offers native
reconnect, else its reconnect page. Used by `reconnect` (reconnect_command.py) and by the
worker's "reconnect" op for the tray; both re-check afterwards, which is not done here.

What the person reads, step by step, comes from `Prompts.say`; what happened is the
returned `Outcome`. Nothing is handed over unless the signed-in account is the one the
intranet expects (compared case-insensitively) or, when it expects none, the person
confirmed it through `Prompts.confirm`.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from tray_app.core import messages
from tray_app.core.credentials import token_provider
from tray_app.core.errors import CompanionError, ErrorKind
from tray_app.core.model import NativeConnect
from tray_app.core.native.common import VendorGrant, VendorSettings, same_account
from tray_app.core.native.grant import GrantAnswer, GrantReply, GrantTarget, hand_over

if TYPE_CHECKING:
    from tray_app.core.classify import IntegrationView
    from tray_app.core.config import Config
    from tray_app.core.tokens import TokenProvider

log = logging.getLogger(__name__)

_VENDOR_MODULES = {provider: f"tray_app.core.native.{provider}"
                   for provider in ("microsoft", "google", "dropbox")}


class OutcomeKind(StrEnum):
    PAGE_OPENED = "page_opened"  # no native reconnect: the reconnect page was opened
    HANDED_OVER = "handed_over"  # the intranet stored the grant (204): check now
    WRONG_ACCOUNT = "wrong_account"  # another account signed in, or 409: try again
    NOT_CONFIRMED = "not_confirmed"  # the person did not confirm the account
    FAILED = "failed"  # anything else: offer the reconnect page instead


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    sentence: str | None  # what to tell the person (None: nothing more to say)
    reconnect_url: str  # the origin-checked page, opened or to offer
    error_kind: ErrorKind | None = None  # for FAILED

    @property
    def offers_page(self) -> bool:
        return self.kind is OutcomeKind.FAILED

    def to_message(self) -> dict[str, object]:
        """For the worker protocol's final "result" (English-free data and one sentence)."""
        return {"outcome": self.kind.value, "sentence": self.sentence,
                "reconnect_url": self.reconnect_url,
                "error_kind": self.error_kind.value if self.error_kind else None}


@dataclass(frozen=True)
class Prompts:
    """How a reconnect talks to the person: `open_browser` returns False when no browser
    could be opened; `confirm(account)` says whether to hand over the account signed in
    (None: nobody can be asked, so an integration without an expected account opens
    its page instead)."""

    open_browser: Callable[[str], bool]
    say: Callable[[str], None]
    confirm: Callable[[str], bool] | None = None


def reconnect(config: Config, view: IntegrationView, prompts: Prompts, *,
              tokens: TokenProvider | None = None, settings: VendorSettings | None = None,
              environ: Mapping[str, str] | None = None) -> Outcome:
    """What Reconnect does for `view` (from a fresh check). Never raises CompanionError."""
    native = view.native_connect
    if native is None:
        return open_page(view, prompts)
    if native.expected_account is None and prompts.confirm is None:
        log.info("Native reconnect of %s needs a confirmation nobody can give", view.id)
        return _failed(view, CompanionError(ErrorKind.AUTH,
                                            messages.native_cannot_confirm(view.name)))
    settings = settings or VendorSettings.from_config(config, environ)
    try:
        grant = _vendor_sign_in(native, view.name, prompts, settings)
    except CompanionError as problem:
        return _failed(view, problem)
    return _hand_over_checked(config, view, native, grant, prompts, tokens, environ)


def open_page(view: IntegrationView, prompts: Prompts) -> Outcome:
    """Open the integration's reconnect page (already origin-checked by classify)."""
    url = view.reconnect_url
    prompts.say(messages.reconnect_on_page(view.name))
    if prompts.open_browser(url) is False:
        prompts.say(messages.no_browser_open_yourself(url))
    return Outcome(OutcomeKind.PAGE_OPENED, None, url)


def _vendor_sign_in(native: NativeConnect, name: str, prompts: Prompts,
                    settings: VendorSettings) -> VendorGrant:
    vendor = importlib.import_module(_VENDOR_MODULES[native.provider])

    def open_vendor_page(url: str) -> None:
        prompts.say(messages.native_sign_in_in_browser(name, native.expected_account or ""))
        if prompts.open_browser(url) is False:
            prompts.say(messages.no_browser_open_yourself(url))

    log.info("Running %s's own sign-in for native reconnect", native.provider)
    grant: VendorGrant = vendor.sign_in(native, name, open_vendor_page, settings)
    return grant


def _hand_over_checked(config: Config, view: IntegrationView, native: NativeConnect,
                       grant: VendorGrant, prompts: Prompts, tokens: TokenProvider | None,
                       environ: Mapping[str, str] | None) -> Outcome:
    expected = native.expected_account
    if expected is not None and not same_account(grant.account, expected):
        log.info("Native reconnect of %s: another account signed in; nothing handed over",
                 view.id)
        return Outcome(OutcomeKind.WRONG_ACCOUNT,
                       messages.native_wrong_account(view.name, grant.account, expected),
                       view.reconnect_url)
    if expected is None and not (prompts.confirm and prompts.confirm(grant.account)):
        return Outcome(OutcomeKind.NOT_CONFIRMED, messages.native_not_confirmed(),
                       view.reconnect_url)
    try:
        reply = _post(config, native, grant, tokens, environ)
    except CompanionError as problem:
        return _failed(view, problem)
    return _judged(view, native, reply)


def _post(config: Config, native: NativeConnect, grant: VendorGrant,
          tokens: TokenProvider | None, environ: Mapping[str, str] | None) -> GrantReply:
    target = GrantTarget(config.intranet_url(), native.grant_url,
                         float(config.get("connect_timeout_seconds")),
                         float(config.get("read_timeout_seconds")))
    return hand_over(grant, target, tokens or token_provider(config, environ))


def _judged(view: IntegrationView, native: NativeConnect, reply: GrantReply) -> Outcome:
    name, url = view.name, view.reconnect_url
    if reply.answer is GrantAnswer.STORED:
        return Outcome(OutcomeKind.HANDED_OVER, messages.native_handed_over(name), url)
    if reply.answer is GrantAnswer.WRONG_ACCOUNT:
        return Outcome(OutcomeKind.WRONG_ACCOUNT, messages.native_intranet_wants_other_account(
            name, reply.message or "", native.expected_account or ""), url)
    if reply.answer is GrantAnswer.NOT_OFFERED:
        return _failed(view, CompanionError(ErrorKind.CONFIG, messages.native_not_offered(name)))
    return _failed(view, CompanionError(
        ErrorKind.SERVER, messages.native_grant_unusable(name, reply.message or "")))


def _failed(view: IntegrationView, problem: CompanionError) -> Outcome:
    # Only the sentence and kind are kept: the exception's traceback holds the frames
    # that held the vendor's tokens, and is dropped with it here.
    log.info("Native reconnect of %s did not complete (%s)", view.id, problem.kind.value)
    return Outcome(OutcomeKind.FAILED, problem.message, view.reconnect_url, problem.kind)
