#!/usr/bin/env bash
# Compiles the BPF programs into <classes dir>/bpf/tendril_lxc.o (tc) and tendril_sock.o (socket-LB), which
# the agent's jar then carries.
# Run by the agent's Maven build (generate-resources). Without clang or the kernel and libbpf headers it
# prints why and builds nothing: the agent then runs without a kernel datapath and its kernel tests skip.
set -euo pipefail

case "${BASH_SOURCE[0]}" in */*) here="${BASH_SOURCE[0]%/*}" ;; *) here=. ;; esac
src="$(cd "$here" && pwd)"
out="${1:?usage: build.sh <classes directory>}/bpf"
skip() {
  echo "[bpf] SKIPPING the BPF programs: $1; the kernel datapath tests will skip"
  exit 0
}

[ "$(uname -s)" = "Linux" ] || skip "they are built on Linux only, this is $(uname -s)"
command -v clang >/dev/null 2>&1 || skip "clang not found (Debian: apt-get install clang llvm libbpf-dev)"
[ -f /usr/include/bpf/bpf_helpers.h ] || skip "libbpf headers not found (Debian: apt-get install libbpf-dev)"
[ -f /usr/include/linux/bpf.h ] || skip "kernel headers not found (Debian: apt-get install linux-libc-dev)"

# asm/types.h lives in the multiarch directory on Debian; -target bpf does not look there by itself.
includes=()
for dir in "/usr/include/$(uname -m)-linux-gnu" /usr/include/x86_64-linux-gnu /usr/include/aarch64-linux-gnu; do
  if [ -d "$dir/asm" ]; then
    includes+=("-I$dir")
    break
  fi
done

mkdir -p "$out"
for prog in tendril_lxc tendril_sock; do
  clang -O2 -g -target bpf -Wall -Wextra -Werror "${includes[@]}" -c "$src/$prog.c" -o "$out/$prog.o"
  echo "[bpf] built $out/$prog.o with $(clang --version | head -n 1)"
done
