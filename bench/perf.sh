#!/usr/bin/env bash
# perf.sh — CPU performance against the memory-bandwidth bound and llama.cpp.
#
# Synthesizes the Llama-3.2-1B shape (random weights, real shapes) in bf16, 8-bit, 4-bit and
# 6-bit (MLX affine, group 64; 6-bit has no llama.cpp figure to compare with), benchmarks each with a 512-token prompt and 128 generated tokens
# (`ffai bench --method summarization --ctx 512`: exactly 512 prompt tokens), --repeat 3, plus the
# embedded tiny model (`--method simple`, 128 tokens), the 8-bit and 4-bit shapes again with the opt-in
# `--precision int8`, and prints weights, prefill and decode
# tok/s, the read bandwidth (the higher of two probes around the row), the bound (bandwidth / weight
# bytes), decode / bound, and the
# llama.cpp figures measured on the development machine for reference.
#
# Usage: bench/perf.sh [--quick]      (--quick: 32 generated tokens, --repeat 1)
# Env:   FFAI_BIN (default ./build/ffai), FFAI_PERF_DIR (synthesized models; default $TMPDIR/ffai-perf-models),
#        FFAI_PERF_TOKENIZER (default tests/data/tokenizers/llama3_2, from scripts/fetch-test-data.sh), FFAI_THREADS (default: all cores)
set -euo pipefail
BIN=${FFAI_BIN:-./build/ffai}
DIR=${FFAI_PERF_DIR:-${TMPDIR:-/tmp}/ffai-perf-models}
TOK=${FFAI_PERF_TOKENIZER:-tests/data/tokenizers/llama3_2}
THREADS=${FFAI_THREADS:-0}
GEN=128 REPEAT=3
[ "${1:-}" = "--quick" ] && GEN=32 REPEAT=1
REPORT=$(mktemp -d)
trap 'rm -rf "$REPORT"' EXIT

mkdir -p "$DIR"
synth() { # name, extra synth flags
  [ -f "$DIR/$1/model.safetensors" ] && return 0
  echo "synthesizing $1 ..." >&2
  "$BIN" synth --like llama-3.2-1b --out "$DIR/$1" --tokenizer "$TOK" --force "${@:2}" >&2
}
synth llama-3.2-1b-bf16
synth llama-3.2-1b-8bit --bits 8 --group-size 64
synth llama-3.2-1b-4bit --bits 4 --group-size 64
synth llama-3.2-1b-6bit --bits 6 --group-size 64

# The host's bandwidth can move within minutes, so it is measured right before and right after
# each row and the higher of the two makes the bound (the conservative choice for the ratio).
bw() { "$BIN" sysinfo --json --threads "$THREADS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["readGBps"])'; }

run() { # label, model, llama.cpp pp, llama.cpp tg, bench args...
  local label=$1 model=$2 lpp=$3 ltg=$4 before after json; shift 4
  before=$(bw)
  json=$("$BIN" bench --model "$model" --report-dir "$REPORT" --json --threads "$THREADS" --repeat "$REPEAT" --max-tokens "$GEN" "$@" | head -1)
  after=$(bw)
  python3 -c '
import json, sys
r = json.loads(sys.argv[1])
label, lpp, ltg = sys.argv[2], sys.argv[3], sys.argv[4]
bw = max(float(sys.argv[5]), float(sys.argv[6]))
w, pp, tg = r["weightsBytes"], r["prefillTokensPerSecond"], r["decodeTokensPerSecond"]
bound = bw * 1e9 / w
# weights that fit in the last-level cache are not read from DRAM: no DRAM bound applies
b, ratio = (f"{bound:.1f}", f"{tg/bound*100:.0f} %") if w > 64e6 else ("(cache-resident)", "–")
print(f"| {label} | {w/1e9:.3f} GB | {pp:.1f} | {tg:.1f} | {bw:.1f} GB/s | {b} | {ratio} | {lpp} | {ltg} |")
' "$json" "$label" "$lpp" "$ltg" "$before" "$after"
}

echo "| model | weights | prefill tok/s | decode tok/s | read bandwidth | bandwidth bound tok/s | decode / bound | llama.cpp pp512 | llama.cpp tg128 |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
run "Llama-3.2-1B shape bf16" "$DIR/llama-3.2-1b-bf16" 164 12.9 --method summarization --ctx 512
run "Llama-3.2-1B shape 8-bit g64" "$DIR/llama-3.2-1b-8bit" 102 20.1 --method summarization --ctx 512
run "Llama-3.2-1B shape 4-bit g64" "$DIR/llama-3.2-1b-4bit" 161 33.7 --method summarization --ctx 512
run "Llama-3.2-1B shape 6-bit g64" "$DIR/llama-3.2-1b-6bit" "–" "–" --method summarization --ctx 512
run "Llama-3.2-1B shape 8-bit g64, --precision int8" "$DIR/llama-3.2-1b-8bit" 102 20.1 --method summarization --ctx 512 --precision int8
run "Llama-3.2-1B shape 4-bit g64, --precision int8" "$DIR/llama-3.2-1b-4bit" 161 33.7 --method summarization --ctx 512 --precision int8
run "ffai-tiny-qwen3 bf16" "$(dirname "$0")/../models/ffai-tiny-qwen3" "≈ 6,800" "≈ 1,000" --method simple
