"""Import and export of a unit tree as a GeoJSON FeatureCollection (`seed --geo FILE`).

Each feature carries `code`, `name`, `level` and `parent` (the parent's code; null for the city),
and optionally `name_en`, `population` and `urban`. A city with official grid boundaries imports
those instead of the generated demo geography. Every problem found is reported as a
GeoImportError naming the feature and the reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from dashboard.geo.model import LEVELS, GeoImportError, UnitSpec
from dashboard.geo.names import english_name

REQUIRED = ("code", "name", "level", "parent")
# A child may stick out of its parent by this share of its own area (digitising noise).
OUTSIDE_TOLERANCE = 0.005


def units_to_geojson(units: list[UnitSpec]) -> dict[str, Any]:
    """The units as a FeatureCollection that load_geojson_units reads back."""
    features = [{
        "type": "Feature",
        "properties": {"code": u.code, "name": u.name, "name_en": u.name_en, "level": u.level,
                       "parent": u.parent_code, "population": u.population, "urban": u.urban},
        "geometry": mapping(u.geometry),
    } for u in units]
    return {"type": "FeatureCollection", "features": features}


def write_geojson(units: list[UnitSpec], path: str | Path) -> None:
    """Write the units to a GeoJSON file (UTF-8, Chinese names kept readable)."""
    Path(path).write_text(json.dumps(units_to_geojson(units), ensure_ascii=False), encoding="utf-8")


def _features(path: str | Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise GeoImportError(f"{path}: cannot read the file ({exc.strerror})") from exc
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GeoImportError(f"{path}: not a JSON file ({exc})") from exc
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" \
            or not isinstance(data.get("features"), list):
        raise GeoImportError(f"{path}: not a GeoJSON FeatureCollection")
    if not data["features"]:
        raise GeoImportError(f"{path}: the FeatureCollection has no features")
    return data["features"]


def _geometry(label: str, raw: Any) -> BaseGeometry:
    try:
        geom = shape(raw)
    except Exception as exc:  # noqa: BLE001 - shapely raises many kinds for malformed input
        raise GeoImportError(f"{label}: invalid geometry ({exc})") from exc
    if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
        raise GeoImportError(f"{label}: invalid geometry (a {geom.geom_type}, expected a polygon)")
    if not geom.is_valid:
        raise GeoImportError(f"{label}: invalid geometry ({shapely.is_valid_reason(geom)})")
    x0, y0, x1, y1 = geom.bounds
    if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
        raise GeoImportError(f"{label}: invalid geometry (coordinates are not lon/lat degrees)")
    return geom


def _record(index: int, feature: Any) -> dict[str, Any]:
    """Check one feature's properties and geometry; returns them as a plain dict."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        raise GeoImportError(f"feature #{index + 1}: not a GeoJSON Feature")
    props = feature.get("properties") or {}
    code = props.get("code")
    label = f"feature '{code}'" if isinstance(code, str) and code else f"feature #{index + 1}"
    for key in REQUIRED:
        if key not in props or (props[key] in (None, "") and key != "parent"):
            raise GeoImportError(f"{label}: missing property '{key}'")
    if not isinstance(code, str) or not code.isascii() or len(code) > 64 or " " in code:
        raise GeoImportError(f"{label}: property 'code' must be ASCII without spaces, at most 64 chars")
    if props["level"] not in LEVELS:
        raise GeoImportError(f"{label}: unknown level '{props['level']}' "
                             f"(expected one of {', '.join(LEVELS)})")
    if props["level"] != "city" and not props["parent"]:
        raise GeoImportError(f"{label}: missing property 'parent' (only the city has none)")
    if props["level"] == "city" and props["parent"]:
        raise GeoImportError(f"{label}: the city cannot have a parent (found '{props['parent']}')")
    population = props.get("population")
    if population is not None and (not isinstance(population, int) or isinstance(population, bool)
                                   or population < 0):
        raise GeoImportError(f"{label}: property 'population' must be a whole number ≥ 0")
    return {"code": code, "name": str(props["name"]), "level": props["level"],
            "parent": props["parent"] or None, "name_en": props.get("name_en"),
            "population": population, "urban": bool(props.get("urban", False)),
            "geometry": _geometry(label, feature.get("geometry")), "order": index}


