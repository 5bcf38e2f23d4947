#!/usr/bin/env bash
# Benchmark (not a test): how fast Baosong reads a file's facts, against ffprobe and mediainfo
# on the same generated corpus. ffprobe and mediainfo are started once per file; Baosong is
# timed both ways: over all files in one process (as the app and `check FILE...` work) and one
# process per file (its own start-up included). Plus the bytes read to check a 300 MB 1080p
# file with moov at the end.
# Prints ratios; the README keeps the last output.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages ffmpeg mediainfo python3

ROUNDS=${ROUNDS:-5}
CORPUS=target/bench-corpus
say "Generating the corpus"
bash tests/fixtures/make-media.sh "$CORPUS" >/dev/null
BIG="$CORPUS/big-1080p-moov-at-end.mp4"
if [ ! -f "$BIG" ]; then
  say "Making a 300 MB 1080p file with moov at the end (once)"
  ffmpeg -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 -t 80 \
    -c:v libx264 -preset ultrafast -b:v 40M -maxrate 40M -bufsize 80M -pix_fmt yuv420p "$BIG"
fi

say "Building baosong-cli (release)"
cargo build --release -p baosong --no-default-features --bin baosong-cli --locked -q
CLI=target/release/baosong-cli

mapfile -t FILES < <(find "$CORPUS" -maxdepth 1 -type f ! -name '.*' ! -name 'big-*' | sort)
[ ${#FILES[@]} -gt 0 ] || { echo "empty corpus" >&2; exit 1; }

# ms per file for a command run once per file, best of ROUNDS rounds (least disturbed).
per_file_ms() {
  local best=""
  for _ in $(seq "$ROUNDS"); do
    local t0 t1
    t0=$(date +%s%N)
    for f in "${FILES[@]}"; do "$@" "$f" >/dev/null 2>&1 || true; done
    t1=$(date +%s%N)
    local ms
    ms=$(python3 -c "print(($t1-$t0)/1e6/${#FILES[@]})")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $ms < $best else 1)"; then best=$ms; fi
  done
  echo "$best"
}

# Ours in one process over the whole corpus, per file: how the app and `check FILE...` work.
batch_ms() {
  local best=""
  for _ in $(seq "$ROUNDS"); do
    local t0 t1 ms
    t0=$(date +%s%N)
    "$CLI" probe "${FILES[@]}" >/dev/null
    t1=$(date +%s%N)
    ms=$(python3 -c "print(($t1-$t0)/1e6/${#FILES[@]})")
    if [ -z "$best" ] || python3 -c "import sys; sys.exit(0 if $ms < $best else 1)"; then best=$ms; fi
  done
  echo "$best"
}

say "Timing ${#FILES[@]} files, best of $ROUNDS rounds"
ours_batch=$(batch_ms)
ours=$(per_file_ms "$CLI" probe)
ffp=$(per_file_ms ffprobe -v quiet -show_format -show_streams)
mi=$(per_file_ms mediainfo --Output=JSON)
big_bytes=$("$CLI" probe --json "$BIG" | python3 -c "import json,sys; print(json.load(sys.stdin)[0]['bytes_read'])")
big_size=$(stat -c %s "$BIG")

python3 - "$ours_batch" "$ours" "$ffp" "$mi" "$big_bytes" "$big_size" "${#FILES[@]}" <<'PY'
import sys
batch, ours, ffp, mi, big_bytes, big_size, n = map(float, sys.argv[1:])
print(f"corpus: {int(n)} files, ms per file, best of rounds; ffprobe and mediainfo run once per file")
print(f"  ffprobe                                {ffp:8.2f} ms")
print(f"  mediainfo                              {mi:8.2f} ms")
print(f"  baosong-cli probe, all files at once   {batch:8.2f} ms   "
      f"{ffp/batch:6.1f}x ffprobe (target >= 50x), {mi/batch:5.1f}x mediainfo (target >= 10x)")
print(f"  baosong-cli probe, one process a file  {ours:8.2f} ms   "
      f"{ffp/ours:6.1f}x ffprobe, {mi/ours:5.1f}x mediainfo (includes our process start)")
print(f"300 MB check: read {int(big_bytes)} of {int(big_size)} bytes "
      f"({big_bytes/1024:.1f} KiB, target < 1024 KiB)")
PY
