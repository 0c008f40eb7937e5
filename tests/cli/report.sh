#!/usr/bin/env bash
# report.sh — `ffai report`: re-renders FFAI's markdown byte-for-byte from its sidecar; clear errors.
set -u
BIN=${FFAI_BIN:-ffai}
SHARED=${FFAI_SHARED:-${FFAI_SOURCE_DIR:-.}/tests/data}
REF=$SHARED/reference/ffai-report
fail=0; pass=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$REF/.m1-max-2026-05-22.state.json" "$REF/m1-max-2026-05-22.md" "$tmp/"
chmod u+w "$tmp"/* "$tmp"/.m1-max-2026-05-22.state.json
echo "hand edit" > "$tmp/m1-max-2026-05-22.md"

out=$("$BIN" report --report-dir "$tmp" 2>&1); rc=$?
check "exit 0 (got $rc: $out)" '[ $rc -eq 0 ]'
check "prints what it rendered: $out" '[[ "$out" == *"rendered $tmp/m1-max-2026-05-22.md (1 row)"* ]]'
check "markdown equals FFAI's" 'cmp -s "$tmp/m1-max-2026-05-22.md" "$REF/m1-max-2026-05-22.md"'
check "sidecar untouched" 'cmp -s "$tmp/.m1-max-2026-05-22.state.json" "$REF/.m1-max-2026-05-22.state.json"'

out=$("$BIN" report --report-dir "$tmp/missing" 2>&1); rc=$?
check "missing dir exits 1 (got $rc)" '[ $rc -eq 1 ]'
check "missing dir message: $out" '[[ "$out" == "ffai report: cannot open report dir $tmp/missing: No such file or directory" ]]'

printf '{' > "$tmp/.bad-2026-01-01.state.json"
out=$("$BIN" report --report-dir "$tmp" 2>&1); rc=$?
check "corrupt sidecar exits 1 (got $rc)" '[ $rc -eq 1 ]'
check "corrupt sidecar message: $out" '[[ "$out" == *"Bench: failed to decode $tmp/.bad-2026-01-01.state.json: "* ]]'

mkdir "$tmp/empty"
out=$("$BIN" report --report-dir "$tmp/empty" 2>&1); rc=$?
check "empty dir exits 0 (got $rc: $out)" '[ $rc -eq 0 ] && [[ "$out" == "no reports in"* ]]'

out=$("$BIN" report --report-dri "$tmp" 2>&1); rc=$?
check "typo'd flag exits 2 with a suggestion (got $rc: $out)" '[ $rc -eq 2 ] && [[ "$out" == *"did you mean '"'"'--report-dir'"'"'"* ]]'

echo "cli report: $pass passed, $fail failed"
[ $fail -eq 0 ]
