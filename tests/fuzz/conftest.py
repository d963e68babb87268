"""The fuzz suite's world: the small intake world with a few real incidents and alerts, the whole
web application (create_app) in-process, tokens of several roles, and a tally of cases tried.

Depth: FUZZ_EXAMPLES (default 25) examples per endpoint and generation mode per backend, and
FUZZ_STREAM_EXAMPLES (default 40) per stream property; raise them for a deeper run. The default
run is derandomized (the same cases every time, so CI is stable); FUZZ_RANDOM=1 draws new ones.
bench/fuzz_report.py runs a deeper, random pass and tabulates the cases tried.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, settings
from sqlalchemy import select

from bench.intake_world import G2, G2_POINT, G3, G3_POINT, build_world
from dashboard.app import create_app
from dashboard.contract import schema
from dashboard.core.models import Alert
from feeds.consumer import Consumer, Knobs
from feeds.supervisor import Supervisor
from tests.integration.intake_support import drain, incident_body, persist_consumer, token

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
STREAM_EXAMPLES = int(os.environ.get("FUZZ_STREAM_EXAMPLES", "40"))
RANDOM = os.environ.get("FUZZ_RANDOM") == "1"
# Where bench/fuzz_report.py collects the tally (JSON lines); unset: only the terminal summary.
REPORT = os.environ.get("FUZZ_REPORT")
TALLY: Counter = Counter()


def fuzz_settings(examples: int) -> settings:
    """Hypothesis settings for a fuzz property: bounded, no example database, no deadline."""
    return settings(max_examples=examples, deadline=None, database=None, derandomize=not RANDOM,
                    suppress_health_check=list(HealthCheck))


def tally(what: str, n: int = 1) -> None:
    """Count cases tried under a label (an endpoint or a stream)."""
    TALLY[what] += n


def pytest_terminal_summary(terminalreporter) -> None:
    """Print how many cases each endpoint and stream was sent, and save them if asked."""
    if not TALLY:
        return
    terminalreporter.section("fuzz cases tried")
    for what, n in sorted(TALLY.items()):
        terminalreporter.write_line(f"{n:7d}  {what}")
    terminalreporter.write_line(f"{sum(TALLY.values()):7d}  in all")
    if REPORT:
        with Path(REPORT).open("a", encoding="utf-8") as out:
            out.write(json.dumps(dict(TALLY), ensure_ascii=False) + "\n")


ROLES = {  # name: (role, unit, department)
    "admin": ("admin", "putian", None),
    "duty-town": ("duty", "licheng-zhenhai", None),
    "device-grid": ("device", G2, None),
    "liaison": ("liaison", "putian", "market"),
    "system": ("system", "putian", None),
    "viewer-xianyou": ("viewer", "xianyou", None),
    "leader": ("leader", "putian", None),
    "wall": ("wall", "putian", None),
}


def _severe_incidents(http, admin: dict) -> list[str]:
    """Report two severe incidents (one per district) through the API; their ids."""
    ids = []
    for grid, (lat, lon) in ((G2, G2_POINT), (G3, G3_POINT)):
        body = incident_body(grid=grid, lat=lat, lon=lon, severity=4, reporter=None)
        reply = http.post("/api/v1/incidents", json=body, headers=admin)
        assert reply.status_code == 202, reply.json
        ids.append(body["id"])
    return ids


@pytest.fixture
def fuzz_world(engine, Session, services_for):
    """The small world, the whole app, tokens of every role, stored incidents and open alerts."""
    build_world(Session)
    services = services_for(engine)
    app = create_app(services.settings, services)
    http = app.test_client()
    tokens = {name: token(Session, role, unit, dept, name=name)
              for name, (role, unit, dept) in ROLES.items()}
    incidents = _severe_incidents(http, tokens["admin"])
    persist = persist_consumer(services.redis, Session)
    drain(persist)
    supervise = Consumer(services.redis, schema.GROUP_SUPERVISE, [schema.INCIDENTS],
                         Supervisor(services).handle, name="fuzz-supervise",
                         knobs=Knobs(block_ms=10))
    supervise.ensure_groups()
    drain(supervise)
    with Session() as s:
        alerts = list(s.scalars(select(Alert.id).order_by(Alert.id)))
    assert alerts, "the severe incidents should have raised alerts"
    # One acknowledgement, so the audit log has an entry to list.
    acked = http.post(f"/api/v1/alerts/{alerts[-1]}/ack", json={"note": "fuzz"}, headers=tokens["admin"])
    assert acked.status_code == 202, acked.json
    return SimpleNamespace(app=app, http=http, Session=Session, redis=services.redis, tokens=tokens,
                           incidents=incidents, alerts=alerts, persist=persist, supervise=supervise,
                           services=services)
