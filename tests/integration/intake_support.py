"""Helpers for intake and stream tests on the small world of bench/intake_world.py: the API app,
tokens, incident bodies, and a persist-group consumer to drain."""

from __future__ import annotations

import uuid

from flask import Flask
from sqlalchemy.orm import sessionmaker

import dashboard.api
from bench.intake_world import G1, G1_POINT, now_iso
from dashboard.contract import schema
from dashboard.core.principal import issue_token
from feeds.consumer import Consumer, Knobs
from feeds.persister import Persister


def api_app(services) -> Flask:
    """A Flask app carrying only the JSON API (the screens are other modules' business)."""
    server = Flask("intake-test")
    server.config.update(TESTING=True, SECRET_KEY=services.settings.secret_key)
    server.extensions["dashboard"] = services
    dashboard.api.init_app(server, services)
    return server


def token(Session: sessionmaker, role: str, unit: str = "putian",  # noqa: N803
          department: str | None = None, name: str | None = None) -> dict:
    """Authorization headers for a fresh token."""
    with Session.begin() as s:
        value = issue_token(s, name or f"{role}-{uuid.uuid4().hex[:6]}", role, unit_code=unit,
                            department_code=department)
    return {"Authorization": f"Bearer {value}"}


def incident_body(**changes) -> dict:
    """A valid incident body in G1 (override fields with keyword arguments)."""
    body = {"id": str(uuid.uuid4()), "reported_at": now_iso(), "lat": G1_POINT[0],
            "lon": G1_POINT[1], "grid": G1, "business_item": "M01", "source": "patrol",
            "severity": 2, "description": "无证占道经营", "reporter": "S0001"}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def persist_consumer(client, Session: sessionmaker, name: str = "test-persister",  # noqa: N803
                     **knobs) -> Consumer:
    """An in-process persist-group consumer that does not block."""
    knobs.setdefault("block_ms", 10)
    consumer = Consumer(client, schema.GROUP_PERSIST, [schema.INCIDENTS, schema.POSITIONS],
                        Persister(Session, client), name=name, knobs=Knobs(**knobs))
    consumer.ensure_groups()
    return consumer


def drain(consumer: Consumer, rounds: int = 50) -> int:
    """Step the consumer until a round processes nothing; the entries processed."""
    total = 0
    for _ in range(rounds):
        n = consumer.step()
        total += n
        if n == 0:
            break
    return total
