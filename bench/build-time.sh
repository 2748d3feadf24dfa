#!/usr/bin/env bash
# Build time and binary size: cargo-static (cold std / warm std) vs plain cargo for the
# gnu target vs cargo-zigbuild with -Zbuild-std, on examples/hello and Debian's ripgrep.
# Writes the table into docs/benchmarks.md (section "## Build time and size").
#
#   bench/build-time.sh            hello and ripgrep
#   BENCH_PROGRAMS=hello bench/build-time.sh
#   BENCH_RUNS=3                   warm and plain builds are repeated; the median is used
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
scripts/setup
python3 -c 'import cargo_zigbuild' 2>/dev/null || command -v cargo-zigbuild >/dev/null \
  || python3 -m pip install --quiet cargo-zigbuild 2>/dev/null || python3 -m pip install --quiet --break-system-packages cargo-zigbuild
swift build -c release --product cargo-static >/dev/null
bin=$repo/.build/release/cargo-static
runs=${BENCH_RUNS:-3}
programs=${BENCH_PROGRAMS:-"hello ripgrep"}
work=$repo/.bench-work
mkdir -p "$work"
library=/usr/lib/rustlib/src/rust/library
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo
unset RUSTFLAGS CARGO_TARGET_DIR

source_dir() {
  case "$1" in
    hello) rm -rf "$work/hello"; cp -r "$repo/examples/hello" "$work/hello"; echo "$work/hello" ;;
    ripgrep) VERIFY_BUILD=0 PREPARE_FD=0 scripts/prepare-rust-programs "$work" | sed -n 's/^ripgrep=//p' ;;
  esac
}

# A directory registry holding both the program's crates (Debian's) and std's vendored
# crates, since cargo-zigbuild -Zbuild-std resolves both through one crates-io replacement.
combined_registry() {
  local dir=$work/combined-registry
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir.tmp"
    for c in /usr/share/cargo/registry/* "$library"/vendor/*; do ln -sfn "$c" "$dir.tmp/$(basename "$c")"; done
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
kind_of() {  # linkage according to our own audit
  # verify exits 1 for a dynamic file; only its JSON matters here.
  { "$bin" verify --json "$1" 2>/dev/null || true; } | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkage"])' 2>/dev/null || echo "?"
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

  registry=$(combined_registry)
  zb_t=$(time_build "$dir" env RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Clink-self-contained=no cargo-zigbuild build --release \
    --target x86_64-unknown-linux-musl -Zbuild-std=std,panic_unwind \
    --config "source.crates-io.replace-with=\"bench-combined\"" --config "source.bench-combined.directory=\"$registry\"")
  zb="$dir/target/x86_64-unknown-linux-musl/release/$exe_name"; zb_size=$(size_of "$zb"); zb_kind=$(kind_of "$zb")
  echo "   cargo-zigbuild -Zbuild-std: ${zb_t}s" >&2

  ratio() { python3 -c "print(f'{$1 / $2:.2f}×')"; }
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
  echo "Measured by \`bench/build-time.sh\` on $(date -u +%Y-%m-%d): $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)."
  echo "rustc $($RUSTC --version | cut -d' ' -f2), $(python3 -m ziglang version | sed 's/^/zig /'), $(cargo-zigbuild --version 2>/dev/null | head -n1)."
  echo "Every build starts from an empty target/ directory; warm and plain are medians of $runs runs, cold and cargo-zigbuild one run."
  echo "Ratios are against plain cargo (no --target) in the same run; a --target build compiles the crates shared by build scripts and the program twice, hence the like-for-like row. Sizes in bytes (unstripped release profile); linkage by \`cargo-static verify\`."
  echo
  echo "| program | build | time | ratio | size | linkage |"
  echo "|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
  echo
} >"$section"
cat "$section"
python3 bench/update-section.py docs/benchmarks.md "$section"
