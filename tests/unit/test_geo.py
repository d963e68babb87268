"""The demo world's geography: counts, names, codes, exact tiling, residents, grid lookup."""

from __future__ import annotations

import collections
import hashlib
import re
import subprocess
import sys

import numpy as np
import pytest
import shapely

from dashboard.demo.geo_clean import SOURCE
from dashboard.demo.places import CITY_CODE
from dashboard.demo.world import build_world_units
from dashboard.geo.locate import GridLocator
from dashboard.geo.model import UnitSpec

# Areas are in square degrees (about 11,200 km² each at Putian's latitude): 1e-11 is 0.1 m².
SEAM = 1e-11

TOWNS = {
    "chengxiang": ["龙桥街道", "凤凰山街道", "霞林街道", "东海镇", "常太镇", "华亭镇", "灵川镇"],
    "licheng": ["镇海街道", "拱辰街道", "西天尾镇", "黄石镇", "新度镇", "北高镇"],
    "hanjiang": ["涵东街道", "涵西街道", "三江口镇", "白塘镇", "国欢镇", "梧塘镇", "江口镇", "萩芦镇",
                 "白沙镇", "庄边镇", "新县镇", "大洋乡"],
    "xianyou": ["鲤城街道", "鲤南镇", "榜头镇", "郊尾镇", "枫亭镇", "盖尾镇", "园庄镇", "度尾镇", "大济镇",
                "龙华镇", "赖店镇", "钟山镇", "游洋镇", "社硎乡", "书峰乡", "西苑乡", "石苍乡", "菜溪乡"],
    "xiuyu": ["笏石镇", "东庄镇", "月塘镇", "东峤镇", "埭头镇", "平海镇", "南日镇"],
    "meizhou": ["湄洲镇"],
    "beian": ["忠门镇", "东埔镇", "山亭镇"],
}
DISTRICT_NAMES = {"chengxiang": "城厢区", "licheng": "荔城区", "hanjiang": "涵江区", "xiuyu": "秀屿区",
                  "xianyou": "仙游县", "meizhou": "湄洲岛", "beian": "北岸开发区"}


@pytest.fixture(scope="module")
def units() -> list[UnitSpec]:
    return build_world_units()


@pytest.fixture(scope="module")
def by_code(units) -> dict[str, UnitSpec]:
    return {u.code: u for u in units}


@pytest.fixture(scope="module")
def children(units) -> dict[str, list[UnitSpec]]:
    out = collections.defaultdict(list)
    for u in units:
        if u.parent_code is not None:
            out[u.parent_code].append(u)
    return out


def test_counts_per_level(units):
    assert collections.Counter(u.level for u in units) == {
        "city": 1, "district": 7, "town": 54, "village": 971, "grid": 2408}


def test_county_level_units_and_their_towns(units, children):
    districts = {u.code: u.name for u in units if u.level == "district"}
    assert districts == DISTRICT_NAMES
    for code, names in TOWNS.items():
        assert sorted(t.name for t in children[code]) == sorted(names), code


def test_codes_are_ascii_unique_and_follow_the_contract(units, by_code, children):
    codes = [u.code for u in units]
    assert len(set(codes)) == len(codes)
    assert all(re.fullmatch(r"[a-z0-9-]+", c) for c in codes)
    assert units[0].code == "putian" and units[0].level == "city"
    for u in units[1:]:
        if u.level == "district":
            assert u.parent_code == "putian"
        elif u.level == "grid":
            assert re.fullmatch(re.escape(u.parent_code) + r"-g\d\d", u.code)
        else:
            assert re.fullmatch(re.escape(u.parent_code) + r"-[a-z]+", u.code)
    for village in (u for u in units if u.level == "village"):
        grids = sorted(g.code for g in children[village.code])
        assert grids == [f"{village.code}-g{i:02d}" for i in range(1, len(grids) + 1)]


def test_ancestor_codes_match_the_parent_chain(units, by_code):
    seen = set()
    for u in units:
        if u.parent_code is not None:
            assert u.parent_code in seen, f"{u.code} comes before its parent"
        seen.add(u.code)
        chain, parent = {}, u.parent_code
        while parent is not None:
            chain[by_code[parent].level] = parent
            parent = by_code[parent].parent_code
        assert (u.district_code, u.town_code, u.village_code) == (
            chain.get("district"), chain.get("town"), chain.get("village")), u.code
        assert u.path(CITY_CODE)[0] == "putian" and u.path(CITY_CODE)[-1] == u.code


