"""URL rules from intranet-api.md: https (http only to loopback), same-origin opening."""

from __future__ import annotations

import ipaddress
import logging
from urllib.parse import urlsplit

from tray_app.core import messages
from tray_app.core.errors import ConfigError

log = logging.getLogger(__name__)

_DEFAULT_PORTS = {"http": 80, "https": 443}


def is_loopback_host(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def origin_of(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL without userinfo, else None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return None
    return scheme, parts.hostname.lower(), port or _DEFAULT_PORTS[scheme]


def allowed_origin(url: str) -> tuple[str, str, int]:
    """The origin of `url` if the contract lets us talk to it, else ConfigError."""
    origin = origin_of(url)
    if origin is None:
        raise ConfigError(messages.address_invalid(url))
    if origin[0] == "http" and not is_loopback_host(origin[1]):
        raise ConfigError(messages.address_plain_http(url))
    return origin


def normalise_intranet_url(raw: str) -> str:
    """Check a configured intranet URL and return it as a bare origin.

    Raises ConfigError with a sentence for the user when it is not allowed.
    """
    text = (raw or "").strip()
    if not text:
        raise ConfigError(messages.address_missing())
    scheme, host, port = allowed_origin(text)
    parts = urlsplit(text)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ConfigError(messages.address_not_an_origin(text))
    netloc = f"[{host}]" if ":" in host else host
    if port != _DEFAULT_PORTS[scheme]:
        netloc = f"{netloc}:{port}"
    return f"{scheme}://{netloc}"


def same_origin(url: str, intranet_url: str) -> bool:
    mine = origin_of(url)
    return mine is not None and mine == origin_of(intranet_url)


def safe_reconnect_url(
    candidate: str | None, external_apps_url: str | None, intranet_url: str
) -> str:
    """The URL Reconnect really opens: `candidate` if on the intranet's origin,
    else External apps if that is, else the intranet's front page."""
    for url in (candidate, external_apps_url):
        if url is None:
            continue
        if same_origin(url, intranet_url):
            return url
        # Said once per check in its warnings; here only for the log's detail.
        log.debug("Not using a link outside the intranet: %.200r", url)
    return intranet_url.rstrip("/") + "/"
