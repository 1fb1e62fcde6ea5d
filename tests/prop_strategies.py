"""Hypothesis strategies for test_properties.py: whatever an intranet or a file may hold.

Two families:
- intranet answers (`answers(base_url)`): bodies near the contract's shape with any part
  replaced by any JSON value, hostile strings, times in any offset and year, raw bytes,
  deep nesting and big sizes; and the headers and status codes around them;
- file contents (`file_bytes(objects)`): the bytes of a JSON file the app reads, as
  arbitrary bytes, valid JSON in UTF-8 (with or without BOM), UTF-16/32 with BOM as
  Notepad and PowerShell write them, deep nesting, big sizes, stray bytes, and
  valid-shaped objects with wrong types inside (`objects` gives those per file).

Every URL these strategies produce points at 127.0.0.1 or is no usable https URL, so no
example can make the companion talk to a host outside this computer.
"""

from __future__ import annotations

import json
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

# --- strings -----------------------------------------------------------------------------

NASTY_PIECES = (
    "\ud800", "\udfff", "\udc80", "\ud83d", "a\ud800b",          # lone surrogates
    "\x00", "\x07", "\x08", "\x0b", "\x0c", "\x7f", "\r", "\n", "\t",  # C0 and DEL
    "\x85", "\x9b", "\x9b31m", "\x90", "\x9d0;x\x9c",          # C1: NEL, CSI, DCS, OSC
    "\x1b", "\x1b[31m", "\x1b[2J", "\x1b]0;pwned\x07", "\x1b]8;;file:///\x1b\\",
    "\x1bc", "\x1b[?1049h",                                      # ESC sequences
    "\u202e", "\u202d", "\u2066", "\u2069", "\u200f", "\u061c",   # bidi overrides/isolates
    "\u2028", "\u2029", "\ufeff", "\ufffe", "\uffff", "\U0010ffff",
    "\U0001f600", "e\u0301", "\u0000\u0000",
    "drop\n", " dropbox", "dropbox ", "%s%d{0}", "<b>x</b>", "&amp;", "${x}",
)

#: Any code point, lone surrogates included (they arrive as \\udXXX escapes in JSON).
any_char = st.characters(exclude_categories=())
nasty_text = st.one_of(
    st.text(any_char, max_size=40),
    st.sampled_from(NASTY_PIECES),
    st.lists(st.one_of(st.sampled_from(NASTY_PIECES), st.text(max_size=5)),
             min_size=1, max_size=6).map("".join),
)
long_text = st.sampled_from([100, 101, 1000, 70_000]).flatmap(
    lambda n: st.sampled_from(["x", "\ud800", "\x1b", "é", "\U0001f600"]).map(lambda c: c * n))
any_text = st.one_of(nasty_text, long_text)

# --- JSON values ---------------------------------------------------------------------------

# What json.loads can produce: ints up to its 4300-digit limit, floats incl. NaN/inf.
huge_ints = st.sampled_from([2**63, -(2**63) - 1, 10**400, -(10**4000)])
json_leaves = st.one_of(
    st.none(), st.booleans(), st.integers(), huge_ints,
    st.floats(allow_nan=True, allow_infinity=True), any_text,
)
any_json = st.recursive(
    json_leaves,
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.dictionaries(any_text, children, max_size=4)),
    max_leaves=12,
)


def nested(depth: int, kind: str = "list") -> Any:
    """A JSON value nested `depth` levels deep, built without recursion."""
    value: Any = 1
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


def nested_text(depth: int, kind: str = "list") -> str:
    if kind == "list":
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


depths = st.sampled_from([10, 100, 500, 800, 900, 950, 990, 1000, 2000, 5000, 100_000])
deep_kind = st.sampled_from(["list", "dict"])

# --- times ---------------------------------------------------------------------------------

BOUNDARY_TIMES = (
    "0001-01-01T00:00:00Z", "0001-01-01T00:00:00+00:01", "0001-01-01T00:30:00+01:00",
    "9999-12-31T23:59:59Z", "9999-12-31T23:59:59-00:01", "9999-12-31T23:00:00-05:00",
    "9999-12-31T23:59:59.999999999Z", "0999-06-01T00:00:00Z",
    "2026-11-27T08:12:00Z", "2026-11-27T08:12:00+23:59", "2026-11-27T08:12:00-23:59",
)
MALFORMED_TIMES = (
    "", "Z", "2026-11-27", "2026-11-27T08:12:00", "2026-13-01T00:00:00Z",
    "2026-02-30T00:00:00Z", "2026-11-27T24:00:00Z", "2026-11-27T08:12:60Z",
    "2026-11-27T08:12:00+24:00", "2026-11-27T08:12:00+99:99", "0000-01-01T00:00:00Z",
    "+12026-11-27T08:12:00Z", "2026-11-27T08:12:00 Z", "2026-11-27T08:12:00Z\n",
    "２０２６-11-27T08:12:00Z", "2026-11-27T08:12:00.Z", "2026-11-27T08:12:00," + "9" * 5000,
)


