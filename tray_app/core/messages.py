"""Every text a person reads: sentences, titles, labels, buttons, menu entries, tooltips,
accessible names and the command line's lines, in one module ready for translation
(gettext domain `intranet-companion`, see core/i18n.py).

Each text is a function that looks its words up when it is called, so it is always in
the language active at that moment: nothing here is translated at import time. The
msgid is always a literal inside `_()`, `ngettext()` or `pgettext()` (the extractor only
reads literals); named placeholders are filled by `.format()` afterwards, so a
translator may put them where the language wants them. Counts go through `ngettext`.

Not here, on purpose: log messages (for IT, in English), JSON keys and error kinds,
the setting descriptions of core/settings.py (IT's documents use them), and the demo
intranet's own pages. Imports only core/i18n.py and core/org_words.py (the organisation's
own words, from policy), so any module may import this one.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from tray_app.core import org_words
from tray_app.core.i18n import _, ngettext, pgettext


def _with_support(sentence: str) -> str:
    """A sentence that sends the person to IT, followed by who IT is here (the policy's
    support line and page) when the organisation has said so."""
    extra = _support_sentence()
    return f"{sentence} {extra}" if extra else sentence


def _support_sentence() -> str:
    line, url = org_words.text("support_line"), org_words.text("support_url")
    if line and url:
        # Translators: {support} is IT's own words, e.g. "IT Service Desk, ext. 4357".
        return _("Contact: {support}, {url}").format(support=line, url=url)
    if line or url:
        return _("Contact: {support}").format(support=line or url)
    return ""


def _count(value: float) -> int:
    """The whole number gettext chooses a plural form by: gettext knows no fractions, so
    0.5 counts as 0 and 1.5 as 2 (the form most languages give them)."""
    if float(value).is_integer():
        return int(value)
    return math.ceil(value) if value > 1 else 0


def _number(value: float) -> str:
    return f"{value:g}"


# --- the app -----------------------------------------------------------------------------


def app_name() -> str:
    # Translators: the product's name, as a window or message title. Keep it as it is
    # unless your language writes product names in its own script.
    return pgettext("product name", "Intranet Companion")


# --- errors and failures -------------------------------------------------------------------


def error_title(kind: str) -> str:
    """The short title of a failure of `kind` (an error kind: "network", "tls", ...)."""
    titles: dict[str, Callable[[], str]] = {
        "network": lambda: pgettext("error title", "Can't reach the intranet"),
        "tls": lambda: pgettext("error title", "Secure connection failed"),
        "timeout": lambda: pgettext("error title", "The intranet did not answer in time"),
        "server": lambda: pgettext("error title", "The intranet has a problem"),
        "rate_limited": lambda: pgettext("error title", "The intranet asked us to wait"),
        "protocol": lambda: pgettext("error title", "Unexpected answer from the intranet"),
        "auth": lambda: pgettext("error title", "Sign-in needed"),
        "config": lambda: pgettext("error title", "Intranet Companion is not set up"),
    }
    return titles[str(kind)]()


def forbidden_title() -> str:
    return pgettext("error title", "Not allowed to use Intranet Companion")


def could_not_check_title() -> str:
    # Translators: the title of every failure of the companion's own check process.
    return pgettext("error title", "Could not check")


def cancelled_title() -> str:
    return pgettext("error title", "Cancelled")


def cancelled() -> str:
    return _("Cancelled.")


def sign_in_again() -> str:
    # Translators: "Sign in…" is the tray menu entry; `intranet-companion sign-in` is a
    # command and stays as it is.
    return _("Sign in again: choose Sign in… in the tray menu, or run "
             "`intranet-companion sign-in`.")


def failure_refused(host: str) -> str:
    return _("The intranet at {host} refused the connection. It may be down, or the "
             "address or port may be wrong.").format(host=host)


def failure_name_not_found(host: str) -> str:
    return _("The address {host} could not be found. Check the network connection "
             "(and VPN), and that the intranet address is right.").format(host=host)


def failure_proxy(host: str) -> str:
    return _with_support(
        _("The proxy server could not connect the companion to the intranet at {host}. "
             "Check the proxy settings, or contact IT.").format(host=host))


def failure_unreachable(host: str) -> str:
    return _("The companion could not reach the intranet at {host}. Check the network "
             "connection (and VPN) and try again.").format(host=host)


def failure_connect_timeout(host: str, seconds: float) -> str:
    return ngettext(
        "The intranet at {host} did not accept a connection within {count} second. "
        "Check the network connection (and VPN).",
        "The intranet at {host} did not accept a connection within {count} seconds. "
        "Check the network connection (and VPN).",
        _count(seconds)).format(host=host, count=_number(seconds))


def failure_read_timeout(host: str, seconds: float) -> str:
    return _with_support(ngettext(
        "The intranet at {host} did not answer within {count} second. "
        "Try again later; if it keeps happening, contact IT.",
        "The intranet at {host} did not answer within {count} seconds. "
        "Try again later; if it keeps happening, contact IT.",
        _count(seconds)).format(host=host, count=_number(seconds)))


def failure_deadline(host: str, seconds: float) -> str:
    return _with_support(ngettext(
        "The intranet at {host} took longer than {count} second to answer. "
        "Try again later; if it keeps happening, contact IT.",
        "The intranet at {host} took longer than {count} seconds to answer. "
        "Try again later; if it keeps happening, contact IT.",
        _count(seconds)).format(host=host, count=_number(seconds)))


def failure_tls_untrusted(host: str, reason: str) -> str:
    """`reason`: what the certificate check said, or "" when it said nothing usable."""
    if reason:
        # Translators: {reason} is the system's own short reason, often in English.
        return _("The companion could not verify the secure connection to the intranet at "
                 "{host}: this computer does not trust its certificate ({reason}). "
                 "Contact IT.").format(host=host, reason=reason)
    return _("The companion could not verify the secure connection to the intranet at "
             "{host}: this computer does not trust its certificate. Contact IT."
             ).format(host=host)


def failure_tls_failed(host: str) -> str:
    return _with_support(_("The secure connection to the intranet at {host} failed. Try again; "
             "if it keeps happening, contact IT.").format(host=host))


def failure_broke_mid_body(host: str) -> str:
    return _("The connection to the intranet at {host} broke while its answer "
             "was arriving. Check the network connection and try again.").format(host=host)


def failure_redirected_away(host: str, other_site: str) -> str:
    return _("The intranet at {host} sent the companion on to another site, {other_site}. "
             "The companion did not go there, so your sign-in stays with the intranet. "
             "Check the intranet address with IT.").format(host=host, other_site=other_site)


def failure_not_understood(host: str, reason: str) -> str:
    # Translators: {reason} is one of the short phrases such as "it is not valid JSON".
    return _with_support(
        _("The intranet at {host} sent an answer the companion does not understand "
             "({reason}). The intranet may be too old or misconfigured; contact IT."
             ).format(host=host, reason=reason))


def not_understood_damaged_compression() -> str:
    return _("its compressed answer is damaged")


def not_understood_bad_redirect() -> str:
    return _("it redirected to an invalid address")


def not_understood_too_many_redirects(count: int) -> str:
    return ngettext("it redirected more than {count} time",
                    "it redirected more than {count} times", count).format(count=count)


def not_understood_http_status(status: str) -> str:
    # Translators: {status} is an HTTP status number such as 418.
    return _("HTTP status {status}").format(status=status)


def not_understood_larger_than(size: str) -> str:
    # Translators: {size} is a size such as "2 MB".
    return _("the answer is larger than {size}").format(size=size)


def not_understood_too_large() -> str:
    return _("the answer is too large")


def not_understood_media_type(media_type: str) -> str:
    # Translators: {media_type} is a media type such as "text/html", or "another format".
    return _("it is {media_type}, not JSON").format(media_type=media_type)


def not_understood_invalid_json() -> str:
    return _("it is not valid JSON")


def not_understood_not_an_object() -> str:
    return _("it is not a JSON object")


def another_format() -> str:
    # Translators: stands where a media type such as "text/html" would be named.
    return _("another format")


def an_invalid_address() -> str:
    # Translators: stands where a site's name would be, when its address is invalid.
    return _("an invalid address")


def failure_unauthorized(host: str) -> str:
    # Translators: {advice} is the sentence that says how to sign in again.
    return _("The intranet at {host} did not accept your sign-in; it may have "
             "expired or been withdrawn. {advice}").format(host=host, advice=sign_in_again())


def failure_forbidden(host: str) -> str:
    return _("Your intranet account may not use Intranet Companion at {host}. "
             "Contact IT if you need it.").format(host=host)


def failure_no_api(host: str) -> str:
    return _("The intranet at {host} has no Intranet Companion API. The intranet "
             "address may be wrong, or the intranet is too old for the companion. "
             "Check the address with IT.").format(host=host)


def failure_busy(host: str, when: str) -> str:
    # Translators: {when} is a sentence such as "Try again in about 5 minutes."
    return _("The intranet at {host} is busy and asked the companion to wait. {when}"
             ).format(host=host, when=when)


def failure_unavailable(host: str, when: str) -> str:
    # Translators: {when} is a sentence such as "Try again in about 5 minutes."
    return _("The intranet at {host} is unavailable at the moment (HTTP 503). {when}"
             ).format(host=host, when=when)


def failure_server_problem(host: str, status: str, when: str) -> str:
    # Translators: {status} is an HTTP status number such as 500; {when} is a sentence
    # such as "Try again in about 5 minutes."
    return _("The intranet at {host} had a problem (HTTP {status}). {when}"
             ).format(host=host, status=status, when=when)


def failure_unusable_token() -> str:
    # Translators: {advice} is the sentence that says how to sign in again.
    return _("The saved sign-in cannot be used. {advice}").format(advice=sign_in_again())


def failure_off_origin(other_site: str, host: str) -> str:
    # Translators: {other_site} is an address that is not on the intranet {host}.
    return _("'{other_site}' is not on {host}.").format(other_site=other_site, host=host)


def with_intranet_detail(message: str, detail: str) -> str:
    # Translators: {message} is a whole sentence; {detail} is the intranet's own words.
    return _('{message} The intranet said: "{detail}"').format(message=message, detail=detail)


def retry_later() -> str:
    return _("Try again later.")


def retry_now() -> str:
    return _("You can try again now.")


def retry_in_seconds(count: int) -> str:
    return ngettext("Try again in {count} second.", "Try again in {count} seconds.",
                    count).format(count=count)


def retry_in_minutes(count: int) -> str:
    return ngettext("Try again in about {count} minute.", "Try again in about {count} minutes.",
                    count).format(count=count)


def retry_in_hours(count: int) -> str:
    return ngettext("Try again in about {count} hour.", "Try again in about {count} hours.",
                    count).format(count=count)


def size_megabytes(value: float) -> str:
    # Translators: a size in megabytes, such as "2 MB".
    return _("{count} MB").format(count=_number(value))


def size_kilobytes(count: int) -> str:
    # Translators: a size in kilobytes, such as "64 KB".
    return _("{count} KB").format(count=count)


def missing_ca_bundle(path: str) -> str:
    # Translators: REQUESTS_CA_BUNDLE and CURL_CA_BUNDLE are names of settings; keep them.
    return _("The certificate bundle named by REQUESTS_CA_BUNDLE or CURL_CA_BUNDLE "
             "({path}) does not exist, so the intranet's certificate cannot be "
             "checked. Correct or remove that setting.").format(path=path)


def answer_not_understood(reason: str) -> str:
    # Translators: {reason} is a short phrase such as "'user' is missing".
    return _("The intranet sent an answer the companion does not understand ({reason})."
             ).format(reason=reason)


def answer_not_an_object() -> str:
    return _("the answer is not a JSON object")


def answer_user_missing() -> str:
    # Translators: 'user' is the name of a field of the intranet's answer; keep it.
    return _("'user' is missing")


def answer_user_incomplete() -> str:
    # Translators: 'user' is the name of a field of the intranet's answer; keep it.
    return _("'user' has no id or name")


def answer_user_field_too_long(max_chars: int) -> str:
    # Translators: 'user' is the name of a field of the intranet's answer; keep it.
    return ngettext("a 'user' field is longer than {count} character",
                    "a 'user' field is longer than {count} characters",
                    max_chars).format(count=max_chars)


def answer_external_apps_missing() -> str:
    # Translators: 'external_apps_url' is the name of a field; keep it.
    return _("'external_apps_url' is missing")


def answer_external_apps_too_long(max_chars: int) -> str:
    # Translators: 'external_apps_url' is the name of a field; keep it.
    return ngettext("'external_apps_url' is longer than {count} character",
                    "'external_apps_url' is longer than {count} characters",
                    max_chars).format(count=max_chars)


def answer_integrations_not_a_list() -> str:
    # Translators: 'integrations' is the name of a field; keep it.
    return _("'integrations' is not a list")


def not_modified_unasked() -> str:
    return _("The intranet answered 'not modified' to a question the companion never "
             "asked before.")


def address_invalid(url: str) -> str:
    return _("'{url}' is not a valid intranet address. "
             "It must look like https://your-intranet.example.").format(url=url)


def address_plain_http(url: str) -> str:
    return _("'{url}' uses plain http. The intranet must use https; plain http "
             "is only allowed to this computer (127.0.0.1 or localhost).").format(url=url)


def address_missing() -> str:
    # Translators: --intranet-url is a command-line option; keep it.
    return _with_support(_("No intranet address is set. Ask IT for it, or run with "
             "--intranet-url https://your-intranet.example."))


def address_not_an_origin(url: str) -> str:
    return _("'{url}' is not an intranet origin. Give only the address, "
             "like https://your-intranet.example, with no path.").format(url=url)


def worker_failure(what: str) -> str:
    # Translators: {what} is a phrase such as "its worker did not finish in time".
    return _("Intranet Companion could not check just now: {what}. It will try again "
             "shortly.").format(what=what)


def worker_could_not_start(reason: str) -> str:
    # Translators: "its" is the companion's; {reason} is the system's reason.
    return _("its worker could not start ({reason})").format(reason=reason)


def worker_timed_out() -> str:
    return _("its worker did not finish in time")


def worker_no_answer() -> str:
    return _("its worker stopped without an answer")


def worker_answered_wrongly() -> str:
    return _("its worker answered wrongly")


def worker_answered_wrongly_because(problem: str) -> str:
    # Translators: {problem} is a phrase such as "a line is not JSON".
    return _("its worker answered wrongly: {problem}").format(problem=problem)


def worker_unexpected_error() -> str:
    return _("it met an unexpected error")


def worker_asked_wrongly(problem: str) -> str:
    # Translators: {problem} is a phrase such as "a line is not JSON".
    return _("The worker was asked wrongly: {problem}.").format(problem=problem)


def protocol_line_too_long() -> str:
    return _("a line is too long")


def protocol_line_not_json() -> str:
    return _("a line is not JSON")


def protocol_wrong_version() -> str:
    return _("a line is not a version 1 message")


def protocol_unknown_field(field: str) -> str:
    # Translators: {field} is the name of a message field, "op" or "type"; keep it.
    return _("a message has an unknown {field}").format(field=field)


def tray_cannot_start(problem: str) -> str:
    return _("The tray app cannot start: {problem}. Reinstall Intranet Companion."
             ).format(problem=problem)


def left_to_worker(module: str) -> str:
    # Translators: {module} is the name of a Python module, such as "ssl".
    return _("{module} is left to the worker process, not loaded in the tray"
             ).format(module=module)


def demo_did_not_start() -> str:
    return _("The demo intranet did not start.")


def log_file_unwritable(path: str, reason: str) -> str:
    return _("Intranet Companion cannot write its log file {path} ({reason}); "
             "it carries on without it.").format(path=path, reason=reason)


# --- credentials and keyring ------------------------------------------------------------


def sign_in_cancelled() -> str:
    return _("Sign-in was cancelled.")


def sign_in_hint() -> str:
    # Translators: `intranet-companion sign-in` is a command and COMPANION_TOKEN a
    # setting's name: keep both. "Sign in…" is the tray menu entry.
    return _("Sign in with `intranet-companion sign-in` (or Sign in… in the tray menu), "
             "or set COMPANION_TOKEN for scripts.")


def no_password_store_title() -> str:
    return pgettext("error title", "No password store")


def no_password_store(detail: str) -> str:
    """`detail`: a few words on why, or ""."""
    if detail:
        # Translators: {detail} says why, such as "PYTHON_KEYRING_BACKEND names ...".
        return _("No secure password store (keyring) is available on this computer, so the "
                 "companion cannot keep your sign-in and has saved nothing. Start a desktop "
                 "session with a keyring (such as GNOME Keyring or KWallet), or set "
                 "COMPANION_TOKEN for scripts. ({detail})").format(detail=detail)
    return _("No secure password store (keyring) is available on this computer, so the "
             "companion cannot keep your sign-in and has saved nothing. Start a desktop "
             "session with a keyring (such as GNOME Keyring or KWallet), or set "
             "COMPANION_TOKEN for scripts.")


def environment_token_refused() -> str:
    return _("The intranet did not accept the token in COMPANION_TOKEN. "
             "Set a valid one, or unset it and sign in.")


def store_no_answer(store: str, seconds: float) -> str:
    # Translators: {store} is a password store such as "Windows Credential Manager".
    return ngettext(
        "The password store ({store}) did not answer within {count} second; it may be "
        "locked and waiting for a password prompt. Unlock it and try again.",
        "The password store ({store}) did not answer within {count} seconds; it may be "
        "locked and waiting for a password prompt. Unlock it and try again.",
        _count(seconds)).format(store=store, count=_number(seconds))


def store_locked(store: str) -> str:
    # Translators: {store} is a password store such as "Windows Credential Manager".
    return _("The password store ({store}) is locked and was not unlocked, so the "
             "companion cannot read or keep your sign-in. Unlock it (for example "
             "by logging in to the desktop again) and try again.").format(store=store)


def store_failed(store: str, problem: str) -> str:
    # Translators: {store} is a password store such as "Windows Credential Manager";
    # {problem} is the name of the error it raised.
    return _with_support(
        _("The password store ({store}) did not work ({problem}), so the companion "
             "cannot read or keep your sign-in. Try again; if it keeps happening, "
             "restart the desktop session or contact IT.").format(store=store, problem=problem))


def store_secret_service() -> str:
    return pgettext("password store", "Secret Service (GNOME Keyring or KWallet)")


def store_libsecret() -> str:
    return pgettext("password store", "Secret Service via libsecret")


def store_kwallet() -> str:
    return pgettext("password store", "KWallet")


def store_windows() -> str:
    # Translators: the name Windows gives its password store in your language.
    return pgettext("password store", "Windows Credential Manager")


def store_macos() -> str:
    # Translators: the name macOS gives its password store in your language.
    return pgettext("password store", "macOS Keychain")


def store_keyring() -> str:
    # Translators: the password store in general, whichever it is.
    return pgettext("password store", "keyring")


def store_memory() -> str:
    return pgettext("password store", "memory")


def store_plain_file(path: str) -> str:
    return pgettext("password store", "plain file {path}").format(path=path)


def insecure_file_unreadable(path: str, reason: str) -> str:
    return _("The insecure secrets file {path} cannot be read ({reason}). Sign out and "
             "sign in again.").format(path=path, reason=reason)


def insecure_file_unwritable(path: str, reason: str) -> str:
    return _("The insecure secrets file {path} cannot be written ({reason})."
             ).format(path=path, reason=reason)


def store_named_unusable(name: str, variable: str, problem: str) -> str:
    # Translators: {name} is a keyring backend such as keyring.backends.fail.Keyring and
    # {variable} the setting that named it (PYTHON_KEYRING_BACKEND).
    return _("The password store {name} named by {variable} cannot be used here "
             "({problem}). Correct or unset {variable}.").format(
                 name=name, variable=variable, problem=problem)


def store_named_cannot_keep(variable: str, name: str) -> str:
    return _("{variable} names {name}, which cannot keep secrets").format(
        variable=variable, name=name)


def store_remembered_unavailable(store: str, name: str) -> str:
    # Translators: {store} is a password store such as "KWallet"; {name} its technical
    # name, such as keyring.backends.kwallet.DBusKeyring.
    return _("The password store that holds your sign-in, {store} ({name}), is not "
             "available now, so the companion cannot read your sign-in and has not "
             "switched to another store. Start it again (for example by logging in to the "
             "desktop), or sign out and sign in again to use another store.").format(
                 store=store, name=name)


def store_description_memory() -> str:
    return _("in memory only, forgotten when the companion quits")


def store_description_best(store: str, backend: str) -> str:
    # Translators: {store} is a password store such as "KWallet"; {backend} its
    # technical name.
    return _("{store} — keyring backend {backend}, the best one available here").format(
        store=store, backend=backend)


def store_description_remembered(store: str, backend: str) -> str:
    return _("{store} — keyring backend {backend}, remembered from the first sign-in"
             ).format(store=store, backend=backend)


def store_description_named(store: str, backend: str, variable: str) -> str:
    # Translators: {variable} is the setting that chose it (PYTHON_KEYRING_BACKEND).
    return _("{store} — keyring backend {backend}, chosen by {variable}").format(
        store=store, backend=backend, variable=variable)


def store_description_named_insecure(store: str, backend: str, variable: str) -> str:
    return _("{store} — keyring backend {backend}, NOT SECURE (plain text), chosen by "
             "{variable}").format(store=store, backend=backend, variable=variable)


def store_description_insecure_file(path: str) -> str:
    # Translators: allow_insecure_keyring is a policy setting's name; keep it.
    return _("INSECURE plain file {path} (no secure password store was found and policy "
             "allow_insecure_keyring allows this; anyone who can read your files or their "
             "backups can read your sign-in)").format(path=path)


# --- sign-in ---------------------------------------------------------------------------


def sign_in_method_unknown(method: str, methods: str) -> str:
    # Translators: {methods} lists the method names, such as "oauth, microsoft, google".
    return _("'{method}' is not a sign-in method; use one of {methods}.").format(
        method=method, methods=methods)


def sign_in_method_unavailable(provider: str) -> str:
    # Translators: {provider} is "Microsoft Entra ID" or "Google".
    return _with_support(_("Signing in with {provider} is not available in this version of the "
             "companion. Ask IT which sign-in method to use.").format(provider=provider))


def signed_in_to(host: str) -> str:
    return _("Signed in to {host}.").format(host=host)


def signed_out_nothing_stored() -> str:
    return _("Signed out. No sign-in was stored on this computer.")


def signed_out() -> str:
    return _("Signed out. The companion has forgotten every sign-in it kept for you.")


def store_given_up(message: str) -> str:
    # Translators: {message} is a whole sentence on what is wrong with the password store.
    return _("{message} The companion has stopped using that store; sign in "
             "again to use another.").format(message=message)


def not_signed_in_to(where: str) -> str:
    # Translators: {where} is the intranet; {hint} the sentence on how to sign in.
    return _("You are not signed in to {where}. {hint}").format(
        where=where, hint=sign_in_hint())


def token_none_given() -> str:
    return _("No token was given on standard input.")


def token_not_a_token() -> str:
    return _("That is not a token: a token is one word of printable characters, "
             "without spaces.")


def token_refused(where: str) -> str:
    return _("The intranet at {where} did not accept the token you signed in with; it "
             "may have expired or been withdrawn. Sign in again with a new one."
             ).format(where=where)


def sign_in_not_completed_in_time(minutes: int) -> str:
    return ngettext(
        "The sign-in was not completed in the browser within {count} minute. Try again.",
        "The sign-in was not completed in the browser within {count} minutes. Try again.",
        minutes).format(count=minutes)


def unknown_error_code() -> str:
    # Translators: stands where an OAuth error code such as "invalid_grant" would be.
    return _("an unknown error")


def sign_in_service_untrusted(host: str) -> str:
    return _("The secure connection to the sign-in service {host} failed: its certificate "
             "is not trusted on this computer.").format(host=host)


def sign_in_service_timeout(host: str) -> str:
    return _("The sign-in service {host} did not answer in time.").format(host=host)


def sign_in_service_unreachable(host: str) -> str:
    return _("Cannot reach the sign-in service {host}. Check the network connection."
             ).format(host=host)


def sign_in_service_failed_checks(host: str) -> str:
    return _("The sign-in service {host} sent an answer that did not pass the "
             "companion's checks. Contact IT.").format(host=host)


def no_browser_open_yourself(url: str) -> str:
    return _("No browser could be opened. Open this address yourself: {url}").format(url=url)


def sign_in_in_browser_at(host: str) -> str:
    return _("Sign in to {host} in your browser.").format(host=host)


def oauth_timed_out(host: str, minutes: int) -> str:
    return ngettext(
        "Sign-in to {host} did not finish within {count} minute, so the companion "
        "stopped waiting. Sign in again and approve in the browser.",
        "Sign-in to {host} did not finish within {count} minutes, so the companion "
        "stopped waiting. Sign in again and approve in the browser.",
        minutes).format(host=host, count=minutes)


def oauth_state_mismatch() -> str:
    return _("The answer that reached the companion does not belong to the sign-in it "
             "started (its state does not match), so it was refused and nothing was "
             "stored. Sign in again.")


def oauth_access_denied(host: str) -> str:
    # Translators: "Approve" is the button on the intranet's sign-in page.
    return _("Sign-in was not completed: access was denied at {host}. "
             "Sign in again and choose Approve.").format(host=host)


def oauth_refused(host: str, code: str) -> str:
    # Translators: {code} is an OAuth error code such as "server_error", or "an error".
    return _with_support(_("The intranet at {host} refused the sign-in ({code}). Try again; if it "
             "keeps happening, contact IT.").format(host=host, code=code))


def oauth_an_error() -> str:
    # Translators: stands where an OAuth error code such as "server_error" would be.
    return _("an error")


def oauth_no_code(host: str) -> str:
    return _("The intranet at {host} answered the sign-in without a code. Contact IT."
             ).format(host=host)


def oauth_no_access_token(host: str) -> str:
    return _("The sign-in server at {host} answered without a usable access token. "
             "Contact IT.").format(host=host)


def oauth_not_bearer(host: str) -> str:
    return _("The sign-in server at {host} issued a kind of token the companion cannot "
             "use (not a bearer token). Contact IT.").format(host=host)


def sign_in_expired_or_revoked() -> str:
    # Translators: {advice} is the sentence that says how to sign in again.
    return _("Your sign-in has expired or was revoked. {advice}").format(
        advice=sign_in_again())


def oauth_grant_refused(host: str, server_said: str) -> str:
    """`server_said`: the server's own description, or ""."""
    if server_said:
        # Translators: {said} is the server's own description of the problem.
        return _('The sign-in server at {host} did not accept the sign-in (invalid_grant). '
                 'The server said: "{said}" Sign in again.').format(host=host, said=server_said)
    return _("The sign-in server at {host} did not accept the sign-in (invalid_grant). "
             "Sign in again.").format(host=host)


