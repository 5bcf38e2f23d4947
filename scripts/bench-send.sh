#!/usr/bin/env bash
# Benchmark (not a test): sending a batch through the loopback SMTP server (tests/smtp, TLS,
# AUTH) with `baosong-cli send`, against Python's smtplib sending the same .eml files; and the
# peak memory of sending one ~70 MiB message (goal ≤ 2.5x the message).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"
ensure_packages python3-aiosmtpd openssl time

DIR=target/bench-send
rm -rf "$DIR" && mkdir -p "$DIR"
say "Building baosong-cli (release)"
cargo build -p baosong --no-default-features --bin baosong-cli --release --locked -q
CLI=$PWD/target/release/baosong-cli
export BAOSONG_SECRET_STORE=file BAOSONG_CONFIG_DIR=$PWD/$DIR/config BAOSONG_SEND_PAUSE_MS=0
sh tests/smtp/make_cert.sh "$DIR/certs" > /dev/null
SECRET=abcdwxyzefghijkl
start_server() { # name → sets PORT and SERVER
  rm -f "$DIR/$1.port"
  /usr/bin/python3 tests/smtp/smtp_server.py --maildir "$DIR/$1-Maildir" --cert "$DIR/certs/server.pem" \
    --key "$DIR/certs/server.key" --mode tls --port-file "$DIR/$1.port" --user bench@localhost.test \
    --password "$SECRET" --size-limit 200000000 2> "$DIR/$1.log" &
  SERVER=$!
  for _ in $(seq 100); do [ -f "$DIR/$1.port" ] && break; sleep 0.05; done
  PORT=$(cat "$DIR/$1.port")
}

"$CLI" --library "$DIR/lib" init --office 金平区总工会 --unit-type district > /dev/null
# One ~50 MB work: its message is ~70 MiB once base64-encoded.
head -c $((50 * 1024 * 1024)) /dev/urandom > "$DIR/work.mp3"
id=$("$CLI" --library "$DIR/lib" --json entry add "$DIR/work.mp3" --category recitation --title 大作品 \
  --author 张三 --declare original | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
"$CLI" --library "$DIR/lib" entry update "$id" --status approved --recommend true --override-reason 基准 > /dev/null
"$CLI" --library "$DIR/lib" batch create > /dev/null

start_server ours
echo -n "$SECRET" | "$CLI" --library "$DIR/lib" account set --preset custom --address bench@localhost.test \
  --host localhost --port "$PORT" --security tls --ca-file "$DIR/certs/ca.pem" \
  --max-message-bytes 100000000 --password-stdin > /dev/null
mkdir -p "$DIR/eml"
t0=$(date +%s%N)
/usr/bin/time -v "$CLI" --library "$DIR/lib" send 1 --eml-dir "$DIR/eml" > /dev/null 2> "$DIR/time.txt"
t1=$(date +%s%N)
kill $SERVER
ours_ms=$(( (t1 - t0) / 1000000 ))
rss_kb=$(awk -F: '/Maximum resident/ {gsub(/ /,"",$2); print $2}' "$DIR/time.txt")
msg_bytes=$(du -cb "$DIR"/eml/*.eml | tail -1 | cut -f1)

start_server python
t0=$(date +%s%N)
/usr/bin/python3 - "$PORT" "$DIR/certs/ca.pem" "$SECRET" "$DIR"/eml/*.eml <<'PY'
import smtplib, ssl, sys
port, ca, secret, files = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4:]
ctx = ssl.create_default_context(cafile=ca)
for f in files:
    with smtplib.SMTP_SSL("localhost", port, context=ctx) as s:
        s.login("bench@localhost.test", secret)
        s.sendmail("bench@localhost.test", ["1718755663@qq.com"], open(f, "rb").read())
PY
t1=$(date +%s%N)
kill $SERVER
py_ms=$(( (t1 - t0) / 1000000 ))

echo
echo "bench-send.sh (one message of $((msg_bytes / 1048576)) MiB to the loopback server, TLS + AUTH)"
printf '  %-46s %6d ms\n' "python3 smtplib sending the same .eml" "$py_ms"
printf '  %-46s %6d ms   %sx smtplib (includes planning, the zip and the .eml copy)\n' "baosong-cli send" "$ours_ms" \
  "$(awk "BEGIN{printf \"%.2f\", $ours_ms/$py_ms}")"
printf '  %-46s %6d MiB  %sx the message (goal <= 2.5x)\n' "peak memory of baosong-cli send" "$((rss_kb / 1024))" \
  "$(awk "BEGIN{printf \"%.2f\", $rss_kb*1024/$msg_bytes}")"
