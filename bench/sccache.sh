#!/usr/bin/env bash
# ripgrep (Debian's) through sccache 0.16: a cold build (empty sccache), then a clean
# rebuild (empty target/) with the sccache warm. cargo-static's own cache is warm in both
# (std built beforehand), so the table shows what sccache saves on the crates.
#   bench/sccache.sh            writes the "sccache" section of docs/benchmarks.md
# CARGO_STATIC_BIN overrides the cargo-static used (default: a release build).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[ -n "${CARGO_STATIC_BIN:-}" ] && bin=$CARGO_STATIC_BIN || bench_setup
sccache=/usr/local/bin/sccache
"$sccache" --version | grep -Eq '^sccache 0\.(1[6-9]|[2-9][0-9])' || { echo "bench: sccache 0.16 is not at $sccache (scripts/setup)" >&2; exit 1; }
dir=$(ripgrep_dir)
scc=$work/sccache-dir
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export RUSTC_WRAPPER=$sccache SCCACHE_DIR=$scc SCCACHE_SERVER_PORT=$port SCCACHE_IDLE_TIMEOUT=600
trap '"$sccache" --stop-server >/dev/null 2>&1 || true' EXIT
rm -rf "$scc"
(cd "$dir" && "$bin" build --release -q >/dev/null 2>&1) # cargo-static's cache (std, libraries) warm; not timed
rm -rf "$dir/target" "$scc"; "$sccache" --stop-server >/dev/null 2>&1 || true
t0=$(now); (cd "$dir" && "$bin" build --release -q >/dev/null); cold=$(elapsed "$t0" "$(now)")
rm -rf "$dir/target"; "$sccache" --zero-stats >/dev/null
t0=$(now); (cd "$dir" && "$bin" build --release -q >/dev/null); warm=$(elapsed "$t0" "$(now)")
stats=$("$sccache" --show-stats --stats-format json)
read -r hits misses < <(python3 -c 'import json,sys; s=json.loads(sys.argv[1])["stats"]; c=lambda k: sum(s[k]["counts"].values()); print(c("cache_hits"), c("cache_misses"))' "$stats")
section=$work/sccache-section.md
cat >"$section" <<MD
## sccache: ripgrep's clean rebuild

Measured by \`bench/sccache.sh\` on $(date -u +%Y-%m-%d): $(machine).
$("$sccache" --version), rustc $(/usr/bin/rustc --version | cut -d' ' -f2) (Debian's, std built from source by cargo-static), ripgrep from Debian's source.
Both builds start from an empty target/ with cargo-static's cache warm; the cold one with an empty sccache (local disk).

| build | time | ratio | sccache hits / misses |
|---|---|---|---|
| ripgrep, cold sccache | ${cold} s | 1.00× | – |
| ripgrep, clean rebuild, warm sccache | ${warm} s | $(ratio "$warm" "$cold") | $hits / $misses |
MD
python3 "$repo/bench/update-section.py" "$repo/docs/benchmarks.md" "$section"
cat "$section"
