#!/usr/bin/env bash
# neon.sh — the AArch64 NEON kernels against the generic reference, on any host:
# test_kernels, test_attention and the kernel sources are cross-compiled for aarch64 and run under
# qemu-aarch64 (scripts/install-deps.sh installs both). On an aarch64 host the
# regular test_kernels already runs the NEON set natively, so this one has nothing to add.
set -u
SRC=${FFAI_SOURCE_DIR:-.}
if [ "$(uname -m)" = "aarch64" ]; then
  echo "neon: native aarch64 host — test_kernels covers the NEON kernels"
  exit 0
fi
CC=aarch64-linux-gnu-gcc
for tool in "$CC" qemu-aarch64; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "neon: $tool not found — run scripts/install-deps.sh (it installs gcc-aarch64-linux-gnu and qemu-user)"
    exit 1
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
flags=(-std=gnu11 -Wall -Wextra -Wshadow -Werror -Wno-format-truncation -pthread -I"$SRC/include" -I"$SRC/src" -I"$SRC/tests")
objs=()
for f in "$SRC"/src/kernels/*.c; do
  o="$tmp/$(basename "$f" .c).o"
  "$CC" "${flags[@]}" -O2 -c "$f" -o "$o" || { echo "neon: cannot compile $f for aarch64"; exit 1; }
  objs+=("$o")
done
# gcc 12's aarch64 vectorizer crashes on the tests' loops; the tests need no speed
"$CC" "${flags[@]}" -O2 -fno-tree-vectorize -c "$SRC/tests/testutil.c" -o "$tmp/testutil.o" || { echo "neon: cannot compile tests/testutil.c for aarch64"; exit 1; }
for t in test_kernels test_attention; do
  "$CC" "${flags[@]}" -O2 -fno-tree-vectorize -c "$SRC/tests/$t.c" -o "$tmp/$t.o" || { echo "neon: cannot compile tests/$t.c for aarch64"; exit 1; }
  "$CC" -static -pthread "${objs[@]}" "$tmp/testutil.o" "$tmp/$t.o" -lm -o "$tmp/$t" || { echo "neon: link of $t failed"; exit 1; }
  out=$(qemu-aarch64 "$tmp/$t" 2>&1); rc=$?
  printf '%s\n' "$out" | grep -E "kernel sets|^neon|passed"
  if [ $rc -ne 0 ]; then
    printf '%s\n' "$out" | grep FAIL | head -20
    echo "neon: $t failed under qemu-aarch64 (exit $rc)"
    exit 1
  fi
  if [ "$t" = test_kernels ]; then
    printf '%s\n' "$out" | grep -q "kernel sets: neon" || { echo "neon: the NEON kernel set was not selected"; exit 1; }
  fi
done
exit 0
