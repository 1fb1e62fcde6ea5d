#!/usr/bin/env bash
# What `make installers` and its tests need: dpkg-deb, wixl and msitools, and a
# Secret Service for the installed package's keyring check.
set -euo pipefail
"$(dirname "$0")/ensure-packages.sh" dpkg-dev binutils xz-utils wixl msitools dbus \
  dbus-daemon gnome-keyring
