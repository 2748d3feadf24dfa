#!/usr/bin/env bash
# Per target: cold std build time, and the sizes of hello and ripgrep built by cargo-static.
# Writes the section "## Per-target std build and sizes" of docs/benchmarks.md.
#   BENCH_TARGETS="aarch64-unknown-linux-musl ..."   (default: x86_64 + the CI-tested ones)
#   BENCH_RIPGREP=0                                   hello only
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup
targets=${BENCH_TARGETS:-"x86_64-unknown-linux-musl aarch64-unknown-linux-musl armv7-unknown-linux-musleabihf i686-unknown-linux-musl riscv64gc-unknown-linux-musl s390x-unknown-linux-musl"}
rg_dir=""
if [ "${BENCH_RIPGREP:-1}" != 0 ]; then
  rg_dir=$(ripgrep_dir)
fi
rm -rf "$work/hello-targets"; cp -r "$repo/examples/hello" "$work/hello-targets"
cache=$(mktemp -d "$work/targets-cache-XXXX")
trap 'rm -rf "$cache"' EXIT
export CARGO_STATIC_CACHE=$cache

rows=()
for t in $targets; do
  echo "== $t" >&2
  t0=$(now)
  (cd "$work/hello-targets" && "$bin" build --release --target "$t" >/dev/null 2>"$work/last-target.log") \
    || { tail -n 30 "$work/last-target.log" >&2; exit 1; }
  # The first build of a target pays for std; the std build's own time is in the cache entry.
  std_s=$("$bin" cache list --json | python3 -c "import json,sys; print(next(f\"{e['buildSeconds']:.0f}\" for e in json.load(sys.stdin) if e['target']=='$t'))")
  hello=$(stat -c %s "$work/hello-targets/target/$t/release/hello")
  linkage=$("$bin" verify --json "$work/hello-targets/target/$t/release/hello" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkage"])' || true)
  rg_size="-"
  if [ -n "$rg_dir" ]; then
    (cd "$rg_dir" && "$bin" build --release --target "$t" >/dev/null 2>"$work/last-target.log") \
      || { tail -n 30 "$work/last-target.log" >&2; exit 1; }
    rg_size=$(stat -c %s "$rg_dir/target/$t/release/rg")
  fi
  rows+=("| $t | $std_s s | $hello | $rg_size | $linkage |")
  echo "   std ${std_s}s, hello $hello B, rg $rg_size B, $linkage ($(python3 -c "print(f'{$(now) - $t0:.0f}')") s in all)" >&2
done

section=$(mktemp)
{
  echo "## Per-target std build and sizes"
  echo
  echo "Measured by \`bench/targets.sh\` on $(date -u +%Y-%m-%d): $(machine); rustc $(/usr/bin/rustc --version | cut -d' ' -f2), zig $(python3 -m ziglang version)."
  echo "std: the cold build of the standard library from rust-src for that target (once per toolchain and target, then cached)."
  echo "Sizes in bytes of release builds (zig strips them, as rustc's default \`strip = \"debuginfo\"\` asks); ripgrep 13.0.0 from Debian's source package$([ -z "$rg_dir" ] && echo ": not measured in this run (BENCH_RIPGREP=0)")."
  echo
  echo "| target | std build | hello | ripgrep | linkage |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
} >"$section"
publish_section "$section"