@st.composite
def rfc3339_times(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1),
                               max_value=datetime(9999, 12, 31, 23, 59, 59)))
    minutes = draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1))
    if draw(st.booleans()):
        offset = draw(st.sampled_from(["Z", "z"]))
    else:
        sign = "-" if minutes < 0 else "+"
        offset = f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    fraction = draw(st.sampled_from(["", ".5", ".123456", ".123456789"]))
    sep = draw(st.sampled_from(["T", "t", " "]))
    return (f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}{sep}"
            f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}{fraction}{offset}")


def near_now_times(now: datetime) -> st.SearchStrategy[str]:
    """Times around the server's now, so expiring and expired branches are reached."""
    return st.integers(-90 * 24, 90 * 24).map(
        lambda hours: (now + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ"))


def time_values(now: datetime) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), near_now_times(now), rfc3339_times(), st.sampled_from(BOUNDARY_TIMES),
        rfc3339_times(), st.sampled_from(MALFORMED_TIMES), any_json,
    )


# --- intranet answers ----------------------------------------------------------------------


def good_body(base: str, now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    soon = (now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")
    later = (now + timedelta(days=60)).strftime("%Y-%m-%dT%H:%M:%SZ")
    apps = f"{base}/profile/settings/external-apps"
    return {
        "user": {"id": "u-1", "name": "Jane Doe", "email": "jane@acme.example"},
        "external_apps_url": apps,
        "warning_window_days": 10,
        "integrations": [
            {"id": "dropbox", "name": "Dropbox", "provider": "dropbox",
             "status": "disconnected", "account": "jane@acme.example", "expires_at": None,
             "disconnected_at": "2026-11-27T08:12:00Z", "reason": "refresh_failed",
             "reconnect_url": f"{apps}#dropbox"},
            {"id": "google-drive", "name": "Google Drive", "provider": "google",
             "status": "connected", "account": None, "expires_at": soon,
             "disconnected_at": None, "reason": None, "reconnect_url": f"{apps}#google-drive"},
            {"id": "microsoft365", "name": "Microsoft 365", "provider": "microsoft",
             "status": "connected", "account": None, "expires_at": later,
             "disconnected_at": None, "reason": None, "reconnect_url": None},
        ],
    }


def url_values(base: str) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.sampled_from([f"{base}/profile/settings/external-apps", f"{base}/x#y", base,
                         f"{base}/\x1b[31m", f"{base}/\ud800", "javascript:alert(1)",
                         "file:///etc/passwd", "data:text/html,x", f"http://u:p@{base[7:]}/",
                         "//evil.example/", "http://[::1", "http://127.0.0.1:99999/"]),
        any_json,
    )


def mostly(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any],
           good_weight: int = 3) -> st.SearchStrategy[Any]:
    """`good` about good_weight times in good_weight + 1, else `bad`."""
    return st.one_of(*([good] * good_weight), bad)


@st.composite
def integration_entries(draw: st.DrawFn, base: str, now: datetime) -> Any:
    if draw(st.integers(0, 9)) == 0:
        return draw(any_json)  # not even an object
    good_ids = st.sampled_from(["dropbox", "google-drive", "a", "A.b_c-9", "x" * 64])
    bad_ids = st.sampled_from(["drop\n", "drop box", "", "x" * 65, "dr\u00f6p", "\x1b[2J",
                               "\ud800", "../x", "dropbox\x00"])
    entry: dict[str, Any] = {
        "id": draw(mostly(good_ids, st.one_of(bad_ids, any_json))),
        "name": draw(mostly(st.sampled_from(["Dropbox", "Slack"]), st.one_of(any_text, any_json),
                            good_weight=1)),
        "provider": draw(mostly(st.sampled_from(["dropbox", "google", "other"]),
                                st.one_of(any_text, any_json))),
        "status": draw(mostly(
            st.sampled_from(["connected", "disconnected", "not_connected"]),
            st.one_of(st.just("CONNECTED"), any_text, any_json))),
        "account": draw(mostly(st.one_of(st.none(), st.just("jane@acme.example")),
                               st.one_of(any_text, any_json))),
        "expires_at": draw(time_values(now)),
        "disconnected_at": draw(time_values(now)),
        "reason": draw(mostly(st.one_of(st.none(), st.just("revoked")),
                              st.one_of(any_text, any_json))),
        "reconnect_url": draw(mostly(st.none(), url_values(base), good_weight=1)),
    }
    if draw(st.integers(0, 3)) == 0:
        for key in draw(st.lists(st.sampled_from(sorted(entry)), max_size=3, unique=True)):
            del entry[key]
    if draw(st.booleans()):
        entry["native_connect"] = draw(any_json)
    if draw(st.integers(0, 4)) == 0:
        entry[draw(any_text)] = draw(any_json)
    return entry


