# Helpers shared by the bench/ scripts (sourced, not run).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$repo/.bench-work
bin=$repo/.build/release/cargo-static
mkdir -p "$work"

now() { date +%s.%N; }
elapsed() { python3 -c "print(f'{$2 - $1:.2f}')"; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
size_of() { stat -c %s "$1" 2>/dev/null || echo 0; }
ratio() { python3 -c "print(f'{$1 / $2:.2f}×')"; }

# Linkage according to our own audit (verify exits 1 for a dynamic file; only its JSON matters).
kind_of() {
  { "$bin" verify --json "$1" 2>/dev/null || true; } | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["linkage"])' 2>/dev/null || echo "?"
}

# One line about the machine, for every table.
machine() {
  echo "$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r)"
}

# The tools every table depends on, built or installed once (idempotent).
bench_setup() {
  "$repo/scripts/setup"
  (cd "$repo" && swift build -c release --static-swift-stdlib --product cargo-static >/dev/null)
}

ensure_hyperfine() {
  command -v hyperfine >/dev/null && return
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo=sudo
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq hyperfine >/dev/null
}

ensure_cargo_zigbuild() {
  command -v cargo-zigbuild >/dev/null && return
  python3 -m pip install --quiet cargo-zigbuild 2>/dev/null || python3 -m pip install --quiet --break-system-packages cargo-zigbuild
}

# Debian's ripgrep, prepared to build offline (prints its directory).
ripgrep_dir() {
  VERIFY_BUILD=0 PREPARE_FD=0 "$repo/scripts/prepare-rust-programs" "$work" | sed -n 's/^ripgrep=//p'
}

# A directory registry holding both the program's crates (Debian's) and std's vendored
# crates, since cargo-zigbuild -Zbuild-std resolves both through one crates-io replacement.
combined_registry() {
  local dir=$work/combined-registry library=/usr/lib/rustlib/src/rust/library
  if [ ! -d "$dir" ]; then
    mkdir -p "$dir.tmp"
    for c in /usr/share/cargo/registry/* "$library"/vendor/*; do ln -sfn "$c" "$dir.tmp/$(basename "$c")"; done
    mv "$dir.tmp" "$dir"
  fi
  echo "$dir"
}

# cargo-zigbuild with -Zbuild-std for x86_64 musl, in the current directory.
zigbuild() {
  local registry; registry=$(combined_registry)
  RUSTC_BOOTSTRAP=1 RUSTFLAGS=-Clink-self-contained=no cargo-zigbuild build --release \
    --target x86_64-unknown-linux-musl -Zbuild-std=std,panic_unwind \
    --config "source.crates-io.replace-with=\"bench-combined\"" --config "source.bench-combined.directory=\"$registry\"" "$@"
}

# Writes the section in file $1 into docs/benchmarks.md (replacing the one with its heading).
publish_section() {
  cat "$1"
  python3 "$repo/bench/update-section.py" "$repo/docs/benchmarks.md" "$1"
}

# interleaved_medians OUT ROUNDS RUNS [hyperfine options…] -- COMMAND…: runs every command
# RUNS times per round for ROUNDS rounds, in reverse order on every other round, so a slow
# drift of the machine (a noisy neighbour, thermal limits) falls on every command alike
# instead of on whichever ran last. Prints each command's median over all its runs, one
# per line, in the order given. Keeps each round's hyperfine export as OUT.<round>.json.
interleaved_medians() {
  local out=$1 rounds=$2 runs=$3; shift 3
  local opts=() cmds=() r
  while [ "$1" != "--" ]; do opts+=("$1"); shift; done; shift
  cmds=("$@")
  for r in $(seq "$rounds"); do
    if [ $((r % 2)) = 0 ]; then
      local reversed=(); for ((i = ${#cmds[@]} - 1; i >= 0; i--)); do reversed+=("${cmds[$i]}"); done
      hyperfine -N --warmup 1 --runs "$runs" "${opts[@]}" --export-json "$out.$r.json" "${reversed[@]}" >/dev/null
    else
      hyperfine -N --warmup 1 --runs "$runs" "${opts[@]}" --export-json "$out.$r.json" "${cmds[@]}" >/dev/null
    fi
  done
  python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
times = {}
for r in range(1, rounds + 1):
    results = json.load(open(f"{out}.{r}.json"))["results"]
    for res in results:
        times.setdefault(res["command"], []).extend(res["times"])
first = json.load(open(f"{out}.1.json"))["results"]
for res in first:
    print(statistics.median(times[res["command"]]))
PY
}
