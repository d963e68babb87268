"""Reading the Prometheus text exposition of /metrics in tests."""

from __future__ import annotations

import re

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text: str) -> dict[tuple[str, frozenset], float]:
    """Prometheus text into {(name, labels): value}, checking every line's syntax on the way."""
    samples, typed = {}, set()
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            typed.add(line.split()[2])
            continue
        if line.startswith("# HELP ") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        name, _, labels, value = match.groups()
        assert any(name == t or name.startswith(t + "_") for t in typed), f"{name} has no TYPE"
        samples[(name, frozenset(LABEL.findall(labels or "")))] = float(value)
    return samples
