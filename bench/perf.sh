#!/usr/bin/env bash
# perf.sh — CPU performance against the memory-bandwidth bound and llama.cpp.
#
# Synthesizes the Llama-3.2-1B shape (random weights, real shapes) in bf16, 8-bit, 4-bit and
# 6-bit (MLX affine, group 64; 6-bit has no llama.cpp figure to compare with) and benchmarks each
# with a 512-token prompt and 128 generated tokens (`ffai bench --method summarization --ctx 512`:
# exactly 512 prompt tokens), plus the embedded tiny model (`--method simple`, 128 tokens) and the
# 8-bit and 4-bit shapes again with the opt-in `--precision int8`. Each row is 3 runs (the bench's
# --repeat, spread over separate invocations with a bandwidth probe between every two); it prints
# weights, the median prefill tok/s, the median and best decode tok/s, the range of the probes, the
# bound at the best probe (bandwidth / weight bytes), best decode / bound, the f32 KV cache one
# decode step reads on average (at ctx 512-640 about 5 % of the 4-bit weights) with the ratio
# counting those bytes too, and the llama.cpp figures measured on the development machine for
# reference.
#
# Usage: bench/perf.sh [--quick]      (--quick: 32 generated tokens, --repeat 1)
# Env:   FFAI_BIN (default ./build/ffai), FFAI_PERF_DIR (synthesized models; default $TMPDIR/ffai-perf-models),
#        FFAI_PERF_TOKENIZER (default tests/data/tokenizers/llama3_2, from scripts/fetch-test-data.sh), FFAI_THREADS (default: all cores),
#        FFAI_PERF_RUNS (runs per row, default 3)
set -euo pipefail
BIN=${FFAI_BIN:-./build/ffai}
DIR=${FFAI_PERF_DIR:-${TMPDIR:-/tmp}/ffai-perf-models}
TOK=${FFAI_PERF_TOKENIZER:-tests/data/tokenizers/llama3_2}
THREADS=${FFAI_THREADS:-0}
GEN=128 REPEAT=${FFAI_PERF_RUNS:-3}
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

# The host's bandwidth can move within seconds (probes a minute apart differed by 2x on the
# development machine), so a row's runs are interleaved with probes, right before and right
# after each run, and a row pairs the best of both: the fastest decode of its runs against the
# highest bandwidth its probes saw (both are what the machine does when nothing else competes).
# Pairing each run with its own probes gave ratios above 100 % whenever the probes happened to
# be slowed and the run was not.
bw() { "$BIN" sysinfo --json --threads "$THREADS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["readGBps"])'; }

run() { # label, model, llama.cpp pp, llama.cpp tg, bench args...
  local label=$1 model=$2 lpp=$3 ltg=$4 json probes=() rows=() i; shift 4
  probes+=("$(bw)")
  for ((i = 0; i < REPEAT; i++)); do
    json=$("$BIN" bench --model "$model" --report-dir "$REPORT" --json --threads "$THREADS" --max-tokens "$GEN" "$@" | head -1)
    rows+=("$json")
    probes+=("$(bw)")
  done
  python3 -c '
import json, statistics, sys
label, lpp, ltg, probes = sys.argv[1], sys.argv[2], sys.argv[3], [float(p) for p in sys.argv[4].split()]
rows = [json.loads(r) for r in sys.argv[5:]]
w = rows[0]["weightsBytes"]
pp = statistics.median(r["prefillTokensPerSecond"] for r in rows)
tgs = [r["decodeTokensPerSecond"] for r in rows]
bw = max(probes)
bound = bw * 1e9 / w
# weights that fit in the last-level cache are not read from DRAM: no DRAM bound applies
# the KV cache one decode step reads on average: bytes per position times the mean depth
r0 = rows[0]
per_pos = r0["kvCacheUsedBytes"] / max(1, r0["promptTokens"] + r0["generatedTokens"] - 1)
kv = per_pos * (r0["promptTokens"] + r0["generatedTokens"] / 2)
b, rt, rkv = (f"{bound:.1f}", f"{max(tgs) / bound * 100:.0f} %", f"{max(tgs) * (w + kv) / (bw * 1e9) * 100:.0f} %") if w > 64e6 else ("(cache-resident)", "–", "–")
print(f"| {label} | {w/1e9:.3f} GB | {pp:.1f} | {statistics.median(tgs):.1f} / {max(tgs):.1f} | {min(probes):.0f}–{bw:.0f} GB/s | {b} | {rt} | {kv / 1e6:.{0 if kv >= 10e6 else 1}f} MB, {rkv} | {lpp} | {ltg} |")
' "$label" "$lpp" "$ltg" "${probes[*]}" "${rows[@]}"
}

echo "| model | weights | prefill tok/s (median) | decode tok/s (median / best) | read bandwidth (probes) | bandwidth bound tok/s (best probe) | best decode / bound | KV read per step, ratio counting it | llama.cpp pp512 | llama.cpp tg128 |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|"
run "Llama-3.2-1B shape bf16" "$DIR/llama-3.2-1b-bf16" 164 12.9 --method summarization --ctx 512
run "Llama-3.2-1B shape 8-bit g64" "$DIR/llama-3.2-1b-8bit" 102 20.1 --method summarization --ctx 512
run "Llama-3.2-1B shape 4-bit g64" "$DIR/llama-3.2-1b-4bit" 161 33.7 --method summarization --ctx 512
run "Llama-3.2-1B shape 6-bit g64" "$DIR/llama-3.2-1b-6bit" "–" "–" --method summarization --ctx 512
run "Llama-3.2-1B shape 8-bit g64, --precision int8" "$DIR/llama-3.2-1b-8bit" 102 20.1 --method summarization --ctx 512 --precision int8
run "Llama-3.2-1B shape 4-bit g64, --precision int8" "$DIR/llama-3.2-1b-4bit" 161 33.7 --method summarization --ctx 512 --precision int8
run "ffai-tiny-qwen3 bf16" "$(dirname "$0")/../models/ffai-tiny-qwen3" "≈ 6,800" "≈ 1,000" --method simple
