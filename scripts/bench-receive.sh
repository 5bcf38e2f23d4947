#!/usr/bin/env bash
# Benchmark (not a test): 市级收件 of ~1 GB of mail. A district library holds four ~256 MB
# videos (made by ffmpeg from random frames, H.264 lossless, so nothing compresses); its batch
# is planned for QQ's 70 MiB, written as .eml files by `send --eml-dir` (the messages exactly as
# they would go out) and dropped into a Maildir. Then `baosong-cli receive --maildir` takes it
# in on a fresh receiving library, three times, against `cat … | sha256sum` of the same message
# files (goal ≤ 1.5x), and its peak resident memory is set against the largest attachment
# (goal < 2x). The mail is made once and kept in target/bench-receive (FRESH=1 makes it again).
# On a shared machine run it under the build lock so the timings are quiet.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages ffmpeg time

TARGET=${CARGO_TARGET_DIR:-$PWD/target}
DIR=$PWD/target/bench-receive
say "Building baosong-cli (release)"
cargo build -p baosong --no-default-features --bin baosong-cli --release --locked -q
CLI=$TARGET/release/baosong-cli
export BAOSONG_SECRET_STORE=file BAOSONG_CONFIG_DIR=$DIR/config BAOSONG_LOG_DIR=$DIR/logs
export BAOSONG_SEND_PAUSE_MS=0 BAOSONG_SMTP_TIMEOUT_S=2
MAILDIR=$DIR/Maildir

if [ "${FRESH:-0}" = 1 ] || [ ! -f "$DIR/mail.done" ]; then
  say "Making ~1 GB of district mail (once)"
  rm -rf "$DIR" && mkdir -p "$DIR/media" "$DIR/eml" "$MAILDIR"/{cur,new,tmp}
  lib=$DIR/district
  "$CLI" --library "$lib" init --office 金平区总工会 --unit-type district > /dev/null
  for i in 1 2 3 4; do
    f=$DIR/media/0$i-海湾新貌第${i}集.mp4
    # 116 random 1280x720 frames, lossless: ~256 MB of H.264 that no zip can shrink.
    ffmpeg -v error -y -f rawvideo -pix_fmt yuv420p -s 1280x720 -r 25 -i /dev/urandom \
      -frames:v 116 -c:v libx264 -preset ultrafast -qp 0 -movflags +faststart "$f"
    id=$("$CLI" --library "$lib" --json entry add "$f" --category micro-video --title "海湾新貌第${i}集" \
      --author 陈晓 --declare original | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    "$CLI" --library "$lib" entry update "$id" --status approved --recommend true \
      --override-reason 基准 > /dev/null
  done
  "$CLI" --library "$lib" batch create > /dev/null
  # Nothing listens on port 9: the messages are planned, written and saved as .eml, then stay
  # queued (the send itself fails, as it does offline).
  echo -n abcdwxyzefghijkl | "$CLI" --library "$lib" account set --preset custom \
    --address bench@localhost.test --host localhost --port 9 --security tls \
    --max-message-bytes 73400320 --password-stdin > /dev/null
  "$CLI" --library "$lib" send 1 --eml-dir "$DIR/eml" > /dev/null 2>&1 || true
  n=$(find "$DIR/eml" -name '*.eml' | wc -l)
  [ "$n" -gt 1 ] || { echo "no .eml files were written" >&2; exit 1; }
  i=0
  for e in "$DIR"/eml/*.eml; do
    i=$((i + 1))
    cp "$e" "$MAILDIR/new/1733300000.M$i.bench:2,"
  done
  rm -rf "$DIR/eml" "$lib/outbox"
  touch "$DIR/mail.done"
fi

if [ ! -f "$DIR/largest.txt" ]; then
  # The largest attachment as decoded (the goal's yardstick), read once with Python's email.
  python3 - "$MAILDIR"/new/* > "$DIR/largest.txt" <<'PY'
import email, email.policy, sys
largest = 0
for path in sys.argv[1:]:
    with open(path, "rb") as f:
        m = email.message_from_binary_file(f, policy=email.policy.default)
    for part in m.iter_attachments():
        largest = max(largest, len(part.get_payload(decode=True) or b""))
print(largest)
PY
fi
largest=$(cat "$DIR/largest.txt")
messages=$(find "$MAILDIR/new" -type f | wc -l)
mail_bytes=$(du -cb "$MAILDIR"/new/* | tail -1 | cut -f1)
media_bytes=$(du -cb "$DIR"/media/*.mp4 | tail -1 | cut -f1)

ms() { echo $(( ($2 - $1) / 1000000 )); }

say "cat + sha256sum of the message files (warm cache, 5 runs)"
cat "$MAILDIR"/new/* > /dev/null
base=()
for _ in 1 2 3 4 5; do
  t0=$(date +%s%N)
  cat "$MAILDIR"/new/* | sha256sum > /dev/null
  t1=$(date +%s%N)
  base+=("$(ms "$t0" "$t1")")
done
base_ms=$(printf '%s\n' "${base[@]}" | sort -n | sed -n 3p)

say "baosong-cli receive --maildir on a fresh receiving library (3 runs)"
runs=()
rss_max=0
for r in 1 2 3; do
  city=$DIR/city
  rm -rf "$city"
  "$CLI" --library "$city" init --role city --office 汕头市工人文化宫 > /dev/null
  sync
  t0=$(date +%s%N)
  /usr/bin/time -v "$CLI" --library "$city" --json receive --maildir "$MAILDIR" \
    > "$DIR/receive.json" 2> "$DIR/time.txt"
  t1=$(date +%s%N)
  runs+=("$(ms "$t0" "$t1")")
  rss=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$DIR/time.txt")
  [ "$rss" -gt "$rss_max" ] && rss_max=$rss
  python3 - "$DIR/receive.json" <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
b = got["batches"]
assert len(b) == 1 and b[0]["verified"] == b[0]["files"] == 4 and not b[0]["problems"], got
PY
  echo "  run $r: ${runs[-1]} ms, peak $((rss / 1024)) MiB"
done
recv_ms=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n 2p)

echo
echo "bench-receive.sh: $messages messages, $((mail_bytes / 1048576)) MiB of mail holding $((media_bytes / 1048576)) MiB of video"
printf '  %-44s %6d ms\n' "cat | sha256sum of the message files (median of 5)" "$base_ms"
printf '  %-44s %6d ms   %sx (goal <= 1.5x)\n' "baosong-cli receive --maildir (median of 3)" "$recv_ms" \
  "$(awk "BEGIN{printf \"%.2f\", $recv_ms/$base_ms}")"
printf '  %-44s %6d MiB  %sx the largest attachment, %d MiB (goal < 2x)\n' "peak memory of receive" \
  "$((rss_max / 1024))" "$(awk "BEGIN{printf \"%.2f\", $rss_max*1024/$largest}")" "$((largest / 1048576))"
