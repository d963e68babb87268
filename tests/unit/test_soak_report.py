"""The soak benchmark's pure pieces: trends and verdicts, the CSV, the plot, the doc sections."""

from argparse import Namespace
from pathlib import Path

import pytest

from bench.pipeline import kept_up
from bench.pipeline_probe import Sample
from bench.pipeline_procs import sim_load_args
from bench.pipeline_report import Stage
from bench.soak_doc import memory_section, soak_section
from bench.soak_probe import last_sent_rate
from bench.soak_report import (
    add_backlogs,
    lag_trend,
    memory_trend,
    plot,
    processes,
    read_csv,
    replace_section,
    slope,
    write_csv,
)
from dashboard.contract import schema


def _rows(minutes: float, serve_mb_per_10min: float = 0.0, lag_per_10min: float = 0.0) -> list[dict]:
    rows = []
    for i in range(int(minutes * 6) + 1):
        t = 10.0 * i
        filling = min(t, 1020.0) / 10  # Redis grows until the 16-minute positions window is full
        rows.append({
            "t_s": t, "load1": 1.0, "rss_mb_serve": 250 + serve_mb_per_10min * t / 600 + (i % 2),
            "cpu_serve": 30.0, "rss_mb_ingest": 100.0 + (i % 3), "cpu_ingest": 15.0,
            "rss_mb_redis": 40.0 + filling, "cpu_redis": 5.0,
            "redis_used_mb": 30.0 + filling, "redis_rss_mb": 40.0 + filling,
            "ingest_lag_positions": round(lag_per_10min * t / 600), "ingest_pending_positions": 1,
            "ingest_lag_incidents": 0, "ingest_pending_incidents": 0, "supervise_backlog": 0,
            "fanout_lag_s_positions": 0.2, "fanout_lag_s_incidents": 0.0,
            "positions_per_s": 11_400.0, "incidents_per_s": 1.8, "positions_sent_per_s": 11_440.0,
            "push_p50_ms": 120.0, "push_p99_ms": 300.0,
        })
    return rows


def test_slope_is_least_squares_growth():
    assert slope([(0, 1), (10, 21), (20, 41)]) == pytest.approx(2.0)
    assert slope([(5, 3)]) == 0.0
    assert slope([(5, 3), (5, 9)]) == 0.0  # no spread in x: no trend to tell


def test_memory_flat_or_growing():
    flat = memory_trend(_rows(30), "rss_mb_serve", 60)
    assert flat.steady and abs(flat.per_10min) < 1
    leaking = memory_trend(_rows(30, serve_mb_per_10min=40), "rss_mb_serve", 60)
    assert not leaking.steady and leaking.per_10min == pytest.approx(40, abs=1)
    assert memory_trend(_rows(30), "rss_mb_nobody") is None
    # the allowance grows with the process: 2 % of a 5 GB process is 100 MB per 10 min
    big = [{"t_s": 10.0 * i, "rss": 5000 + 0.6 * i} for i in range(60)]  # +36 MB per 10 min
    assert memory_trend(big, "rss").steady


def test_lag_stable_or_growing():
    rows = add_backlogs(_rows(30))
    assert rows[0]["backlog_positions"] == 1
    assert lag_trend(rows, "backlog_positions").steady
    growing = add_backlogs(_rows(30, lag_per_10min=60))
    trend = lag_trend(growing, "backlog_positions")
    assert not trend.steady and trend.per_10min == pytest.approx(60, abs=1)


def test_csv_round_trip_and_plot_writes_a_png(tmp_path: Path):
    rows = _rows(3)
    rows[2]["extra"] = 7  # a column that appears late is kept, empty where missing
    write_csv(tmp_path / "soak.csv", rows)
    back = read_csv(tmp_path / "soak.csv")
    assert len(back) == len(rows) and back[5]["rss_mb_serve"] == rows[5]["rss_mb_serve"]
    assert back[0]["extra"] == "" and back[2]["extra"] == 7.0
    assert processes(back) == ["serve", "ingest", "redis"]
    plot(back, tmp_path / "soak.png", "test", warmup_s=30)
    assert (tmp_path / "soak.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _meta() -> dict:
    return {"command": "python -m bench.soak", "when": "2026-11-28 12:00 CST", "cores": 2,
            "load_start": (1.0, 1.0, 1.0), "load_end": (2.0, 2.0, 2.0), "redis": "own",
            "database": "hk_soak", "processes": "`serve`", "simulator": "--scale 20",
            "csv": "soak.csv", "png": "soak.png",
            "stream": {"positions_stream_mb": 120.0, "positions_stream_age_s": 300.0,
                       "positions_stream_entries": 900}}


def test_sections_state_the_verdicts():
    args = Namespace(minutes=30, warmup=60, scale=20, speed=5, every=10)
    steady = soak_section(_rows(31), args, _meta())
    assert "| serve RSS (MB) |" in steady and "](soak.png)" in steady
    assert "from minute 18" in steady  # judged again once the positions stream holds its window
    assert "Redis used_memory (MB) grows" not in steady  # Redis grows only until the window fills
    leaking = soak_section(_rows(31, serve_mb_per_10min=40, lag_per_10min=60), args, _meta())
    assert "serve RSS (MB) grows" in leaking and "ingest backlog, positions (entries) grows" in leaking
    memory = memory_section(_rows(5), Namespace(minutes=5, warmup=60, scale=1, speed=1, every=10), _meta())
    assert "| serve | 250 |" in memory and "with the window full Redis would use" in memory


def test_replace_section_keeps_the_rest(tmp_path: Path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Pipeline\n\nold\n\n## Soak\n\nold soak\n\n## Screens\n\nkept\n")
    replace_section(doc, "Soak", "new soak")
    replace_section(doc, "Memory", "memory")
    text = doc.read_text()
    assert "new soak" in text and "old soak" not in text and "old\n" in text and "kept" in text
    assert text.rstrip().endswith("## Memory\n\nmemory")


def test_simulator_options_past_its_scale_limit():
    assert sim_load_args(5) == ["--scale", "5"]
    high = sim_load_args(40)
    assert high[:2] == ["--scale", "20"]
    assert float(high[high.index("--report-period") + 1]) == pytest.approx(5.0)
    assert float(high[high.index("--incidents-per-day") + 1]) == pytest.approx(2 * 576_647 / 365, rel=1e-4)


def test_last_sent_rate_reads_the_newest_status(tmp_path: Path):
    log = tmp_path / "simulate.log"
    assert last_sent_rate(log) == 0.0
    log.write_text("simulate 10:00:10 | positions 11380/s sent, backlog 0 |\n"
                   "simulate 10:00:20 | positions 11420/s sent, backlog 0 |\n")
    assert last_sent_rate(log) == 11420.0


def test_kept_up_needs_a_flat_backlog_and_nearly_all_persisted():
    def stage(lags: list[int], persisted_per_s: int) -> Stage:
        window = [Sample(t=2.0 * i, positions=2 * persisted_per_s * i, incidents=0, events=0,
                         lag={schema.POSITIONS: lag}, pending={schema.POSITIONS: 0})
                  for i, lag in enumerate(lags)]
        return Stage(scale=30, seconds=60, window=window, sent={"positions_sent": 70 * 1000},
                     sim_seconds=70, latency_positions=[], latency_feed=[], drain_s=0.0)

    assert kept_up(stage([1, 0, 2, 1, 0], 1000))
    assert not kept_up(stage([0, 5, 10, 15, 20], 1000))  # backlog grows 2.5 entries/s
    assert not kept_up(stage([1, 0, 2, 1, 0], 700))  # 70 % persisted
