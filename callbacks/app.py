"""Mount the Dash views on the Flask server: pages, the shell, every view's callbacks.

Everything is served from this server (Dash's own bundles, Bootstrap, the socket.io client and the
live glue in assets/): a wall screen needs no CDN.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from dash import Dash, State
from flask import Flask

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


def create_dash(server: Flask) -> Dash:
    """A Dash app on the given server with the pages and all callbacks registered."""
    from callbacks import detail, grid, live, map_prefetch, navigation, shell_cb, unit, view

    app = Dash(__name__, server=server, use_pages=True, pages_folder="", assets_folder=str(ASSETS),
               url_base_pathname="/", serve_locally=True, suppress_callback_exceptions=True,
               title="莆田市网格化指挥中心", update_title=None, compress=False,
               meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"}],
               # A drill in place tells the router the page is already showing the view.
               routing_callback_inputs={"view_shown": State(ids.VIEW_SHOWN, "data")})
    app.index_string = INDEX
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

