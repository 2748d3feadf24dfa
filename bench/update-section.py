"""Replaces one "## " section of a markdown file (or appends it), keeping the others."""
import sys
from pathlib import Path

doc, section_file = Path(sys.argv[1]), Path(sys.argv[2])
section = section_file.read_text().rstrip() + "\n"
heading = section.splitlines()[0]
text = doc.read_text() if doc.exists() else "# Benchmarks\n\nEach section is written by a script under bench/.\n"
lines = text.splitlines(keepends=True)
start = next((i for i, l in enumerate(lines) if l.rstrip() == heading), None)
if start is None:
    text = text.rstrip() + "\n\n" + section
else:
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")), len(lines))
    text = "".join(lines[:start]) + section + ("\n" if end < len(lines) else "") + "".join(lines[end:])
doc.parent.mkdir(parents=True, exist_ok=True)
doc.write_text(text)