@st.composite
def near_valid_bodies(draw: st.DrawFn, base: str, now: datetime) -> Any:
    """The contract's shape with any part replaced by anything."""
    body: dict[str, Any] = good_body(base, now)
    body["integrations"] = draw(st.lists(integration_entries(base, now), max_size=6))
    if draw(st.booleans()):
        body["integrations"] += good_body(base, now)["integrations"]
    replace = draw(st.lists(st.sampled_from(
        ["user", "user.id", "user.name", "user.email", "external_apps_url",
         "warning_window_days", "integrations", "extra"]), max_size=3, unique=True))
    for path in replace:
        value = draw(st.one_of(any_json, any_text, url_values(base)))
        if path.startswith("user.") and isinstance(body.get("user"), dict):
            body["user"][path[5:]] = value
        elif not path.startswith("user."):
            body[path] = value
    if draw(st.booleans()):
        body["warning_window_days"] = draw(st.one_of(
            st.integers(-5, 100), huge_ints, st.floats(), st.booleans(), st.just("10")))
    if draw(st.integers(0, 5)) == 0:
        body["extra"] = nested(draw(st.sampled_from([100, 400, 800, 900, 950, 990])),
                               draw(deep_kind))
    for key in draw(st.lists(st.sampled_from(sorted(body)), max_size=2, unique=True)):
        if draw(st.integers(0, 3)) == 0:
            del body[key]
    return body


def encode_json(value: Any, ascii_only: bool = True) -> bytes:
    # allow_nan: Python's json reads NaN/Infinity too, so a server could send them.
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


ENCODINGS = ("utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be-bom", "utf-32",
             "utf-32-be")


def encode_text(text: str, encoding: str) -> bytes:
    if encoding == "utf-16-be-bom":
        return b"\xfe\xff" + text.encode("utf-16-be", "surrogatepass")
    return text.encode(encoding, "surrogatepass")


@st.composite
def body_bytes(draw: st.DrawFn, base: str, now: datetime) -> bytes:
    choice = draw(st.integers(0, 19))
    if choice in (14, 15) and draw(st.integers(0, 2)):
        choice = 0  # big answers are slow to build and parse: a third as often
    if choice <= 9:
        return encode_json(draw(near_valid_bodies(base, now)), draw(st.booleans()))
    if choice == 10:
        return draw(st.binary(max_size=300))
    if choice == 11:
        return encode_json(draw(any_json))
    if choice == 12:
        text = json.dumps(draw(near_valid_bodies(base, now)))
        return encode_text(text, draw(st.sampled_from(ENCODINGS)))
    if choice == 13:  # deep nesting at the top or inside an otherwise good answer
        inner = nested_text(draw(depths), draw(deep_kind))
        if draw(st.booleans()):
            return inner.encode()
        good = json.dumps(good_body(base, now))
        return (good[:-1] + ', "extra": ' + inner + "}").encode()
    if choice == 14:  # big answers around the 2 MB limit
        size = draw(st.sampled_from([100_000, 1_000_000, 2 * 1024 * 1024 - 2000,
                                     2 * 1024 * 1024 + 10]))
        body = good_body(base, now)
        if draw(st.booleans()):
            body["pad"] = "x" * size
        else:
            body["pad"] = [0] * (size // 2)
        return json.dumps(body, separators=(",", ":")).encode()
    if choice == 15:  # many entries, a few MB at most (an entry may hold 70,000 characters)
        entry = draw(integration_entries(base, now))
        body = good_body(base, now)
        copies = draw(st.sampled_from([1000, 20_000]))
        body["integrations"] = [entry] * min(copies, 3_000_000 // len(encode_json(entry)))
        return encode_json(body)
    if choice == 16:  # good JSON with stray bytes inserted
        good = encode_json(draw(near_valid_bodies(base, now)))
        at = draw(st.integers(0, len(good)))
        return good[:at] + draw(st.binary(min_size=1, max_size=4)) + good[at:]
    if choice == 17:  # raw (not escaped) control and bidi characters in the JSON text
        return encode_json(draw(near_valid_bodies(base, now)), ascii_only=False)
    if choice == 18:
        return draw(st.sampled_from([b"", b"null", b"[]", b"{}", b"\xef\xbb\xbf{}", b"NaN",
                                     b'{"user": {}}', b"1e999999", b"-" + b"9" * 5000]))
    return draw(st.binary(min_size=1, max_size=20)) + encode_json(good_body(base, now))


# --- headers and statuses ------------------------------------------------------------------

header_char = st.characters(max_codepoint=255, exclude_characters="\r\n")
header_text = st.one_of(
    st.text(header_char, max_size=60),
    st.sampled_from(["\x1b[31mred", "\x0bx", "\x0c", "\x1c\x1d\x1e", "\x85", "a\x00b",
                     "\x9b2J", "W/\"v1\"", '"v1"', '"\x1b"', " ", "\xff\xfe"]),
)


def http_date(moment: datetime, offset_minutes: int = 0, zone: str | None = None) -> str:
    days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
              "Dec"]
    sign = "-" if offset_minutes < 0 else "+"
    zone = zone or f"{sign}{abs(offset_minutes) // 60:02d}{abs(offset_minutes) % 60:02d}"
    return (f"{days[moment.weekday()]}, {moment.day:02d} {months[moment.month - 1]} "
            f"{moment.year:04d} {moment.hour:02d}:{moment.minute:02d}:{moment.second:02d} "
            f"{zone}")


@st.composite
def http_dates(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=datetime(1, 1, 1),
                               max_value=datetime(9999, 12, 31, 23, 59, 59)))
    if draw(st.booleans()):
        return http_date(moment, zone="GMT")
    return http_date(moment, draw(st.integers(-(24 * 60 - 1), 24 * 60 - 1)))


