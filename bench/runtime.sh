#!/usr/bin/env bash
# How fast and how big static executables are, side by side with glibc, in one run:
#   - allocation-heavy workloads (bench/programs/alloc-bench), one and many threads;
#   - ripgrep (Debian's source) searching the rust-src tree;
#   - process start-up (bench/programs/hello), thousands of exec/exit;
#   - sizes of hello and ripgrep for every variant, and for cargo-zigbuild's output.
# Variants: glibc dynamic and static (+crt-static) from plain cargo; cargo-static with
# the libc's malloc (zig's, or musl's mallocng with --cc musl-gcc), mimalloc, jemalloc.
# Times are medians of BENCH_ROUNDS rounds of BENCH_RUNS runs (hyperfine; the order of the
# variants reversed on every other round, so drifts of the machine fall on all alike);
# ratios are against glibc dynamic.
# Writes the sections "Allocators: run time", "Start-up" and "Sizes" of docs/benchmarks.md.
#   BENCH_ROUNDS=3 BENCH_RUNS=5 (alloc, ripgrep)   BENCH_STARTUP_RUNS=2000   BENCH_RIPGREP=0 (skip ripgrep)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup
ensure_hyperfine
ensure_cargo_zigbuild
runs=${BENCH_RUNS:-5}
rounds=${BENCH_ROUNDS:-3}
startup_runs=${BENCH_STARTUP_RUNS:-2000}
export RUSTC=/usr/bin/rustc CARGO=/usr/bin/cargo CARGO_STATIC_CACHE=$work/cache
unset RUSTFLAGS CARGO_TARGET_DIR

# build DIR VARIANT NAME: builds program NAME in DIR as VARIANT (its own target dir, kept
# between runs) and prints the executable's path.
build() {
  local dir=$1 variant=$2 name=$3 exe
  local td="$work/targets/$(basename "$dir")-$variant"
  local cs=("$bin" build --release --target-dir "$td")
  local musl="$td/x86_64-unknown-linux-musl/release/$name"
  case "$variant" in
    glibc-dynamic) exe="$td/release/$name"; set -- "$CARGO" build --release --target-dir "$td" ;;
    glibc-static) exe="$td/x86_64-unknown-linux-gnu/release/$name"
      set -- env RUSTFLAGS=-Ctarget-feature=+crt-static "$CARGO" build --release --target x86_64-unknown-linux-gnu --target-dir "$td" ;;
    musl-libc) exe=$musl; set -- "${cs[@]}" --allocator musl ;;
    musl-mallocng) exe=$musl; set -- "${cs[@]}" --cc musl-gcc --allocator musl ;;
    mimalloc) exe=$musl; set -- "${cs[@]}" --allocator mimalloc ;;
    jemalloc) exe=$musl; set -- "${cs[@]}" --allocator jemalloc ;;
    musl-no-pie) exe=$musl; set -- "${cs[@]}" --allocator musl --no-pie ;;
    strip) exe=$musl; set -- "${cs[@]}" --strip ;;
    size) exe=$musl; set -- "${cs[@]}" --std-profile size ;;
    size-no-pie) exe=$musl; set -- "${cs[@]}" --std-profile size --no-pie ;;
    min) exe=$musl; set -- "${cs[@]}" --std-profile min ;;
    zigbuild) exe=$musl; set -- zigbuild --target-dir "$td" ;;
  esac
  echo "   building $name: $variant" >&2
  if ! (cd "$dir" && "$@") >"$work/last-build.log" 2>&1; then
    echo "build failed ($variant): $*" >&2; tail -n 20 "$work/last-build.log" >&2; echo "FAILED"; return
  fi
  echo "$exe"
}

# medians FILE: the median seconds of each command in a hyperfine JSON export, one per line.
medians() { python3 -c 'import json,sys; [print(r["median"]) for r in json.load(open(sys.argv[1]))["results"]]' "$1"; }

label() {
  case "$1" in
    glibc-dynamic) echo "glibc, dynamic" ;; glibc-static) echo "glibc, static (+crt-static)" ;;
    musl-libc) echo "musl, libc malloc (zig's)" ;; musl-mallocng) echo "musl, mallocng (musl-gcc)" ;;
    mimalloc) echo "musl + mimalloc" ;; jemalloc) echo "musl + jemalloc" ;;
    musl-no-pie) echo "musl, static (no PIE), libc malloc" ;; strip) echo "cargo-static --strip" ;;
    size) echo "--std-profile size" ;; size-no-pie) echo "--std-profile size --no-pie" ;; min) echo "--std-profile min" ;; zigbuild) echo "cargo-zigbuild -Zbuild-std" ;;
  esac
}

