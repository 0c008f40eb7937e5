#!/usr/bin/env bash
# chat.sh — `ffai chat`: two piped turns, one reply line each; --stats shows the
# second turn reusing the cached first exchange (only the new suffix prefilled);
# `--precision` on the generation commands.
set -u
BIN=${FFAI_BIN:-ffai}
fail=0; pass=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'Hi! What is a fun fact about octopuses?\nCool. Now tell me one about elephants.\n' |
    "$BIN" chat --max-tokens 24 --stats --system "You are a helpful assistant." >"$tmp/out" 2>"$tmp/err"; rc=$?
check "exit 0 (got $rc: $(cat "$tmp/err"))" '[ $rc -eq 0 ]'
check "two turns in the stats: $(cat "$tmp/err")" '[ "$(grep -c "^\[turn [12]: " "$tmp/err")" -eq 2 ]'
check "a non-empty reply per turn: $(cat "$tmp/out")" '[ "$(grep -c . "$tmp/out")" -ge 2 ]'
t1=$(sed -n 's/^\[turn 1: prompt \([0-9]*\) tokens (\([0-9]*\) reused, \([0-9]*\) new).*/\1 \2 \3/p' "$tmp/err")
t2=$(sed -n 's/^\[turn 2: prompt \([0-9]*\) tokens (\([0-9]*\) reused, \([0-9]*\) new).*/\1 \2 \3/p' "$tmp/err")
read -r n1 r1 k1 <<<"$t1"; read -r n2 r2 k2 <<<"$t2"
check "turn 1 prefills everything ($t1)" '[ -n "$t1" ] && [ "$r1" -eq 0 ] && [ "$k1" -eq "$n1" ]'
check "turn 2 reuses at least the first prompt and prefills only the rest ($t2 after $t1)" \
    '[ -n "$t2" ] && [ "$r2" -ge "$n1" ] && [ $((r2 + k2)) -eq "$n2" ] && [ "$k2" -lt $((n2 - n1)) ]'

out=$(printf '/exit\nnever answered\n' | "$BIN" chat 2>&1); rc=$?
check "/exit ends at once (got $rc: $out)" '[ $rc -eq 0 ] && [ -z "$out" ]'
out=$("$BIN" chat --max-tokn 3 </dev/null 2>&1); rc=$?
check "typo'd flag exits 2 with a suggestion (got $rc: $out)" '[ $rc -eq 2 ] && [[ "$out" == *"did you mean '"'"'--max-tokens'"'"'"* ]]'

# the opt-in precisions reach generate too: int8 on the 4-bit model runs and says so; a bad value is one line, exit 2
SHARED=${FFAI_SHARED:-${FFAI_SOURCE_DIR:-.}/tests/data}
out=$("$BIN" generate --model "$SHARED/models/ffai-tiny-qwen3-4bit" --precision int8 --prompt-ids 1,2,3 --max-tokens 4 --print-ids --stats 2>&1); rc=$?
if grep -q avx512_vnni /proc/cpuinfo 2>/dev/null; then
  check "generate --precision int8 runs and reports it (got $rc: $out)" '[ $rc -eq 0 ] && [[ "$out" == *"int8 precision"* ]]'
else
  check "generate --precision int8 is refused without VNNI (got $rc: $out)" '[ $rc -ne 0 ] && [[ "$out" == *"VNNI"* ]]'
fi
out=$("$BIN" generate --kv-type f16 --prompt-ids 1,2,3 --max-tokens 4 --stats 2>&1); rc=$?
check "generate --kv-type f16 runs and reports it (got $rc: $out)" '[ $rc -eq 0 ] && [[ "$out" == *"f16 KV cache"* ]]'
out=$("$BIN" generate --kv-type bf8 2>&1); rc=$?
check "bad --kv-type: one line, exit 2 (got $rc: $out)" '[ $rc -eq 2 ] && [ "$(printf "%s\n" "$out" | wc -l)" -eq 1 ] && [[ "$out" == *"f32 or f16"* ]]'
out=$("$BIN" generate --precision int4 2>&1); rc=$?
check "bad --precision: one line, exit 2 (got $rc: $out)" '[ $rc -eq 2 ] && [ "$(printf "%s\n" "$out" | wc -l)" -eq 1 ] && [[ "$out" == *"f32, bf16 or int8"* ]]'

echo "cli chat: $pass passed, $fail failed"
[ $fail -eq 0 ]