BOUNDARY_DATES = (
    "Fri, 31 Dec 9999 23:59:59 GMT", "Fri, 31 Dec 9999 23:00:00 -0500",
    "Fri, 31 Dec 9999 23:59:59 -0001", "Mon, 01 Jan 0001 00:00:00 +0100",
    "Mon, 01 Jan 0001 00:00:00 GMT", "Sat, 01 Jan 0100 00:00:00 +0100",
    "Sat, 01 Jan 100 00:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT",
    "Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT",
    "Sun Nov  6 08:49:37 1994", "Fri, 31 Dec 9999 23:59:59 +9999",
    "Fri, 31 Dec 99999 23:59:59 GMT", "31 Dec 9999 25:61:61 GMT", "Thu, 32 Jan 2026 0:0:0 GMT",
    "garbage", "", " ", "0", "-1", "\x1b[31m",
)

date_headers = st.one_of(st.none(), st.just("auto"), st.sampled_from(BOUNDARY_DATES),
                         http_dates(), header_text)
retry_after_headers = st.one_of(
    st.none(),
    st.text("0123456789", min_size=1, max_size=400),
    st.sampled_from(["0", "1", "120", "86400", "99999999999", "9" * 20, "9" * 310, "-1",
                     "1.5", "١٢", "²", " 30 ", "0x10", "1e9"]),
    st.sampled_from(BOUNDARY_DATES), http_dates(), header_text,
)
content_types = st.one_of(
    st.none(),
    st.sampled_from(["application/json", "application/json; charset=utf-8",
                     "application/json; charset=utf-16", "application/problem+json",
                     "APPLICATION/JSON", "text/html", "text/plain", "", ";",
                     "application/json\x1b[31m", "application/" + "x" * 200]),
    header_text,
)
content_encodings = st.sampled_from([None, None, None, "gzip", "deflate", "br", "zstd",
                                     "identity", "gzip, gzip", "x-\x1b"])
STATUSES = (200, 200, 200, 200, 200, 200, 204, 301, 302, 304, 304, 400, 401, 403, 404,
            409, 418, 429, 429, 500, 502, 503, 503, 599, 600, 999)
statuses = st.one_of(st.just(200), st.just(200), st.sampled_from(STATUSES))


def _latin1(value: str) -> str:
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8", "surrogatepass").decode("latin-1")
    return value


class Blob(bytes):
    """Bytes that print as a short description (hypothesis prints every input)."""

    label: str = ""

    def __repr__(self) -> str:
        return self.label or f"<{len(self)} bytes: {bytes(self[:60])!r}...>"


def blob(data: bytes, label: str) -> Blob:
    made = Blob(data)
    made.label = label
    return made