def oauth_client_refused(host: str, client_id: str, code: str, server_said: str) -> str:
    """`server_said`: the server's own description, or ""."""
    if server_said:
        # Translators: {code} is an OAuth error code; {said} the server's own description.
        return _("The sign-in server at {host} does not accept the companion's OAuth client "
                 "'{client_id}' ({code}). The server said: \"{said}\" Contact IT: the client "
                 "id or secret set by policy may be wrong.").format(
                     host=host, client_id=client_id, code=code, said=server_said)
    return _("The sign-in server at {host} does not accept the companion's OAuth client "
             "'{client_id}' ({code}). Contact IT: the client id or secret set by policy may "
             "be wrong.").format(host=host, client_id=client_id, code=code)


def oauth_no_token_endpoint(url: str) -> str:
    return _("The intranet has no OAuth token endpoint at {url}. Check the intranet "
             "address, or the policy, with IT.").format(url=url)


def oauth_request_refused(host: str, code: str, server_said: str) -> str:
    """`code`: the OAuth error code; `server_said`: the server's description, or ""."""
    if server_said:
        # Translators: {code} is an OAuth error code; {said} the server's own description.
        return _("The sign-in server at {host} refused the companion's request ({code}). "
                 "The server said: \"{said}\" Contact IT.").format(
                     host=host, code=code, said=server_said)
    return _("The sign-in server at {host} refused the companion's request ({code}). "
             "Contact IT.").format(host=host, code=code)


