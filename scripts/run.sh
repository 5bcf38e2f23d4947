#!/usr/bin/env bash
# Builds and starts Baosong on its embedded defaults (the 2023 Shantou campaign). On first run
# the window asks where to keep the library. Extra arguments go to the app.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages "${BUILD_PACKAGES[@]}"
ensure_ui_deps
build_ui
say "Building and starting the app"
cargo run -p baosong --bin baosong -- "$@"
