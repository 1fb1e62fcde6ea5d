#!/usr/bin/env bash
# The sign-in tests' real Secret Service: GNOME Keyring in a private D-Bus session.
set -euo pipefail
"$(dirname "$0")/ensure-packages.sh" gnome-keyring dbus-daemon dbus-x11
