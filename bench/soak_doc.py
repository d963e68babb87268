"""The soak's two sections of docs/benchmarks.md: "Soak" (memory and lag over time) and
"Memory" (resident memory of each process and Redis in steady state)."""

from __future__ import annotations

import argparse
import statistics

from bench.soak_report import (
    FLAT_MB_PER_10MIN,
    FLAT_SHARE_PER_10MIN,
    STABLE_ENTRIES_PER_10MIN,
    add_backlogs,
    lag_trend,
    memory_trend,
    processes,
    series,
)
from dashboard.contract.schema import RETENTION_MS

RETENTION_S = RETENTION_MS["feed:positions"] / 1000


def _load(avg: tuple) -> str:
    return " / ".join(f"{v:.2f}" for v in avg)


def _run_lines(meta: dict) -> list[str]:
    return ["```", meta["command"], "```", "",
            f"- when: {meta['when']}; machine: {meta['cores']} cores, shared (load average 1/5/15 min "
            f"{_load(meta['load_start'])} at the start, {_load(meta['load_end'])} at the end)",
            f"- database: PostgreSQL `{meta['database']}`; Redis: {meta['redis']}",
            f"- processes: {meta['processes']}; simulator `{meta['simulator']} --speed …`, all staff "
            "reporting, one Socket.IO client in room `unit:<city>`",
            f"- data: [{meta['csv']}]({meta['csv']}), one row every sample", ""]


def soak_section(rows: list[dict], args: argparse.Namespace, meta: dict) -> str:
    """Markdown of the Soak section: summary table, verdicts, the plot."""
    rows = add_backlogs(rows)
    w0 = args.warmup
    late = w0 + RETENTION_S + 60  # the positions stream stops growing once it holds its window
    tail = late if rows and float(rows[-1]["t_s"]) - late >= 480 else None
    out = [f"`python -m bench.soak` runs the whole product for {args.minutes:g} minutes at "
           f"{args.scale:g}× Putian's positions and incidents (time compression {args.speed:g}) after "
           f"{args.warmup:g} s of warm-up and samples every {args.every:g} s.", ""]
    out += _run_lines(meta)
    out += [f"![Memory, backlog, throughput and CPU over the soak]({meta['png']})", ""]
    head = "| figure | at start | at end | mean | max | growth per 10 min | verdict |"
    out += [head, "| --- | ---: | ---: | ---: | ---: | ---: | --- |"]
    mem_cols = [(f"rss_mb_{p}", f"{p} RSS (MB)") for p in processes(rows)]
    mem_cols += [("redis_used_mb", "Redis used_memory (MB)"), ("redis_rss_mb", "Redis used_memory_rss (MB)")]
    verdicts: list[str] = []
    for col, label in mem_cols:
        t = memory_trend(rows, col, w0)
        if t is None:
            continue
        out.append(_row(label, t, "flat" if t.steady else "grows"))
        if tail is not None:
            t2 = memory_trend(rows, col, tail)
            out.append(_row(f"{label}, from minute {tail / 60:.0f}", t2, "flat" if t2.steady else "grows"))
            if not t2.steady:
                verdicts.append(f"{label} grows {t2.per_10min:+.1f} MB per 10 min after the stream filled")
        elif not t.steady:
            verdicts.append(f"{label} grows {t.per_10min:+.1f} MB per 10 min")
    lag_cols = [("backlog_positions", "ingest backlog, positions (entries)", STABLE_ENTRIES_PER_10MIN),
                ("backlog_incidents", "ingest backlog, incidents (entries)", STABLE_ENTRIES_PER_10MIN),
                ("supervise_backlog", "supervise backlog, incidents (entries)", STABLE_ENTRIES_PER_10MIN),
                ("fanout_lag_s_positions", "fan-out cursor lag, positions (s)", 1.0),
                ("fanout_lag_s_incidents", "fan-out cursor lag, incidents (s)", 1.0)]
    for col, label, allowance in lag_cols:
        t = lag_trend(rows, col, w0, allowance)
        if t is None:
            continue
        out.append(_row(label, t, "stable" if t.steady else "grows"))
        if not t.steady:
            verdicts.append(f"{label} grows {t.per_10min:+.1f} per 10 min")
    for col, label in (("positions_sent_per_s", "positions sent/s"),
                       ("positions_per_s", "positions persisted/s"),
                       ("incidents_per_s", "incidents persisted/s"),
                       ("push_p50_ms", "push latency p50 per sample (ms)"),
                       ("push_p99_ms", "push latency p99 per sample (ms)"),
                       ("load1", "load average (1 min)")):
        t = lag_trend(rows, col, w0, float("inf"))
        if t is not None:
            out.append(_row(label, t, ""))
    out += [""]
    sent = statistics.fmean(v for _, v in series(rows, "positions_sent_per_s", w0) or [(0, 0)])
    kept = statistics.fmean(v for _, v in series(rows, "positions_per_s", w0) or [(0, 0)])
    out.append("- Verdict: " + ("memory flat and lag stable over the window." if not verdicts
                                else "; ".join(verdicts) + "."))
    out.append(f"- Persisted {kept:,.0f} positions/s of {sent:,.0f}/s sent on average "
               f"({kept / sent:.0%})." if sent else "- The simulator reported no sending rate.")
    out += _method_notes(meta)
    return "\n".join(out) + "\n"