def oauth_request_refused_status(host: str, status: str, server_said: str) -> str:
    """No error code came, only HTTP `status`; `server_said`: the description, or ""."""
    if server_said:
        # Translators: {status} is an HTTP status number; {said} the server's description.
        return _("The sign-in server at {host} refused the companion's request with HTTP "
                 "{status} and no token. The server said: \"{said}\" Contact IT.").format(
                     host=host, status=status, said=server_said)
    return _("The sign-in server at {host} refused the companion's request with HTTP "
             "{status} and no token. Contact IT.").format(host=host, status=status)


def oauth_endpoint_not_https(endpoint: str, url: str) -> str:
    # Translators: {endpoint} is an OAuth term kept in English: "authorization", "token"
    # or "revocation".
    return _("The OAuth {endpoint} endpoint '{url}' cannot be used: it must be an https "
             "address (plain http only on this computer). Check the policy with IT."
             ).format(endpoint=endpoint, url=url)


def oauth_endpoint_has_fragment(endpoint: str, url: str) -> str:
    # Translators: {endpoint} is an OAuth term kept in English: "authorization", "token"
    # or "revocation".
    return _("The OAuth {endpoint} endpoint '{url}' must not have a fragment.").format(
        endpoint=endpoint, url=url)


def microsoft_in_browser() -> str:
    return _("Sign in with Microsoft in your browser.")


def microsoft_answer_not_ours() -> str:
    return _("The browser brought back an answer that does not belong to this "
             "sign-in. Try again.")


def microsoft_device_code_no_code() -> str:
    return _("Microsoft did not start a device code sign-in: its answer had no code. "
             "Contact IT.")


def microsoft_device_code(url: str, code: str) -> str:
    return _("To sign in, open {url} in a browser on any device and enter the code "
             "{code}.").format(url=url, code=code)


def microsoft_not_signed_in() -> str:
    # Translators: {hint} is the sentence on how to sign in.
    return _("You are not signed in with Microsoft. {hint}").format(hint=sign_in_hint())


def microsoft_expired() -> str:
    # Translators: {hint} is the sentence on how to sign in.
    return _("Your Microsoft sign-in has expired. {hint}").format(hint=sign_in_hint())


def microsoft_authority_not_openid(authority: str) -> str:
    # Translators: microsoft_authority is a setting's name; keep it.
    return _with_support(
        _("Microsoft sign-in is not set up correctly: the authority {authority} did not "
             "describe itself as an OpenID provider should. Ask IT to check "
             "microsoft_authority.").format(authority=authority))


def microsoft_setting_empty(key: str) -> str:
    # Translators: {key} is a setting's name such as microsoft_client_id; keep it.
    return _with_support(_("Microsoft sign-in is not set up: '{key}' is empty. Ask IT to set it."
             ).format(key=key))


def microsoft_authority_invalid() -> str:
    return _("Microsoft sign-in is not set up: 'microsoft_authority' must be an https "
             "address with a tenant, such as https://login.microsoftonline.com/contoso.com.")


def microsoft_scopes_invalid() -> str:
    return _("Microsoft sign-in is not set up: 'microsoft_scopes' must name the "
             "intranet's API scope, such as api://<intranet-app-id>/.default.")


def microsoft_no_access_token() -> str:
    return _("The Microsoft sign-in service answered without an access token. Contact IT.")


