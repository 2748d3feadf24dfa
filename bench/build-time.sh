#!/usr/bin/env bash
# Build time and binary size: cargo-static (cold std / warm std) vs plain cargo for the
# gnu target vs cargo-zigbuild with -Zbuild-std, on examples/hello and Debian's ripgrep.
# Writes the table into docs/benchmarks.md (section "## Build time and size"). Both cold
# builds start with an empty zig cache. bench/cold.sh times the cold hello alone, with a breakdown.
#
# Plain cargo, plain cargo --target and the warm cargo-static build are timed in
# interleaved rounds (plain, --target, warm; then the reverse order), so a slow drift of
# the machine falls on all three alike instead of on whichever ran last. Wall time and CPU
# time (user + system of every process of the build) are medians over the rounds.
#
#   bench/build-time.sh            hello and ripgrep
#   BENCH_PROGRAMS=hello bench/build-time.sh
#   BENCH_RUNS=5                   rounds of the three repeated builds (default 5)
#   BENCH_BIN=<path>               a cargo-static already built (skips `swift build -c release`)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
if [ -n "${BENCH_BIN:-}" ]; then bin=$BENCH_BIN; else bench_setup; fi
ensure_cargo_zigbuild
runs=${BENCH_RUNS:-5}
programs=${BENCH_PROGRAMS:-$([ "${BENCH_RIPGREP:-1}" = 0 ] && echo hello || echo "hello ripgrep")}
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo
unset RUSTFLAGS CARGO_TARGET_DIR ZIG_GLOBAL_CACHE_DIR

source_dir() {
  case "$1" in
    hello) rm -rf "$work/hello"; cp -r "$repo/examples/hello" "$work/hello"; echo "$work/hello" ;;
    ripgrep) ripgrep_dir ;;
  esac
}

# time_build DIR CMD...: runs CMD in DIR after removing DIR/target; prints "WALL CPU" in
# seconds (bench/timed.py), CPU being user + system time of CMD and everything it started.
time_build() {
  local dir=$1; shift
  rm -rf "$dir/target"
  local result
  result=$(cd "$dir" && python3 "$repo/bench/timed.py" "$work/last-build.log" "$@") \
    || { echo "build failed: $*" >&2; tail -n 30 "$work/last-build.log" >&2; exit 1; }
  python3 -c "wall, user, system = map(float, '$result'.split()); print(f'{wall:.2f} {user + system:.2f}')"
}

# median_of FIELD MEASUREMENTS...: the median of field 1 (wall) or 2 (CPU) of "WALL CPU" pairs.
median_of() {
  local field=$1; shift
  median $(printf '%s\n' "$@" | cut -d' ' -f"$field")
}

