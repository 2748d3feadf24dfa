"""Where a cold cargo-static build's time goes, from its time-stamped `-v` log (bench/timed.py):
each phase's start and end (seconds since the start) and duration, as a markdown table.
Phases that overlap ran at the same time."""
import re, sys

lines = []
for raw in open(sys.argv[1]):
    stamp, _, text = raw.partition(" | ")
    lines.append((float(stamp), text.rstrip("\n")))
end_of_build = lines[-1][0] if lines else 0.0


def first(pattern, after=0.0):
    rx = re.compile(pattern)
    return next(((t, text) for t, text in lines if t >= after and rx.search(text)), None)


def phase(name, start_pattern, end_pattern, end_fallback=None):
    start = first(start_pattern)
    if not start:
        return None
    end = first(end_pattern, start[0]) or (first(end_fallback, start[0] + 0.001) if end_fallback else None)
    stop = end[0] if end else end_of_build
    return (name, start[0], stop)


phases = [p for p in [
    phase("the Rust standard library (cargo, from rust-src)", r"^\+ .*--unit-graph", r"std for \S+ built in"),
    phase("mimalloc: fetching Debian's source (apt-get source)", r"Fetching .*source of mimalloc", r"Building +mimalloc"),
    phase("mimalloc: building it", r"Building +mimalloc", r"mimalloc for \S+ built in"),
    phase("zig's libc for the target (zig's first link)", r"^\+ .*first-link\.c", r"preparing zig's libc.*done in", r"^\+ "),
    phase("the project (cargo build, link, audit)", r"^\+ .*CARGO_BUILD_TARGET.*\bcargo build\b", r"^$a"),
] if p]
first_step = min((p[1] for p in phases), default=0.0)
print("| phase | from | to | took |")
print("|---|---|---|---|")
print(f"| planning (cargo metadata, toolchain and library discovery) | 0 s | {first_step:.0f} s | {first_step:.0f} s |")
for name, start, stop in sorted(phases, key=lambda p: p[1]):
    print(f"| {name} | {start:.0f} s | {stop:.0f} s | {stop - start:.0f} s |")
print(f"| **whole build** | 0 s | {end_of_build:.0f} s | {end_of_build:.0f} s |")
