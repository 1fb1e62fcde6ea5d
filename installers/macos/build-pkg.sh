#!/bin/bash
# Build dist/IntranetCompanion-<version>.pkg on a macOS runner, after `make dist` (or the
# pyinstaller call in .github/workflows/release.yml) has made "dist/Intranet Companion.app".
#
#   installers/macos/build-pkg.sh
#
# The package installs the app in /Applications and the LaunchAgent in /Library/LaunchAgents;
# its postinstall loads the agent for the console user with `launchctl asuser`.
# Set DEVELOPER_ID_INSTALLER (a "Developer ID Installer: ..." identity in the keychain) to
# sign it; notarise the result with `xcrun notarytool submit --wait` before deploying.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(python3 -c 'import tray_app; print(tray_app.__version__)')
app="dist/Intranet Companion.app"
work=build/macos
root="$work/root"
[ -d "$app" ] || { echo "No $app: run make dist on macOS first." >&2; exit 1; }

rm -rf "$work"
mkdir -p "$root/Applications" "$root/Library/LaunchAgents"
ditto "$app" "$root/Applications/Intranet Companion.app"
cp installers/macos/com.intranetcompanion.app.plist "$root/Library/LaunchAgents/"
chmod 644 "$root/Library/LaunchAgents/com.intranetcompanion.app.plist"

# Install in /Applications even if a copy of the app lives elsewhere (no relocation).
pkgbuild --analyze --root "$root" "$work/components.plist"
plutil -replace 0.BundleIsRelocatable -bool NO "$work/components.plist"

pkgbuild --root "$root" --component-plist "$work/components.plist" \
  --identifier com.intranetcompanion.app.pkg --version "$version" \
  --scripts installers/macos/scripts --install-location / \
  "$work/IntranetCompanion-component.pkg"

signing=()
if [ -n "${DEVELOPER_ID_INSTALLER:-}" ]; then
  signing=(--sign "$DEVELOPER_ID_INSTALLER")
fi
mkdir -p dist
productbuild --package "$work/IntranetCompanion-component.pkg" ${signing[@]+"${signing[@]}"} \
  "dist/IntranetCompanion-$version.pkg"
echo "dist/IntranetCompanion-$version.pkg"