@dataclass(frozen=True, repr=False)
class Answer:
    """One generated intranet answer."""

    status: int
    body: bytes
    date: str | None  # None: no Date header; "auto": the server's own clock
    etag: str | None
    retry_after: str | None
    content_type: str | None
    content_encoding: str | None
    extra_headers: dict[str, str] = field(default_factory=dict)

    def headers(self) -> dict[str, str]:
        """As the server sends them: text beyond Latin-1 goes out as its UTF-8 bytes
        (http.server writes headers in Latin-1, clients read them so)."""
        headers = dict(self.extra_headers)
        for name, value in (("ETag", self.etag), ("Retry-After", self.retry_after),
                            ("Content-Type", self.content_type),
                            ("Content-Encoding", self.content_encoding)):
            if value is not None:
                headers[name] = value
        if self.date not in (None, "auto"):
            headers["Date"] = self.date
        return {name: _latin1(value) for name, value in headers.items()}

    @property
    def send_date(self) -> bool:
        return self.date is not None

    def short(self) -> str:
        body = self.body if len(self.body) < 600 else self.body[:300] + b"..."
        return (f"Answer(status={self.status}, headers={self.headers()!r}, "
                f"send_date={self.send_date}, body[{len(self.body)} bytes]={body!r})")

    __repr__ = short


@st.composite
def error_bodies(draw: st.DrawFn) -> bytes:
    """What a server says beside an error status."""
    if draw(st.booleans()):
        return encode_json({"error": draw(st.one_of(st.just("slow_down"), any_text, any_json)),
                            "message": draw(st.one_of(st.just("Try later."), any_text,
                                                      any_json))})
    return draw(st.one_of(st.binary(max_size=200), st.just(b""),
                          st.sampled_from([nested_text(5000).encode(), b"x" * 70_000])))


@st.composite
def answer_bodies(draw: st.DrawFn, base: str) -> Answer:
    """A 200 with plain headers and any body."""
    return Answer(status=200, body=draw(body_bytes(base, datetime.now(UTC))),
                  date=draw(st.sampled_from(["auto", "auto", None])),
                  etag=draw(st.one_of(st.just('"v1"'), header_text)),
                  retry_after=None,
                  content_type=draw(st.sampled_from(["application/json",
                                                     "application/json; charset=utf-8"])),
                  content_encoding=None)


@st.composite
def answer_headers(draw: st.DrawFn, base: str) -> Answer:
    """Any status and headers around a good body (or an error body)."""
    status = draw(st.sampled_from(STATUSES))
    good = encode_json(good_body(base, datetime.now(UTC)))
    body = good if status in (200, 304) or draw(st.booleans()) else draw(error_bodies())
    extra: dict[str, str] = {}
    if draw(st.integers(0, 3)) == 0:
        names = st.sampled_from(["X-Debug", "Warning", "Link", "Cache-Control", "Vary",
                                 "WWW-Authenticate", "Set-Cookie"])
        extra = draw(st.dictionaries(names, header_text, max_size=3))
    return Answer(
        status=status, body=body, date=draw(date_headers),
        etag=draw(st.one_of(st.none(), st.just('"v1"'), header_text)),
        retry_after=draw(retry_after_headers),
        content_type=draw(st.one_of(st.just("application/json"), content_types)),
        content_encoding=draw(content_encodings), extra_headers=extra)


@st.composite
def answers(draw: st.DrawFn, base: str) -> Answer:
    now = datetime.now(UTC)
    extra: dict[str, str] = {}
    if draw(st.integers(0, 5)) == 0:
        names = st.sampled_from(["X-Debug", "Warning", "Link", "Cache-Control", "Vary",
                                 "WWW-Authenticate", "Set-Cookie", "X-\x1b"])
        extra = draw(st.dictionaries(names, header_text, max_size=3))
    return Answer(
        status=draw(statuses),
        body=draw(body_bytes(base, now)),
        date=draw(date_headers),
        etag=draw(st.one_of(st.none(), st.just('"v1"'), header_text)),
        retry_after=draw(retry_after_headers),
        content_type=draw(st.one_of(st.just("application/json"), content_types)),
        content_encoding=draw(content_encodings),
        extra_headers=extra,
    )


# --- file contents ---------------------------------------------------------------------------

printable = st.text(string.printable, max_size=30)


