"""The pipeline benchmark's arithmetic and its report: rates, lag growth, percentiles, the doc."""

from pathlib import Path

import pytest

from bench.pipeline_probe import Sample, percentile, stream_ms
from bench.pipeline_report import Stage, render, write_section
from dashboard.contract import schema


def _stage(lags: list[int]) -> Stage:
    window = [Sample(t=10.0 + 2 * i, positions=1000 * i, incidents=i, events=2 * i,
                     lag={schema.POSITIONS: lag, schema.INCIDENTS: 0},
                     pending={schema.POSITIONS: 1, schema.INCIDENTS: 0})
              for i, lag in enumerate(lags)]
    return Stage(scale=20, seconds=60, window=window, sent={"positions_sent": 35_000}, sim_seconds=70,
                 latency_positions=[float(v) for v in range(1, 101)], latency_feed=[], drain_s=3.0,
                 cpu={"serve": 40.0, "ingest": 20.0})


def test_rates_and_lag_growth():
    steady, growing = _stage([3, 4, 3, 4, 3]), _stage([0, 10, 20, 30, 40])
    assert steady.rate("positions") == pytest.approx(500)  # 1,000 rows every 2 s
    assert steady.rate("events") == pytest.approx(1)
    assert abs(steady.lag_slope()) < 0.2
    longer = _stage([10 * i for i in range(11)])  # 20 s of samples, 2 s apart
    meta = dict.fromkeys(("intro", "command", "when", "machine", "database", "redis", "processes"), "")
    assert "every ~10 s: 1, 51, 101" in render([longer], {**meta, "notes": []})
    assert growing.lag_slope() == pytest.approx(5.0)  # 10 entries every 2 s
    assert growing.lag_series()[0] == (0.0, 1)  # lag + pending, from the window's start


def test_percentiles_by_nearest_rank_and_stream_id_time():
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50 and percentile(values, 99) == 99
    assert percentile([], 50) is None
    assert stream_ms("1732752000123-7") == 1732752000123


def test_subsection_replaced_in_place_and_everything_else_kept(tmp_path: Path):
    doc = tmp_path / "benchmarks.md"
    doc.write_text("# Benchmarks\n\n## Seed\n\nseed text\n\n## Pipeline\n\nabout\n\n### postgresql\n\n"
                   "old\n\n### sqlite\n\nsqlite text\n\n## Screens\n\nscreen text\n")
    meta = {"intro": "intro", "command": "python -m bench.pipeline", "when": "now", "machine": "2 cores",
            "database": "postgresql", "redis": "redis://x/7", "processes": "`serve`", "notes": ["- note"]}
    write_section(doc, render([_stage([1, 1, 1])], meta))
    text = doc.read_text()
    assert "old" not in text
    for kept in ("seed text", "about", "sqlite text", "screen text"):
        assert kept in text
    order = [text.index(h) for h in ("## Seed", "### postgresql", "### sqlite", "## Screens")]
    assert order == sorted(order)
    assert "| 20× | 500 | 500 |" in text and "50 / 99" in text

    missing = tmp_path / "new.md"
    write_section(missing, render([_stage([1, 1])], meta))
    write_section(missing, render([_stage([1, 1])], {**meta, "database": "sqlite"}))
    text = missing.read_text()
    assert text.startswith("# Benchmarks\n\n## Pipeline\n\n")
    assert text.count("### postgresql") == 1 and text.count("### sqlite") == 1
