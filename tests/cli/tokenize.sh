#!/usr/bin/env bash
# tokenize.sh — `ffai tokenize` / `ffai detokenize` end to end. Expected ids are copied from
# tests/data/golden/tokenizers/<name>.json (HF tokenizers 0.23, add_special_tokens=False), the
# BOS case from llama3_2's TemplateProcessing post-processor. Exact match required.
set -u
BIN=${FFAI_BIN:-ffai}
SH=${FFAI_SHARED:-${FFAI_SOURCE_DIR:-.}/tests/data}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0

check() { # name expected actual
    if [ "$2" == "$3" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL $1: expected '$2', got '$3'"
        fail=$((fail + 1))
    fi
}

check_rc() { # name expected-rc command...
    local name=$1 want=$2
    shift 2
    "$@" >"$TMP/out" 2>"$TMP/err"
    local rc=$?
    if [ "$rc" == "$want" ]; then
        pass=$((pass + 1))
    else
        echo "FAIL $name: exit $rc (want $want); stderr: $(cat "$TMP/err")"
        fail=$((fail + 1))
    fi
}

# ffai-tiny (the embedded default model) "Hello world"
check "default model" "[39,606,78,960]" "$("$BIN" tokenize --text 'Hello world' --no-special)"
check "FFAI_MODEL" "[9707,1879]" "$(FFAI_MODEL="$SH/tokenizers/qwen3" "$BIN" tokenize --text 'Hello world' --no-special)"
check "added tokens" "[151644,872,198,6023,151645]" \
    "$("$BIN" tokenize --model "$SH/tokenizers/qwen3" --text $'<|im_start|>user\nhi<|im_end|>' --no-special)"
check "llama3_2 adds BOS" "[128000,9906,1917]" "$("$BIN" tokenize --model "$SH/tokenizers/llama3_2" --text 'Hello world')"
check "llama3_2 --no-special" "[9906,1917]" \
    "$("$BIN" tokenize --model "$SH/tokenizers/llama3_2" --text 'Hello world' --no-special)"
check "gemma3" "[9259,4109,236888]" "$("$BIN" tokenize --model "$SH/tokenizers/gemma3" --text 'Hello World!' --no-special)"

printf 'Hello world' >"$TMP/in.txt"
check "--file" "[9906,1917]" "$("$BIN" tokenize --model "$SH/tokenizers/llama3_2" --file "$TMP/in.txt" --no-special)"

printf '"Hello world"\n" Hello world"\n"Hello World!"\n' >"$TMP/in.jsonl"
check "--jsonl" $'[9707,1879]\n[21927,1879]\n[9707,4337,0]' \
    "$("$BIN" tokenize --model "$SH/tokenizers/qwen3" --jsonl "$TMP/in.jsonl" --no-special)"

check "detokenize" "Hello world" "$("$BIN" detokenize --model "$SH/tokenizers/qwen3" --ids 9707,1879)"
check "detokenize newline" "12" "$("$BIN" detokenize --model "$SH/tokenizers/qwen3" --ids 9707,1879 | wc -c | tr -d ' ')"
check "detokenize --raw" "11" "$("$BIN" detokenize --model "$SH/tokenizers/qwen3" --ids 9707,1879 --raw | wc -c | tr -d ' ')"
check "detokenize special" "<bos>Hello world" "$("$BIN" detokenize --model "$SH/tokenizers/gemma3" --ids '[2, 9259, 1902]')"
check "detokenize --skip-special" "Hello world" \
    "$("$BIN" detokenize --model "$SH/tokenizers/gemma3" --ids '[2, 9259, 1902]' --skip-special)"

printf 'ok \xff bad' >"$TMP/bad.txt"
check_rc "invalid UTF-8" 1 "$BIN" tokenize --file "$TMP/bad.txt"
grep -q "UTF-8" "$TMP/err" || { echo "FAIL invalid UTF-8 message: $(cat "$TMP/err")"; fail=$((fail + 1)); }
printf '"ok"\nnot json\n' >"$TMP/bad.jsonl"
check_rc "bad jsonl line" 1 "$BIN" tokenize --jsonl "$TMP/bad.jsonl"
check_rc "missing model" 1 "$BIN" tokenize --model "$TMP/nowhere" --text hi
check_rc "no input" 2 "$BIN" tokenize
check_rc "two inputs" 2 "$BIN" tokenize --text a --file "$TMP/in.txt"
check_rc "id out of range" 1 "$BIN" detokenize --ids 99999999
check_rc "bad id list" 2 "$BIN" detokenize --ids 1,x
check_rc "help" 0 "$BIN" tokenize --help
grep -q "compact JSON array" "$TMP/out" || { echo "FAIL --help does not document the output"; fail=$((fail + 1)); }

echo "cli_tokenize: $pass passed, $fail failed"
[ "$fail" == 0 ]
