"""Waiting for a view the way a person looks at it: its numbers and its map's figure in."""

from __future__ import annotations

MAP_HAS_DATA = ("() => { const g = document.querySelector('#unit-map .js-plotly-plot');"
                " return !!(g && g.data && g.data.length); }")


def figures_drawn(page, level: str, timeout: float = 180_000) -> None:
    """A view of this level with its numbers and its map's figure in (whether or not MapLibre has
    revealed the canvas yet: that can lag far behind on a loaded machine)."""
    page.wait_for_selector(f'.view[data-level="{level}"]', timeout=timeout)
    page.wait_for_function("() => { const v = document.querySelector('[data-kpi=\"collected\"] .kpi-value');"
                           " return v && v.textContent !== '—' && v.textContent !== ''; }", timeout=timeout)
    page.wait_for_function(MAP_HAS_DATA, timeout=timeout)
