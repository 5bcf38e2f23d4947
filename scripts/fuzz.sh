#!/usr/bin/env bash
# Runs one cargo-fuzz target for a while, niced, and prints what it did.
#
#   scripts/fuzz.sh TARGET [SECONDS]      TARGET: probe, registration, campaign, plan
#
# On the stable toolchain, without a sanitizer (Rust's own checks: bounds, overflow, panics).
# FUZZ_ASAN=1 adds AddressSanitizer (needs RUSTC_BOOTSTRAP=1, which it sets).
# Extra libFuzzer flags: FUZZ_ARGS="-max_len=…".
#
# The corpus lives in src-tauri/fuzz/corpus/TARGET (not in git) and is seeded by
# src-tauri/fuzz/seed.sh the first time. A crash is saved in src-tauri/fuzz/artifacts/TARGET/;
# replay it with `scripts/fuzz.sh TARGET 0 path/to/crash-…`, then keep it as a regression
# test next to the fix.
set -euo pipefail
source "$(dirname "$0")/setup.sh"

CARGO_FUZZ_VERSION=0.13.2
target=${1:?usage: scripts/fuzz.sh TARGET [SECONDS] [INPUT]}
seconds=${2:-60}
replay=${3:-}
[ -z "$replay" ] || replay=$(realpath "$replay")
fuzz_dir="$BAOSONG_ROOT/src-tauri/fuzz"

case "$target" in
probe | registration) max_len=65536 ;;
campaign) max_len=16384 ;;
plan) max_len=4096 ;;
*)
  echo "fuzz.sh: unknown target '$target' (probe, registration, campaign, plan)" >&2
  exit 2
  ;;
esac

if ! cargo fuzz --version 2>/dev/null | grep -qF "$CARGO_FUZZ_VERSION"; then
  say "Installing cargo-fuzz $CARGO_FUZZ_VERSION"
  nice -n 19 cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

# The fuzz crate is its own workspace: start from the app's lock file so that it is fuzzed
# with the very versions the app is built with.
[ -f "$fuzz_dir/Cargo.lock" ] || cp "$BAOSONG_ROOT/Cargo.lock" "$fuzz_dir/Cargo.lock"

if [ "${FUZZ_ASAN:-0}" = 1 ]; then
  export RUSTC_BOOTSTRAP=1
  sanitizer=(--sanitizer address)
else
  sanitizer=(--sanitizer none)
fi
# Overflow checks and debug assertions on, as in the test suite; into the fuzz crate's own
# target directory, never the shared one.
build_flags=("${sanitizer[@]}" --debug-assertions --target-dir "$fuzz_dir/target")
unset CARGO_TARGET_DIR

cd "$BAOSONG_ROOT/src-tauri"
say "Building fuzz target $target (${sanitizer[*]})"
nice -n 19 cargo fuzz build "${build_flags[@]}" "$target"

if [ -n "$replay" ]; then
  say "Replaying $replay"
  exec nice -n 19 cargo fuzz run "${build_flags[@]}" "$target" "$replay"
fi

corpus="$fuzz_dir/corpus/$target"
if [ -z "$(ls -A "$corpus" 2>/dev/null)" ]; then
  say "Seeding the corpus of $target"
  bash "$fuzz_dir/seed.sh" "$target" "$corpus"
fi
artifacts="$fuzz_dir/artifacts/$target"
mkdir -p "$artifacts"
before=$(ls "$artifacts")
log="$fuzz_dir/target/fuzz-$target.log"

say "Fuzzing $target for $seconds s ($(ls "$corpus" | wc -l) inputs in the corpus)"
started=$(date +%s)
set +e
# shellcheck disable=SC2086
nice -n 19 cargo fuzz run "${build_flags[@]}" "$target" "$corpus" -- \
  -max_total_time="$seconds" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$artifacts/" ${FUZZ_ARGS:-} 2>&1 |
  tee "$log" | grep --line-buffered -E '^(#[0-9]+.*(pulse|DONE)|==[0-9]+==|SUMMARY|thread .* panicked)'
status=${PIPESTATUS[0]}
set -e

execs=$(awk '/^stat::number_of_executed_units/ {print $2}' "$log" | tail -1)
rate=$(awk '/^stat::average_exec_per_sec/ {print $2}' "$log" | tail -1)
new=$(comm -13 <(echo "$before") <(ls "$artifacts"))
echo
echo "fuzz $target: $(($(date +%s) - started)) s (of ${seconds}), ${execs:-?} executions, ${rate:-?} execs/s," \
  "corpus $(ls "$corpus" | wc -l) inputs, $(grep -c . <<<"$new") new artifacts"
if [ -n "$new" ]; then
  sed "s|^|  $artifacts/|" <<<"$new"
  exit 1
fi
exit "$status"
