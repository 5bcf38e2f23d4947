#!/usr/bin/env bash
# Benchmark (not a test): filtering a catalog of 5,000 entries (target < 100 ms), built in a
# real library folder. Release build of the example, as the installed app is built.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
say "Building the filter benchmark (release)"
cargo build -p baosong --no-default-features --example bench_filter --release --locked -q
target/release/examples/bench_filter "${1:-target/bench-filter/library}"