rows=()
for prog in $programs; do
  dir=$(source_dir "$prog")
  exe_name=$prog; [ "$prog" = ripgrep ] && exe_name=rg
  echo "== $prog ($dir)" >&2

  # Cold first: it fills the cache the warm rounds use.
  cold_cache=$(mktemp -d "$work/cold-cache-XXXX")
  cold=$(time_build "$dir" env CARGO_STATIC_CACHE="$cold_cache" "$bin" build --release)
  cold_t=${cold% *}
  echo "   cargo-static cold: ${cold_t}s" >&2

  # Like for like: plain cargo with --target puts its output where a cross build does; the
  # three repeated builds run in interleaved rounds, the order reversed every other round.
  plain=(); gnu_target=(); warm=()
  for r in $(seq "$runs"); do
    order="plain gnu_target warm"; [ $((r % 2)) = 0 ] && order="warm gnu_target plain"
    for which in $order; do
      case $which in
        plain) plain+=("$(time_build "$dir" "$CARGO" build --release -j2)")
               plain_size=$(size_of "$dir/target/release/$exe_name"); plain_kind=$(kind_of "$dir/target/release/$exe_name") ;;
        gnu_target) gnu_target+=("$(time_build "$dir" "$CARGO" build --release -j2 --target x86_64-unknown-linux-gnu)") ;;
        warm) warm+=("$(time_build "$dir" env CARGO_STATIC_CACHE="$cold_cache" "$bin" build --release)")
              ours="$dir/target/x86_64-unknown-linux-musl/release/$exe_name"; ours_size=$(size_of "$ours"); ours_kind=$(kind_of "$ours") ;;
      esac
    done
    echo "   round $r: plain ${plain[-1]}, --target gnu ${gnu_target[-1]}, cargo-static warm ${warm[-1]} (wall CPU)" >&2
  done
  rm -rf "$cold_cache"
  plain_t=$(median_of 1 "${plain[@]}"); plain_c=$(median_of 2 "${plain[@]}")
  gnu_target_t=$(median_of 1 "${gnu_target[@]}"); gnu_target_c=$(median_of 2 "${gnu_target[@]}")
  warm_t=$(median_of 1 "${warm[@]}"); warm_c=$(median_of 2 "${warm[@]}")
  echo "   medians (wall CPU): plain $plain_t $plain_c, --target gnu $gnu_target_t $gnu_target_c, warm $warm_t $warm_c" >&2

  # Cold like ours: an empty zig cache, so zig's libc is built at its link as in our cold row.
  zig_cache=$(mktemp -d "$work/zig-cache-XXXX")
  zb=$(time_build "$dir" env ZIG_GLOBAL_CACHE_DIR="$zig_cache" bash -c "source '$repo/bench/lib.sh'; zigbuild")
  zb_t=${zb% *}
  rm -rf "$zig_cache"
  zb_exe="$dir/target/x86_64-unknown-linux-musl/release/$exe_name"; zb_size=$(size_of "$zb_exe"); zb_kind=$(kind_of "$zb_exe")
  echo "   cargo-zigbuild -Zbuild-std: ${zb_t}s" >&2

  rows+=("| $prog | plain \`cargo build --release\` (gnu, dynamic) | ${plain_t} s | 1.00× | ${plain_c} s | 1.00× | $plain_size | $plain_kind |")
  rows+=("| $prog | plain \`cargo build --release --target x86_64-unknown-linux-gnu\` | ${gnu_target_t} s | $(ratio "$gnu_target_t" "$plain_t") | ${gnu_target_c} s | $(ratio "$gnu_target_c" "$plain_c") | $plain_size | $plain_kind |")
  rows+=("| $prog | cargo-static, cold (std built) | ${cold_t} s | $(ratio "$cold_t" "$plain_t") | ${cold#* } s | $(ratio "${cold#* }" "$plain_c") | $ours_size | $ours_kind |")
  rows+=("| $prog | cargo-static, warm (std cached) | ${warm_t} s | $(ratio "$warm_t" "$plain_t") (vs --target gnu: $(ratio "$warm_t" "$gnu_target_t")) | ${warm_c} s | $(ratio "$warm_c" "$plain_c") | $ours_size | $ours_kind |")
  rows+=("| $prog | cargo-zigbuild -Zbuild-std (std built each clean build) | ${zb_t} s | $(ratio "$zb_t" "$plain_t") | ${zb#* } s | $(ratio "${zb#* }" "$plain_c") | $zb_size | $zb_kind |")
done

section=$(mktemp)
{
  echo "## Build time and size"
  echo
  echo "Measured by \`bench/build-time.sh\` on $(date -u +%Y-%m-%d): $(machine)."
  echo "rustc $($RUSTC --version | cut -d' ' -f2), $(python3 -m ziglang version | sed 's/^/zig /'), $(cargo-zigbuild --version 2>/dev/null | head -n1)."
  echo "Every build starts from an empty target/ directory. Plain, --target and warm are medians of $runs interleaved rounds (plain, --target, warm, then the reverse order); cold and cargo-zigbuild are one run each, both with an empty zig cache. CPU is user + system time of every process of the build."
  echo "Cold starts from an empty cache: besides std it builds the default allocator (mimalloc, from Debian's source) and zig's libc for the target (zig's cache lives in cargo-static's)."
  echo "Ratios are against plain cargo (no --target) in the same run; the like-for-like row is plain cargo with \`--target\`, which writes its output where every cross build (ours, cargo-zigbuild) does. Sizes in bytes (unstripped release profile); linkage by \`cargo-static verify\`."
  echo
  echo "| program | build | wall | ratio | CPU | ratio | size | linkage |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
} >"$section"
publish_section "$section"
