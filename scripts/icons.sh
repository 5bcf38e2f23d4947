#!/usr/bin/env bash
# Renders every icon size the packages carry (Linux PNGs, Windows .ico, macOS .icns) from the
# one source image, assets/icon/baosong.svg, with the Tauri CLI's `icon` command (offline).
# Run it after changing the source; the results are committed in src-tauri/icons/.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages librsvg2-bin
ensure_ui_deps
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The CLI wants a square PNG (or SVG); a 1024 px render keeps the small sizes crisp.
rsvg-convert -w 1024 -h 1024 assets/icon/baosong.svg -o "$tmp/icon.png"
ui/node_modules/.bin/tauri icon "$tmp/icon.png" --output src-tauri/icons
# Mobile icons are not used by a desktop app; Linux menus also want a plain 256 px one (the
# bundler would file 128x128@2x.png under a misnamed HiDPI folder).
rm -rf src-tauri/icons/android src-tauri/icons/ios
rsvg-convert -w 256 -h 256 assets/icon/baosong.svg -o src-tauri/icons/256x256.png
ls -l src-tauri/icons