@st.composite
def file_bytes(draw: st.DrawFn, objects: st.SearchStrategy[Any]) -> bytes:
    """The bytes of a JSON file the app reads; `objects` gives valid-shaped contents."""
    choice = draw(st.integers(0, 13))
    if choice <= 4:
        text = json.dumps(draw(objects), ensure_ascii=draw(st.booleans()),
                          indent=draw(st.sampled_from([None, 1, 4])))
        return encode_text(text, draw(st.sampled_from(ENCODINGS)) if choice >= 3 else "utf-8")
    if choice == 5:
        return draw(st.binary(max_size=500))
    if choice == 6:
        return encode_text(json.dumps(draw(any_json)), draw(st.sampled_from(ENCODINGS)))
    if choice == 7:
        return nested_text(draw(depths), draw(deep_kind)).encode()
    if choice == 8:  # a valid object with deep nesting inside one of its values
        good = draw(objects)
        text = json.dumps(good if isinstance(good, dict) else {})
        inner = nested_text(draw(depths), draw(deep_kind))
        return (text[:-1] + (", " if len(text) > 2 else "") + f'"deep": {inner}}}').encode()
    if choice == 9:  # big: a few MB
        size = draw(st.sampled_from([1_000_000, 3_000_000]))
        good = draw(objects)
        text = json.dumps(good if isinstance(good, dict) else {})
        pad = " " * size if draw(st.booleans()) else ""
        return (pad + text[:-1] + (", " if len(text) > 2 else "")
                + f'"big": "{"x" * (size if not pad else 10)}"}}').encode()
    if choice == 10:  # stray bytes in good JSON
        good = json.dumps(draw(objects)).encode()
        at = draw(st.integers(0, len(good)))
        return good[:at] + draw(st.sampled_from([b"\xff", b"\x80", b"\xc3", b"\xed\xa0\x80",
                                                 b"\x00", b"\xfe\xff"])) + good[at:]
    if choice == 11:
        return draw(st.sampled_from([b"", b"\n", b"\xef\xbb\xbf", b"\xff\xfe", b"null", b"[]",
                                     b"{}", b"{", b"\x00" * 100, b"NaN", b"1e999999",
                                     b"-" + b"9" * 5000, b'"x"']))
    if choice == 12:  # raw (unescaped) controls and surrogates in a UTF-8 JSON text
        return json.dumps(draw(objects), ensure_ascii=False).encode("utf-8", "surrogatepass")
    return encode_text(draw(printable), draw(st.sampled_from(ENCODINGS)))


def _settings_values(base: str) -> dict[str, st.SearchStrategy[Any]]:
    """Setting keys with good values and wrong ones; URLs only to 127.0.0.1."""
    loopback_url = st.sampled_from([base, base + "/", "http://127.0.0.1:1",
                                    "http://example.com", "ftp://127.0.0.1", "", " ",
                                    base + "/path", "http://[::1"])
    return {
        "intranet_url": st.one_of(loopback_url, any_json.filter(lambda v: not isinstance(v, str))),
        "auth_method": st.one_of(st.sampled_from(["token", "oauth", "nope", ""]), any_json),
        "allow_insecure_keyring": st.one_of(st.booleans(), st.sampled_from(["yes", "2"]),
                                            any_json),
        "log_level": st.one_of(st.sampled_from(["DEBUG", "INFO", "WARNING", "ERROR", "x"]),
                               any_json),
        "read_timeout_seconds": st.one_of(st.integers(-5, 400), huge_ints,
                                          st.sampled_from(["3", "٣", "²", "9" * 5000]),
                                          any_json),
        "connect_timeout_seconds": st.one_of(st.integers(-5, 200), any_json),
        "check_interval_minutes": st.one_of(st.integers(), any_json),
        "start_at_login": st.one_of(st.booleans(), any_json),
        "oauth_client_id": st.one_of(any_text, any_json),
        "oauth_token_endpoint": st.one_of(st.just(base + "/oauth/token"),
                                          any_json.filter(lambda v: not isinstance(v, str))),
    }


@st.composite
def settings_objects(draw: st.DrawFn, base: str) -> Any:
    """A policy or settings object: known keys with any values, unknown hostile keys."""
    if draw(st.integers(0, 9)) == 0:
        return draw(any_json)
    values = _settings_values(base)
    keys = draw(st.lists(st.sampled_from(sorted(values)), max_size=5, unique=True))
    data: dict[str, Any] = {key: draw(values[key]) for key in keys}
    for _ in range(draw(st.integers(0, 2))):
        data[draw(any_text)] = draw(any_json)
    return data


