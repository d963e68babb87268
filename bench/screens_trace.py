"""Where a cold load or a drill step spends its time, from Chrome's own records.

For one measured action (a page's cold load, or one drill click) it keeps: the renderer main
thread's busy time by kind (Chrome tracing: scripts, style and layout, paint, garbage collection,
the rest idle, waiting for the network or the GPU), the slowest JavaScript functions by self time
(the V8 CPU profiler over the same window), and every request with when it started and ended
relative to the action. `summary()` turns one record into the lines docs/benchmarks.md quotes.
"""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import urlsplit

CATEGORIES = ["devtools.timeline", "v8.execute", "disabled-by-default-devtools.timeline", "blink.user_timing"]
KINDS = {
    "script": ("FunctionCall", "EvaluateScript", "TimerFire", "EventDispatch", "FireAnimationFrame",
               "RunMicrotasks", "v8.compile", "v8.compileModule", "XHRReadyStateChange", "XHRLoad",
               "FireIdleCallback", "V8.ParseFunction"),
    "style and layout": ("UpdateLayoutTree", "Layout", "RecalculateStyles", "ParseHTML",
                         "ParseAuthorStyleSheet", "HitTest"),
    "paint and composite": ("Paint", "PrePaint", "Layerize", "UpdateLayer", "CompositeLayers",
                            "RasterTask", "Commit", "PaintImage", "Decode Image"),
    "garbage collection": ("MinorGC", "MajorGC", "V8.GC_SCAVENGER", "BlinkGC.AtomicPhase"),
}


STATIC = ("/assets/", "/_dash-component-suites/", "/map/_dash-component-suites/", "/_favicon",
          "/map/_favicon")


def _output(request, path: str) -> str | None:
    """Which callback a Dash request runs: its first output's id (the callback graph's name)."""
    if not path.endswith("/_dash-update-component"):
        return None
    try:
        body = json.loads(request.post_data or "{}")
    except ValueError:
        return None
    return str(body.get("output", ""))[:40].lstrip(".").split("@")[0] or None


class Recorder:
    """Tracing, JS profile and requests of one page around one action."""

    def __init__(self, browser, page) -> None:
        self.browser, self.page = browser, page
        self.requests: list[dict] = []
        self.cdp = page.context.new_cdp_session(page)
        page.on("requestfinished", self._finished)

    def _finished(self, request) -> None:
        timing = request.timing
        start = timing["startTime"]
        path = urlsplit(request.url).path[:60]
        self.requests.append({"path": path, "method": request.method, "output": _output(request, path),
                              "start": start, "end": start + timing["responseEnd"]})

    def start(self) -> None:
        """Start tracing and profiling (before the action)."""
        self.requests.clear()
        self.cdp.send("Profiler.enable")
        self.cdp.send("Profiler.setSamplingInterval", {"interval": 500})
        self.cdp.send("Profiler.start")
        self.browser.start_tracing(page=self.page, categories=CATEGORIES)

    def abandon(self) -> None:
        """Stop tracing and profiling without a record (the action failed): the next can start."""
        try:
            self.browser.stop_tracing()
            self.cdp.send("Profiler.stop")
        except Exception:  # noqa: BLE001,S110 - not recording: nothing to stop
            pass

    def stop(self, t0_ms: float, t1_ms: float) -> dict:
        """Stop and reduce to what happened between t0 and t1 (epoch ms)."""
        trace = json.loads(self.browser.stop_tracing())
        profile = self.cdp.send("Profiler.stop")["profile"]
        events = trace["traceEvents"] if isinstance(trace, dict) else trace
        return {"window_ms": t1_ms - t0_ms, "main": _main_thread(events, t0_ms, t1_ms),
                "functions": _top_functions(profile),
                "requests": [dict(r, start=round(r["start"] - t0_ms), end=round(r["end"] - t0_ms))
                             for r in sorted(self.requests, key=lambda r: r["start"])
                             if t0_ms - 50 <= r["start"] <= t1_ms]}


def _main_thread(events: list[dict], t0_ms: float, t1_ms: float) -> dict[str, float]:
    """Busy milliseconds of the renderer main thread in the window, by kind."""
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in events
             if e.get("ph") == "M" and e.get("name") == "thread_name"}
    main = {k for k, v in names.items() if v == "CrRendererMain"}
    # Trace clocks are monotonic µs; anchor them on the navigation/click with the epoch of a
    # clock-sync-free heuristic: the first and last top-level task give the span we keep.
    tops = [e for e in events if (e.get("pid"), e.get("tid")) in main and e.get("ph") == "X"
            and e.get("name") in ("RunTask", "ThreadControllerImpl::RunTask")]
    kinds: Counter[str] = Counter()
    children = [e for e in events if (e.get("pid"), e.get("tid")) in main and e.get("ph") == "X"]
    if not tops:
        return {}
    start = min(e["ts"] for e in tops)
    end = start + (t1_ms - t0_ms) * 1000
    busy = sum(e.get("dur", 0) for e in tops if start <= e["ts"] <= end) / 1000
    for e in children:
        if not start <= e["ts"] <= end:
            continue
        for kind, members in KINDS.items():
            if e["name"] in members:
                kinds[kind] += e.get("dur", 0) / 1000
                break
    out = {k: round(v) for k, v in kinds.items()}
    out["busy (all tasks)"] = round(busy)
    out["idle"] = round(t1_ms - t0_ms - busy)
    return out


def _top_functions(profile: dict, n: int = 12) -> list[tuple[str, float]]:
    """The n JavaScript functions with the most self time (ms), named with their script."""
    nodes = {node["id"]: node for node in profile["nodes"]}
    self_ms: Counter[str] = Counter()
    for sample, delta in zip(profile.get("samples", []), profile.get("timeDeltas", []), strict=False):
        frame = nodes[sample]["callFrame"]
        script = urlsplit(frame.get("url", "")).path.rsplit("/", 1)[-1].split("?")[0]
        name = f"{frame.get('functionName') or '(anonymous)'} ({script}:{frame.get('lineNumber', 0) + 1})" \
            if script else f"({frame.get('functionName') or 'program'})"
        self_ms[name] += delta / 1000
    return [(k, round(v)) for k, v in self_ms.most_common(n)]


def summary(label: str, record: dict) -> list[str]:
    """Markdown lines for one record."""
    main = ", ".join(f"{k} {v:,} ms" for k, v in record["main"].items())
    static = [r for r in record["requests"] if r["path"].startswith(STATIC)]
    calls = [r for r in record["requests"] if not r["path"].startswith(STATIC)]
    files = (f"{len(static)} static files {min(r['start'] for r in static)}–{max(r['end'] for r in static)}; "
             if static else "")
    return [f"- **{label}** ({record['window_ms']:,.0f} ms): main thread: {main}.",
            "  Slowest functions (self ms): "
            + "; ".join(f"{n} {ms}" for n, ms in record["functions"][:8]) + ".",
            "  Requests (start–end ms after the action): " + files + "; ".join(
                f"{r['method']} {r.get('output') or r['path'].replace('/_dash-update-component', 'cb')} "
                f"{r['start']}–{r['end']}" for r in calls[:30]) + "."]
