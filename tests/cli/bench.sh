#!/usr/bin/env bash
# bench.sh — `ffai bench` end to end: the default run writes a report; bad
# input fails with one clear line and writes nothing; FFAI's report survives an
# append; two concurrent appenders both land.
set -u
BIN=${FFAI_BIN:-ffai}
SHARED=${FFAI_SHARED:-${FFAI_SOURCE_DIR:-.}/tests/data}
REF=$SHARED/reference/ffai-report
fail=0; pass=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }
tmp=$(mktemp -d)
trap 'chmod -R u+w "$tmp"; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

# the README's first command: no arguments -> simple on the embedded model, report in ./benchmarks
out=$("$BIN" bench --max-tokens 16 2>&1); rc=$?
check "default bench exits 0 (got $rc: $out)" '[ $rc -eq 0 ]'
md=$(ls benchmarks/*.md 2>/dev/null | head -1)
check "markdown written" '[ -n "$md" ] && [ -f "$md" ]'
check "sidecar written" '[ -n "$(ls benchmarks/.*.state.json 2>/dev/null)" ]'
check "row in markdown" 'grep -q "^| ffai-tiny-qwen3 | simple | bf16 | 32768 | 5 |" "$md"'

# --json prints one parsable object line
js=$("$BIN" bench --max-tokens 4 --json --report-dir "$tmp/j" 2>/dev/null)
check "--json one line: $js" '[ "$(printf "%s\n" "$js" | wc -l)" -eq 1 ] && [[ "$js" == "{"*"}" ]] && [[ "$js" == *"\"generatedTokens\":4"* ]]'

# bad input: one line, non-zero, nothing written
bad() { # name, expected substring, args...
  local name=$1 want=$2; shift 2
  rm -rf "$tmp/bad"
  local o; o=$("$BIN" bench --report-dir "$tmp/bad" "$@" 2>&1); local r=$?
  check "$name exits non-zero (got $r)" '[ $r -ne 0 ]'
  check "$name: one line '$o'" '[ "$(printf "%s\n" "$o" | wc -l)" -eq 1 ]'
  check "$name mentions '$want': '$o'" '[[ "$o" == *"$want"* ]]'
  check "$name wrote no report" '[ -z "$(ls -A "$tmp/bad" 2>/dev/null)" ]'
}
bad "missing corpus" "ffai bench --method wikitext2: missing --wikitext2-corpus" --method wikitext2
bad "unknown method" "unknown method 'simpel'" --method simpel
bad "ctx too large" "larger than the model allows" --method summarization --ctx 99999
bad "missing model" "not found" --model "$tmp/no-such-model"
bad "stub method" "not implemented yet" --method ngram-spot
bad "bad flag" "did you mean '--max-tokens'" --max-token 3
bad "bad precision" "--precision must be f32, bf16 or int8" --precision int4
bad "bad kv type" "--kv-type must be f32 or f16" --kv-type q8

# --kv-type f16: the row says so, and the same tokens take half the KV bytes of the f32 cache
kv_bytes() { printf "%s" "$1" | python3 -c 'import json,sys; r=json.loads(sys.stdin.read()); print(r["kvType"], r["kvCacheUsedBytes"])'; }
j32=$("$BIN" bench --max-tokens 8 --json --report-dir "$tmp/kv" 2>/dev/null)
j16=$("$BIN" bench --max-tokens 8 --json --kv-type f16 --report-dir "$tmp/kv" 2>/dev/null)
read -r t32 b32 <<<"$(kv_bytes "$j32")"; read -r t16 b16 <<<"$(kv_bytes "$j16")"
check "kvType f32 by default, f16 when asked ($t32, $t16)" '[ "$t32" = f32 ] && [ "$t16" = f16 ]'
check "f16 KV cache: half the bytes ($b32 -> $b16)" '[ -n "$b16" ] && [ "$b16" -gt 0 ] && [ $((b16 * 2)) -eq "$b32" ]'

# chat methods need a chat template: a model without tokenizer_config.json has none
mkdir -p "$tmp/notpl"
cp "$SHARED/models/rand-llama/config.json" "$SHARED/models/rand-llama/model.safetensors" "$SHARED/models/rand-llama/tokenizer.json" "$tmp/notpl/"
for m in niah multi-turn tool-calling; do
  bad "$m without template" "needs a model with a chat template" --method $m --model "$tmp/notpl"
done

# unwritable report dir (a path under a regular file)
touch "$tmp/file"
o=$("$BIN" bench --report-dir "$tmp/file/sub" --max-tokens 2 2>&1); r=$?
check "unwritable dir fails (got $r)" '[ $r -ne 0 ]'
check "unwritable dir message: $o" '[[ "$o" == *"cannot write report dir"* ]]'

# corrupt sidecar: fails with "Bench: failed to decode", file untouched
mkdir -p "$tmp/corrupt"
printf '{"chip": ' > "$tmp/corrupt/.m1-max-2026-05-22.state.json"
cp "$tmp/corrupt/.m1-max-2026-05-22.state.json" "$tmp/corrupt.before"
o=$("$BIN" bench --report-dir "$tmp/corrupt" --chip m1-max --date 2026-05-22 --max-tokens 2 2>&1); r=$?
check "corrupt sidecar fails (got $r)" '[ $r -ne 0 ]'
check "corrupt sidecar message: $o" '[[ "$o" == *"Bench: failed to decode $tmp/corrupt/.m1-max-2026-05-22.state.json"* ]]'
check "corrupt sidecar untouched" 'cmp -s "$tmp/corrupt/.m1-max-2026-05-22.state.json" "$tmp/corrupt.before"'
check "no markdown written" '[ ! -e "$tmp/corrupt/m1-max-2026-05-22.md" ]'

# FFAI compatibility: append to FFAI's own report
mkdir -p "$tmp/ffai"
cp "$REF/.m1-max-2026-05-22.state.json" "$REF/m1-max-2026-05-22.md" "$tmp/ffai/"
chmod u+w "$tmp/ffai"/* "$tmp/ffai/.m1-max-2026-05-22.state.json"
o=$("$BIN" bench --report-dir "$tmp/ffai" --chip m1-max --date 2026-05-22 --max-tokens 8 2>&1); r=$?
check "append to FFAI report exits 0 ($o)" '[ $r -eq 0 ]'
ffai_row=$(grep '^| mlx-community' "$REF/m1-max-2026-05-22.md")
check "FFAI markdown row unchanged" 'grep -qxF "$ffai_row" "$tmp/ffai/m1-max-2026-05-22.md"'
check "FFAI markdown header unchanged" '[ "$(head -9 "$tmp/ffai/m1-max-2026-05-22.md")" = "$(head -9 "$REF/m1-max-2026-05-22.md")" ]'
check "two rows now (header + 2)" '[ "$(grep -c "^| " "$tmp/ffai/m1-max-2026-05-22.md")" -eq 3 ]'
n_ref=$(grep -n '"wiredTicketBytes"' "$REF/.m1-max-2026-05-22.state.json" | cut -d: -f1)
check "FFAI sidecar row bytes unchanged" '[ "$(head -$n_ref "$tmp/ffai/.m1-max-2026-05-22.state.json")" = "$(head -$n_ref "$REF/.m1-max-2026-05-22.state.json")" ]'

# two processes appending to the same day at once: both rows land
mkdir -p "$tmp/conc"
"$BIN" bench --report-dir "$tmp/conc" --chip test-chip --date 2026-01-02 --max-tokens 4 --threads 1 >/dev/null 2>&1 &
p1=$!
"$BIN" bench --report-dir "$tmp/conc" --chip test-chip --date 2026-01-02 --max-tokens 4 --threads 1 >/dev/null 2>&1 &
p2=$!
wait $p1; r1=$?; wait $p2; r2=$?
check "concurrent appenders exit 0 ($r1 $r2)" '[ $r1 -eq 0 ] && [ $r2 -eq 0 ]'
check "both rows in markdown" '[ "$(grep -c "^| ffai-tiny-qwen3 | simple" "$tmp/conc/test-chip-2026-01-02.md")" -eq 2 ]'
check "both rows in sidecar" '[ "$(grep -c "\"method\" : \"simple\"" "$tmp/conc/.test-chip-2026-01-02.state.json")" -eq 2 ]'

echo "cli_bench: $pass passed, $fail failed"
[ $fail -eq 0 ]
