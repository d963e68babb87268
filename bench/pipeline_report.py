"""Turn pipeline benchmark stages into the "Pipeline" section of docs/benchmarks.md."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bench.pipeline_probe import Sample, percentile
from dashboard.contract import schema

SECTION = "## Pipeline"
PREAMBLE = ("`python -m bench.pipeline` drives the whole pipeline (intake API → Redis Streams → `ingest` → "
            "database, and `fanout` → Socket.IO) with the simulator at 1×, 5× and 20× Putian load. "
            "One subsection per database, each rewritten by its latest run.")


@dataclass
class Stage:
    """The measured window of one load level."""

    scale: float
    seconds: float
    window: list[Sample]
    sent: dict[str, int]  # the simulator's own totals over the whole stage
    sim_seconds: float  # how long the simulator generated load (its --duration)
    latency_positions: list[float]
    latency_feed: list[float]
    drain_s: float | None  # seconds after the simulator stopped until lag and pending were 0
    cpu: dict[str, float] = field(default_factory=dict)  # process -> share of one core

    def rate(self, attr: str) -> float:
        """Rows per second persisted during the window."""
        first, last = self.window[0], self.window[-1]
        return (getattr(last, attr) - getattr(first, attr)) / max(last.t - first.t, 1e-9)

    def lag_series(self, stream: str = schema.POSITIONS) -> list[tuple[float, int]]:
        """(seconds into the window, lag) for one stream."""
        t0 = self.window[0].t
        return [(s.t - t0, s.lag.get(stream, 0) + s.pending.get(stream, 0)) for s in self.window]

    def lag_slope(self, stream: str = schema.POSITIONS) -> float:
        """Least-squares growth of lag + pending in entries per second (0 or less: keeping up)."""
        pts = self.lag_series(stream)
        if len(pts) < 2:
            return 0.0
        n = len(pts)
        mx, my = sum(t for t, _ in pts) / n, sum(v for _, v in pts) / n
        var = sum((t - mx) ** 2 for t, _ in pts)
        return sum((t - mx) * (v - my) for t, v in pts) / var if var else 0.0


def _ms(values: list[float], q: float) -> str:
    v = percentile(values, q)
    return "—" if v is None else f"{v:.0f}"


def render(stages: list[Stage], meta: dict) -> str:
    """The markdown of one database's subsection, from the stages measured and notes on the run."""
    out = [f"### {meta['database']}", "", meta["intro"], "", "```", meta["command"], "```", ""]
    out += [f"- when: {meta['when']}; machine: {meta['machine']}",
            f"- database: {meta['database']}; Redis: {meta['redis']}",
            f"- processes: {meta['processes']}", ""]
    out += ["| load | positions/s sent | positions/s persisted | incidents/s persisted | "
            "incident events/s persisted (reports + steps) | position lag+pending in entries, "
            "start → end (max) | lag growth /s | "
            "incident lag max | push p50 / p99 ms (positions) | push p50 / p99 ms (incidents) | "
            "drain after stop | CPU, % of a core |",
            "|" + " --- |" * 12]
    for st in stages:
        series = st.lag_series()
        lags = [v for _, v in series]
        inc = [v for _, v in st.lag_series(schema.INCIDENTS)]
        sent = st.sent.get("positions_sent", 0) / max(st.sim_seconds, 1e-9)
        cpu = ", ".join(f"{k} {v:.0f}" for k, v in st.cpu.items()) or "—"
        drain = "—" if st.drain_s is None else f"{st.drain_s:.0f} s"
        out.append(
            f"| {st.scale:g}× | {sent:,.0f} | {st.rate('positions'):,.0f} | {st.rate('incidents'):.2f} | "
            f"{st.rate('events'):.2f} | {lags[0]:,} → {lags[-1]:,} ({max(lags):,}) | "
            f"{st.lag_slope():+.1f} | {max(inc) if inc else 0:,} | "
            f"{_ms(st.latency_positions, 50)} / {_ms(st.latency_positions, 99)} | "
            f"{_ms(st.latency_feed, 50)} / {_ms(st.latency_feed, 99)} | {drain} | {cpu} |")
    out += [""]
    for st in stages:
        out.append(f"- {st.scale:g}× position lag+pending over the window, every ~10 s: "
                   + ", ".join(f"{v:,}" for v in _every(st.lag_series(), 10.0)))
    out += [*meta["notes"], ""]
    return "\n".join(out)


def _every(series: list[tuple[float, int]], step: float) -> list[int]:
    """The first reading at or after each multiple of `step` seconds."""
    picked, due = [], 0.0
    for t, v in series:
        if t >= due:
            picked.append(v)
            due = (t // step + 1) * step
    return picked


def write_section(path: Path, text: str) -> None:
    """Put one subsection into the "Pipeline" section, replacing the one of the same title.

    The rest of the document (other sections, other databases' subsections) is kept as it is; the
    file and the section are created when missing.
    """
    title = text.split("\n", 1)[0]
    doc = path.read_text() if path.exists() else "# Benchmarks\n"
    section = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M).search(doc)
    if section is None:
        doc = doc.rstrip() + "\n\n"
        start = end = len(doc)
        body = f"{SECTION}\n\n{PREAMBLE}\n\n"
    else:
        start, end, body = section.start(), section.end(), section.group(0)
    sub = re.compile(rf"^{re.escape(title)}\n.*?(?=^### |\Z)", re.S | re.M)
    if sub.search(body):
        body = sub.sub(lambda _m: text.rstrip() + "\n\n", body)
    else:
        body = body.rstrip() + "\n\n" + text.rstrip() + "\n\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text((doc[:start] + body + doc[end:]).rstrip() + "\n")
