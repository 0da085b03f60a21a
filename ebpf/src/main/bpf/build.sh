#!/usr/bin/env bash
# The BPF object is committed, built (as Go's bpf2go convention does), so that building pgmanager needs no clang:
# ebpf/src/main/resources/dev/pgmanager/ebpf/rewriter.bpf.o, with a stamp beside this script that names the source it
# was built from (SHA-256) and the clang that built it. The Maven build runs `build.sh check`; by hand, after changing
# rewriter.bpf.c, run `build.sh update` and commit the object and the stamp.
#
#   build.sh check    the object was built from this source: always by the stamp's hash; and, where a clang of the
#                     stamp's version is installed, byte for byte (the build is reproducible: compiled from this
#                     directory with -fdebug-compilation-dir=.). Off CI, a stale object is rebuilt in place (commit
#                     it); on CI (CI=true) it fails the build, since a stale object would ship.
#   build.sh update   compiles the object and writes the stamp (needs clang, llvm and libbpf-dev: Debian packages)
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")"
source_file=rewriter.bpf.c
object=../resources/dev/pgmanager/ebpf/rewriter.bpf.o
stamp=rewriter.bpf.stamp

source_hash() { sha256sum "$source_file" | cut -d' ' -f1; }
clang_version() { clang --version 2>/dev/null | head -1; }
stamped() { sed -n "s/^$1 //p" "$stamp" 2>/dev/null; }

compile() { # compile OUTPUT
    if ! command -v clang >/dev/null || [[ ! -f /usr/include/bpf/bpf_helpers.h ]]; then
        echo "ebpf: compiling $source_file needs clang and the libbpf headers (Debian: apt-get install clang llvm libbpf-dev)" >&2
        return 1
    fi
    # <linux/bpf.h> includes <asm/types.h>, which lives under the host's multiarch directory.
    local multiarch
    multiarch="$(gcc -print-multiarch 2>/dev/null || clang -print-multiarch 2>/dev/null || true)"
    clang -target bpf -O2 -g -Wall -Werror -fdebug-compilation-dir=. ${multiarch:+-idirafter "/usr/include/$multiarch"} \
        -c "$source_file" -o "$1"
}

update() {
    mkdir -p "$(dirname "$object")"
    compile "$object"
    printf 'source-sha256 %s\nclang %s\n' "$(source_hash)" "$(clang_version)" >"$stamp"
    echo "ebpf: built $object from $source_file; commit both it and $stamp" >&2
}

stale() { # stale REASON: rebuild off CI, fail on CI
    if [[ "${CI:-}" == true ]]; then
        echo "ebpf: the committed BPF object is stale: $1. Run ebpf/src/main/bpf/build.sh update and commit the object and $stamp" >&2
        exit 1
    fi
    echo "ebpf: the committed BPF object is stale: $1; rebuilding it" >&2
    update
}

check() {
    [[ -f "$object" ]] || { stale "$object is missing"; return; }
    [[ "$(stamped source-sha256)" == "$(source_hash)" ]] || { stale "$source_file changed since it was built"; return; }
    if [[ -n "$(clang_version)" && "$(clang_version)" == "$(stamped clang)" ]]; then
        local fresh
        fresh="$(mktemp --suffix=.bpf.o)"
        trap 'rm -f "$fresh"' RETURN
        compile "$fresh"
        cmp -s "$fresh" "$object" || stale "$source_file compiles to other bytes than the committed object"
    fi
}

case "${1:-}" in
    check) check ;;
    update) update ;;
    *) echo "usage: build.sh check|update" >&2; exit 2 ;;
esac