def test_named_places_exist_under_the_right_parents(by_code, children):
    assert by_code["licheng-zhenhai-changshou"].name == "长寿社区"
    assert by_code["licheng-zhenhai"].name == "镇海街道"
    xingan = by_code["chengxiang-longqiao-xingan"]
    assert (xingan.name, xingan.parent_code) == ("兴安社区", "chengxiang-longqiao")
    assert len(children[xingan.code]) >= 3
    grid = by_code["chengxiang-longqiao-xingan-g03"]
    assert grid.name_en == "Xing'an Community Grid 3" and grid.level == "grid"
    assert by_code["xianyou-duwei-maoshan"].name == "帽山村"
    assert by_code["xianyou-duwei"].name == "度尾镇"
    assert by_code["xianyou-longhua"].name == "龙华镇"
    assert by_code["hanjiang-hanxi"].name == "涵西街道"
    assert by_code["licheng-zhenhai"].name_en == "Zhenhai Subdistrict"


def test_village_names_are_unique_within_a_town_and_say_what_they_are(units, children):
    for town in (u for u in units if u.level == "town"):
        names = [v.name for v in children[town.code]]
        assert len(set(names)) == len(names), town.name
        assert all(n.endswith(("社区", "村")) for n in names), town.name
        if town.name.endswith("街道"):
            assert all(n.endswith("社区") for n in names), town.name


def test_streets_are_dense_and_rural_villages_have_one_or_two_grids(units, children):
    grids_of = {v.code: len(children[v.code]) for v in units if v.level == "village"}
    villages = [v for v in units if v.level == "village"]
    rural = [grids_of[v.code] for v in villages if v.name.endswith("村")]
    street = [grids_of[v.code] for v in villages if v.town_code.split("-")[1] in
              {"longqiao", "fenghuangshan", "xialin", "zhenhai", "gongchen", "handong", "hanxi"}]
    assert set(rural) <= {1, 2}
    assert min(street) >= 2 and np.mean(street) > 2 * np.mean(rural)


def test_every_polygon_is_valid_and_inside_its_parent(units, by_code):
    for u in units:
        assert u.geometry.geom_type in ("Polygon", "MultiPolygon"), u.code
        assert u.geometry.is_valid and not u.geometry.is_empty and u.geometry.area > 0, u.code
        if u.parent_code is not None:
            assert u.geometry.difference(by_code[u.parent_code].geometry).area < SEAM, u.code


def test_parents_are_exactly_the_union_of_their_children(units, children):
    for parent in (u for u in units if u.level != "grid"):
        union = shapely.union_all([c.geometry for c in children[parent.code]])
        assert union.symmetric_difference(parent.geometry).area < SEAM, parent.code


@pytest.mark.parametrize("level", ["district", "town", "village", "grid"])
def test_no_two_units_of_a_level_overlap(units, level):
    geoms = np.array([u.geometry for u in units if u.level == level], dtype=object)
    left, right = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = left < right
    overlap = shapely.area(shapely.intersection(geoms[left[pairs]], geoms[right[pairs]]))
    assert overlap.max() < SEAM


def test_the_city_keeps_the_real_outline(units, by_code):
    import json

    from shapely.geometry import shape

    source = json.loads(SOURCE.read_text(encoding="utf-8"))["features"]
    real = next(shape(f["geometry"]) for f in source if f["properties"]["level"] == "city")
    city = by_code["putian"].geometry
    assert city.symmetric_difference(real).area < 1e-6 * real.area
    locator = GridLocator(units)
    # Meizhou Island, Nanri Island and Putian's old town, each in the unit a local would expect.
    assert locator.locate(25.075, 119.125).startswith("meizhou-meizhou-")
    assert locator.locate(25.215, 119.475).startswith("xiuyu-nanri-")
    assert locator.locate(25.13, 119.07).startswith("beian-")
    assert locator.locate(25.33, 119.10).startswith("xiuyu-")


def test_population_rolls_up_and_urban_grids_are_denser(units, children):
    assert units[0].population == 3_210_714
    for parent in (u for u in units if u.level != "grid"):
        assert sum(c.population for c in children[parent.code]) == parent.population, parent.code
    grids = [u for u in units if u.level == "grid"]
    assert all(g.population > 0 for g in grids)
    density = {True: [], False: []}
    for g in grids:
        density[g.urban].append(g.population / g.geometry.area)
    assert np.median(density[True]) > 5 * np.median(density[False])


def _digest(units: list[UnitSpec]) -> str:
    h = hashlib.sha256()
    for u in units:
        h.update(repr((u.code, u.name, u.name_en, u.level, u.parent_code, u.population, u.urban,
                       u.sort_key)).encode())
        h.update(shapely.to_wkb(u.geometry))
    return h.hexdigest()


def test_two_builds_are_identical(units):
    # A separate interpreter with another hash seed builds the world again from scratch.
    code = ("from dashboard.demo.world import build_world_units; from tests.unit.test_geo import _digest; "
            "print(_digest(build_world_units()))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONHASHSEED": "12345", "PATH": ""}, cwd=SOURCE.parents[3])
    assert out.stdout.strip() == _digest(units)


