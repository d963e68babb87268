"""Every benchmark module imports: a name moved in the product breaks the benchmark that uses it
(bench.screens' bare map page once failed to start on a renamed figure constant), and benchmarks
run rarely, so the suite finds it first."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


@pytest.mark.parametrize("module", sorted(p.stem for p in BENCH.glob("*.py") if p.stem != "__init__"))
def test_bench_module_imports(module):
    importlib.import_module(f"bench.{module}")
