"""Runs a command, writes its output (stdout and stderr) to a log with each line's time since
the start ("  12.34 | line"), and prints "wall user system" in seconds (CPU time of the
command and everything it started)."""
import os, resource, subprocess, sys, time

log, cmd = sys.argv[1], sys.argv[2:]
start = time.monotonic()
before = resource.getrusage(resource.RUSAGE_CHILDREN)
with open(log, "w") as out:
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    for raw in proc.stdout:
        line = raw.decode(errors="replace").rstrip("\n")
        out.write(f"{time.monotonic() - start:8.2f} | {line}\n")
    status = proc.wait()
wall = time.monotonic() - start
after = resource.getrusage(resource.RUSAGE_CHILDREN)
if status != 0:
    sys.stderr.write(f"failed ({status}): {' '.join(cmd)}; log: {log}\n")
    sys.exit(1)
print(f"{wall:.2f} {after.ru_utime - before.ru_utime:.2f} {after.ru_stime - before.ru_stime:.2f}")