def test_callers_get_their_own_records(units):
    mine = build_world_units()
    mine[0].population = 1
    assert build_world_units()[0].population == units[0].population


def test_every_grid_locates_back_to_itself(units):
    grids = [u for u in units if u.level == "grid"]
    locator = GridLocator((g.code, g.geometry) for g in grids)
    inner = [g.geometry.representative_point() for g in grids]
    assert locator.locate_many([p.y for p in inner], [p.x for p in inner]) == [g.code for g in grids]
    centred = [(g, g.geometry.centroid) for g in grids]
    centred = [(g, c) for g, c in centred if g.geometry.contains(c)]
    assert len(centred) > 2000
    assert locator.locate_many([c.y for _, c in centred], [c.x for _, c in centred]) == [
        g.code for g, _ in centred]
    assert locator.locate(inner[0].y, inner[0].x) == grids[0].code


def test_points_outside_the_city_are_in_no_grid(units):
    locator = GridLocator(units)
    sea = [(25.10, 119.30), (25.00, 119.60), (25.30, 119.40)]  # Pinghai Bay, open sea, Xinghua Bay
    far = [(26.08, 119.30), (0.0, 0.0)]  # Fuzhou, and null island
    assert locator.locate_many([p[0] for p in sea + far], [p[1] for p in sea + far]) == [None] * 5
    assert not locator.inside_city(25.10, 119.30)
    assert locator.inside_city(25.435, 119.015)
    assert locator.locate_many([], []) == []
    with pytest.raises(ValueError, match="differ in length"):
        locator.locate_many([25.4], [119.0, 119.1])


# --- importing a city's own boundaries (`seed --geo FILE`) -------------------------------------

EXAMPLE = SOURCE.parents[3] / "tests" / "data" / "geo_example.geojson"


def _example() -> dict:
    import json

    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def _write(tmp_path, data) -> str:
    import json

    path = tmp_path / "units.geojson"
    path.write_text(data if isinstance(data, str) else json.dumps(data, ensure_ascii=False),
                    encoding="utf-8")
    return str(path)


def _feature(data: dict, code: str) -> dict:
    return next(f for f in data["features"] if f["properties"]["code"] == code)


def test_the_example_file_imports_with_ancestors_and_rolled_up_population():
    from dashboard.geo.io import load_geojson_units

    units = load_geojson_units(EXAMPLE)
    by_code = {u.code: u for u in units}
    assert [u.level for u in units] == ["city", "district", "town", "town", "village", "village",
                                        "grid", "grid", "grid"]
    grid = by_code["demo-east-jia-heping-g02"]
    assert (grid.district_code, grid.town_code, grid.village_code) == (
        "demo-east", "demo-east-jia", "demo-east-jia-heping")
    assert grid.name_en == "Heping Community Grid 2" and grid.urban
    assert by_code["demo"].population == 3300 and by_code["demo-east-yi"].population == 800
    assert by_code["demo-east"].name_en == "East District"
    locator = GridLocator(units)
    assert locator.locate(25.01, 119.015) == "demo-east-jia-heping-g02"
    assert locator.locate(25.03, 119.015) is None


def _drop(data: dict, code: str, key: str) -> dict:
    del _feature(data, code)["properties"][key]
    return data


def _set(data: dict, code: str, key: str, value) -> dict:
    _feature(data, code)["properties"][key] = value
    return data


def _geometry(data: dict, code: str, geometry: dict) -> dict:
    _feature(data, code)["geometry"] = geometry
    return data


def _duplicate(data: dict, code: str) -> dict:
    data["features"].append(_feature(data, code))
    return data


def _box(x0, y0, x1, y1) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


