#!/usr/bin/env bash
# perf.sh — CPU performance against the memory-bandwidth bound and llama.cpp.
#
# Synthesizes the Llama-3.2-1B shape (random weights, real shapes) in bf16, 8-bit, 4-bit and
# 6-bit (MLX affine, group 64; 6-bit has no llama.cpp figure to compare with) and benchmarks each
# with a 512-token prompt and 128 generated tokens (`ffai bench --method summarization --ctx 512`:
# exactly 512 prompt tokens), plus the embedded tiny model (`--method simple`, 128 tokens) and the
# 8-bit and 4-bit shapes again with the opt-in `--precision int8`. Each row is 3 runs (the bench's
# --repeat, spread over separate invocations so that each run gets its own bandwidth probes right
# before and after it); it prints weights, median prefill and decode tok/s, the range of the read
# bandwidth probes, the bound at the median probe (bandwidth / weight bytes), the median over the
# runs of decode / that run's bound, and the llama.cpp figures measured on the development
# machine for reference.
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

# The host's bandwidth can move within seconds, so every measured run is paired with its own
# probes: bandwidth right before and right after it, the higher of the two making that run's
# bound (the conservative choice for the ratio). A row shows the medians over its runs and the
# range of the probes.
bw() { "$BIN" sysinfo --json --threads "$THREADS" | python3 -c 'import json,sys; print(json.load(sys.stdin)["readGBps"])'; }

run() { # label, model, llama.cpp pp, llama.cpp tg, bench args...
  local label=$1 model=$2 lpp=$3 ltg=$4 before after json runs=() i; shift 4
  for ((i = 0; i < REPEAT; i++)); do
    before=$(bw)
    json=$("$BIN" bench --model "$model" --report-dir "$REPORT" --json --threads "$THREADS" --max-tokens "$GEN" "$@" | head -1)
    after=$(bw)
    runs+=("$before $after $json")
  done
  python3 -c '
import json, statistics, sys
label, lpp, ltg = sys.argv[1], sys.argv[2], sys.argv[3]
pp, tg, ratio, bws = [], [], [], []
for run in sys.argv[4:]:
    before, after, js = run.split(" ", 2)
    r = json.loads(js)
    bw = max(float(before), float(after))
    w = r["weightsBytes"]
    pp.append(r["prefillTokensPerSecond"]); tg.append(r["decodeTokensPerSecond"])
    ratio.append(r["decodeTokensPerSecond"] * w / (bw * 1e9)); bws += [float(before), float(after)]
med = statistics.median
# weights that fit in the last-level cache are not read from DRAM: no DRAM bound applies
if w > 64e6:
    b, rt = f"{med(bws) * 1e9 / w:.1f}", f"{med(ratio) * 100:.0f} %"
else:
    b, rt = "(cache-resident)", "–"
print(f"| {label} | {w/1e9:.3f} GB | {med(pp):.1f} | {med(tg):.1f} | {min(bws):.0f}–{max(bws):.0f} GB/s | {b} | {rt} | {lpp} | {ltg} |")
' "$label" "$lpp" "$ltg" "${runs[@]}"
}

echo "| model | weights | prefill tok/s | decode tok/s | read bandwidth (probes) | bandwidth bound tok/s (median probe) | decode / bound (median of runs) | llama.cpp pp512 | llama.cpp tg128 |"
echo "|---|--:|--:|--:|--:|--:|--:|--:|--:|"
run "Llama-3.2-1B shape bf16" "$DIR/llama-3.2-1b-bf16" 164 12.9 --method summarization --ctx 512
run "Llama-3.2-1B shape 8-bit g64" "$DIR/llama-3.2-1b-8bit" 102 20.1 --method summarization --ctx 512
run "Llama-3.2-1B shape 4-bit g64" "$DIR/llama-3.2-1b-4bit" 161 33.7 --method summarization --ctx 512
run "Llama-3.2-1B shape 6-bit g64" "$DIR/llama-3.2-1b-6bit" "–" "–" --method summarization --ctx 512
run "Llama-3.2-1B shape 8-bit g64, --precision int8" "$DIR/llama-3.2-1b-8bit" 102 20.1 --method summarization --ctx 512 --precision int8
run "Llama-3.2-1B shape 4-bit g64, --precision int8" "$DIR/llama-3.2-1b-4bit" 161 33.7 --method summarization --ctx 512 --precision int8
run "ffai-tiny-qwen3 bf16" "$(dirname "$0")/../models/ffai-tiny-qwen3" "≈ 6,800" "≈ 1,000" --method simple
