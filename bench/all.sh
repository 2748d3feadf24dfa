#!/usr/bin/env bash
# The whole benchmark suite, one command: every table of docs/benchmarks.md, measured in
# this run on this machine. Takes about an hour on 2 cores (ripgrep is built many times).
# Run it on a quiet machine: the tables compare timings taken side by side.
#   bench/all.sh                   everything
#   BENCH_RIPGREP=0 bench/all.sh   hello-sized programs only (minutes)
set -euo pipefail
cd "$(dirname "$0")"
./verify-speed.sh
./hash-speed.sh
./warm.sh
./cold.sh
./runtime.sh
./build-time.sh
./targets.sh
echo "docs/benchmarks.md is up to date"
