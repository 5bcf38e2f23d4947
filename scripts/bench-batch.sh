#!/usr/bin/env bash
# Benchmark (not a test): exporting a batch of 1 GB of works to a folder with
# `baosong-cli batch export` (copy, fsync, read back and compare every SHA-256, 汇总表, manifest,
# SHA256SUMS, rename) against `cp -r` of the same stored files, and `cp -r` + `sync`.
# Target: ≤ 1.2x cp. Then planning the mail messages of 500 files in process (target < 50 ms).
# Median of RUNS runs; sources warm in the page cache.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
cd "$BAOSONG_ROOT"

RUNS=${RUNS:-3}
DIR=target/bench-batch
say "Building baosong-cli and the planning benchmark (release)"
cargo build -p baosong --no-default-features --bin baosong-cli --example bench_plan --release --locked -q
CLI=target/release/baosong-cli
now_ns() { date +%s%N; }
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

if [ ! -f "$DIR/lib/catalog.sqlite" ]; then
  say "Making a library with 1 GB of works (once)"
  rm -rf "$DIR" && mkdir -p "$DIR/src"
  "$CLI" --library "$DIR/lib" init --office 金平区总工会 --unit-type district > /dev/null
  for i in $(seq 1 10); do
    head -c $((100 * 1024 * 1024)) /dev/urandom > "$DIR/src/work$i.mp3"
    id=$("$CLI" --library "$DIR/lib" --json entry add "$DIR/src/work$i.mp3" --category recitation \
      --title "作品$i" --author 张三 --declare original | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    "$CLI" --library "$DIR/lib" entry update "$id" --status approved --recommend true \
      --override-reason 基准测试 > /dev/null
  done
  rm -rf "$DIR/src"
  "$CLI" --library "$DIR/lib" batch create > /dev/null
fi
cat "$DIR"/lib/files/*/* > /dev/null

ours=(); cps=(); cpsync=()
for i in $(seq "$RUNS"); do
  rm -rf "$DIR/out" "$DIR/cp" "$DIR/cp2"; mkdir -p "$DIR/out"; sync
  t0=$(now_ns); "$CLI" --library "$DIR/lib" batch export 1 --out "$DIR/out" > /dev/null 2>&1; t1=$(now_ns)
  ours+=("$(( (t1 - t0) / 1000000 ))"); sync
  t0=$(now_ns); cp -r "$DIR/lib/files" "$DIR/cp"; t1=$(now_ns)
  cps+=("$(( (t1 - t0) / 1000000 ))"); sync
  t0=$(now_ns); cp -r "$DIR/lib/files" "$DIR/cp2"; sync; t1=$(now_ns)
  cpsync+=("$(( (t1 - t0) / 1000000 ))")
done
o=$(median "${ours[@]}"); c=$(median "${cps[@]}"); s=$(median "${cpsync[@]}")
echo
echo "bench-batch.sh (1 GB in 10 works, median of $RUNS, ms)"
printf '  %-44s %6d ms\n' "cp -r" "$c"
printf '  %-44s %6d ms\n' "cp -r + sync" "$s"
printf '  %-44s %6d ms   %sx cp, %sx cp+sync (target <= 1.2x cp)\n' "baosong-cli batch export (copy+fsync+verify)" "$o" \
  "$(awk "BEGIN{printf \"%.2f\", $o/$c}")" "$(awk "BEGIN{printf \"%.2f\", $o/$s}")"
target/release/examples/bench_plan
rm -rf "$DIR/out" "$DIR/cp" "$DIR/cp2"
