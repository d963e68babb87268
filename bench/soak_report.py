"""The soak's pure pieces: trends and verdicts from its rows, the CSV, the plot and the markdown.

Nothing here starts a process or reads Redis: rows in, figures, files or text out.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

PROCESS_ORDER = ("serve", "ingest", "ingest2", "supervise", "fanout", "simulate", "redis")
# Memory counts as flat when it grows less than this per 10 minutes: the larger of an absolute
# floor (allocator noise) and a share of the process's own size.
FLAT_MB_PER_10MIN = 5.0
FLAT_SHARE_PER_10MIN = 0.02
# Lag counts as stable when the backlog grows less than this many stream entries per 10 minutes
# (at 20x one entry is one API batch of 2,000 positions; ten is under four seconds of intake).
STABLE_ENTRIES_PER_10MIN = 10.0


def slope(points: list[tuple[float, float]]) -> float:
    """Least-squares growth of y per unit of x (0 for fewer than two distinct x)."""
    if len(points) < 2:
        return 0.0
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    var = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / var if var else 0.0


def series(rows: list[dict], column: str, since_s: float = 0.0) -> list[tuple[float, float]]:
    """(t_s, value) of one column from `since_s` on, skipping rows without it."""
    return [(float(r["t_s"]), float(r[column])) for r in rows
            if float(r["t_s"]) >= since_s and r.get(column) not in (None, "")]


@dataclass
class Trend:
    """How one column moved over a window."""

    column: str
    first: float
    last: float
    mean: float
    peak: float
    per_10min: float  # least-squares growth per 10 minutes
    steady: bool


def memory_trend(rows: list[dict], column: str, since_s: float = 0.0) -> Trend | None:
    """Memory (MB) over the window: flat when it grows under the allowance per 10 minutes."""
    pts = series(rows, column, since_s)
    if not pts:
        return None
    values = [v for _, v in pts]
    mean = sum(values) / len(values)
    per = 600 * slope(pts)
    allowance = max(FLAT_MB_PER_10MIN, FLAT_SHARE_PER_10MIN * mean)
    return Trend(column, values[0], values[-1], mean, max(values), per, per <= allowance)


def lag_trend(rows: list[dict], column: str, since_s: float = 0.0,
              allowance: float = STABLE_ENTRIES_PER_10MIN) -> Trend | None:
    """A backlog over the window: stable when it grows under `allowance` per 10 minutes."""
    pts = series(rows, column, since_s)
    if not pts:
        return None
    values = [v for _, v in pts]
    per = 600 * slope(pts)
    return Trend(column, values[0], values[-1], sum(values) / len(values), max(values), per,
                 per <= allowance)


def add_backlogs(rows: list[dict]) -> list[dict]:
    """Each row with `backlog_positions` / `backlog_incidents` (the persist group's lag + pending)."""
    out = []
    for r in rows:
        r = dict(r)
        for name in ("positions", "incidents"):
            lag, pending = r.get(f"ingest_lag_{name}"), r.get(f"ingest_pending_{name}")
            if lag not in (None, "") and pending not in (None, ""):
                r[f"backlog_{name}"] = float(lag) + float(pending)
        out.append(r)
    return out


def processes(rows: list[dict]) -> list[str]:
    """The process names that have an RSS column, in a fixed order."""
    names = {k.removeprefix("rss_mb_") for r in rows[:1] for k in r if k.startswith("rss_mb_")}
    return [p for p in PROCESS_ORDER if p in names] + sorted(names - set(PROCESS_ORDER))


def write_csv(path: Path, rows: list[dict]) -> None:
    """All rows, with the union of their columns in first-seen order."""
    columns: list[str] = []
    for r in rows:
        columns += [k for k in r if k not in columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def read_csv(path: Path) -> list[dict]:
    """Rows as dicts of floats (empty cells stay empty strings)."""
    with path.open(newline="") as f:
        return [{k: (float(v) if v not in ("", None) else "") for k, v in r.items()}
                for r in csv.DictReader(f)]


def plot(rows: list[dict], png: Path, title: str, warmup_s: float = 0.0) -> None:
    """Memory per process, lag, throughput and CPU over time, as four stacked panels in one PNG.

    Time runs from the start of the load; a grey line marks the end of the warm-up.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = add_backlogs(rows)
    minutes = [float(r["t_s"]) / 60 for r in rows]
    fig, (mem, lag, rate, cpu) = plt.subplots(4, 1, figsize=(11, 13), sharex=True)
    fig.suptitle(title)
    colour = {name: f"C{i}" for i, name in enumerate(processes(rows))}
    for name in processes(rows):
        mem.plot(minutes, [r[f"rss_mb_{name}"] for r in rows], color=colour[name], label=f"{name} RSS")
    if rows and "redis_used_mb" in rows[0]:
        mem.plot(minutes, [r["redis_used_mb"] for r in rows], "--", color=colour.get("redis", "C9"),
                 label="redis used_memory")
    mem.set_ylabel("resident memory (MB)")
    mem.legend(loc="upper left", fontsize=8, ncol=3)
    for column, label in (("backlog_positions", "ingest backlog, positions (entries)"),
                          ("backlog_incidents", "ingest backlog, incidents (entries)"),
                          ("supervise_backlog", "supervise backlog (entries)")):
        if rows and column in rows[0]:
            lag.plot(minutes, [r[column] for r in rows], label=label)
    lag.set_ylabel("backlog (stream entries)")
    lag.legend(loc="upper left", fontsize=8)
    if rows and "fanout_lag_s_positions" in rows[0]:
        fan = lag.twinx()
        fan.plot(minutes, [r["fanout_lag_s_positions"] for r in rows], ":", color="black",
                 label="fan-out cursor lag, positions (s)")
        fan.set_ylabel("fan-out lag (s)")
        fan.legend(loc="upper right", fontsize=8)
    rate.plot(minutes, [r["positions_per_s"] for r in rows], label="positions persisted/s")
    if rows and "positions_sent_per_s" in rows[0]:
        rate.plot(minutes, [r["positions_sent_per_s"] for r in rows], "--", label="positions sent/s")
    rate.set_ylabel("positions per second")
    rate.legend(loc="upper left", fontsize=8)
    inc = rate.twinx()
    inc.plot(minutes, [r["incidents_per_s"] for r in rows], color="tab:red", alpha=0.6,
             label="incidents persisted/s")
    inc.set_ylabel("incidents per second")
    inc.legend(loc="upper right", fontsize=8)
    for name in processes(rows):
        if f"cpu_{name}" in rows[0]:
            cpu.plot(minutes, [r[f"cpu_{name}"] for r in rows], color=colour[name], label=name)
    cpu.set_ylabel("CPU (% of one core)")
    cpu.set_xlabel("minutes since the load started (grey line: end of warm-up)")
    cpu.legend(loc="upper left", fontsize=8, ncol=4)
    for ax in (mem, lag, rate, cpu):
        ax.grid(alpha=0.3)
        if warmup_s > 0:
            ax.axvline(warmup_s / 60, color="grey", linewidth=1)
    fig.tight_layout()
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=100)
    plt.close(fig)


def replace_section(path: Path, heading: str, body: str) -> None:
    """Put `## heading` with `body` into the document, replacing that section if it is there."""
    doc = path.read_text() if path.exists() else "# Benchmarks\n"
    block = f"## {heading}\n\n{body.strip()}\n\n"
    pattern = re.compile(rf"^## {re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(doc):
        doc = pattern.sub(lambda _m: block, doc)
    else:
        doc = doc.rstrip() + "\n\n" + block
    path.write_text(doc.rstrip() + "\n")
