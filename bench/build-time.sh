#!/usr/bin/env bash
# Build time and binary size: cargo-static (cold std / warm std) vs plain cargo for the
# gnu target vs cargo-zigbuild with -Zbuild-std, on examples/hello and Debian's ripgrep.
# Writes the table into docs/benchmarks.md (section "## Build time and size"). Both cold
# builds start with an empty zig cache. bench/cold.sh times the cold hello alone, with a breakdown.
#
#   bench/build-time.sh            hello and ripgrep
#   BENCH_PROGRAMS=hello bench/build-time.sh
#   BENCH_RUNS=3                   warm and plain builds are repeated; the median is used
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup
ensure_cargo_zigbuild
runs=${BENCH_RUNS:-3}
programs=${BENCH_PROGRAMS:-$([ "${BENCH_RIPGREP:-1}" = 0 ] && echo hello || echo "hello ripgrep")}
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo
unset RUSTFLAGS CARGO_TARGET_DIR ZIG_GLOBAL_CACHE_DIR

source_dir() {
  case "$1" in
    hello) rm -rf "$work/hello"; cp -r "$repo/examples/hello" "$work/hello"; echo "$work/hello" ;;
    ripgrep) ripgrep_dir ;;
  esac
}

# time_build NAME DIR EXE CMD...: runs CMD in DIR after removing DIR/target; prints seconds.
time_build() {
  local dir=$1; shift
  rm -rf "$dir/target"
  local t0; t0=$(now)
  (cd "$dir" && "$@") >"$work/last-build.log" 2>&1 || { echo "build failed: $*" >&2; tail -n 30 "$work/last-build.log" >&2; exit 1; }
  elapsed "$t0" "$(now)"
}

rows=()
for prog in $programs; do
  dir=$(source_dir "$prog")
  exe_name=$prog; [ "$prog" = ripgrep ] && exe_name=rg
  echo "== $prog ($dir)" >&2

  plain=(); for _ in $(seq "$runs"); do plain+=("$(time_build "$dir" "$CARGO" build --release -j2)"); done
  plain_t=$(median "${plain[@]}"); plain_size=$(size_of "$dir/target/release/$exe_name"); plain_kind=$(kind_of "$dir/target/release/$exe_name")
  echo "   plain cargo (gnu): ${plain_t}s" >&2
  # Like for like: with --target, cargo compiles crates used by build scripts and by the
  # program twice (host and target), as every cross build (ours, cargo-zigbuild) must.
  gnu_target=(); for _ in $(seq "$runs"); do gnu_target+=("$(time_build "$dir" "$CARGO" build --release -j2 --target x86_64-unknown-linux-gnu)"); done
  gnu_target_t=$(median "${gnu_target[@]}")
  echo "   plain cargo --target x86_64-unknown-linux-gnu: ${gnu_target_t}s" >&2

  cold_cache=$(mktemp -d "$work/cold-cache-XXXX")
  cold_t=$(time_build "$dir" env CARGO_STATIC_CACHE="$cold_cache" "$bin" build --release)
  echo "   cargo-static cold: ${cold_t}s" >&2
  warm=(); for _ in $(seq "$runs"); do warm+=("$(time_build "$dir" env CARGO_STATIC_CACHE="$cold_cache" "$bin" build --release)"); done
  warm_t=$(median "${warm[@]}")
  ours="$dir/target/x86_64-unknown-linux-musl/release/$exe_name"; ours_size=$(size_of "$ours"); ours_kind=$(kind_of "$ours")
  echo "   cargo-static warm: ${warm_t}s" >&2
  rm -rf "$cold_cache"

  # Cold like ours: an empty zig cache, so zig's libc is built at its link as in our cold row.
  zig_cache=$(mktemp -d "$work/zig-cache-XXXX")
  zb_t=$(time_build "$dir" env ZIG_GLOBAL_CACHE_DIR="$zig_cache" bash -c "source '$repo/bench/lib.sh'; zigbuild")
  rm -rf "$zig_cache"
  zb="$dir/target/x86_64-unknown-linux-musl/release/$exe_name"; zb_size=$(size_of "$zb"); zb_kind=$(kind_of "$zb")
  echo "   cargo-zigbuild -Zbuild-std: ${zb_t}s" >&2

  rows+=("| $prog | plain \`cargo build --release\` (gnu, dynamic) | ${plain_t} s | 1.00× | $plain_size | $plain_kind |")
  rows+=("| $prog | plain \`cargo build --release --target x86_64-unknown-linux-gnu\` | ${gnu_target_t} s | $(ratio "$gnu_target_t" "$plain_t") | $plain_size | $plain_kind |")
  rows+=("| $prog | cargo-static, cold (std built) | ${cold_t} s | $(ratio "$cold_t" "$plain_t") | $ours_size | $ours_kind |")
  rows+=("| $prog | cargo-static, warm (std cached) | ${warm_t} s | $(ratio "$warm_t" "$plain_t") (vs --target gnu: $(ratio "$warm_t" "$gnu_target_t")) | $ours_size | $ours_kind |")
  rows+=("| $prog | cargo-zigbuild -Zbuild-std (std built each clean build) | ${zb_t} s | $(ratio "$zb_t" "$plain_t") | $zb_size | $zb_kind |")
done

section=$(mktemp)
{
  echo "## Build time and size"
  echo
  echo "Measured by \`bench/build-time.sh\` on $(date -u +%Y-%m-%d): $(machine)."
  echo "rustc $($RUSTC --version | cut -d' ' -f2), $(python3 -m ziglang version | sed 's/^/zig /'), $(cargo-zigbuild --version 2>/dev/null | head -n1)."
  echo "Every build starts from an empty target/ directory; warm and plain are medians of $runs runs, cold and cargo-zigbuild one run, both with an empty zig cache."
  echo "Cold starts from an empty cache: besides std it builds the default allocator (mimalloc, from Debian's source) and zig's libc for the target (zig's cache lives in cargo-static's)."
  echo "Ratios are against plain cargo (no --target) in the same run; a --target build compiles the crates shared by build scripts and the program twice, hence the like-for-like row. Sizes in bytes (unstripped release profile); linkage by \`cargo-static verify\`."
  echo
  echo "| program | build | time | ratio | size | linkage |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
} >"$section"
publish_section "$section"
