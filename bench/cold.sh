#!/usr/bin/env bash
# A cold build of examples/hello (release): cargo-static from an empty cache (zig's cache is
# inside it, so empty too) against cargo-zigbuild -Zbuild-std with an empty
# ZIG_GLOBAL_CACHE_DIR, in the same run, and where cargo-static's cold time goes (from its
# own step lines, each stamped with its time since the start).
# Writes the section "## Cold build" into docs/benchmarks.md.
#
#   bench/cold.sh
#   BENCH_RUNS=1          rounds; each runs every builder once, in reverse order every other
#                         round (a neighbour's load falls on all alike); medians are shown
#   BENCH_BIN=<path>      a cargo-static already built (skips `swift build -c release`)
#   BENCH_OLD_BIN=<path>  an earlier cargo-static to compare in the same run (optional)
#   BENCH_OLD_LABEL=text  what that earlier build is (default "before")
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-1}
if [ -n "${BENCH_BIN:-}" ]; then bin=$BENCH_BIN; else bench_setup; fi
ensure_cargo_zigbuild
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo
unset RUSTFLAGS CARGO_TARGET_DIR ZIG_GLOBAL_CACHE_DIR
out=$work/cold
rm -rf "$out"; mkdir -p "$out"
combined_registry >/dev/null

builders=("cargo-static")
[ -n "${BENCH_OLD_BIN:-}" ] && builders+=("old")
builders+=("zigbuild")

label() {
  case "$1" in
    cargo-static) echo "cargo-static" ;;
    old) echo "cargo-static (${BENCH_OLD_LABEL:-before})" ;;
    zigbuild) echo "cargo-zigbuild -Zbuild-std" ;;
  esac
}

# run_cold BUILDER ROUND: one cold build in a fresh copy of hello with fresh caches; prints
# "wall user system" and leaves the time-stamped log in $out/BUILDER.ROUND.log.
run_cold() {
  local b=$1 r=$2 dir=$out/$1.$2 caches=$out/$1.$2.caches
  rm -rf "$dir" "$caches"; cp -r "$repo/examples/hello" "$dir"; rm -rf "$dir/target"; mkdir -p "$caches"
  local log=$out/$b.$r.log status=0
  case "$b" in
    cargo-static) (cd "$dir" && CARGO_STATIC_CACHE=$caches/cache python3 "$repo/bench/timed.py" "$log" "$bin" build --release -v) ;;
    old) (cd "$dir" && CARGO_STATIC_CACHE=$caches/cache python3 "$repo/bench/timed.py" "$log" "$BENCH_OLD_BIN" build --release -v) ;;
    zigbuild) (cd "$dir" && ZIG_GLOBAL_CACHE_DIR=$caches/zig python3 "$repo/bench/timed.py" "$log" bash -c "source '$repo/bench/lib.sh'; zigbuild") ;;
  esac || status=$?
  rm -rf "$caches"
  return "$status"
}

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A walls cpus
for r in $(seq "$runs"); do
  order=("${builders[@]}")
  if [ $((r % 2)) = 0 ]; then order=(); for ((i = ${#builders[@]} - 1; i >= 0; i--)); do order+=("${builders[$i]}"); done; fi
  for b in "${order[@]}"; do
    result=$(run_cold "$b" "$r") || { echo "cold build failed: $(label "$b"); log: $out/$b.$r.log" >&2; tail -n 30 "$out/$b.$r.log" >&2; exit 1; }
    read -r wall user sys <<<"$result"
    echo "   round $r, $(label "$b"): ${wall} s wall, $(python3 -c "print(f'{$user + $sys:.0f}')") s CPU" >&2
    walls[$b]+="$wall "; cpus[$b]+="$(python3 -c "print($user + $sys)") "
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

med() { median $1; }
zb_wall=$(med "${walls[zigbuild]}"); zb_cpu=$(med "${cpus[zigbuild]}")
rows=()
for b in "${builders[@]}"; do
  w=$(med "${walls[$b]}"); c=$(med "${cpus[$b]}")
  rows+=("| $(label "$b") | ${w} s | $(ratio "$w" "$zb_wall") | $(python3 -c "print(f'{$c:.0f}')") s | $(ratio "$c" "$zb_cpu") |")
done

section=$(mktemp)
{
  echo "## Cold build"
  echo
  echo "Measured by \`bench/cold.sh\` on $(date -u +%Y-%m-%d): $(machine)."
  echo "rustc $($RUSTC --version | cut -d' ' -f2), $(python3 -m ziglang version | sed 's/^/zig /'), $(cargo-zigbuild --version 2>/dev/null | head -n1)."
  echo "examples/hello, release, from an empty target/ and empty caches: cargo-static's (std, the default allocator mimalloc from Debian's source, and zig's libc, whose cache lives in cargo-static's) and, for cargo-zigbuild, an empty \`ZIG_GLOBAL_CACHE_DIR\` (it builds std with \`-Zbuild-std\` on every clean build, and zig's libc at its link)."
  echo "Median of $runs round(s) (the lower middle one for an even count), the builders' order reversed every other round; ratio against cargo-zigbuild in the same run. CPU: user + system of the build and everything it started."
  echo "The machine is shared: load average $load_before before, $load_after after (1, 5, 15 min)."
  echo
  echo "| build | wall | wall vs cargo-zigbuild | CPU | CPU vs cargo-zigbuild |"
  echo "|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
  echo "On a machine other work keeps busy, wall time depends on the neighbours' load as much as on the build: CPU time is the steadier measure of the work done."
  echo "Both build the same std crates (std, panic_unwind, panic_abort, proc_macro, with backtraces) without embedded bitcode: a release build without cross-crate LTO takes cargo-static's lean std, without libtest (built for \`cargo-static test\` only) and without bitcode (kept for LTO profiles)."
  echo
  echo "Where cargo-static's cold time goes (round 1, seconds since the start; steps on the same rows ran at the same time):"
  echo
  python3 "$repo/bench/cold-breakdown.py" "$out/cargo-static.1.log"
  if [ -n "${BENCH_OLD_BIN:-}" ]; then
    echo
    echo "The same for $(label old):"
    echo
    python3 "$repo/bench/cold-breakdown.py" "$out/old.1.log"
  fi
  echo
} >"$section"
publish_section "$section"
