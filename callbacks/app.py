"""Mount the Dash views on the Flask server: pages, the shell, every view's callbacks.

Everything is served from this server (Dash's own bundles, Bootstrap, the socket.io client and the
live glue in assets/): a wall screen needs no CDN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dash import Dash, State
from flask import Flask, has_request_context, request

from dashboard.contract import schema
from dashboard.core.services import Services
from layouts import ids
from layouts.figures_map import TRACE_LABELS, TRACE_REGIONS
from layouts.map_layers import TRACE_HIGHLIGHT, TRACE_INCIDENTS, TRACE_POSITIONS, TRACE_SUPERVISION
from layouts.shell import register_pages, shell

ASSETS = Path(__file__).resolve().parent.parent / "assets"



def browser_contract() -> dict[str, Any]:
    """The names the browser glue (assets/*.js, through 07_plot_internals.js) takes from the server
    instead of typing them again: the map's element id, the names (`meta`) of its traces and the
    event streams a screen replays after a gap; what a drill in place sets itself (31_drill.js): the
    map's legend, the store saying which prefetched map document it drew, the view's level and
    breadcrumb."""
    traces = (TRACE_REGIONS, TRACE_LABELS, TRACE_INCIDENTS, TRACE_SUPERVISION, TRACE_POSITIONS,
              TRACE_HIGHLIGHT)
    return {"map": ids.MAP, "legend": ids.MAP_LEGEND, "mapDrawnFrom": ids.MAP_DRAWN_FROM,
            "level": ids.VIEW_LEVEL, "breadcrumb": ids.BREADCRUMB,
            "traces": {name: name for name in traces}, "replayed": list(schema.REPLAYED)}


# The contract is set before any asset script runs (assets load in {%scripts%}).
INDEX = ("""<!DOCTYPE html>
<html lang="zh-CN" data-bs-theme="dark">
<head>{%metas%}<title>{%title%}</title>{%favicon%}{%css%}</head>
<body>{%app_entry%}<footer>{%config%}<script>window.gridContract = """
         + json.dumps(browser_contract()) + """;</script>{%scripts%}{%renderer%}</footer></body>
</html>""")


# What a view's page asks for once its body renders (Dash loads these chunks on a component's first
# use): the map's Plotly, the graph, the lists, the dropdowns and the date range. A view's index
# names them as preloads, so they come with the page's own scripts instead of after its first
# callbacks (bench.screens --trace: plotly.min.js was asked for 0.6 s into a cold load).
EARLY_CHUNKS = (("plotly", "package_data/plotly.min.js"), ("dash", "dcc/async-graph.js"),
                ("dash_ag_grid", "async-community.js"), ("dash", "dcc/async-dropdown.js"),
                ("dash", "dcc/async-datepicker.js"))
VIEW_PATHS = ("/", "/city")
VIEW_PREFIXES = ("/unit/", "/wall/")


def early_chunks(prefix: str) -> str:
    """The preload links of EARLY_CHUNKS under the app's path prefix; a chunk Dash no longer ships
    stops start-up with its name (its URL would answer 404 on every page)."""
    import dash_ag_grid
    from dash import dcc

    shipped = {(d.get("namespace"), d.get("relative_package_path"))
               for dist in (dcc._js_dist, dash_ag_grid._js_dist) for d in dist if d.get("async")}
    missing = [f"{ns}/{path}" for ns, path in EARLY_CHUNKS if (ns, path) not in shipped]
    if missing:
        raise RuntimeError(f"EARLY_CHUNKS: Dash ships no chunk {', '.join(missing)}")
    return "".join(f'<link rel="preload" as="script" href="{prefix}_dash-component-suites/{ns}/{path}">'
                   for ns, path in EARLY_CHUNKS)


class _Dash(Dash):
    """Dash whose views' index preloads the chunks they will ask for (EARLY_CHUNKS)."""

    def interpolate_index(self, **kwargs: str) -> str:
        """The index of every page; a view's also names its early chunks."""
        path = request.path if has_request_context() else ""
        if path in VIEW_PATHS or path.startswith(VIEW_PREFIXES):
            kwargs["metas"] = kwargs.get("metas", "") + self._early_chunks
        return super().interpolate_index(**kwargs)


def create_dash(server: Flask) -> Dash:
    """A Dash app on the given server with the pages and all callbacks registered."""
    from callbacks import detail, grid, live, map_prefetch, navigation, shell_cb, unit, view

    app = _Dash(__name__, server=server, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
               url_base_pathname="/", serve_locally=True, suppress_callback_exceptions=True,
               title="莆田市网格化指挥中心", update_title=None, compress=False,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
               # A drill in place tells the router the page is already showing the view.
               routing_callback_inputs={"view_shown": State(ids.VIEW_SHOWN, "data")})
    app.index_string = INDEX
    app._early_chunks = early_chunks(app.config.requests_pathname_prefix)
    register_pages()
    app.layout = shell
    for module in (shell_cb, view, navigation, unit, grid, detail, live, map_prefetch):
        module.register(app)
    from callbacks import briefing

    briefing.register(app)
    from callbacks import wall  # wall mode (issue 5)

    wall.register(app)
    from callbacks import duty  # the duty desk (issue 5)

    duty.register(app)
    return app


def init_app(server: Flask, services: Services) -> None:
    """Mount the Dash views on the server (called by dashboard.app.create_app)."""
    server.extensions["dash"] = create_dash(server)

