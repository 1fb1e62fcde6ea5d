"""Native reconnect (intranet-api.md, "Native reconnect"): the vendor's own sign-in,
then the new grant handed to the intranet. No Qt here; the tray runs it in the worker.

- `reconnect.py` decides: which flow, whose account, what the person reads;
- `microsoft.py`, `google.py`, `dropbox.py` run each vendor's authorization code flow
  for native apps with its own SDK (msal, google-auth-oauthlib, dropbox): system browser,
  loopback redirect (core/auth/loopback.py), PKCE S256, a checked state, offline access;
- `grant.py` POSTs the grant to `grant_url` with the intranet's bearer token.

The vendor libraries are imported inside the functions that use them, so importing
this package costs nothing and the tray never loads them. The vendor tokens live only in
a `VendorGrant` in memory, until the intranet has answered the POST: never in a file, a
log, the keyring, a command line or an exception message.
"""
