"""The bare MAP page the screens benchmark compares the product's cold load and drill with.

Mounted at /map/ on the bare server of bench/screens_bare.py. One `dcc.Graph` with the unit's
children as a Choroplethmap (Plotly's offline "white-bg" style) and every live position under
the unit as one Scattermap; below it one button per child. A drill is ONE server callback (a
button's click) returning the child's whole figure and its children's buttons: the smallest
page the same stack (Dash, Plotly, MapLibre, the same database and live:pos) allows. Its traces
carry the product's `meta` names and the graph sits in `#unit-map`, so the benchmark's "drawn"
check reads both pages the same way.
"""

from __future__ import annotations

import json
import os
from typing import Any

import dash
import plotly.graph_objects as go
import redis
from dash import ALL, Input, Output, ctx, dcc, html
from dash.exceptions import PreventUpdate
from flask import Flask
from sqlalchemy.orm import Session

from dashboard.core.config import load_settings
from dashboard.core.db import engine_for
from dashboard.core.units import root_code
from dashboard.queries.units import children, unit
from dashboard.queries.views import live_positions
from layouts.figures_map import TRACE_REGIONS, view_window
from layouts.map_layers import TRACE_POSITIONS


class BareMap:
    """The database and Redis the bare map page reads (the same ones the product reads)."""

    def __init__(self) -> None:
        settings = load_settings()
        self.engine = engine_for(settings)
        self.redis = redis.Redis.from_url(os.environ["DASHBOARD_REDIS_URL"], decode_responses=True)
        with Session(self.engine) as s:
            self.root = root_code(s)

    def view(self, code: str) -> tuple[go.Figure, list[Any], str]:
        """The unit's figure, its children's buttons and its level."""
        with Session(self.engine) as s:
            here = unit(s, code)
            kids = children(s, code) or [here]
            regions = [(k.code, json.loads(k.boundary)) for k in kids]
            level = here.level
        positions = live_positions(self.redis, code, self.root)
        centre, zoom = view_window([g for _c, g in regions])
        fig = go.Figure([
            go.Choroplethmap(geojson={"type": "FeatureCollection", "features": [
                {"type": "Feature", "id": c, "properties": {}, "geometry": g} for c, g in regions]},
                locations=[c for c, _g in regions], z=list(range(len(regions))), meta=TRACE_REGIONS,
                marker={"opacity": 0.6}),
            go.Scattermap(lat=[p["lat"] for p in positions], lon=[p["lon"] for p in positions],
                          mode="markers", marker={"size": 7}, meta=TRACE_POSITIONS),
        ], layout={"map": {"style": "white-bg", "center": centre, "zoom": zoom},
                   "margin": {"l": 0, "r": 0, "t": 0, "b": 0}, "uirevision": code})
        buttons = [html.Button(c, id={"type": "bare-child", "code": c}, className="bare-child")
                   for c, _g in regions if c != code]
        return fig, buttons, level


def add_bare_map(server: Flask) -> dash.Dash:
    """Mount the bare map page at /map/ on the bare server."""
    bare = BareMap()
    app = dash.Dash(__name__, server=server, url_base_pathname="/map/", include_assets_files=False)

    def layout() -> html.Div:  # read at each load: the positions of now
        fig, buttons, level = bare.view(bare.root)
        return html.Div([
            html.Div(dcc.Graph(id="bare-map", figure=fig, style={"height": "640px"}), id="unit-map"),
            html.Div(level, id="bare-level"),
            html.Div(buttons, id="bare-children"),
        ], className="view")

    app.layout = layout

    def drill(_clicks: list[int | None]) -> tuple[go.Figure, list[Any], str]:
        if not ctx.triggered_id or not any(_clicks):
            raise PreventUpdate
        return bare.view(ctx.triggered_id["code"])

    app.callback(Output("bare-map", "figure"), Output("bare-children", "children"),
                 Output("bare-level", "children"), Input({"type": "bare-child", "code": ALL}, "n_clicks"),
                 prevent_initial_call=True)(drill)
    return app
