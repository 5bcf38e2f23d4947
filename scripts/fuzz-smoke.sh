#!/usr/bin/env bash
# CI smoke of the fuzz targets: every target for a short while (default 30 s each), niced.
# Fails on the first target that finds a crash. Not part of scripts/test.sh.
#
#   scripts/fuzz-smoke.sh [SECONDS]
set -euo pipefail
here=$(dirname "$0")
seconds=${1:-30}
start=$(date +%s)
for target in probe registration campaign plan; do
  "$here/fuzz.sh" "$target" "$seconds"
done
echo "fuzz smoke: 4 targets × ${seconds} s passed in $(($(date +%s) - start)) s"
