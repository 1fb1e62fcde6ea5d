#!/usr/bin/env bash
# Install the Debian packages named as arguments, those that are missing only.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
