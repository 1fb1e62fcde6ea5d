"""The sentences for a vendor that refused, shared by the three flows."""

from __future__ import annotations

import logging

from tray_app.core import messages
from tray_app.core.auth.idp import DECLINED_ERRORS, SETUP_ERRORS, shown_error_code
from tray_app.core.errors import CompanionError, ErrorKind

log = logging.getLogger(__name__)


def vendor_refused(name: str, code: object) -> CompanionError:
    """The vendor answered with an OAuth error `code` (never shown unless it looks like
    one) instead of a grant; `name` is the integration's."""
    error = shown_error_code(code)
    log.info("The vendor's sign-in for %s ended with %s", name, error)
    if error in DECLINED_ERRORS:
        return CompanionError(ErrorKind.AUTH, messages.native_not_approved(name))
    if error in SETUP_ERRORS:
        return CompanionError(ErrorKind.CONFIG, messages.native_vendor_setup_refused(name, error))
    return CompanionError(ErrorKind.SERVER, messages.native_vendor_refused(name, error))


def vendor_answer_not_ours(name: str) -> CompanionError:
    return CompanionError(ErrorKind.PROTOCOL, messages.native_answer_not_ours(name))
