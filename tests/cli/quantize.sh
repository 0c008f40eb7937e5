#!/usr/bin/env bash
# quantize.sh — `ffai quantize` and `ffai synth` from the command line: a good
# run, and bad arguments that must fail with a clear one-line error and exit
# code 2 (usage) or 1 (failure), leaving no output behind.
set -u
BIN=${FFAI_BIN:-ffai}
SHARED=${FFAI_SHARED:-${FFAI_SOURCE_DIR:-.}/tests/data}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
fails=0
pass=0

# expect CODE PATTERN -- args...: runs ffai, checks the exit code and that stderr matches PATTERN
expect() {
    local code=$1 pat=$2
    shift 3
    local err rc
    err=$("$BIN" "$@" 2>&1 >/dev/null)
    rc=$?
    if [ "$rc" -ne "$code" ] || ! grep -qE -- "$pat" <<<"$err"; then
        echo "FAIL: ffai $* -> rc $rc (want $code), stderr: $err (want /$pat/)"
        fails=$((fails + 1))
    else
        echo "ok:   ffai $* -> rc $rc: $err"
        pass=$((pass + 1))
    fi
}

M="$SHARED/models/ffai-tiny-qwen3"
expect 2 "--model is required" -- quantize --out "$TMP/a"
expect 2 "--out is required" -- quantize --model "$M"
expect 2 "--bits 7 is not supported \(choose 2, 3, 4, 5, 6 or 8\)" -- quantize --model "$M" --out "$TMP/a" --bits 7
expect 2 "--group-size 48 is not supported \(choose 32, 64 or 128\)" -- quantize --model "$M" --out "$TMP/a" --group-size 48
expect 2 "--bits expects an integer, got 'four'" -- quantize --model "$M" --out "$TMP/a" --bits four
expect 2 "unknown flag '--bit' \(did you mean '--bits'\?\)" -- quantize --model "$M" --out "$TMP/a" --bit 4
expect 1 "model '$TMP/nope' not found" -- quantize --model "$TMP/nope" --out "$TMP/a"
expect 1 "already quantized" -- quantize --model "$SHARED/models/ffai-tiny-qwen3-4bit" --out "$TMP/a"
[ -e "$TMP/a/model.safetensors" ] && { echo "FAIL: output written after a refusal"; fails=$((fails + 1)); }

# a good run, then the same output dir again (refused without --force)
if "$BIN" quantize --model "$M" --out "$TMP/q" --bits 4 --group-size 64 >/dev/null &&
    cmp -s "$TMP/q/model.safetensors" "$M-4bit/model.safetensors"; then
    echo "ok:   quantize --bits 4 --group-size 64 reproduces ffai-tiny-qwen3-4bit/model.safetensors"
    pass=$((pass + 1))
else
    echo "FAIL: quantize output differs from ffai-tiny-qwen3-4bit"
    fails=$((fails + 1))
fi
expect 1 "already exists \(pass overwrite / --force" -- quantize --model "$M" --out "$TMP/q"
"$BIN" synth --like tiny-test --out "$TMP/u" >/dev/null
expect 1 "output directory is the source" -- quantize --model "$TMP/u" --out "$TMP/u/." --force

# synth
expect 2 "--like is required" -- synth --out "$TMP/s"
expect 1 "unknown preset 'llama-9' \(known: llama-3.2-1b" -- synth --like llama-9 --out "$TMP/s"
expect 2 "--dtype f8 is not supported" -- synth --like tiny-test --out "$TMP/s" --dtype f8
expect 2 "--group-size needs --bits" -- synth --like tiny-test --out "$TMP/s" --group-size 32
expect 1 "tokenizer.json: not found" -- synth --like tiny-test --out "$TMP/s" --tokenizer "$TMP/none"
if "$BIN" synth --like tiny-test --out "$TMP/s" --bits 4 --group-size 32 >/dev/null && [ -s "$TMP/s/model.safetensors" ] &&
    grep -q '"quantization"' "$TMP/s/config.json" && "$BIN" synth --list | grep -q "gemma-3-1b" &&
    "$BIN" synth --help | grep -q "no tokenizer files"; then
    echo "ok:   synth tiny-test 4-bit, --list, --help"
    pass=$((pass + 1))
else
    echo "FAIL: synth good run"
    fails=$((fails + 1))
fi
ls -A "$TMP"/q "$TMP"/s | grep -q '\.tmp\.' && { echo "FAIL: temp files left"; fails=$((fails + 1)); }
echo "cli_quantize: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
