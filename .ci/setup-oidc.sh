#!/usr/bin/env bash
# Installs the OpenID provider harness of the sign-in tests (tests/oidc: the npm package
# oidc-provider), exactly as tests/oidc/package-lock.json pins it. Under CI the microsoft
# and google sign-in tests never skip, so .ci/run calls this before the tests.
set -euo pipefail
cd "$(dirname "$0")/../tests/oidc"

for tool in node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "setup-oidc: $tool is not installed; the sign-in tests need Node.js 20 or later" >&2
    exit 1
  fi
done

npm ci --no-audit --no-fund --loglevel=error
echo "setup-oidc: oidc-provider $(node -p "require('./node_modules/oidc-provider/package.json').version") installed in tests/oidc"
