#!/usr/bin/env bash
# 12345 work-order import and export figures for BENCHMARKS.md (issue #4).
#
#   bash bench/hotline.sh [DB]
#
# DB: a large database to export (default /tmp/m1.db, made with
# `cargo run --release -- demo --cases 1000000 --no-serve --database /tmp/m1.db`).
set -euo pipefail
cd "$(dirname "$0")/.."
D=../shared/data/messages
DB=${1:-/tmp/m1.db}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cargo build --release -q --bin fengqiao --example hotline_bench
kv() { echo "$1" | sed -n "s/^$2=//p"; }
secs() { sed -n 's/^wall=//p' "$1"; }

echo "## import: real message texts (triage and duplicate check on every row)"
msgs=("$D/messages_unlabeled.csv" "$D/messages_with_votes.csv" "$D/messages_with_replies.csv")
with=$(target/release/examples/hotline_bench "$D/messages_train.csv" 20000 "${msgs[@]}")
without=$(FQ_BENCH_NO_MODEL=1 target/release/examples/hotline_bench "$D/messages_train.csv" 20000 "${msgs[@]}")
echo "| township | CSV rows/s | XLSX rows/s |"
echo "|---|---|---|"
echo "| classifier trained on messages_train.csv | $(kv "$with" csv_rows_per_s) | $(kv "$with" xlsx_rows_per_s) |"
echo "| no classifier (duplicate check and hot spots only) | $(kv "$without" csv_rows_per_s) | $(kv "$without" xlsx_rows_per_s) |"

echo
echo "## import: short synthetic rows (one line each), fresh township, whole command"
awk 'BEGIN {
  print "工单编号,来电时间,诉求人,联系电话,诉求内容,事发地址,诉求类型,紧急程度,办理时限";
  split("施家岙村 苍岩村 下王村 溪口村", v, " ");
  for (i = 0; i < 100000; i++) {
    d = 1 + int(i / 4000) % 28; h = i % 24; m = i % 60;
    printf "B%07d,2026-11-%02d %02d:%02d:00,市民%d,138%08d,%s违章搭建，请尽快处理（%d）,%s,,一般,\n", i, d, h, m, i, i, v[1 + i % 4], i, v[1 + i % 4];
  }
}' > "$T/short.csv"
FENGQIAO_PASSWORD=bench-password-1 target/release/fengqiao init --database "$T/short.db" --town 甘霖镇 > /dev/null 2>&1
/usr/bin/time -f "wall=%e" -o "$T/t" target/release/fengqiao hotline import "$T/short.csv" --database "$T/short.db" > /dev/null 2>&1
echo "| rows | seconds | rows/s |"
echo "|---|---|---|"
echo "| 100,000 | $(secs "$T/t") | $(awk -v s="$(secs "$T/t")" 'BEGIN { printf "%.0f", 100000 / s }') |"

if [ -f "$DB" ]; then
  echo
  echo "## export of $DB, whole command"
  n=$(target/release/fengqiao hotline export "$T/warm.csv" --database "$DB" 2>&1 | grep -o '[0-9]\+')
  echo "| format | rows | seconds | rows/s | peak RSS MiB | file MB |"
  echo "|---|---|---|---|---|---|"
  for f in csv xlsx; do
    /usr/bin/time -f "wall=%e
rss=%M" -o "$T/t" target/release/fengqiao hotline export "$T/out.$f" --database "$DB" > /dev/null 2>&1
    s=$(secs "$T/t")
    rss=$(sed -n 's/^rss=//p' "$T/t")
    echo "| $f | $n | $s | $(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }') | $((rss / 1024)) | $(( $(stat -c %s "$T/out.$f") / 1000000 )) |"
  done
fi
