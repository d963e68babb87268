"""The "Screens" section of docs/benchmarks.md: one table per run, written in place."""

from __future__ import annotations

import math
import re
import statistics
from pathlib import Path

SECTION = "## Screens"


def pct(values: list[float], q: float) -> float | None:
    """The q-quantile (nearest rank) of the values, or None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def ms(value: float | None) -> str:
    """Milliseconds as the table shows them."""
    return "—" if value is None else f"{value:,.0f}"


def render(stages: list[dict], meta: dict) -> str:
    """The whole section as Markdown."""
    scales = [f"{st['scale']:g}×" for st in stages]
    head = "| measure | " + " | ".join(scales) + " |\n| --- |" + " ---: |" * len(stages)
    rows = []

    def row(label: str, cells: list[str]) -> None:
        rows.append(f"| {label} | " + " | ".join(cells) + " |")

    row("live positions on the city view", [f"{st['positions']:,}" for st in stages])
    row("city cold load to the map drawn, product: median (ms; runs)", [
        f"{ms(med(st['cold']))} ({len(st['cold'])})" for st in stages])
    row("city cold load to the map drawn, bare map page: median (ms; runs)", [
        f"{ms(med(st.get('cold_bare', [])))} ({len(st.get('cold_bare', []))})" for st in stages])
    row("cold load ratio product / bare (target ≤ 1.1)",
        [over(med(st["cold"]), med(st.get("cold_bare", []))) for st in stages])
    row("city cold load, product slowest (ms)",
        [ms(max(st["cold"]) if st["cold"] else None) for st in stages])
    row("figures and tables readable after navigation, product: median / slowest (ms; target ≤ 1,000)", [
        f"{ms(med(st.get('figures', [])))} / {ms(max(st['figures']) if st.get('figures') else None)}"
        for st in stages])
    for level in ("district", "town", "village", "grid"):
        row(f"drill step → {level}: product / bare, median (ms)", [
            f"{ms(med(st['drill'].get(level, [])))} / {ms(med(st.get('drill_bare', {}).get(level, [])))}"
            for st in stages])
        row(f"drill step → {level}: ratio (target ≤ 1.0)", [
            over(med(st["drill"].get(level, [])), med(st.get("drill_bare", {}).get(level, [])))
            for st in stages])
    for key, label in (("row", "feed-to-screen, product ticker row"),
                       ("marker", "feed-to-screen, product map marker"),
                       ("bare", "feed-to-screen, bare page div")):
        row(f"{label}: p50 / p99 (ms)", [f"{ms(pct(st['feed'][key], .5))} / {ms(pct(st['feed'][key], .99))}"
                                         for st in stages])
    row("incidents posted / rows seen / markers seen / bare seen", [
        f"{st['posted']} / {len(st['feed']['row'])} / {len(st['feed']['marker'])} / {len(st['feed']['bare'])}"
        for st in stages])
    row("p50 ratio product row / bare (target ≤ 2)", [ratio(st) for st in stages])
    row("load average (1 min) at start / end of the stage",
        [f"{st['load'][0]:.1f} / {st['load'][1]:.1f}" for st in stages])
    parts = [SECTION, "", meta["intro"], "", f"Command: `{meta['command']}` ({meta['when']}).", "",
             f"Machine: {meta['machine']}.", "", head, *rows, "", *meta["notes"]]
    return "\n".join(parts).rstrip() + "\n"


def med(values: list[float]) -> float | None:
    """The median, or None when there are no values."""
    return statistics.median(values) if values else None


def over(a: float | None, b: float | None) -> str:
    """a / b to two places, or a dash."""
    return "—" if a is None or not b else f"{a / b:.2f}"


def ratio(stage: dict) -> str:
    """p50(product row) / p50(bare), or a dash."""
    a, b = pct(stage["feed"]["row"], .5), pct(stage["feed"]["bare"], .5)
    return "—" if a is None or not b else f"{a / b:.2f}"


def write_section(path: Path, text: str) -> None:
    """Replace the "Screens" section (or append it), leaving every other section as it is."""
    doc = path.read_text() if path.exists() else "# Benchmarks\n"
    found = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M).search(doc)
    if found is None:
        doc = doc.rstrip() + "\n\n" + text
    else:
        doc = doc[:found.start()] + text.rstrip() + "\n\n" + doc[found.end():]
    path.write_text(doc.rstrip() + "\n")
