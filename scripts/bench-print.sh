#!/usr/bin/env bash
# Benchmark (not a test): a contact sheet of 200 works (goal < 3 s, < 20 MB) and the preview of
# its first page, against ImageMagick's `montage` putting the same 200 JPEG thumbnails on A4
# pages of one PDF — what a clerk would otherwise reach for (no text, no subset fonts).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages imagemagick

DIR=target/bench-print
rm -rf "$DIR" && mkdir -p "$DIR"
say "Building the benchmark (release)"
cargo build -p baosong --no-default-features --example bench_print --release --locked -q
BENCH_THUMBS_DIR=$DIR/thumbs target/release/examples/bench_print "$DIR/ours" | tee "$DIR/ours.txt"
ours_s=$(awk '/Grid4x5: 200 cells in/ {print $5}' "$DIR/ours.txt")

# Debian's ImageMagick policy forbids writing PDF; lift it for this one process only, in a
# private mount namespace (root), leaving the system's policy untouched.
policy=$(ls /etc/ImageMagick-6/policy.xml)
sed '/pattern="PDF"/d' "$policy" > "$DIR/policy.xml"
montage_cmd=(montage "$DIR"/thumbs/*.jpg -tile 4x5 -geometry 320x180+6+6 -page A4 "$DIR/montage.pdf")
t0=$(date +%s%N)
if ! unshare -m sh -c 'mount --bind "$1" "$2" && shift 2 && exec "$@"' sh \
    "$DIR/policy.xml" "$policy" "${montage_cmd[@]}" 2> "$DIR/montage.err"; then
  cat "$DIR/montage.err" >&2
  echo "montage could not write a PDF here (needs root for the private policy mount)" >&2
  exit 1
fi
t1=$(date +%s%N)
montage_s=$(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }')
pages=$(pdfinfo "$DIR/montage.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}' || echo "?")
size=$(du -b "$DIR/montage.pdf" | cut -f1)
echo "montage (reference): 200 thumbnails, 4x5 per page, in ${montage_s} s, PDF $(awk -v b="$size" 'BEGIN { printf "%.2f", b / 1e6 }') MB, ${pages} pages"
awk -v o="$ours_s" -v m="$montage_s" 'BEGIN { printf "ratio (ours 4x5 / montage): %.2f\n", o / m }'

# The clerk's path: 200 catalogued videos, printed from the library by `baosong-cli print`,
# first with no thumbnails made yet (each video's keyframe decoded), then with them cached.
ensure_packages ffmpeg
LIB=$DIR/lib
CLI=target/release/baosong-cli
cargo build -p baosong --no-default-features --bin baosong-cli --release --locked -q
say "Making 200 short 1080p videos"
mkdir -p "$DIR/videos"
for i in $(seq -w 1 200); do
  ffmpeg -nostdin -v error -y -f lavfi -i testsrc2=size=1920x1080:rate=5:duration=1 \
    -vf "hue=h=$((10#$i * 7))" -c:v libx264 -preset ultrafast -pix_fmt yuv420p "$DIR/videos/$i.mp4"
done
"$CLI" --library "$LIB" init --office 金平区总工会 --unit-type district > /dev/null
"$CLI" --library "$LIB" import "$DIR/videos" --category micro-video --unit 金平区某街道 > /dev/null
for run in cold warm; do
  t0=$(date +%s%N)
  "$CLI" --library "$LIB" print contact-sheet --all --layout 4x5 --out "$DIR/library-$run.pdf" > /dev/null
  t1=$(date +%s%N)
  echo "baosong-cli print contact-sheet, 200 works from the library ($run thumbnails): $(awk -v ns=$((t1 - t0)) 'BEGIN { printf "%.3f", ns / 1e9 }') s, PDF $(du -b "$DIR/library-$run.pdf" | awk '{ printf "%.2f", $1 / 1e6 }') MB"
done
