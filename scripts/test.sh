#!/usr/bin/env bash
# Runs every test: actionlint on the release workflow, formatting, lints, the UI's type check
# and lint, the core's tests on real SQLite files, the CLI's black-box tests, and the end-to-end
# tests in the real window under Xvfb. Installs what it needs first. Screenshots land in
# test-artifacts/screenshots/.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"

ensure_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
ensure_ui_deps
ensure_tauri_driver
ensure_actionlint

say "actionlint: the release workflow (.ci/release.yml), with shellcheck on its run: blocks"
"$ACTIONLINT" -shellcheck "$(command -v shellcheck)" .ci/release.yml

say "UI: type check, lint, and the shared samples"
(cd ui && npm run --silent typecheck && npm run --silent lint && npm run --silent test)
build_ui

say "cargo fmt --check"
cargo fmt --all -- --check

say "cargo clippy (all targets, warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "Tests"
# One cargo invocation builds everything with one feature set: the app binary the end-to-end
# tests start (target/debug/baosong) is built here too, as a binary of the package under test.
rm -rf test-artifacts/screenshots
# The end-to-end tests drive real windows, one at a time, on a virtual display. Not with
# `-noreset` (as the start-up benchmark has): a server that keeps one test's window state for
# the next lost a first-run form's input once in CI; between these tests' launches the reset
# has time to finish.
xvfb-run -a -s "-screen 0 1400x900x24" \
  cargo test --workspace --locked -- --test-threads=1
say "All tests passed. Screenshots: test-artifacts/screenshots/"