fast=(glibc-dynamic glibc-static musl-libc musl-mallocng mimalloc jemalloc)

# --- allocation workloads --------------------------------------------------------------
rm -rf "$work/alloc-bench" && cp -r "$repo/bench/programs/alloc-bench" "$work/alloc-bench"
declare -A alloc_exe
for v in "${fast[@]}"; do alloc_exe[$v]=$(build "$work/alloc-bench" "$v" alloc-bench); done
workloads=(small-boxes btree-strings threads cross-thread-free)
alloc_rows=()
for w in "${workloads[@]}"; do
  echo "== alloc-bench $w" >&2
  cmds=(); for v in "${fast[@]}"; do cmds+=("${alloc_exe[$v]} $w"); done
  mapfile -t t < <(interleaved_medians "$work/alloc-$w" "$rounds" "$runs" -- "${cmds[@]}" | tee "$work/alloc-$w.medians")
  row="| $w |"
  for i in "${!fast[@]}"; do row+=" $(printf '%.3f' "${t[$i]}") s ($(ratio "${t[$i]}" "${t[0]}")) |"; done
  alloc_rows+=("$row")
done

# --- ripgrep ---------------------------------------------------------------------------
declare -A rg_exe
rg_rows=()
if [ "${BENCH_RIPGREP:-1}" != 0 ]; then
  rg=$(ripgrep_dir)
  for v in "${fast[@]}"; do rg_exe[$v]=$(build "$rg" "$v" rg); done
  corpus=/usr/lib/rustlib/src/rust
  pattern='fn [a-z_]+\(|impl<'
  echo "== ripgrep: rg -c --no-ignore '$pattern' $corpus" >&2
  cmds=(); for v in "${fast[@]}"; do cmds+=("${rg_exe[$v]} -c --no-ignore -e '$pattern' $corpus"); done
  mapfile -t t < <(interleaved_medians "$work/rg" "$rounds" "$runs" --output=null -- "${cmds[@]}")
  matches=$("${rg_exe[glibc-dynamic]}" -c --no-ignore -e "$pattern" "$corpus" | awk -F: '{s+=$NF} END {print s}')
  files=$(find -L "$corpus" -type f | wc -l)
  for i in "${!fast[@]}"; do
    rg_rows+=("| $(label "${fast[$i]}") | $(printf '%.3f' "${t[$i]}") s | $(ratio "${t[$i]}" "${t[0]}") | $(size_of "${rg_exe[${fast[$i]}]}") |")
  done
fi

# --- start-up ----------------------------------------------------------------------------
rm -rf "$work/hello-bench" && cp -r "$repo/bench/programs/hello" "$work/hello-bench"
startup=(glibc-dynamic glibc-static musl-libc musl-no-pie mimalloc min)
declare -A hello_exe
for v in "${startup[@]}"; do hello_exe[$v]=$(build "$work/hello-bench" "$v" hello); done
echo "== start-up: $startup_runs runs each" >&2
cmds=(); for v in "${startup[@]}"; do cmds+=("${hello_exe[$v]}"); done
hyperfine -N --warmup 100 --runs "$startup_runs" --export-json "$work/startup.json" --output=null "${cmds[@]}" >/dev/null
mapfile -t t < <(medians "$work/startup.json")
startup_rows=()
for i in "${!startup[@]}"; do
  startup_rows+=("| $(label "${startup[$i]}") | $(kind_of "${hello_exe[${startup[$i]}]}") | $(python3 -c "print(f'{${t[$i]} * 1e6:.0f}')") µs | $(ratio "${t[$i]}" "${t[0]}") |")
done

# --- sizes -------------------------------------------------------------------------------
size_variants=(glibc-dynamic glibc-static mimalloc musl-libc jemalloc strip size size-no-pie min zigbuild)
size_rows=()
for v in "${size_variants[@]}"; do
  h=${hello_exe[$v]:-$(build "$work/hello-bench" "$v" hello)}
  r="-"
  if [ "${BENCH_RIPGREP:-1}" != 0 ]; then
    r_exe=${rg_exe[$v]:-$(build "$rg" "$v" rg)}
    r=$([ "$r_exe" = FAILED ] && echo "build failed" || size_of "$r_exe")
  fi
  size_rows+=("| $(label "$v") | $(size_of "$h") | $r | $(kind_of "$h") |")
