#!/usr/bin/env bash
# Warm and no-op builds of a one-file crate (examples/hello): cargo-static against plain
# `cargo build --release` with the same rustc, in the same run.
#  - warm: empty target/, cargo-static's cache (std, allocator, zig's libc) already filled;
#  - no-op: nothing changed since the last build.
# Best (minimum) wall time of BENCH_RUNS runs (hyperfine), and the mean CPU time (user +
# system, children included), which a loaded machine disturbs less than wall time.
# Writes the table into docs/benchmarks.md (section "## Warm and no-op builds").
#
#   bench/warm.sh
#   BENCH_RUNS=7          runs per measurement (default 7)
#   BENCH_BIN=<path>      a cargo-static already built (skips `swift build -c release`)
#   BENCH_OLD_BIN=<path>  an earlier cargo-static to compare in the same run (optional)
#   BENCH_OLD_LABEL=text  what that earlier build is (default "before"), shown in the table
set -euo pipefail
source "$(dirname "$0")/lib.sh"
runs=${BENCH_RUNS:-7}
if [ -n "${BENCH_BIN:-}" ]; then bin=$BENCH_BIN; else bench_setup; fi
ensure_hyperfine
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo
unset RUSTFLAGS CARGO_TARGET_DIR
out=$work/warm
rm -rf "$out"; mkdir -p "$out"

# Each builder gets its own copy: cargo's rustc cache (target/.rustc_info.json) is keyed by
# the rustc it ran, and cargo-static's rustc is another file than /usr/bin/rustc.
copy() { cp -r "$repo/examples/hello" "$out/$1"; rm -rf "$out/$1/target"; echo "$out/$1"; }
plain_dir=$(copy plain)
builders=("plain cargo|$plain_dir|$CARGO build --release -q")
builders+=("cargo-static|$(copy ours)|$bin build --release -q")
[ -n "${BENCH_OLD_BIN:-}" ] && builders+=("cargo-static (${BENCH_OLD_LABEL:-before})|$(copy old)|$BENCH_OLD_BIN build --release -q")
# The cache must hold std, the allocator and zig's libc before "warm" means anything.
for b in "${builders[@]}"; do IFS='|' read -r _ dir cmd <<<"$b"; (cd "$dir" && $cmd >/dev/null 2>&1) || { echo "build failed: $cmd" >&2; exit 1; }; done

# measure KIND DIR CMD: "best_ms cpu_ms" of CMD in DIR (warm: target/ removed before each run).
measure() {
  local kind=$1 dir=$2 cmd=$3 json=$out/run.json prepare=()
  [ "$kind" = warm ] && prepare=(--prepare "rm -rf $dir/target")
  (cd "$dir" && hyperfine -N --warmup 1 --runs "$runs" "${prepare[@]}" --export-json "$json" "$cmd" >/dev/null 2>&1)
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.0f %.0f" % (min(r["times"]) * 1000, (r["user"] + r["system"]) * 1000))' "$json"
}

declare -A best cpu
for kind in warm noop; do
  for b in "${builders[@]}"; do
    IFS='|' read -r name dir cmd <<<"$b"
    echo "timing $kind: $name" >&2
    result=$(measure "$kind" "$dir" "$cmd")
    best["$kind/$name"]=${result% *}; cpu["$kind/$name"]=${result#* }
  done
done

ratio() { python3 -c "print(f'{$1 / $2:.2f}×')"; }
rows=""
for kind in warm noop; do
  label=$([ "$kind" = warm ] && echo "warm (empty target/, cache filled)" || echo "no-op (nothing changed)")
  p="plain cargo"
  for b in "${builders[@]}"; do
    IFS='|' read -r name _ _ <<<"$b"
    rows+="| $label | $name | ${best[$kind/$name]} ms | $(ratio "${best[$kind/$name]}" "${best[$kind/$p]}") | ${cpu[$kind/$name]} ms | $(ratio "${cpu[$kind/$name]}" "${cpu[$kind/$p]}") |"$'\n'
  done
done

section=$out/section.md
cat >"$section" <<EOF
## Warm and no-op builds

Measured by \`bench/warm.sh\` on $(date -u +%Y-%m-%d): $(machine); load average $(cut -d' ' -f1-3 /proc/loadavg) at the end
of the run. examples/hello (one file), \`build --release\`, rustc $($RUSTC --version | cut -d' ' -f2) for both (cargo-static's
toolchain directory wraps the same compiler). Wall: the best of $runs runs (hyperfine, one warm-up run); CPU: the mean
user + system time of those runs, cargo and rustc included. Ratios are against plain cargo in the same run.
A load average near or above the number of cores means other work shared the machine: absolute times are
then inflated and noisy, and only the ratios taken side by side in the same run compare.

| build | builder | wall (best) | ratio | CPU (mean) | ratio |
|---|---|---:|---:|---:|---:|
${rows}
EOF
publish_section "$section"
