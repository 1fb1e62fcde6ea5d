"""Plays the person at the browser in OAuth tests, with the standard library only.

It opens the authorize URL, submits the Approve (or Deny) form of the demo intranet's
sign-in page and follows the redirect to the companion's loopback callback.

- As a module: `play(url, ...)` returns what happened (tests use it in-process).
- As a BROWSER script (`python approve_browser.py URL`): the decision comes from
  APPROVE_BROWSER_DECISION (default approve); the exit status is 0 when the callback
  page said the tab may be closed.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)
    buttons: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._in_button = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form":
            self.forms.append(Form(values.get("action", "")))
        elif tag == "input" and self.forms and "name" in values:
            self.forms[-1].fields[values["name"]] = values.get("value", "")
        elif tag == "button":
            self._in_button = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "button":
            self._in_button = False

    def handle_data(self, data: str) -> None:
        if self._in_button and self.forms and data.strip():
            self.forms[-1].buttons.append(data.strip())


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the 303 then surfaces as an HTTPError that carries Location


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _KeepRedirects)


@dataclass
class Visit:
    redirect: str  # where the sign-in page sent the browser (holds the code: keep private)
    callback_page: str  # the loopback page's HTML ("" when not delivered)


def _get(url: str) -> str:
    with _OPENER.open(url, timeout=10) as response:
        return response.read().decode("utf-8")


def _post_for_redirect(url: str, fields: dict[str, str], origin: str) -> str:
    request = urllib.request.Request(
        url, data=urlencode(fields).encode(), method="POST",
        headers={"Origin": origin, "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with _OPENER.open(request, timeout=10) as response:
            raise AssertionError(f"expected a redirect, got HTTP {response.status}")
    except urllib.error.HTTPError as answer:
        if answer.code not in (302, 303):
            raise
        return answer.headers["Location"]


def find_form(page: str, button: str) -> Form:
    parser = _FormParser()
    parser.feed(page)
    for form in parser.forms:
        if button in form.buttons:
            return form
    raise AssertionError(f"no form with a {button} button on the page")


def with_state(url: str, state: str) -> str:
    parts = urlsplit(url)
    query = [(k, state if k == "state" else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit(parts._replace(query=urlencode(query)))


def play(url: str, decision: str = "approve", *, tamper_state: bool = False,
         deliver: bool = True) -> Visit:
    page = _get(url)
    form = find_form(page, "Approve" if decision == "approve" else "Deny")
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    redirect = _post_for_redirect(urljoin(url, form.action), form.fields, origin)
    if tamper_state:
        redirect = with_state(redirect, "not-the-state-the-companion-sent")
    return Visit(redirect, _get_callback(redirect) if deliver else "")


def _get_callback(url: str) -> str:
    try:
        return _get(url)
    except urllib.error.HTTPError as answer:  # a refused answer still shows a page
        return answer.read().decode("utf-8")


def main(argv: list[str]) -> int:
    decision = os.environ.get("APPROVE_BROWSER_DECISION", "approve")
    visit = play(argv[1], decision)
    return 0 if "You can close this tab" in visit.callback_page else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
