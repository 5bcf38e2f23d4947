#!/usr/bin/env bash
# Benchmark (not a test): the thumbnail of a 60 s 1080p H.264 video (moov at the end), made by
# Baosong in-process (src-tauri/examples/thumb.rs: probe, moov, first keyframe with OpenH264,
# scale, JPEG) against `ffmpeg -frames:v 1 -vf scale=320:-2`. Median of RUNS runs each, after one
# warm-up run each (so both read the file from the page cache).
# Baosong is timed twice: inside its process (what the app pays per thumbnail) and as a whole
# process (its start-up included, like ffmpeg's figure). The example is a dev-profile build, as
# the app's debug build is: dependencies (OpenH264, image) have opt-level 2, our code 0.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages ffmpeg python3

RUNS=${RUNS:-5}
DIR=target/bench-thumbs
mkdir -p "$DIR"
VIDEO="$DIR/1080p-60s.mp4"
if [ ! -f "$VIDEO" ]; then
  say "Making a 60 s 1080p H.264 video with AAC audio (once)"
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=25 \
    -f lavfi -i sine=frequency=440:sample_rate=48000 -t 60 \
    -c:v libx264 -preset veryfast -pix_fmt yuv420p -g 50 -c:a aac -b:a 64k "$VIDEO"
fi

say "Building the thumb example (dev profile)"
cargo build -p baosong --no-default-features --example thumb --locked -q
BIN=target/debug/examples/thumb

now_ns() { date +%s%N; }

"$BIN" "$VIDEO" "$DIR/baosong.jpg" 320 >/dev/null
ffmpeg -nostdin -v error -y -i "$VIDEO" -frames:v 1 -vf scale=320:-2 "$DIR/ffmpeg.jpg"

say "Timing $RUNS runs each"
ours_in=()
ours_wall=()
ff_wall=()
for _ in $(seq "$RUNS"); do
  t0=$(now_ns)
  line=$("$BIN" "$VIDEO" "$DIR/baosong.jpg" 320)
  t1=$(now_ns)
  ours_in+=("${line%% *}")
  ours_wall+=("$(( (t1 - t0) / 1000 ))")
  t0=$(now_ns)
  ffmpeg -nostdin -v error -y -i "$VIDEO" -frames:v 1 -vf scale=320:-2 "$DIR/ffmpeg.jpg"
  t1=$(now_ns)
  ff_wall+=("$(( (t1 - t0) / 1000 ))")
done
ours_size=$(echo "$line" | cut -d' ' -f2)
ff_size=$(ffprobe -v error -select_streams v:0 -show_entries stream=width,height -of csv=s=x:p=0 \
  "$DIR/ffmpeg.jpg")

python3 - "$VIDEO" "$(stat -c %s "$VIDEO")" "$ours_size" "$ff_size" \
  "${ours_in[*]}" "${ours_wall[*]}" "${ff_wall[*]}" <<'PY'
import statistics, sys
video, size, ours_size, ff_size = sys.argv[1:5]
ours_in = [float(x) for x in sys.argv[5].split()]
ours_wall = [int(x) / 1000 for x in sys.argv[6].split()]
ff_wall = [int(x) / 1000 for x in sys.argv[7].split()]
m_in, m_wall, m_ff = (statistics.median(v) for v in (ours_in, ours_wall, ff_wall))
print(f"{video}: {int(size) / 1e6:.1f} MB, 1920x1080 H.264, 60 s, moov at the end")
print(f"median of {len(ff_wall)} runs (ms); thumbnails {ours_size} (Baosong), {ff_size} (ffmpeg)")
print(f"  ffmpeg -frames:v 1 -vf scale=320:-2 (process)   {m_ff:8.1f}")
print(f"  Baosong thumbnail, in-process                   {m_in:8.1f}   {m_ff / m_in:5.1f}x faster than ffmpeg")
print(f"  Baosong thumbnail, whole process                {m_wall:8.1f}   {m_ff / m_wall:5.1f}x faster than ffmpeg")
PY
