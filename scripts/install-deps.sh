#!/usr/bin/env bash
# Installs the Debian 12 packages ffai needs to build and test. Safe to re-run.
set -euo pipefail
# gcc-aarch64-linux-gnu, libc6-dev-arm64-cross and qemu-user: the NEON kernels are cross-built and tested under emulation
pkgs=(build-essential cmake pkg-config libpcre2-dev libjansson-dev libutf8proc-dev python3 curl ca-certificates
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