def microsoft_sign_in_failed() -> str:
    return _("Signing in with Microsoft failed")


def microsoft_renewal_failed() -> str:
    return _("Microsoft did not renew your sign-in")


def microsoft_device_code_not_started() -> str:
    return _("Microsoft did not start a device code sign-in")


def identity_provider_no_result(what: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Microsoft failed";
    # {hint} the sentence on how to sign in.
    return _("{what}. {hint}").format(what=what, hint=sign_in_hint())


def identity_provider_not_approved(what: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Microsoft failed".
    return _("{what}: the sign-in was not approved. Sign in again and approve it.").format(
        what=what)


def identity_provider_sign_in_again(what: str, code: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Microsoft failed";
    # {code} an OAuth error code; {hint} the sentence on how to sign in.
    return _("{what}: you need to sign in again ({code}). {hint}").format(
        what=what, code=code, hint=sign_in_hint())


def microsoft_settings_refused(what: str, code: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Microsoft failed";
    # {code} an OAuth error code; the setting names stay as they are.
    return _with_support(_("{what}: Microsoft refused the companion's settings ({code}). Ask IT to "
             "check microsoft_client_id, microsoft_scopes and the app registration."
             ).format(what=what, code=code))


def microsoft_service_answered(what: str, code: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Microsoft failed";
    # {code} an OAuth error code.
    return _("{what}: the Microsoft sign-in service answered '{code}'. Try again later."
             ).format(what=what, code=code)


def google_client_id_empty() -> str:
    return _with_support(
        _("Google sign-in is not set up: 'google_client_id' is empty. Ask IT to set it."))


def google_scopes_empty() -> str:
    return _with_support(
        _("Google sign-in is not set up: 'google_scopes' is empty. Ask IT to set it "
             "(for example \"openid email\")."))


def google_no_refresh_token() -> str:
    return _("Google signed you in but gave the companion no lasting sign-in (no "
             "refresh token). Try again, and approve every permission asked.")


def google_signed_in_page() -> str:
    # Translators: shown in the browser once Google's sign-in has come back.
    return _("You are signed in. You can close this tab and go back to Intranet Companion.")


def google_in_browser() -> str:
    return _("Sign in with Google in your browser.")


def google_no_access_token() -> str:
    return _("Google answered without an access token. Contact IT.")


def google_not_signed_in() -> str:
    # Translators: {hint} is the sentence on how to sign in.
    return _("You are not signed in with Google. {hint}").format(hint=sign_in_hint())


def google_sign_in_failed() -> str:
    return _("Signing in with Google failed")


def google_renewal_failed() -> str:
    return _("Google did not renew your sign-in")


def google_settings_refused(what: str, code: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Google failed";
    # {code} an OAuth error code; the setting names stay as they are.
    return _with_support(
        _("{what}: Google refused the companion's settings ({code}). Ask IT to check "
             "google_client_id, google_client_secret and google_scopes.").format(
                 what=what, code=code))


def google_service_answered(what: str, code: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Google failed";
    # {code} an OAuth error code.
    return _("{what}: the Google sign-in service answered '{code}'. Try again later."
             ).format(what=what, code=code)


def google_service_answered_retry_soon(what: str, code: str) -> str:
    # Translators: {what} is a short sentence such as "Signing in with Google failed";
    # {code} an OAuth error code.
    return _("{what}: the Google sign-in service answered '{code}'. Try again in a few "
             "minutes.").format(what=what, code=code)


def cannot_listen_for_sign_in(reason: str) -> str:
    # Translators: oauth_redirect_port is a setting's name; keep it.
    return _("Cannot listen on 127.0.0.1 for the sign-in ({reason}). Set "
             "oauth_redirect_port to 0 or a free port.").format(reason=reason)


def loopback_port_unavailable(host: str, port: int, reason: str) -> str:
    # Translators: oauth_redirect_port is a setting's name; keep it.
    return _with_support(_("The companion cannot receive the sign-in answer on {host} port {port} "
             "({reason}). Close the program using that port, or ask IT to set "
             "oauth_redirect_port to 0 or a free port.").format(
                 host=host, port=port, reason=reason))


def page_not_an_answer_title() -> str:
    # Translators: the title of a page the browser shows.
    return pgettext("page title", "Not a sign-in answer")


def page_not_an_answer() -> str:
    return _("This address only takes the answer of an Intranet Companion sign-in.")


def page_answer_refused_title() -> str:
    return pgettext("page title", "Sign-in answer refused")


def page_answer_refused() -> str:
    return _("This answer does not belong to the sign-in Intranet Companion started, so "
             "it was refused and ignored.")


def page_not_completed_title() -> str:
    return pgettext("page title", "Sign-in not completed")


def page_not_completed() -> str:
    return _("Intranet Companion was not signed in.")


def page_received_title() -> str:
    return pgettext("page title", "Sign-in received")


def page_received() -> str:
    return _("Intranet Companion received your sign-in and is finishing it.")


def page_nothing_here_title() -> str:
    return pgettext("page title", "Nothing here")


def page_nothing_here() -> str:
    return _("This address only receives sign-in answers.")


def page_close_tab() -> str:
    return _("You can close this tab now.")


# --- config and policy -----------------------------------------------------------------


def setting_managed(key: str) -> str:
    # Translators: {key} is a setting's name such as check_interval_minutes.
    return _("'{key}' is managed by your organisation and cannot be changed.").format(key=key)


def setting_invalid(key: str, reason: str) -> str:
    # Translators: {key} is a setting's name; {reason} says what its value must be,
    # such as "must be at least 5".
    return _("'{key}' {reason}.").format(key=key, reason=reason)


def settings_not_saved(path: str, reason: str) -> str:
    return _("Your settings could not be saved to {path} ({reason}).").format(
        path=path, reason=reason)


def settings_file_unreadable(path: str, reason: str) -> str:
    return _("settings file {path} could not be read ({reason}); ignored").format(
        path=path, reason=reason)


def settings_file_not_an_object(path: str) -> str:
    return _("settings file {path} is not a JSON object; ignored").format(path=path)


def setting_unknown(where: str, value: str) -> str:
    # Translators: {where} is a place such as "settings file" or "environment".
    return _("{where}: unknown setting {value} ignored").format(where=where, value=value)


def setting_ignored(where: str, key: str, reason: str) -> str:
    # Translators: {where} is a place such as "settings file"; {key} a setting's name;
    # {reason} says what its value must be, such as "must be at least 5".
    return _("{where}: '{key}' {reason}; ignored").format(where=where, key=key, reason=reason)


def where_settings_file() -> str:
    return pgettext("settings layer", "settings file")


def where_environment() -> str:
    return pgettext("settings layer", "environment")


def where_command_line() -> str:
    return pgettext("settings layer", "command line")


def where_policy(origin: str) -> str:
    # Translators: {origin} is where IT's policy came from, such as a file or registry key.
    return pgettext("settings layer", "policy {origin}").format(origin=origin)


def file_too_large(kilobytes: int) -> str:
    return ngettext("it is larger than {count} KB", "it is larger than {count} KB",
                    kilobytes).format(count=kilobytes)


def file_not_text(encoding: str) -> str:
    # Translators: {encoding} is a text encoding such as UTF-8.
    return _("it is not text in {encoding}").format(encoding=encoding)


def file_not_valid_json(line: int) -> str:
    return _("it is not valid JSON (line {line})").format(line=line)


def file_not_readable_json() -> str:
    return _("it is not JSON the companion can read")


def policy_file_unusable(path: str, reason: str) -> str:
    # Translators: {reason} is a phrase such as "it is not valid JSON (line 3)".
    return _with_support(_("The IT policy file {path} cannot be used: {reason}. Ask IT to fix it."
             ).format(path=path, reason=reason))


def policy_file_not_an_object(path: str) -> str:
    return _with_support(_("The IT policy file {path} must hold a JSON object. Ask IT to fix it."
             ).format(path=path))


def policy_not_present(where: str) -> str:
    return _("{where} (not present)").format(where=where)


def policy_none() -> str:
    return pgettext("policy origin", "none")


def policy_unreadable() -> str:
    return pgettext("policy origin", "unreadable")


def policy_plist_unreadable(path: str, reason: str) -> str:
    return _with_support(
        _("The IT policy {path} cannot be read ({reason}). Ask IT to fix it.").format(
        path=path, reason=reason))


def policy_plist_invalid(path: str, problem: str) -> str:
    return _with_support(
        _("The IT policy {path} is not a valid property list ({problem}). Ask IT to "
             "fix it.").format(path=path, problem=problem))


def policy_plist_not_a_dictionary(path: str) -> str:
    return _with_support(
        _("The IT policy {path} must hold a dictionary. Ask IT to fix it.").format(path=path))


def policy_plist_value_ignored(path: str, key: str, type_name: str) -> str:
    # Translators: {type_name} is a Python type such as "list" or "float".
    return _("policy {path}: '{key}' is a {type_name} value; only strings, integers "
             "and booleans are read; ignored").format(path=path, key=key, type_name=type_name)


def policy_user_over_computer(user_file: str, computer_file: str) -> str:
    # Translators: the user's managed preferences win over the computer's.
    return _("{user_file} over {computer_file}").format(
        user_file=user_file, computer_file=computer_file)


def policy_registry_unreadable(where: str, reason: str) -> str:
    return _with_support(
        _("The IT policy in {where} cannot be read ({reason}). Ask IT to fix it.").format(
        where=where, reason=reason))


def policy_registry_value_ignored(where: str, name: str, type_name: str) -> str:
    # Translators: {type_name} is a registry type such as REG_BINARY; REG_SZ and
    # REG_DWORD stay as they are.
    return _("policy {where}: '{name}' is a {type_name} value; only REG_SZ (text) and "
             "REG_DWORD (number) are read; ignored").format(
                 where=where, name=name, type_name=type_name)


def registry_type(number: int) -> str:
    return _("registry type {number}").format(number=number)


def policy_hives_not_present(first: str, second: str) -> str:
    return _("{first} and {second} (not present)").format(first=first, second=second)


def policy_hive_settings(location: str, names: str) -> str:
    # Translators: {names} lists the settings that came from the registry key {location}.
    return _("{location} ({names})").format(location=location, names=names)


def policy_nothing_new() -> str:
    return _("nothing new")


def autostart_read_failed(where: str, reason: str) -> str:
    return _("Could not read start at login ({where}): {reason}.").format(
        where=where, reason=reason)


def autostart_enable_failed(where: str, reason: str) -> str:
    return _("Could not turn on start at login ({where}): {reason}.").format(
        where=where, reason=reason)


def autostart_disable_failed(where: str, reason: str) -> str:
    return _("Could not turn off start at login ({where}): {reason}.").format(
        where=where, reason=reason)


def autostart_comment() -> str:
    # Translators: the description of the login entry in the desktop's startup settings.
    return _("Tells you when your intranet integrations break")


def autostart_xdg(path: str) -> str:
    return _("XDG autostart entry {path}").format(path=path)


def autostart_xdg_with_system(path: str, system: str) -> str:
    return _("XDG autostart entry {path} (system-wide entry {system} also present)").format(
        path=path, system=system)


def autostart_windows(where: str) -> str:
    return _("Windows registry value {where}").format(where=where)


def autostart_windows_with_system(where: str, system: str) -> str:
    return _("Windows registry value {where} (IT-installed entry {system} takes "
             "precedence)").format(where=where, system=system)


def autostart_macos(path: str) -> str:
    return _("LaunchAgent {path}").format(path=path)


def autostart_macos_with_system(path: str, system: str) -> str:
    return _("LaunchAgent {path} (IT-installed agent {system} takes precedence)").format(
        path=path, system=system)


# --- notices and states ------------------------------------------------------------------


def notice_disconnected(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox" or "Microsoft 365".
    return _("{name} has unexpectedly been disconnected. Please reconnect your {name} "
             "account.").format(name=name)


def notice_expiring(name: str, date: str, days_left: int) -> str:
    """`date` is the day it expires (YYYY-MM-DD for scripts, else the long date);
    `days_left`: 0 within 24 hours, else the calendar days until that day."""
    if days_left <= 0:
        # Translators: {name} is an integration such as "Dropbox"; {date} a day such as
        # 2026-12-01.
        return _("{name} will be disconnected on {date} (within 24 hours). Please "
                 "reconnect your {name} account before then.").format(name=name, date=date)
    # Translators: {name} is an integration such as "Dropbox"; {date} a day such as
    # 2026-12-01.
    return ngettext(
        "{name} will be disconnected on {date} (in {count} day). Please reconnect your "
        "{name} account before then.",
        "{name} will be disconnected on {date} (in {count} days). Please reconnect your "
        "{name} account before then.",
        days_left).format(name=name, date=date, count=days_left)


def connected_again(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return _("{name} is connected again.").format(name=name)


def warning_external_apps_off_origin() -> str:
    # Translators: external_apps_url is a field's name; keep it.
    return _("external_apps_url is not on the intranet's origin; the intranet's front page "
             "is opened instead")


def warning_reconnect_off_origin(integration_id: str) -> str:
    # Translators: reconnect_url is a field's name; {integration_id} an integration's id.
    return _("reconnect_url of '{integration_id}' is not on the intranet's origin; "
             "External apps is opened instead").format(integration_id=integration_id)


def warning_no_date_header() -> str:
    return _("the intranet sent no usable Date header; this computer's clock was used")


def warning_window_invalid(value: str, default: int) -> str:
    # Translators: warning_window_days is a field's name; {value} what the intranet sent.
    return _("warning_window_days {value} is not a whole number from 1 to 90; "
             "using {default}").format(value=value, default=default)


def warning_too_many_integrations(index: int, limit: int) -> str:
    return _("integrations[{index}] and after ignored: the companion reads at most "
             "{limit} integrations").format(index=index, limit=limit)


def warning_integration_skipped(index: int, problem: str) -> str:
    # Translators: {problem} is a phrase such as "'name' is missing or not a string".
    return _("integrations[{index}] skipped: {problem}").format(index=index, problem=problem)


def warning_duplicate_id(index: int, integration_id: str) -> str:
    return _("integrations[{index}] skipped: id '{integration_id}' appears twice").format(
        index=index, integration_id=integration_id)


def warning_unknown_status(index: int, integration_id: str, status: str) -> str:
    return _("integrations[{index}] ({integration_id}) has unknown status {status}; "
             "reported as unknown").format(
                 index=index, integration_id=integration_id, status=status)


def warnings_not_listed(count: int) -> str:
    return ngettext("{count} more warning not listed", "{count} more warnings not listed",
                    count).format(count=count)


def value_an_object() -> str:
    # Translators: stands for a JSON object where a warning names a wrong value.
    return _("an object")


def value_a_list() -> str:
    # Translators: stands for a JSON list where a warning names a wrong value.
    return _("a list")


def entry_not_an_object() -> str:
    return _("it is not an object")


def entry_bad_id() -> str:
    return _("'id' is missing or has characters or a length the contract does not allow")


def entry_too_long(key: str, max_chars: int) -> str:
    # Translators: {key} is a field's name such as 'name'.
    return ngettext("'{key}' is longer than {count} character",
                    "'{key}' is longer than {count} characters",
                    max_chars).format(key=key, count=max_chars)


def entry_not_a_string(key: str) -> str:
    return _("'{key}' is not a string").format(key=key)


def entry_not_a_time(key: str) -> str:
    return _("'{key}' is not an RFC 3339 time with offset").format(key=key)


def entry_missing(key: str) -> str:
    return _("'{key}' is missing or not a string").format(key=key)


def state_connected() -> str:
    return pgettext("integration state", "connected")


def state_expires(days_left: int, date: str) -> str:
    """`date` is the day it expires, such as "December 4, 2026"."""
    if days_left <= 0:
        return pgettext("integration state", "expires within 24 hours ({date})").format(
            date=date)
    return ngettext("expires in {count} day ({date})", "expires in {count} days ({date})",
                    days_left).format(count=days_left, date=date)


def state_disconnected() -> str:
    return pgettext("integration state", "disconnected")


def state_disconnected_because(reason: str) -> str:
    # Translators: {reason} is a phrase such as "access revoked".
    return pgettext("integration state", "disconnected ({reason})").format(reason=reason)


def state_not_connected() -> str:
    return pgettext("integration state", "not connected")


def state_unknown() -> str:
    return pgettext("integration state", "status unknown")


def reason_refresh_failed() -> str:
    return pgettext("disconnect reason", "refresh failed")


def reason_revoked() -> str:
    return pgettext("disconnect reason", "access revoked")


def reason_expired() -> str:
    return pgettext("disconnect reason", "expired")


def reason_consent_removed() -> str:
    return pgettext("disconnect reason", "consent removed")


def reason_password_changed() -> str:
    return pgettext("disconnect reason", "password changed")


# --- tray menu and tooltip ----------------------------------------------------------------


def tooltip_checking() -> str:
    return _("Intranet Companion: checking your integrations…")


def tooltip_all_connected() -> str:
    return _("All your integrations are connected")


def tooltip_disconnected(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return _("{name} disconnected").format(name=name)


def tooltip_expires(name: str, days_left: int) -> str:
    if days_left <= 0:
        # Translators: {name} is an integration such as "Dropbox".
        return _("{name} expires within 24 hours").format(name=name)
    # Translators: {name} is an integration such as "Dropbox".
    return ngettext("{name} expires in {count} day", "{name} expires in {count} days",
                    days_left).format(name=name, count=days_left)


def last_confirmed(moment: str) -> str:
    # Translators: {moment} is a date and time such as "01 Dec 09:30".
    return _("last confirmed {moment}").format(moment=moment)


def showing_state_confirmed(moment: str) -> str:
    # Translators: {moment} is a date and time such as "01 Dec 09:30".
    return _("Showing the state last confirmed {moment}.").format(moment=moment)


def header_checking() -> str:
    return _("Checking your integrations…")


def header_not_signed_in() -> str:
    return _("Not signed in to the intranet")


def header_signed_in() -> str:
    return pgettext("tray header", "Signed in")


def header_signed_in_as(name: str, email: str) -> str:
    """`email`, or "" when the intranet gave none."""
    if email:
        return _("Signed in as {name} ({email})").format(name=name, email=email)
    return _("Signed in as {name}").format(name=name)


def integration_row(name: str, state: str) -> str:
    # Translators: {name} is an integration such as "Dropbox"; {state} a phrase such as
    # "expires in 3 days (1 Dec)".
    return _("{name}: {state}").format(name=name, state=state)


def tray_tooltip(summary: str) -> str:
    # Translators: the tray icon's tooltip; {summary} is one line such as
    # "Dropbox disconnected".
    return _("Intranet Companion\n{summary}").format(summary=summary)


def managed_by_organisation() -> str:
    return _("Managed by your organisation")


def menu_reconnect(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("menu", "Reconnect {name}…").format(name=name)


def menu_check_now() -> str:
    return pgettext("menu", "Check now")


def menu_open_external_apps() -> str:
    # Translators: "External apps" is the intranet's page of connected accounts.
    return pgettext("menu", "Open External apps")


def menu_show_status() -> str:
    return pgettext("menu", "Show status…")


def menu_start_at_login() -> str:
    return pgettext("menu", "Start at login")


def menu_start_at_login_fixed(why: str) -> str:
    # Translators: {why} says why it cannot be changed, such as "not available here".
    return pgettext("menu", "Start at login ({why})").format(why=why)


def start_at_login_unavailable() -> str:
    return _("not available here")


def menu_settings() -> str:
    return pgettext("menu", "Settings…")


def menu_sign_in() -> str:
    return pgettext("menu", "Sign in…")


def menu_cancel_sign_in() -> str:
    return pgettext("menu", "Cancel sign-in")


def menu_sign_out() -> str:
    return pgettext("menu", "Sign out")


def menu_quit() -> str:
    return pgettext("menu", "Quit")


def sign_in_needed(message: str) -> str:
    # Translators: {message} is a whole sentence on why.
    return _("Sign-in needed. {message}").format(message=message)


def accounts_need_attention(count: int) -> str:
    return ngettext("One of your connected accounts needs attention.",
                    "{count} of your connected accounts need attention.",
                    count).format(count=count)


def open_address_yourself(url: str) -> str:
    return _("Could not open a web browser. Open this address yourself: {url}").format(url=url)


def open_address_to_sign_in(url: str) -> str:
    return _("Could not open a web browser. Open this address to sign in: {url}").format(
        url=url)


def notification_show_details() -> str:
    # Translators: an action of a desktop notification about an account that needs
    # attention; it opens the window that lists those accounts.
    return pgettext("notification action", "Show details")


# --- popup ---------------------------------------------------------------------------------


def popup_title() -> str:
    return pgettext("window title", "Intranet Companion — Reconnect your accounts")


def popup_heading() -> str:
    return org_words.text("popup_heading") or _("Reconnect your accounts")


def popup_intro(count: int) -> str:
    """The count sentence, after the organisation's own introduction when it has one."""
    counted = ngettext(
        "One of the accounts you connected to the intranet needs attention.",
        "{count} of the accounts you connected to the intranet need attention.",
        count).format(count=count)
    own = org_words.text("popup_intro")
    return f"{own}\n\n{counted}" if own else counted


# --- about box ----------------------------------------------------------------------------


def about_title() -> str:
    return pgettext("window title", "About Intranet Companion")


def about_menu() -> str:
    return pgettext("menu", "About Intranet Companion")


def about_text(version: str) -> str:
    lines = [_("Intranet Companion {version}").format(version=version),
             _("Tells you when an account you connected to the intranet stops working, "
               "and helps you reconnect it.")]
    organisation = org_words.text("organization_name")
    if organisation:
        # Translators: {organization} is the company's name, e.g. "Acme".
        lines.append(_("Provided by {organization}.").format(organization=organisation))
    support = _support_sentence()
    if support:
        lines.append(support)
    return "\n\n".join(lines)


def popup_reconnect() -> str:
    return pgettext("button", "Reconnect")


def popup_reconnect_name(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("accessible name", "Reconnect {name}").format(name=name)


def popup_dismiss() -> str:
    return pgettext("button", "Don't remind me again")


def popup_dismiss_name(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("accessible name", "Don't remind me again about {name}").format(name=name)


def popup_dismissed() -> str:
    return pgettext("button", "You won't be reminded again")


def popup_remind_later() -> str:
    return pgettext("button", "Remind me later")


def notice_heading_disconnected(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("notice heading", "{name} · Disconnected").format(name=name)


def notice_heading_expiring(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("notice heading", "{name} · Expiring soon").format(name=name)


def notice_heading_connected(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("notice heading", "{name} · Connected").format(name=name)


def icon_disconnected() -> str:
    return pgettext("state icon", "Disconnected")


def icon_expiring() -> str:
    return pgettext("state icon", "Expiring soon")


def icon_connected() -> str:
    return pgettext("state icon", "Connected")


# --- status window ---------------------------------------------------------------------------


def status_title() -> str:
    return pgettext("window title", "Intranet Companion")


def status_accessible_name() -> str:
    return pgettext("accessible name", "Intranet Companion status")


def status_check_now() -> str:
    return pgettext("button", "Check now")


def status_open_external_apps() -> str:
    # Translators: "External apps" is the intranet's page of connected accounts.
    return pgettext("button", "Open External apps")


def status_sign_in() -> str:
    return pgettext("button", "Sign in…")


def status_reconnect() -> str:
    return pgettext("button", "Reconnect…")


def status_reconnect_name(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("accessible name", "Reconnect {name}").format(name=name)


def status_reminders_off() -> str:
    # Translators: next to an account the person chose "Don't remind me again" for.
    return pgettext("reminder state", "Reminders off")


def status_remind_again() -> str:
    # Translators: undoes "Don't remind me again" for one account.
    return pgettext("button", "Remind me again")


def status_remind_again_name(name: str) -> str:
    # Translators: {name} is an integration such as "Dropbox".
    return pgettext("accessible name", "Remind me again about {name}").format(name=name)


# --- sign-in window -------------------------------------------------------------------------


def sign_in_title() -> str:
    return pgettext("window title", "Intranet Companion — Sign in")


def sign_in_heading() -> str:
    return _("Signing in to the intranet")


def sign_in_starting() -> str:
    return _("Starting sign-in…")


def sign_in_in_browser() -> str:
    return _("Finish signing in in your web browser.")


def sign_in_no_browser() -> str:
    return _("Could not open a web browser. Open this address in your browser to sign in:")


def sign_in_cancelling() -> str:
    return _("Cancelling…")


def sign_in_open_again() -> str:
    return pgettext("button", "Open the sign-in page again")


def sign_in_copy_address() -> str:
    return pgettext("button", "Copy address")


def sign_in_busy_name() -> str:
    # Translators: what a screen reader says for the busy indicator.
    return pgettext("accessible name", "Signing in")


def sign_in_cancel_name() -> str:
    return pgettext("accessible name", "Cancel sign-in")


def sign_in_copy_name() -> str:
    return pgettext("accessible name", "Copy the sign-in address")


def sign_in_address_name() -> str:
    return pgettext("accessible name", "Sign-in address")


# --- settings dialog ------------------------------------------------------------------------


def settings_title() -> str:
    return pgettext("window title", "Intranet Companion — Settings")


def setting_label(key: str) -> str:
    """The label of the user-editable setting `key`; the key itself for any other."""
    labels: dict[str, Callable[[], str]] = {
        "intranet_url": lambda: pgettext("setting", "Intranet address"),
        "auth_method": lambda: pgettext("setting", "Sign-in method"),
        "check_interval_minutes": lambda: pgettext("setting", "Check every (minutes)"),
        "start_at_login": lambda: pgettext("setting", "Start at login"),
        "log_level": lambda: pgettext("setting", "Log detail"),
        "language": lambda: pgettext("setting", "Language"),
    }
    return labels[key]() if key in labels else key


def setting_description(key: str, english: str) -> str:
    """The description of the user-editable setting `key` (a tooltip); `english`, the
    settings table's own, for any other."""
    descriptions: dict[str, Callable[[], str]] = {
        "intranet_url": lambda: _(
            "Your intranet's address, such as https://your-intranet.example. IT can tell "
            "you what it is."),
        "auth_method": lambda: _("How Intranet Companion signs you in to the intranet."),
        "check_interval_minutes": lambda: _(
            "How often Intranet Companion checks the accounts you connected to the intranet."),
        "start_at_login": lambda: _(
            "Start Intranet Companion when you log in to your computer."),
        "log_level": lambda: _("How much the companion writes to its log."),
        "language": lambda: _("The language of Intranet Companion's windows and messages."),
    }
    return descriptions[key]() if key in descriptions else english


# --- command line -----------------------------------------------------------------------------


def cli_description() -> str:
    return _("Intranet Companion: tells you when your intranet integrations break.")


def cli_help_intranet_url() -> str:
    return _("the intranet's address")


def cli_help_demo() -> str:
    return _("start the built-in demo intranet and use it")


def cli_help_autostart() -> str:
    return _("started at login: wait a random delay, stay quiet until checked")


def cli_help_check() -> str:
    return _("one check, no window")


def cli_help_json() -> str:
    return _("print the result as JSON")


def cli_help_demo_server() -> str:
    # Translators: demo-server --help is a command; keep it.
    return _("run the built-in demo intranet alone (see demo-server --help)")


def cli_help_diagnose() -> str:
    return _("settings, keyring and reachability")


def cli_help_sign_in() -> str:
    return _("sign in and keep the tokens in the keyring")


def cli_help_token() -> str:
    return _("read a token from standard input")


def cli_help_device() -> str:
    return _("microsoft method: sign in with a code on another device")


def cli_help_sign_out() -> str:
    return _("forget every token of this user")


def check_could_not(message: str) -> str:
    # Translators: {message} is a whole sentence on what went wrong.
    return _("Could not check: {message}").format(message=message)


def check_last_known(when: str) -> str:
    # Translators: {when} is a date and time such as "2026-12-01 09:30 CET".
    return _("Last known state (confirmed {when}), may be out of date:").format(when=when)


def check_intranet(url: str) -> str:
    return _("Intranet Companion: {url}").format(url=url)


def check_signed_in_as(name: str, email: str, when: str) -> str:
    """`email`, or "" when the intranet gave none; `when` a date and time."""
    if email:
        return _("Signed in as {name} ({email}), checked {when}").format(
            name=name, email=email, when=when)
    return _("Signed in as {name}, checked {when}").format(name=name, when=when)


def check_needs_attention() -> str:
    return _("Needs your attention:")


def check_reconnect(url: str) -> str:
    return _("Reconnect: {url}").format(url=url)


def check_all_working() -> str:
    return _("All your integrations are working.")


def check_integrations() -> str:
    return _("Integrations:")


def warning_line(warning: str) -> str:
    # Translators: {warning} is a short phrase on something odd in what was read.
    return _("warning: {warning}").format(warning=warning)


def configuration_error(message: str) -> str:
    # Translators: {message} is a whole sentence on what is wrong.
    return _("Configuration error: {message}").format(message=message)


def diagnose_heading() -> str:
    return _("Intranet Companion diagnostics")


def diagnose_settings() -> str:
    return _("Settings (value, source):")


def diagnose_setting(key: str, value: str, source: str) -> str:
    # Translators: {key} is a setting's name, {value} its value, {source} where it came
    # from, such as "default" or "policy".
    return _("{key} = {value}  [{source}]").format(key=key, value=value, source=source)


def diagnose_setting_locked(key: str, value: str, source: str) -> str:
    # Translators: {key} is a setting's name, {value} its value, {source} where it came
    # from, such as "policy".
    return _("{key} = {value}  [{source}, locked by policy]").format(
        key=key, value=value, source=source)


def source_default() -> str:
    return pgettext("setting source", "default")


def source_settings_file(path: str) -> str:
    return pgettext("setting source", "settings file {path}").format(path=path)


def source_environment(variable: str) -> str:
    # Translators: {variable} is an environment variable such as COMPANION_LOG_LEVEL.
    return pgettext("setting source", "env {variable}").format(variable=variable)


def source_command_line() -> str:
    return pgettext("setting source", "command line")


def source_policy() -> str:
    return pgettext("setting source", "policy")


def diagnose_policy(origin: str) -> str:
    return _("Policy: {origin}").format(origin=origin)


def diagnose_settings_file(path: str) -> str:
    return _("Settings file: {path}").format(path=path)


def diagnose_state(path: str) -> str:
    return _("State: {path}").format(path=path)


def diagnose_log(path: str) -> str:
    return _("Log: {path}").format(path=path)


def diagnose_keyring(description: str) -> str:
    return _("Keyring: {description}").format(description=description)


def diagnose_sign_in_method(method: str) -> str:
    return _("Sign-in method: {method}").format(method=method)


def diagnose_credential_environment(variable: str) -> str:
    return _("Credential: {variable} (environment)").format(variable=variable)


def diagnose_credential_keyring() -> str:
    return _("Credential: keyring")


def diagnose_intranet(url: str, verdict: str) -> str:
    # Translators: {verdict} is "reachable, signed in" or a sentence on what is wrong.
    return _("Intranet: {url}: {verdict}").format(url=url, verdict=verdict)


def diagnose_not_set() -> str:
    return _("(not set)")


def diagnose_reachable() -> str:
    return _("reachable, signed in")


def usage_token_on_standard_input() -> str:
    return _("Give the token on standard input: `sign-in --token -`.")


def usage_token_and_method() -> str:
    return _("--token - signs in with the token method; leave out --method.")


def usage_device_only_microsoft() -> str:
    return _("--device is only for the microsoft sign-in method.")


def sign_in_method_required(configured: str, asked: str) -> str:
    # Translators: {configured} and {asked} are sign-in method names such as "microsoft".
    return _("Your organisation requires signing in with the {configured} method, so "
             "{asked} cannot be used.").format(configured=configured, asked=asked)


def browser_fallback(url: str) -> str:
    return _("If no browser opened, visit: {url}").format(url=url)


def signed_in_kept_in(sentence: str, store: str) -> str:
    # Translators: {sentence} is a sentence such as "Signed in to intranet.example.";
    # {store} describes the password store.
    return _("{sentence} Your sign-in is kept in {store}.").format(sentence=sentence,
                                                                    store=store)


def already_running() -> str:
    return _("Intranet Companion is already running; its status window is shown.")


def already_running_no_answer() -> str:
    return _("Intranet Companion is already running but did not answer; it may be starting "
             "or closing. Try again in a moment.")


# --- settings dialog: labels, choices, checks ---------------------------------------------


def settings_address_label() -> str:
    # Translators: a label in the settings window; & marks its access key (Alt+letter):
    # put it before a letter no other label there uses, or write "(&A)" after the label.
    return pgettext("settings field", "Intranet &address")


def settings_method_label() -> str:
    # Translators: a label in the settings window; & marks its access key (Alt+letter):
    # put it before a letter no other label there uses, or write "(&A)" after the label.
    return pgettext("settings field", "Sign-in &method")


def settings_interval_label() -> str:
    # Translators: a label in the settings window; & marks its access key (Alt+letter):
    # put it before a letter no other label there uses, or write "(&A)" after the label.
    return pgettext("settings field", "Check &every (minutes)")


def settings_language_label() -> str:
    # Translators: a label in the settings window; & marks its access key (Alt+letter):
    # put it before a letter no other label there uses, or write "(&A)" after the label.
    return pgettext("settings field", "&Language")


def settings_start_at_login_label() -> str:
    # Translators: a check box; & marks its access key (Alt+letter).
    return pgettext("settings field", "Start at log&in")


def sign_in_method_oauth() -> str:
    # Translators: a sign-in method: the intranet's own sign-in page, in the web browser.
    return pgettext("sign-in method", "Company sign-in (browser)")


def sign_in_method_microsoft() -> str:
    return pgettext("sign-in method", "Microsoft account")


def sign_in_method_google() -> str:
    return pgettext("sign-in method", "Google account")


def sign_in_method_token() -> str:
    # Translators: a sign-in method: a token IT gives, pasted with "sign-in --token -".
    return pgettext("sign-in method", "Access token")


def language_of_the_desktop() -> str:
    # Translators: the first choice of the Language list; the others are each language's
    # own name, which is not translated.
    return pgettext("language choice", "Same as the desktop")


def settings_takes_effect() -> str:
    return _("Saved changes take effect at once: a new address or sign-in method is checked "
             "straight away, and the next check follows the new interval.")


def settings_address_placeholder() -> str:
    # Translators: an example address in an empty field; keep it an https address.
    return _("https://your-intranet.example")


def settings_address_needed() -> str:
    return _("Enter your intranet's address, such as https://your-intranet.example.")


def settings_set_by_it() -> str:
    return _("Set by your IT department")


def settings_set_by_it_tooltip(description: str) -> str:
    # Translators: {description} is the setting's description, a whole sentence.
    return _("Set by your IT department, so it cannot be changed here. {description}").format(
        description=description)


def settings_set_by_environment(variable: str) -> str:
    # Translators: {variable} is an environment variable such as COMPANION_INTRANET_URL.
    return _("For now {variable} in the environment sets this; what you save here is used "
             "once it is no longer set.").format(variable=variable)


def settings_set_by_command_line() -> str:
    return _("For now the command line sets this; what you save here is used when "
             "Intranet Companion starts without it.")


# --- demo intranet's notice email ---------------------------------------------------------


def email_greeting(name: str) -> str:
    # Translators: the first line of the email about a broken account; {name} is the
    # person's name, such as "Jane Doe".
    return _("Hello {name},").format(name=name)


def email_reconnect_hint() -> str:
    # Translators: "My settings" and "External apps" are the intranet's menu and page.
    return _("To reconnect, go to My settings > External apps in your intranet profile.")


def email_link_label() -> str:
    # Translators: the link in the email; "External apps" is the intranet's page of
    # connected accounts.
    return pgettext("email link", "Open External apps")


# --- tray menu, status window and opening pages -------------------------------------------


def menu_last_checked(moment: str) -> str:
    # Translators: {moment} is a time such as "09:12", or a date and time such as
    # "Dec 4, 9:12 AM" when the last check was not today.
    return _("Last checked {moment}").format(moment=moment)


def waiting_for_reconnect() -> str:
    # Translators: under an account after the person pressed Reconnect, until the app
    # sees it connected again (it checks every 30 seconds for up to 15 minutes).
    return _("Waiting for you to reconnect…")


def menu_help() -> str:
    # Translators: opens the organisation's IT support page.
    return pgettext("menu", "Help…")


def menu_sign_out_ask() -> str:
    # Translators: the menu entry that asks before signing out.
    return pgettext("menu", "Sign out…")


def status_help() -> str:
    # Translators: opens the organisation's IT support page.
    return pgettext("button", "Help…")


def status_settings() -> str:
    return pgettext("button", "Settings…")


def status_sign_out() -> str:
    return pgettext("button", "Sign out…")


def status_about() -> str:
    return pgettext("button", "About")


def status_quit() -> str:
    return pgettext("button", "Quit")


def status_start_at_login() -> str:
    return pgettext("checkbox", "Start at login")


def status_start_at_login_fixed(why: str) -> str:
    # Translators: {why} says why it cannot be changed, such as "not available here".
    return pgettext("checkbox", "Start at login ({why})").format(why=why)


def status_keeps_running() -> str:
    return _("Closing this window keeps Intranet Companion checking in the background. "
             "Start Intranet Companion again to bring this window back.")


def status_row_name(row: str, waiting: str) -> str:
    # Translators: what a screen reader says for an account's line while the app waits
    # for it to be reconnected; {row} is e.g. "Dropbox: disconnected", {waiting} is
    # "Waiting for you to reconnect…".
    return _("{row}. {waiting}").format(row=row, waiting=waiting)


def sign_out_question_title() -> str:
    return pgettext("window title", "Sign out of the intranet?")


def sign_out_question() -> str:
    return _("Sign out of the intranet?")


def sign_out_question_detail() -> str:
    return _("Intranet Companion will sign out on this computer and forget your sign-in. "
             "It cannot check your accounts until you sign in again. The accounts you "
             "connected on the intranet stay as they are.")


def sign_out_confirm() -> str:
    return pgettext("button", "Sign out")


def no_browser_title() -> str:
    return pgettext("window title", "Intranet Companion — Open this page")


def no_browser_text() -> str:
    return _("No web browser opened. Open this address in your browser:")


def no_browser_copy() -> str:
    return pgettext("button", "Copy")


def no_browser_copied() -> str:
    # Translators: the Copy button's text once the address is on the clipboard.
    return pgettext("button", "Copied")


def no_browser_copy_name() -> str:
    return pgettext("accessible name", "Copy the address")


def no_browser_address_name() -> str:
    return pgettext("accessible name", "Page address")


# --- command line: -v, help texts, diagnose and its JSON ---


def cli_help_verbose() -> str:
    return _("more detail (DEBUG) on standard error and in the log")


def cli_description_check() -> str:
    return _("Check the intranet once, without a window, and print which integrations need "
             "you. Scripts use --json.")


def cli_description_demo_server() -> str:
    return _("Run the built-in demo intranet alone on 127.0.0.1; it prints its address and "
             "bearer token and serves until interrupted.")


def cli_description_diagnose() -> str:
    return _("Show where every setting came from, the password store, the credential and "
             "whether the intranet answers; exit non-zero when something is broken.")


def cli_description_sign_in() -> str:
    return _("Sign in to the intranet in the system browser (or with a token read from "
             "standard input) and keep the sign-in in the password store.")


def cli_description_sign_out() -> str:
    return _("Sign out: revoke the sign-in where the intranet allows it and forget every "
             "token the companion kept for this user.")


def cli_help_diagnose_json() -> str:
    return _("print the diagnosis as one JSON object, in English")


def cli_environment_heading() -> str:
    return _("environment:")


def cli_env_intranet_url() -> str:
    return _("the intranet origin (below policy, above user settings)")


def cli_env_token() -> str:
    return _("an access token to use instead of the keyring (scripts, CI)")


def cli_env_policy_file() -> str:
    return _("read IT policy from this JSON file instead of the platform's place")


def cli_env_xdg() -> str:
    return _("on Linux, where settings, state and cache live")


def cli_check_exit_heading() -> str:
    # Translators: `check` is a command's name; keep it.
    return _("exit status of check:")


def cli_check_exit_0() -> str:
    return _("checked; nothing needs the user")


def cli_check_exit_1() -> str:
    return _("checked; at least one integration is disconnected or expiring")


def cli_exit_usage() -> str:
    return _("usage error (bad arguments)")


def cli_check_exit_3() -> str:
    return _("could not check: network, TLS, timeout, server error, rate limited, "
             "malformed answer")


def cli_check_exit_4() -> str:
    return _("sign-in needed: no credential, or the intranet rejected it (401)")


def cli_exit_configuration() -> str:
    return _("configuration error: no intranet URL, a URL that is not allowed, "
             "unreadable policy")


def cli_diagnose_exit_heading() -> str:
    # Translators: `diagnose` is a command's name; keep it.
    return _("exit status of diagnose:")


def cli_diagnose_exit_0() -> str:
    return _("nothing found broken")


def cli_diagnose_exit_3() -> str:
    return _("the intranet cannot be reached or does not answer properly")


def cli_diagnose_exit_4() -> str:
    return _("no usable credential: no password store, no sign-in, or the intranet "
             "rejected it")


def cli_verbose_everywhere() -> str:
    # Translators: -v and --verbose are options; keep them.
    return _("Every command also takes -v / --verbose.")


def store_gnome_keyring() -> str:
    return pgettext("password store", "GNOME Keyring")


def store_keepassxc() -> str:
    return pgettext("password store", "KeePassXC")


def store_insecure_file() -> str:
    return pgettext("password store", "plain file (not secure)")


def store_via_secret_service(store: str) -> str:
    # Translators: {store} is a password store such as "GNOME Keyring"; Secret Service is
    # the name of the desktop standard it is reached through.
    return pgettext("password store", "{store} (Secret Service)").format(store=store)


def diagnose_keyring_best(store: str) -> str:
    # Translators: {store} is a password store such as "GNOME Keyring".
    return _("{store}, the best one available here").format(store=store)


def diagnose_keyring_remembered(store: str) -> str:
    return _("{store}, remembered from the first sign-in").format(store=store)


def diagnose_keyring_chosen_by(store: str, variable: str) -> str:
    # Translators: {variable} is the setting that chose it (PYTHON_KEYRING_BACKEND).
    return _("{store}, chosen by {variable}").format(store=store, variable=variable)


def diagnose_keyring_chosen_by_insecure(store: str, variable: str) -> str:
    return _("{store}, NOT SECURE (plain text), chosen by {variable}").format(
        store=store, variable=variable)


def diagnose_credential_missing() -> str:
    return _("Credential: none, sign-in needed")


def diagnose_reachable_without_sign_in(status: int) -> str:
    # Translators: {status} is an HTTP status number such as 401.
    return _("reachable (HTTP {status} without a sign-in)").format(status=status)


def diagnose_problems() -> str:
    return _("Problems:")


def diagnose_nothing_broken() -> str:
    return _("Nothing found broken.")


def diagnose_keyring_not_needed(message: str) -> str:
    # Translators: {message} is a whole sentence on what is wrong with the password store.
    return _("The password store is not used while COMPANION_TOKEN is set, but signing "
             "in needs one: {message}").format(message=message)


# --- start-up without a display, the demo's sandbox --------------------------------------


def no_graphical_session(variables: str) -> str:
    # Translators: {variables} names environment variables, e.g. "DISPLAY, WAYLAND_DISPLAY".
    # Keep `intranet-companion check` as it is: it is a command.
    return _("The tray app needs a graphical session and finds none (not set: {variables}); "
             "`intranet-companion check` works without a desktop.").format(variables=variables)


def x_display_unreachable(display: str) -> str:
    # Translators: {display} is an X display name such as ":0" or "localhost:10.0".
    return _("The tray app cannot open the X display {display}: no X server answers there; "
             "`intranet-companion check` works without a desktop.").format(display=display)


def wayland_display_unreachable(display: str) -> str:
    # Translators: {display} is a Wayland display name such as "wayland-0".
    return _("The tray app cannot reach the Wayland display {display}: no compositor answers "
             "there; `intranet-companion check` works without a desktop.").format(
                 display=display)


def xcb_cursor_missing(library: str) -> str:
    # Translators: {library} is a file name such as "libxcb-cursor.so.0"; the package
    # names are those of Linux distributions and stay as they are.
    return _("The tray app cannot use the X display because the library {library} is not "
             "installed (package libxcb-cursor0 on Debian and Ubuntu, xcb-util-cursor on "
             "Fedora); `intranet-companion check` works without a desktop.").format(
                 library=library)


def qt_display_failed() -> str:
    return _("The tray app could not open the graphical session (Qt's lines above say why); "
             "`intranet-companion check` works without a desktop.")


def demo_beside_running_tray() -> str:
    return _("Quit Intranet Companion before starting the demo: both would answer the same "
             "launches.")


# --- native reconnect (core/native, `reconnect`) ---------------------------------------------


def warning_native_connect_ignored(integration_id: str, problem: str) -> str:
    # Translators: native_connect is a field's name; {problem} a phrase such as
    # "'client_id' is missing or not a string".
    return _("native_connect of '{integration_id}' ignored: {problem}").format(
        integration_id=integration_id, problem=problem)


def warning_native_connect_off_origin(integration_id: str) -> str:
    # Translators: native_connect and grant_url are field names.
    return _("native_connect of '{integration_id}' ignored: its grant_url is not on the "
             "intranet's origin; Reconnect opens the reconnect page instead").format(
        integration_id=integration_id)


def native_connect_scopes_invalid(max_scopes: int) -> str:
    # Translators: 'scopes' is a field's name.
    return _("'scopes' is not a list of at most {count} non-empty strings").format(
        count=max_scopes)


def native_connect_authority_invalid() -> str:
    # Translators: 'authority' is a field's name.
    return _("'authority' is not an https address with the tenant in its path")


def cli_help_reconnect() -> str:
    return _("reconnect one integration, then wait until it works again")


def cli_description_reconnect() -> str:
    return _("Reconnect one integration, as the tray's Reconnect does: the vendor's own "
             "sign-in where the intranet offers it, else the integration's reconnect page "
             "in the browser; then check again until it is connected. Exit status: 0 "
             "connected again, 1 not connected (in time), 2 unknown integration, 3, 4 or 5 "
             "as for check.")


def cli_help_reconnect_id() -> str:
    # Translators: `check --json` is a command; keep it.
    return _("the integration's id, as `check --json` lists it")


def cli_help_reconnect_no_wait() -> str:
    return _("do not wait until the integration is connected again")


def reconnect_unknown_integration(integration_id: str) -> str:
    # Translators: `check` is a command; keep it.
    return _("There is no integration '{integration_id}'. Run `check` to see your "
             "integrations.").format(integration_id=integration_id)


def reconnect_on_page(name: str) -> str:
    return _("Reconnect {name} on the intranet's page in your browser.").format(name=name)


def native_sign_in_in_browser(name: str, account: str) -> str:
    """`account` is the one the intranet expects, or "" when it expects none."""
    if account:
        return _("Sign in to {name} as {account} in your browser.").format(
            name=name, account=account)
    return _("Sign in to {name} in your browser.").format(name=name)


def native_confirm_account(name: str, account: str) -> str:
    # Translators: a question on the terminal; y and N stand for the answers
    # native_yes_answers() accepts (the capital one is what Enter means).
    return _("You signed in to {name} as {account}. Connect this account to the "
             "intranet? [y/N] ").format(name=name, account=account)


def native_yes_answers() -> str:
    # Translators: the answers that mean yes to the question above, separated by
    # commas, lower case; keep y and yes as well as your language's own.
    return _("y,yes")


def native_not_confirmed() -> str:
    return _("Nothing was handed over to the intranet.")


def native_cannot_confirm(name: str) -> str:
    return _("The intranet did not say which {name} account to use, and it cannot be "
             "confirmed here.").format(name=name)


def native_wrong_account(name: str, signed_in: str, expected: str) -> str:
    return _("You signed in to {name} as {signed_in}, but the intranet expects "
             "{expected}. Nothing was handed over. Try again and sign in as "
             "{expected}.").format(name=name, signed_in=signed_in, expected=expected)


def native_intranet_wants_other_account(name: str, message: str, expected: str) -> str:
    """`message` is the intranet's own words (plain text) or ""; `expected` the account
    it expects or ""."""
    sentence = _("The intranet did not take this {name} account.").format(name=name)
    if message:
        # Translators: {sentence} is the sentence above, {message} the intranet's words.
        sentence = _("{sentence} It says: {message}").format(sentence=sentence,
                                                              message=message)
    if expected:
        return _("{sentence} Try again and sign in as {expected}.").format(
            sentence=sentence, expected=expected)
    return _("{sentence} Try again with another account.").format(sentence=sentence)


def native_handed_over(name: str) -> str:
    return _("The intranet has the new {name} sign-in; checking it now.").format(name=name)


def native_grant_unusable(name: str, message: str) -> str:
    """`message` is the intranet's own words (plain text), or ""."""
    if message:
        return _("The intranet could not use the new {name} sign-in. It says: "
                 "{message}").format(name=name, message=message)
    return _("The intranet could not use the new {name} sign-in.").format(name=name)


def native_not_offered(name: str) -> str:
    return _("The intranet no longer offers signing in to {name} from here.").format(
        name=name)


def native_opening_page_instead() -> str:
    return _("Opening the integration's reconnect page instead.")


def native_not_approved(name: str) -> str:
    return _("The sign-in to {name} was not approved.").format(name=name)


def native_vendor_refused(name: str, error: str) -> str:
    # Translators: {error} is an OAuth error code such as "server_error".
    return _("{name} did not complete the sign-in ({error}).").format(name=name, error=error)


def native_vendor_setup_refused(name: str, error: str) -> str:
    # Translators: {error} is an OAuth error code such as "invalid_client".
    return _with_support(_("{name} refused the intranet's registration for this sign-in "
                           "({error}).").format(name=name, error=error))


def native_authority_refused(name: str) -> str:
    return _with_support(_("The sign-in address the intranet gave for {name} is not one "
                           "Microsoft's sign-in can use.").format(name=name))


def native_answer_not_ours(name: str) -> str:
    return _("The answer from the {name} sign-in could not be used. Try again.").format(
        name=name)


def native_no_access(name: str) -> str:
    return _("{name} gave no access after the sign-in. Try again.").format(name=name)


def native_no_refresh_token(name: str) -> str:
    return _("{name} gave no lasting access (no refresh token), so nothing was handed "
             "over.").format(name=name)


def native_no_account(name: str) -> str:
    return _("{name} did not say which account signed in, so nothing was handed "
             "over.").format(name=name)


def reconnect_watching(name: str, interval_seconds: int, minutes: int) -> str:
    return ngettext(
        "Waiting until {name} is connected again (checking every {seconds} s for up to "
        "{count} minute)…",
        "Waiting until {name} is connected again (checking every {seconds} s for up to "
        "{count} minutes)…", minutes).format(name=name, seconds=interval_seconds,
                                             count=minutes)


def reconnect_still_not_connected(name: str, minutes: int) -> str:
    return ngettext("{name} is still not connected after {count} minute.",
                    "{name} is still not connected after {count} minutes.",
                    minutes).format(name=name, count=minutes)


# --- tray: native reconnect (ui/native_reconnect.py) ---


def reconnect_window_title(name: str) -> str:
    # Translators: the title of the window shown while the vendor's own sign-in runs.
    return _("Reconnect {name}").format(name=name)


def reconnect_window_heading(name: str) -> str:
    return _("Reconnecting {name} through its own sign-in page").format(name=name)


def reconnect_confirm_title(name: str) -> str:
    return _("Connect this {name} account?").format(name=name)


def reconnect_confirm_text(name: str, account: str) -> str:
    return _("You signed in to {name} as {account}. Connect this account to the "
             "intranet?").format(name=name, account=account)


def reconnect_confirm_button() -> str:
    # Translators: a button: hand the account just signed in over to the intranet.
    return pgettext("button", "Connect")


def reconnect_try_again() -> str:
    # Translators: a button after the wrong account was signed in.
    return pgettext("button", "Try again")


def reconnect_open_page() -> str:
    # Translators: a button: open the intranet's page to reconnect the integration.
    return pgettext("button", "Open the reconnect page")


def reconnect_not_done_title(name: str) -> str:
    return _("{name} is not reconnected yet").format(name=name)