def load_geojson_units(path: str | Path) -> list[UnitSpec]:
    """Read a boundary file into UnitSpecs, parents before children; GeoImportError if it is bad."""
    records: dict[str, dict[str, Any]] = {}
    for index, feature in enumerate(_features(path)):
        rec = _record(index, feature)
        first = records.get(rec["code"])
        if first is not None:
            raise GeoImportError(f"duplicate code '{rec['code']}' (features #{first['order'] + 1} "
                                 f"and #{index + 1})")
        records[rec["code"]] = rec
    cities = [r for r in records.values() if r["level"] == "city"]
    if len(cities) != 1:
        raise GeoImportError(f"expected exactly one feature of level 'city', found {len(cities)}")
    children: dict[str, list[dict[str, Any]]] = {}
    for rec in records.values():
        if rec["level"] == "city":
            continue
        parent = records.get(rec["parent"])
        if parent is None:
            raise GeoImportError(f"unit '{rec['code']}': its parent code '{rec['parent']}' is not in "
                                 "the file")
        expected = LEVELS[LEVELS.index(rec["level"]) - 1]
        if parent["level"] != expected:
            raise GeoImportError(f"unit '{rec['code']}' ({rec['level']}): its parent '{parent['code']}'"
                                 f" is a {parent['level']}, expected a {expected}")
        _check_inside(rec, parent)
        children.setdefault(parent["code"], []).append(rec)
    ordered = _tree_order(cities[0], children)
    _roll_up_population(ordered, children)
    return [_spec(rec, records) for rec in ordered]


def _check_inside(rec: dict[str, Any], parent: dict[str, Any]) -> None:
    child = rec["geometry"]
    outside = child.difference(parent["geometry"]).area
    if outside > OUTSIDE_TOLERANCE * child.area:
        raise GeoImportError(f"unit '{rec['code']}': its polygon lies outside its parent "
                             f"'{parent['code']}' ({outside / child.area:.1%} of its area; "
                             f"{OUTSIDE_TOLERANCE:.1%} is tolerated)")


def _tree_order(city: dict[str, Any], children: dict[str, list[dict]]) -> list[dict[str, Any]]:
    """Units in file order, except that a unit listed before its parent moves just after it."""
    ordered, done = [], set()
    pending = [city, *sorted((r for kids in children.values() for r in kids), key=lambda r: r["order"])]
    while pending:  # levels strictly deepen, so each pass places at least one more level
        later = []
        for rec in pending:
            if rec is city or rec["parent"] in done:
                ordered.append(rec)
                done.add(rec["code"])
            else:
                later.append(rec)
        pending = later
    for siblings in children.values():
        for i, rec in enumerate(sorted(siblings, key=lambda r: r["order"])):
            rec["sort_key"] = i
    city["sort_key"] = 0
    return ordered


def _roll_up_population(ordered: list[dict[str, Any]], children: dict[str, list[dict]]) -> None:
    """Leaves keep their population (or 0); a parent is the sum of its children and, if the file
    states its population too, the two must agree."""
    for rec in reversed(ordered):
        kids = children.get(rec["code"])
        if not kids:
            rec["population"] = rec["population"] or 0
            continue
        total = sum(k["population"] for k in kids)
        if rec["population"] is not None and rec["population"] != total and total > 0:
            raise GeoImportError(f"unit '{rec['code']}': population {rec['population']} is not the sum "
                                 f"of its children's ({total})")
        rec["population"] = total if total > 0 else (rec["population"] or 0)


def _spec(rec: dict[str, Any], records: dict[str, dict[str, Any]]) -> UnitSpec:
    ancestors: dict[str, str] = {}
    parent = rec["parent"]
    while parent is not None:
        ancestors[records[parent]["level"]] = parent
        parent = records[parent]["parent"]
    return UnitSpec(code=rec["code"], name=rec["name"], name_en=rec["name_en"] or english_name(rec["name"]),
                    level=rec["level"], parent_code=rec["parent"],
                    district_code=ancestors.get("district"), town_code=ancestors.get("town"),
                    village_code=ancestors.get("village"),
                    geometry=rec["geometry"], population=rec["population"], urban=rec["urban"],
                    sort_key=rec["sort_key"])
