"""A unit's map regions as one GeoJSON document at an immutable URL.

The regions of a unit's view are its children (a grid: itself). Their boundaries never change
while the world stands, so the map fetches them once per unit from
`/api/v1/units/<code>/boundaries.geojson?v=<version>` (the version is a hash of the document) and
the browser keeps them, instead of every figure carrying them again. The documents are built
once per process from the stored boundaries (text, not parsed) and kept.
"""

from __future__ import annotations

import hashlib
import json
import re
from threading import Lock

from sqlalchemy.orm import Session

from dashboard.core.models import Unit
from dashboard.queries.units import children

ROUTE = "/api/v1/units/{code}/boundaries.geojson"
_ROUTE_PATH = re.compile(r"^/api/v1/units/[^/]+/boundaries\.geojson$")
# By database, unit code and the unit's own boundary: a process that opens two databases (the test
# suite does) must not hand one database's boundaries out for the other's unit of the same code, nor
# a world built again in the same database (a new seed; the suite's next world) the last one's.
# The unit's own boundary is already loaded, so telling worlds apart costs no query.
_DOCS: dict[tuple[str, str, int], tuple[str, bytes]] = {}
_LOCK = Lock()


def is_route(path: str) -> bool:
    """Whether a request path is a regions document (walls may read it for their map)."""
    return bool(_ROUTE_PATH.match(path))


def regions_of(session: Session, unit: Unit) -> list[Unit]:
    """The units a view of this unit draws as regions: its children, or a leaf itself."""
    return children(session, unit.code) or [unit]


def document(session: Session, unit: Unit) -> tuple[str, bytes]:
    """(version, GeoJSON FeatureCollection bytes) of the unit's regions; feature ids are codes."""
    key = (str(session.get_bind().url), unit.code, hash(unit.boundary))
    with _LOCK:
        hit = _DOCS.get(key)
    if hit is not None:
        return hit
    features = ",".join(
        '{"type":"Feature","id":' + json.dumps(r.code) + ',"properties":{},"geometry":' + r.boundary + "}"
        for r in regions_of(session, unit))
    body = ('{"type":"FeatureCollection","features":[' + features + "]}").encode()
    doc = (hashlib.sha256(body).hexdigest()[:16], body)
    with _LOCK:
        if len(_DOCS) > 4096:  # the demo city has 3,441 units; a bigger one recycles
            _DOCS.clear()
        _DOCS[key] = doc
    return doc


def url(session: Session, unit: Unit) -> str:
    """The immutable URL of the unit's regions document."""
    version, _ = document(session, unit)
    return ROUTE.format(code=unit.code) + f"?v={version}"