def _method_notes(meta: dict) -> list[str]:
    s = meta["stream"]
    return [
        f"- Flat means growth under {FLAT_MB_PER_10MIN:g} MB or {FLAT_SHARE_PER_10MIN:.0%} of the "
        f"process's size per 10 minutes (least squares over the samples); stable lag means a backlog "
        f"growing under {STABLE_ENTRIES_PER_10MIN:g} stream entries (one entry is one API batch) or "
        "a fan-out lag growing under 1 s per 10 minutes.",
        f"- Redis keeps {RETENTION_S / 60:.0f} minutes of positions (dashboard/contract/schema.py), "
        "so its memory rises until the stream holds that window and is judged again from then on. "
        "At the end the "
        f"positions stream held {s['positions_stream_entries']:,} entries reaching back "
        f"{s['positions_stream_age_s'] / 60:.1f} min, {s['positions_stream_mb']:,.0f} MB "
        "(`MEMORY USAGE … SAMPLES 0`).",
        "- RSS counts each Python process with its children; Redis is its main process only (an AOF "
        "rewrite forks a child sharing its pages). Rows persisted per second come from "
        "PostgreSQL's `pg_stat_user_tables.n_tup_ins`, which a busy backend reports about once a "
        "second, so single samples jitter while their mean is exact.",
        "- The fan-out saves its read position once a second: its lag reads 0-1 s when caught up.",
    ]


def _row(label: str, t, verdict: str) -> str:
    fmt = (lambda v: f"{v:,.2f}") if max(abs(t.mean), abs(t.peak)) < 10 else (lambda v: f"{v:,.0f}")
    return (f"| {label} | {fmt(t.first)} | {fmt(t.last)} | {fmt(t.mean)} | {fmt(t.peak)} | "
            f"{t.per_10min:+,.1f} | {verdict} |")


def memory_section(rows: list[dict], args: argparse.Namespace, meta: dict) -> str:
    """Markdown of the Memory section: RSS of each process and Redis over the steady window."""
    w0 = args.warmup
    out = [f"Resident memory of every process of the product at {args.scale:g}× Putian (all 5,722 staff "
           f"reporting every 10 s, incidents at the 2018 rate × {args.scale * args.speed:g}), sampled "
           f"every {args.every:g} s for {args.minutes:g} minutes after {args.warmup:g} s of warm-up.", ""]
    out += _run_lines(meta)
    out += ["| process | RSS median (MB) | min | max | growth per 10 min |",
            "| --- | ---: | ---: | ---: | ---: |"]
    cols = [(f"rss_mb_{p}", p) for p in processes(rows)]
    cols += [("redis_used_mb", "Redis used_memory"), ("redis_rss_mb", "Redis used_memory_rss")]
    total = 0.0
    for col, label in cols:
        pts = [v for _, v in series(rows, col, w0)]
        if not pts:
            continue
        t = memory_trend(rows, col, w0)
        med = statistics.median(pts)
        if col.startswith("rss_mb_") and label != "simulate":
            total += med
        out.append(f"| {label} | {med:,.0f} | {min(pts):,.0f} | {max(pts):,.0f} | {t.per_10min:+.1f} |")
    out.append(f"| **the product (RSS sum without simulate)** | **{total:,.0f}** | | | |")
    s = meta["stream"]
    rate = s["positions_stream_mb"] / max(s["positions_stream_age_s"], 1.0)
    full = series(rows, "redis_used_mb")[-1][1] + rate * max(0.0, RETENTION_S - s["positions_stream_age_s"])
    out += ["",
            f"- The positions stream held {s['positions_stream_entries']:,} entries "
            f"({s['positions_stream_age_s'] / 60:.1f} min, {s['positions_stream_mb']:,.1f} MB) at the "
            f"end; Redis keeps {RETENTION_S / 60:.0f} min of it, so with the window full Redis would use "
            f"about {full:,.0f} MB (used_memory at the end plus the stream's MB per second × the "
            "minutes still to fill).",
            "- RSS counts each Python process with its children; Redis is its main process only. "
            "`simulate` is the load generator, not part of a deployment, so the sum leaves it out."]
    return "\n".join(out) + "\n"
