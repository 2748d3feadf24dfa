#!/usr/bin/env bash
# SHA-256 speed: the hand-written implementation (the last commit that had it) against
# swift-crypto (this tree), in the same run, through the CLI:
#  - one large file: `verify --sbom` hashes the executable whole (the audit itself reads only
#    headers); MB/s from the time minus `verify` alone, sha256sum (coreutils) for scale;
#  - `cache verify` (every entry's files against their manifests) on a cache.
# Prints a markdown table and writes it into docs/benchmarks.md (section "## Hashing speed").
#
#   bench/hash-speed.sh
#   BENCH_CACHE=/path/to/cache     the cache for `cache verify` (default: $CARGO_STATIC_CACHE)
#   BENCH_OLD_REV=<commit>         the tree with the old implementation (default below)
#   BENCH_OLD_BIN=<path>           an old cargo-static already built (skips building BENCH_OLD_REV)
#   BENCH_NEW_BIN=<path>           a new cargo-static already built (skips `swift build -c release`)
#   BENCH_RUNS=5                   runs per measurement; the best is kept
#   BENCH_SIZE_MB=256              size of the large file
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
work=$repo/.bench-work/hash-speed
mkdir -p "$work"
runs=${BENCH_RUNS:-5}
size_mb=${BENCH_SIZE_MB:-256}
cache=${BENCH_CACHE:-${CARGO_STATIC_CACHE:-$HOME/.cache/cargo-static}}
# The last commit with the hand-written SHA-256 (Sources/Digest/SHA256.swift).
old_rev=${BENCH_OLD_REV:-2c677bb}

new=${BENCH_NEW_BIN:-}
if [ -z "$new" ]; then
  echo "building cargo-static (release, this tree)" >&2
  swift build -c release --product cargo-static >/dev/null
  new=$(swift build -c release --product cargo-static --show-bin-path)/cargo-static
fi
old=${BENCH_OLD_BIN:-}
if [ -z "$old" ]; then
  src=$work/old-$old_rev
  if [ ! -x "$src/.build/release/cargo-static" ]; then
    echo "building cargo-static at $old_rev (release, in $src)" >&2
    rm -rf "$src"; mkdir -p "$src"
    git archive "$old_rev" | tar -x -C "$src"
    (cd "$src" && swift build -c release --product cargo-static >/dev/null)
  fi
  old=$src/.build/release/cargo-static
fi

# best_s COMMAND...: the best wall time of $runs runs, in seconds (output discarded, exit status ignored).
best_s() {
  local best="" t0 t1 t
  "$@" >/dev/null 2>&1 || true # warm-up (page cache)
  for _ in $(seq "$runs"); do
    t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
    t=$(( (t1 - t0) / 1000 ))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  python3 -c "print(f'{$best / 1e6:.3f}')"
}
mbps() { python3 -c "d = max($2 - $3, 1e-6); print(f'{$1 / d:.0f}')"; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}×')"; }

# A static ELF file with $size_mb MiB appended: a real executable for the audit, large for the hash.
big=$work/big-elf
if [ "$(stat -c %s "$big" 2>/dev/null || echo 0)" -lt $((size_mb << 20)) ]; then
  cc=$(command -v musl-gcc || command -v gcc)
  printf 'int main(void) { return 0; }\n' >"$work/tiny.c"
  "$cc" -static -O2 "$work/tiny.c" -o "$big"
  head -c $((size_mb << 20)) /dev/urandom >>"$big"
fi
bytes=$(stat -c %s "$big")
mb=$(python3 -c "print($bytes / 1e6)")
sum=$(sha256sum "$big" | cut -d' ' -f1)
printf '{"bomFormat":"CycloneDX","metadata":{"component":{"name":"big","hashes":[{"alg":"SHA-256","content":"%s"}]}}}\n' "$sum" >"$work/big.cdx.json"

# Both must agree with sha256sum (the digests did not change meaning).
for b in "$old" "$new"; do
  { "$b" verify --json --sbom "$work/big.cdx.json" "$big" 2>/dev/null || true; } | grep -q "$sum" \
    || { echo "$b does not report the SHA-256 sha256sum gives for $big" >&2; exit 1; }
done

echo "timing the large file" >&2
old_audit=$(best_s "$old" verify "$big"); new_audit=$(best_s "$new" verify "$big")
old_file=$(best_s "$old" verify --sbom "$work/big.cdx.json" "$big")
new_file=$(best_s "$new" verify --sbom "$work/big.cdx.json" "$big")
coreutils=$(best_s sha256sum "$big")
old_mbps=$(mbps "$mb" "$old_file" "$old_audit"); new_mbps=$(mbps "$mb" "$new_file" "$new_audit")
core_mbps=$(mbps "$mb" "$coreutils" 0)

echo "timing cache verify on $cache" >&2
entries=$({ CARGO_STATIC_CACHE=$cache "$new" cache verify 2>/dev/null || true; } | head -n1 | sed -n 's/^checked \([0-9]*\) entries.*: \(.*\)$/\1 entries, \2/p')
cache_bytes=$(du -sb "$cache/std" "$cache/deps" "$cache/toolchains" "$cache/archives" 2>/dev/null | awk '{s += $1} END {print s + 0}')
# The same verdicts, entry by entry (the digests recorded by the old code still match).
if ! cmp -s <(CARGO_STATIC_CACHE=$cache "$old" cache verify --json 2>/dev/null || true) \
            <(CARGO_STATIC_CACHE=$cache "$new" cache verify --json 2>/dev/null || true); then
  echo "old and new cache verify disagree on $cache" >&2; exit 1
fi
old_cache=$(best_s env CARGO_STATIC_CACHE="$cache" "$old" cache verify)
new_cache=$(best_s env CARGO_STATIC_CACHE="$cache" "$new" cache verify)

section=$work/section.md
cat >"$section" <<EOF
## Hashing speed

Written by \`bench/hash-speed.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)),
Linux $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at the end of the run. Best of $runs runs after one
warm-up (files in the page cache), old and new in the same run. "Before" is the hand-written SHA-256 (commit $old_rev),
"after" is swift-crypto (BoringSSL; this CPU $(grep -qw sha_ni /proc/cpuinfo && echo "has" || echo "lacks") the SHA instructions). A load average near
or above the number of cores means other work shared the machine: then only the ratios compare.

| measurement | before | after | after/before |
|---|---:|---:|---:|
| SHA-256 of a $(python3 -c "print(f'{$bytes / 1048576:.0f}')") MiB file (\`verify --sbom\` minus \`verify\`) | $old_mbps MB/s | $new_mbps MB/s | $(ratio "$new_mbps" "$old_mbps") faster |
| \`verify --sbom\` of that file, wall | $old_file s | $new_file s | $(ratio "$new_file" "$old_file") |
| \`cache verify\`, $(python3 -c "print(f'{$cache_bytes / 1e6:.0f}')") MB of entries (${entries:-?}) | $old_cache s | $new_cache s | $(ratio "$new_cache" "$old_cache") |
| for scale: \`sha256sum\` (coreutils $(sha256sum --version | head -n1 | awk '{print $NF}')) of the same file | $core_mbps MB/s | | |

Digests are unchanged: both report the SHA-256 that sha256sum gives for the large file, and the old and
new \`cache verify --json\` give the same verdicts on every entry (both checked by the script; entries
reported damaged, if any, are so for both).
EOF
cat "$section"
python3 bench/update-section.py docs/benchmarks.md "$section"
echo "updated docs/benchmarks.md" >&2