@st.composite
def state_objects(draw: st.DrawFn, base: str) -> Any:
    """A state.json object of the right shape, with any part wrong."""
    if draw(st.integers(0, 9)) == 0:
        return draw(any_json)
    now = datetime.now(UTC)
    times = time_values(now)
    last_good: Any = {
        "intranet_url": draw(st.one_of(st.just(base), any_json)),
        "body": draw(st.one_of(st.just(good_body(base, now)), near_valid_bodies(base, now),
                               any_json)),
        "etag": draw(st.one_of(st.none(), st.just('"v1"'), header_text, any_json)),
        "server_time": draw(st.one_of(st.just(now.strftime("%Y-%m-%dT%H:%M:%SZ")), times)),
    }
    record = {
        "first_seen": draw(times), "last_seen": draw(times),
        "times_shown": draw(st.one_of(st.integers(0, 5), huge_ints, any_json)),
        "last_shown": draw(times),
        "thresholds_shown": draw(st.one_of(st.lists(st.integers(0, 10), max_size=3),
                                           any_json)),
        "dismissed": draw(st.one_of(st.booleans(), any_json)),
        "snoozed_until": draw(times),
    }
    for key in draw(st.lists(st.sampled_from(sorted(record)), max_size=2, unique=True)):
        del record[key]
    data: dict[str, Any] = {
        "version": draw(st.one_of(st.just(1), any_json)),
        "last_good": draw(st.one_of(st.just(last_good), st.none(), any_json)),
        "notices": draw(st.one_of(
            st.dictionaries(st.sampled_from(["dropbox|disconnected|2026-11-27T08:12:00Z",
                                             "x", "\ud800"]), st.just(record), max_size=2),
            any_json)),
        "retry_not_before": draw(times),
    }
    for key in draw(st.lists(st.sampled_from(sorted(data)), max_size=2, unique=True)):
        if draw(st.booleans()):
            del data[key]
    return data


BACKEND_NAMES = ("insecure-file", "keyring.backends.SecretService.Keyring",
                 "keyring.backends.fail.Keyring", "keyring.backends.null.Keyring",
                 "keyrings.alt.file.PlaintextKeyring", "no.such.Module", "", ".", "a.",
                 "\x1b[31mevil.Keyring", "\ud800.K")


@st.composite
def keyring_choice_objects(draw: st.DrawFn) -> Any:
    if draw(st.integers(0, 5)) == 0:
        return draw(any_json)
    data: dict[str, Any] = {
        "backend": draw(st.one_of(st.sampled_from(BACKEND_NAMES), any_text, any_json)),
        "chosen_at": draw(st.one_of(st.just("2026-11-27T08:12:00Z"), any_json)),
    }
    return data


@st.composite
def insecure_secrets_objects(draw: st.DrawFn, base: str, token: str) -> Any:
    """secrets-INSECURE.json: `oauth:<url>` records and `token:<url>` tokens, or anything."""
    if draw(st.integers(0, 7)) == 0:
        return draw(any_json)
    record: dict[str, Any] = {
        "version": 1, "intranet_url": base, "client_id": "intranet-companion",
        "token_endpoint": base + "/oauth/token", "revocation_endpoint": None,
        "access_token": token, "expires_at": 4_000_000_000.0, "refresh_token": "r" * 20,
    }
    wrong = {  # URLs stay on 127.0.0.1: a refresh may really be attempted
        "version": any_json, "intranet_url": any_json, "client_id": any_json,
        "token_endpoint": any_json.filter(lambda v: not isinstance(v, str)),
        "revocation_endpoint": any_json.filter(lambda v: not isinstance(v, str)),
        "access_token": st.one_of(any_text, any_json),
        "expires_at": st.one_of(st.none(), st.just(1.0), any_json),
        "refresh_token": st.one_of(st.none(), any_text, any_json),
    }
    for key in draw(st.lists(st.sampled_from(sorted(wrong)), max_size=3, unique=True)):
        if draw(st.integers(0, 4)) == 0:
            del record[key]
        else:
            record[key] = draw(wrong[key])
    data: dict[str, Any] = {}
    if draw(mostly(st.just(True), st.just(False))):
        data[f"oauth:{base}"] = draw(mostly(st.just(json.dumps(record)), st.one_of(
            any_text, any_json, st.just(nested_text(5000)), st.just(json.dumps([record])))))
    if draw(st.booleans()):
        data[f"token:{base}"] = draw(mostly(st.just(token), st.one_of(any_text, any_json)))
    if draw(st.booleans()):
        data["__index__"] = draw(st.one_of(
            st.just(json.dumps([f"oauth:{base}", f"token:{base}"])), any_text, any_json))
    if draw(st.integers(0, 3)) == 0:
        name = draw(st.sampled_from([f"oauth:{base}", f"token:{base}"]))
        data[name] = "intranet-companion:chunked:v1:" + draw(st.one_of(
            st.sampled_from(["2:0123456789abcdef", "999999:x", "1:", "0:0123456789abcdef"]),
            printable))
    return data


# --- seeds: the known hostile inputs, tried first and shrunk towards -----------------------------


