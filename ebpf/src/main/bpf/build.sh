#!/usr/bin/env bash
# Compiles the BPF program for the Maven build: build.sh SOURCE OUTPUT. Needs clang (Debian: clang) and the libbpf
# headers (Debian: libbpf-dev); the kernel UAPI headers come from linux-libc-dev.
set -euo pipefail
source="$1"
output="$2"
if ! command -v clang >/dev/null; then
    echo "ebpf: clang is needed to compile $source (Debian: apt-get install clang llvm libbpf-dev)" >&2
    exit 1
fi
if [[ ! -f /usr/include/bpf/bpf_helpers.h ]]; then
    echo "ebpf: the libbpf headers are needed to compile $source (Debian: apt-get install libbpf-dev)" >&2
    exit 1
fi
# <linux/bpf.h> includes <asm/types.h>, which lives under the host's multiarch directory.
multiarch="$(gcc -print-multiarch 2>/dev/null || clang -print-multiarch 2>/dev/null || true)"
mkdir -p "$(dirname "$output")"
clang -target bpf -O2 -g -Wall -Werror ${multiarch:+-idirafter "/usr/include/$multiarch"} -c "$source" -o "$output"
