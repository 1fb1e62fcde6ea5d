"""A scripted BROWSER for `reconnect` tests: `python native_browser.py URL`.

Every URL is appended to NATIVE_BROWSER_LOG. A URL on the test intranet
(NATIVE_BROWSER_INTRANET) is fetched as a person visiting the reconnect page would; any
other is a vendor's sign-in, played by oidc_harness.BrowserDriver, which signs in as
NATIVE_BROWSER_LOGIN (default "alice") trusting NATIVE_BROWSER_CA, approves, and hands
the answer to the companion's loopback receiver.
"""

from __future__ import annotations

import os
import sys
import traceback
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oidc_harness import BrowserDriver


def main(url: str) -> int:
    with open(os.environ["NATIVE_BROWSER_LOG"], "a", encoding="utf-8") as log:
        log.write(url + "\n")
    intranet = os.environ.get("NATIVE_BROWSER_INTRANET", "")
    if intranet and url.startswith(intranet + "/"):
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(url, timeout=10) as page:
            return 0 if page.status == 200 else 1
    driver = BrowserDriver(Path(os.environ["NATIVE_BROWSER_CA"]),
                           login=os.environ.get("NATIVE_BROWSER_LOGIN", "alice"))
    driver(url)
    driver.wait()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1]))
    except Exception:  # kept for the test's failure message: stderr is the app's
        with open(os.environ["NATIVE_BROWSER_LOG"] + ".error", "a", encoding="utf-8") as out:
            traceback.print_exc(file=out)
        sys.exit(1)