def with_seeds(seeds: list[Any], strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """`strategy`, with the hand-picked `seeds` drawn about as often as everything else."""
    return st.one_of(st.sampled_from(seeds), strategy)


def _entry_body(base: str, **fields: Any) -> bytes:
    body = good_body(base)
    entry = {"id": "x", "name": "X", "provider": "other", "status": "connected", **fields}
    body["integrations"] = [entry]
    return encode_json(body)


def seed_answers(base: str) -> list[Answer]:
    good = encode_json(good_body(base))

    def answer(body: bytes = good, status: int = 200, date: str | None = "auto",
               retry_after: str | None = None, **extra: str) -> Answer:
        return Answer(status, body, date, '"v1"', retry_after, "application/json", None, extra)

    return [
        answer(_entry_body(base, name="\ud800")),
        answer(_entry_body(base, name="\x1b]0;pwned\x07\x1b[2J")),
        answer(_entry_body(base, expires_at="0001-01-01T00:00:00+00:01")),
        answer(_entry_body(base, expires_at="9999-12-31T23:59:59-00:01")),
        answer(_entry_body(base, expires_at="0001-01-01T00:00:00Z")),
        answer(_entry_body(base, status="disconnected", disconnected_at="0999-06-01T00:00:00Z")),
        answer(date="Fri, 31 Dec 9999 23:59:59 -0001"),
        answer(date="Sat, 01 Jan 100 00:00:00 GMT"),
        answer(status=429, retry_after="9" * 310),
        answer(status=503, retry_after="9" * 20),
        answer(status=429, retry_after="Fri, 31 Dec 9999 23:59:59 -0001"),
        answer(encode_json({**good_body(base), "extra": nested(900)})),
        answer(blob(nested_text(5000).encode(), "b'[' * 5000 + b'1' + b']' * 5000")),
        answer(json.dumps({**good_body(base), "pad": [0] * 700_000},
                          separators=(",", ":")).encode()),
    ]


DEEP = blob(nested_text(5000).encode(), "b'[' * 5000 + b'1' + b']' * 5000")
SEED_SETTINGS_FILES = [
    '{"log_level": "INFO"}'.encode("utf-16"),  # Notepad's "Unicode": UTF-16-LE with BOM
    b"\xef\xbb\xbf{}", b"\xff", DEEP, blob(b"-" + b"9" * 5000, "b'-' + b'9' * 5000"),
    b'{"\\ud800": null}', b'{"\\u001b[2J": null}', b'{"\\u009b2J": null}',
]
SEED_KEYRING_CHOICES = [DEEP, b"\xff", b'{"backend": "\\ud800"}',
                        b'{"backend": "\\u001b[2Jevil.Keyring"}']


def seed_state_files(base: str) -> list[bytes]:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def state(**changes: Any) -> bytes:
        last = {"intranet_url": base, "body": good_body(base), "etag": '"v0"',
                "server_time": now}
        data: dict[str, Any] = {"version": 1, "last_good": last, "notices": {},
                                "retry_not_before": None}
        for key, value in changes.items():
            if key in last:
                last[key] = value
            else:
                data[key] = value
        return json.dumps(data).encode()

    record = {"first_seen": now, "last_seen": now}
    return [
        b"\xff", b"\x80" + state(), DEEP, "{}".encode("utf-16"),
        state(retry_not_before="0001-01-01T00:00:00+00:01"),
        state(notices={"a|b|c": {**record, "times_shown": 1e400}}),  # dumps as Infinity
        state(etag=5), state(etag=["x"]), state(etag="\x1b[2J"),
        state(server_time="9999-12-31T23:59:59-00:01"),
        state(body={**good_body(base), "extra": nested(900)}),
    ]


def seed_insecure_secrets(base: str, token: str) -> list[bytes]:
    record = {"version": 1, "intranet_url": base, "client_id": "intranet-companion",
              "token_endpoint": base + "/oauth/token", "revocation_endpoint": None,
              "access_token": token, "expires_at": 4_000_000_000.0, "refresh_token": "r" * 20}

    def with_record(**changes: Any) -> bytes:
        return json.dumps({f"oauth:{base}": json.dumps({**record, **changes})}).encode()

    return [
        DEEP, b"\xff",
        with_record(expires_at="soon"), with_record(refresh_token=5),
        with_record(access_token=["x"]), with_record(expires_at=1e400),
        blob(json.dumps({f"oauth:{base}": nested_text(5000)}).encode(),
             '{"oauth:<url>": "[" * 5000 + "1" + "]" * 5000}'),
        json.dumps({f"token:{base}": token}).encode("utf-16"),
    ]