BAD_FILES = {
    "not json": (lambda d: "{not json", r"not a JSON file"),
    "not a collection": (lambda d: {"type": "Feature", "properties": {}}, r"not a GeoJSON FeatureCollection"),
    "no features": (lambda d: {"type": "FeatureCollection", "features": []}, r"has no features"),
    "missing name": (lambda d: _drop(d, "demo-east-yi", "name"), r"'demo-east-yi': missing property 'name'"),
    "missing parent": (lambda d: _drop(d, "demo-east-yi", "parent"),
                       r"'demo-east-yi': missing property 'parent'"),
    "missing code": (lambda d: _drop(d, "demo-east-yi", "code"), r"feature #4: missing property 'code'"),
    "unknown level": (lambda d: _set(d, "demo-east", "level", "province"),
                      r"'demo-east': unknown level 'province'"),
    "duplicate code": (lambda d: _duplicate(d, "demo-east-yi-xiban"),
                       r"duplicate code 'demo-east-yi-xiban' \(features #6 and #10\)"),
    "parent not in file": (lambda d: _set(d, "demo-east-yi", "parent", "demo-west"),
                           r"unit 'demo-east-yi': its parent code 'demo-west' is not in the file"),
    "parent of wrong level": (lambda d: _set(d, "demo-east-yi-xiban", "parent", "demo-east"),
                              r"'demo-east-yi-xiban' \(village\): its parent 'demo-east' is a district"),
    "outside parent": (lambda d: _geometry(d, "demo-east-yi-xiban-g01", _box(119.03, 25.0, 119.05, 25.02)),
                       r"'demo-east-yi-xiban-g01': its polygon lies outside its parent "
                       r"'demo-east-yi-xiban' \(50\.0% of its area"),
    "self-intersecting": (lambda d: _geometry(d, "demo-east-jia", {"type": "Polygon", "coordinates": [
        [[119.0, 25.0], [119.02, 25.02], [119.02, 25.0], [119.0, 25.02], [119.0, 25.0]]]}),
        r"'demo-east-jia': invalid geometry \(Self-intersection"),
    "a point": (lambda d: _geometry(d, "demo-east-jia", {"type": "Point", "coordinates": [119.0, 25.0]}),
                r"'demo-east-jia': invalid geometry \(a Point, expected a polygon\)"),
    "garbled geometry": (lambda d: _geometry(d, "demo-east-jia", {"type": "Polygon", "coordinates": 7}),
                         r"'demo-east-jia': invalid geometry"),
    "projected coordinates": (lambda d: _geometry(d, "demo", _box(500000, 2700000, 504000, 2702000)),
                              r"'demo': invalid geometry \(coordinates are not lon/lat degrees\)"),
    "two cities": (lambda d: _set(_set(d, "demo-east", "level", "city"), "demo-east", "parent", None),
                   r"exactly one feature of level 'city', found 2"),
    "city with a parent": (lambda d: _set(d, "demo", "parent", "china"),
                           r"'demo': the city cannot have a parent \(found 'china'\)"),
    "bad population": (lambda d: _set(d, "demo-east-yi-xiban-g01", "population", -5),
                       r"'demo-east-yi-xiban-g01': property 'population' must be a whole number"),
    "population not summing": (lambda d: _set(d, "demo-east-yi", "population", 900),
                               r"'demo-east-yi': population 900 is not the sum of its children's \(800\)"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_a_clear_message(tmp_path, case):
    from dashboard.geo.io import load_geojson_units
    from dashboard.geo.model import GeoImportError

    make, message = BAD_FILES[case]
    path = _write(tmp_path, make(_example()))
    with pytest.raises(GeoImportError, match=message):
        load_geojson_units(path)


def test_a_missing_file_is_a_clear_error(tmp_path):
    from dashboard.geo.io import load_geojson_units
    from dashboard.geo.model import GeoImportError

    with pytest.raises(GeoImportError, match="cannot read the file"):
        load_geojson_units(tmp_path / "nowhere.geojson")


def test_a_small_overhang_is_tolerated(tmp_path):
    from dashboard.geo.io import load_geojson_units

    # 0.1 % of the grid sticks out of its village: digitising noise, not an error.
    data = _geometry(_example(), "demo-east-yi-xiban-g01", _box(119.02, 25.0, 119.04004, 25.02))
    assert len(load_geojson_units(_write(tmp_path, data))) == 9


def test_the_built_world_round_trips_through_geojson(tmp_path, units):
    from dashboard.geo.io import load_geojson_units, write_geojson

    path = tmp_path / "putian.geojson"
    write_geojson(units, path)
    again = load_geojson_units(path)
    assert [u.code for u in again] == [u.code for u in units]
    for before, after in zip(units, again, strict=True):
        assert (after.name, after.name_en, after.level, after.parent_code, after.district_code,
                after.town_code, after.village_code, after.population, after.urban, after.sort_key) == (
            before.name, before.name_en, before.level, before.parent_code, before.district_code,
            before.town_code, before.village_code, before.population, before.urban, before.sort_key)
        assert after.geometry.equals_exact(before.geometry, 0), before.code


def test_the_export_command_writes_a_template_for_seed_geo(tmp_path, units, capsys):
    import json

    from dashboard.demo.world import main

    assert main([str(tmp_path / "putian.geojson")]) == 0
    assert "wrote 3441 units" in capsys.readouterr().out
    features = json.loads((tmp_path / "putian.geojson").read_text(encoding="utf-8"))["features"]
    first = features[0]["properties"]
    assert (first["code"], first["level"], first["parent"], first["population"]) == (
        "putian", "city", None, 3_210_714)