done

# --- tables ------------------------------------------------------------------------------
versions="rustc $($RUSTC --version | cut -d' ' -f2), zig $(python3 -m ziglang version), $(cargo-zigbuild --version | head -n1), hyperfine $(hyperfine --version | cut -d' ' -f2), mimalloc and jemalloc from Debian's sources ($(ls "$work/cache/deps/x86_64-unknown-linux-musl" | grep -E '^(mimalloc|jemalloc)-' | sed -E 's/-[0-9a-f]{16}$//' | sort -u | paste -sd, - | sed 's/,/, /g'))"
section=$(mktemp)
{
  echo "## Allocators: run time"
  echo
  echo "Measured by \`bench/runtime.sh\` on $(date -u +%Y-%m-%d): $(machine)."
  echo "$versions."
  echo "Median wall time of $((rounds * runs)) runs per variant: $rounds rounds of $runs (hyperfine, one warm-up run each), the variants' order reversed every other round; ratio against glibc dynamic in the same run."
  echo "Every variant is the same source built with rustc $($RUSTC --version | cut -d' ' -f2) in release mode; the musl ones by cargo-static (static-pie)."
  echo "\`threads\` runs 4 threads per core, \`cross-thread-free\` frees on other threads what producers allocated."
  echo
  header="| workload |"; sep="|---|"
  for v in "${fast[@]}"; do header+=" $(label "$v") |"; sep+="---|"; done
  echo "$header"; echo "$sep"
  printf '%s\n' "${alloc_rows[@]}"
  echo
  # The issue's goals, checked on these numbers: an override within 1.05x of glibc dynamic
  # on every workload, and never slower than the libc's malloc it replaces.
  python3 - "$work" "${workloads[@]}" <<'PY'
import sys
work, workloads = sys.argv[1], sys.argv[2:]
columns = {"musl + mimalloc": 4, "musl + jemalloc": 5}
for name, col in columns.items():
    worst, slower = 0.0, []
    for w in workloads:
        t = [float(x) for x in open(f"{work}/alloc-{w}.medians").read().split()]
        worst = max(worst, t[col] / t[0])
        if t[col] > t[2]: slower.append(w)
    print(f"- {name}: worst {worst:.2f}× of glibc dynamic ({'within' if worst <= 1.05 else 'not within'} 1.05×); "
          + ("never slower than musl's own malloc." if not slower else "slower than musl's own malloc on " + ", ".join(slower) + "."))
PY
  echo
  if [ ${#rg_rows[@]} -gt 0 ]; then
    echo "ripgrep 13 (Debian's source) counting \`$pattern\` in $corpus ($files files, $matches matching lines), \`--no-ignore\`, all cores:"
    echo
    echo "| ripgrep built as | time | ratio | size (bytes) |"
    echo "|---|---|---|---|"
    printf '%s\n' "${rg_rows[@]}"
    echo
  fi
} >"$section"
publish_section "$section"
{
  echo "## Start-up"
  echo
  echo "Measured by \`bench/runtime.sh\` on $(date -u +%Y-%m-%d): $(machine)."
  echo "A program that prints one line (bench/programs/hello), started $startup_runs times by hyperfine without a shell; median time per start."
  echo
  echo "| hello built as | linkage | start-up | ratio |"
  echo "|---|---|---|---|"
  printf '%s\n' "${startup_rows[@]}"
  echo
} >"$section"
publish_section "$section"
{
  echo "## Sizes"
  echo
  echo "Measured by \`bench/runtime.sh\` on $(date -u +%Y-%m-%d); $versions."
  echo "Bytes, release profile. hello is bench/programs/hello (one println). cargo-static's default is mimalloc; \`--std-profile size\` and \`min\` default to the libc's malloc and strip."
  echo
  echo "| built as | hello | ripgrep | linkage (hello) |"
  echo "|---|---|---|---|"
  printf '%s\n' "${size_rows[@]}"
  echo
} >"$section"
publish_section "$section"
rm -f "$section"
