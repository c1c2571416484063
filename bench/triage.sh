#!/usr/bin/env bash
# Triage benchmarks for BENCHMARKS.md: classification throughput beside the Python reference
# (jieba + scikit-learn TF-IDF + LinearSVC, installed into a venv here), intake latency with and
# without a model, the duplicate check with 100k open cases, and the duplicate finder's
# precision/recall against our hand labels. Reads ../shared/data/messages.
set -euo pipefail
cd "$(dirname "$0")/.."
D=${FENGQIAO_DATA:-../shared/data/messages}
VENV=${FENGQIAO_BENCH_VENV:-target/bench-venv}
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet jieba scikit-learn numpy
fi
cargo build --release -q -p fengqiao-triage --example classify --example similar_bench --example duplicates
cargo build --release -q --example triage_intake_bench

kv() { grep "^$2=" <<<"$1" | cut -d= -f2; }

echo "## classification (one core, $(date -u +%F))"
rust=$(taskset -c 0 target/release/examples/classify "$D/messages_train.csv" "$D/messages_unlabeled.csv")
py=$(taskset -c 0 "$VENV/bin/python" bench/triage_reference.py "$D/messages_train.csv" "$D/messages_unlabeled.csv")
r=$(kv "$rust" classify_msgs_per_s); p1=$(kv "$py" classify_msgs_per_s); pb=$(kv "$py" batch_msgs_per_s)
echo "| pipeline | messages/s | p50 ms | p99 ms | segmentation msgs/s | training s |"
echo "|---|---|---|---|---|---|"
echo "| Fengqiao (jieba-rs, NB-SVM over words + chars 1–3 + title chars, with explanation) | $r | $(kv "$rust" latency_p50_ms) | $(kv "$rust" latency_p99_ms) | $(kv "$rust" segment_msgs_per_s) | $(kv "$rust" train_s) |"
echo "| Python reference, one message at a time | $p1 | $(kv "$py" latency_p50_ms) | $(kv "$py" latency_p99_ms) | $(kv "$py" segment_msgs_per_s) | $(kv "$py" train_s) |"
echo "| Python reference, whole file as one batch | $pb | – | – | – | – |"
echo
echo "ratio vs one-at-a-time: $(python3 -c "print(f'{$r/$p1:.1f}x')"); vs batch: $(python3 -c "print(f'{$r/$pb:.1f}x')")"
echo
echo "## intake with and without a suggestion"
ib=$(target/release/examples/triage_intake_bench "$D/messages_train.csv" "$D/messages_unlabeled.csv" 1000)
echo "| | p50 ms | p90 ms | p99 ms |"
echo "|---|---|---|---|"
echo "| no model | $(kv "$ib" without_p50_ms) | $(kv "$ib" without_p90_ms) | $(kv "$ib" without_p99_ms) |"
echo "| with model (suggestion; confident ones also registered and dispatched) | $(kv "$ib" with_p50_ms) | $(kv "$ib" with_p90_ms) | $(kv "$ib" with_p99_ms) |"
echo
echo "## duplicate check, 100k open cases"
echo "| places | index build s | search p50 ms | p99 ms | max ms |"
echo "|---|---|---|---|---|"
for places in 20 1; do
  s=$(target/release/examples/similar_bench 100000 $places "$D/messages_train.csv" "$D/messages_unlabeled.csv" "$D/messages_with_votes.csv" "$D/messages_with_replies.csv")
  echo "| $places | $(kv "$s" index_build_s) | $(kv "$s" search_p50_ms) | $(kv "$s" search_p99_ms) | $(kv "$s" search_max_ms) |"
done
echo
echo "## duplicate finder precision/recall (messages_with_votes.csv, our labels)"
target/release/examples/duplicates "$D/messages_with_votes.csv" score crates/fengqiao-triage/examples/duplicate_labels.tsv
