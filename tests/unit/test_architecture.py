"""The layout is the architecture (docs/architecture.md): imports run one way, the core stands on
its own, and no product code names the demo city; read from the source, so a change that breaks a
rule fails here before a reviewer has to spot it."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("dashboard", "feeds", "callbacks", "layouts")


def _modules(*tops: str) -> dict[str, Path]:
    found = {}
    for top in tops:
        for path in (ROOT / top).rglob("*.py"):
            if "versions" not in path.parts:
                found[".".join(path.relative_to(ROOT).with_suffix("").parts)] = path
    return found


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def _wrong(importers: str, rule) -> list[str]:
    return sorted(f"{mod} imports {name}" for mod, path in _modules(importers).items()
                  for name in _imports(path) if rule(mod, name))


def test_nothing_in_dashboard_imports_the_workers_or_the_screens():
    # dashboard/app.py is the composition root that mounts the screens (callbacks) on the server.
    assert _wrong("dashboard", lambda mod, name: name.split(".")[0] == "feeds" or (
        name.split(".")[0] in ("callbacks", "layouts") and mod != "dashboard.app")) == []


def test_layouts_do_not_import_callbacks():
    assert _wrong("layouts", lambda mod, name: name.split(".")[0] == "callbacks") == []


def test_the_core_imports_no_other_package_of_dashboard():
    def outside_core(mod: str, name: str) -> bool:
        return mod.startswith("dashboard.core") and name.startswith("dashboard.") \
            and not name.startswith("dashboard.core")
    assert _wrong("dashboard", outside_core) == []


def test_only_the_seed_and_run_paths_reach_the_demo_world():
    allowed = ("dashboard.demo", "dashboard.ops.runner")
    assert _wrong("dashboard", lambda mod, name: name.startswith("dashboard.demo")
                  and not mod.startswith(allowed)) == []
    assert _wrong("feeds", lambda mod, name: name.startswith("dashboard.demo")) == []


def test_no_product_code_names_the_demo_city_s_code():
    literal = re.compile(r"\bputian\b")  # the root's code comes from the data (dashboard.core.units)
    named = sorted(f"{path.relative_to(ROOT)}:{n}" for path in
                   [*_modules(*PRODUCT).values(), *(ROOT / "assets").glob("*.js")]
                   if "demo" not in path.relative_to(ROOT).parts
                   for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                   if literal.search(line) and "min.js" not in path.name)
    assert named == []


def test_the_browser_takes_the_maps_names_from_the_page():
    """The map's element id, its trace names and the replayed streams reach the browser in the page
    (callbacks/app.py browser_contract); no asset script types them again."""
    from callbacks.app import INDEX, browser_contract

    contract = browser_contract()
    assert f"window.gridContract = {json.dumps(contract)};" in INDEX
    retyped = re.compile("|".join([f"[#\"']{re.escape(contract['map'])}\\b",
                                   *(f"(?:traceIndex\\([^,]+,|meta ===) *[\"']{re.escape(t)}[\"']"
                                     for t in contract["traces"]),
                                   "\\[\"incidents\", \"supervision\", \"alerts\"\\]"]))
    scripts = [path for path in sorted((ROOT / "assets").glob("*.js")) if "min.js" not in path.name]
    found = [f"{path.name}:{n}" for path in scripts
             for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if retyped.search(line)]
    assert not found, f"names the page hands the browser, typed again in: {found}"
