"""The look shared by every figure: dark command-center theme, colour-blind-safe palette."""

from __future__ import annotations

import plotly.graph_objects as go

# Okabe-Ito: distinguishable under the common colour-vision deficiencies.
OKABE_ITO = {"orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
             "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#999999"}
STATE_COLOURS = {"reported": OKABE_ITO["vermillion"], "dispatched": OKABE_ITO["orange"],
                 "accepted": OKABE_ITO["sky"], "resolved": OKABE_ITO["green"],
                 "closed": OKABE_ITO["grey"], "cancelled": OKABE_ITO["grey"]}
ROLE_COLOURS = {"info_manager": OKABE_ITO["sky"], "patrol": OKABE_ITO["yellow"],
                "enforcement": OKABE_ITO["purple"]}
LEVEL_COLOURS = {"village": OKABE_ITO["green"], "town": OKABE_ITO["sky"],
                 "district": OKABE_ITO["orange"], "city": OKABE_ITO["vermillion"]}
# Staff on the map by status. Every marker colour is bright (relative luminance >= 0.22) and the
# region scale below stays dark (<= 0.08), so no marker can vanish on any region's colour.
STATUS_COLOURS = {"online": "#ffffff", "stale": OKABE_ITO["yellow"], "offline": OKABE_ITO["purple"]}
SEVERITY_SIZE = {1: 7, 2: 9, 3: 12, 4: 15}
# Regions: dark to mid slate-indigo, low in chroma, a hue no marker uses; white names read on all.
CHOROPLETH_SCALE = [[0.0, "#141c30"], [0.25, "#1d2945"], [0.5, "#26355b"], [0.75, "#2f4070"],
                    [1.0, "#3a4d86"]]
REGION_OUTLINE = "#9fb0cc"
# What the browser-side live glue needs to draw new markers exactly as the server would.
PALETTE = {"states": STATE_COLOURS, "roles": ROLE_COLOURS, "levels": LEVEL_COLOURS,
           "status": STATUS_COLOURS, "severity": {str(k): v for k, v in SEVERITY_SIZE.items()}}

BACKGROUND = "#0b1220"
PALETTE["halo"] = BACKGROUND  # around region names on the map (assets/35_map_labels.js)
PANEL = "#111a2e"
TEXT = "#dce6f5"
MUTED = "#8a9bb8"
GRIDLINE = "#22304d"
FONT_FAMILY = ('"Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", '
               '"WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif')


def luminance(colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour (0 black, 1 white)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


# A MapLibre style with no tiles and no glyphs: nothing is fetched from any server. Its one
# source is an empty inline GeoJSON: Plotly prunes an empty `sources` object on re-render,
# and MapLibre then rejects the style.
BLANK_MAP_STYLE = {"version": 8,
                   "sources": {"blank": {"type": "geojson",
                                         "data": {"type": "FeatureCollection", "features": []}}},
                   "layers": [{"id": "background", "type": "background",
                               "paint": {"background-color": BACKGROUND}}]}


def map_style(tiles: str | None = None, anchors: tuple[str, ...] = ()) -> dict:
    """The blank offline style, or (DASHBOARD_MAP_TILES set) the same with a raster tile layer
    drawn above the background and under every trace, so our own boundaries stay on top. Then
    one hidden layer per name in `anchors`, bottom to top: a trace drawn under its own anchor
    (`below`) keeps its place in the stack without Plotly re-adding it (layouts/figures_map.py)."""
    layers = list(BLANK_MAP_STYLE["layers"])
    sources = dict(BLANK_MAP_STYLE["sources"])
    if tiles:
        sources["tiles"] = {"type": "raster", "tiles": [tiles], "tileSize": 256}
        layers.append({"id": "tiles", "type": "raster", "source": "tiles", "paint": {"raster-opacity": 0.85}})
    layers += [{"id": anchor_layer(name), "type": "background", "layout": {"visibility": "none"}}
               for name in anchors]
    return {"version": 8, "sources": sources, "layers": layers}


def anchor_layer(name: str) -> str:
    """The id of the hidden style layer the trace `name` is drawn under (see map_style)."""
    return f"anchor-{name}"


def base_layout(**overrides) -> dict:
    """Layout keys every chart shares: transparent paper, light text, tight margins."""
    layout = dict(
        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
        font=dict(family=FONT_FAMILY, color=TEXT, size=14),
        margin=dict(l=8, r=8, t=8, b=8), showlegend=False,
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=14)),
        xaxis=dict(gridcolor=GRIDLINE, zerolinecolor=GRIDLINE, color=MUTED),
        yaxis=dict(gridcolor=GRIDLINE, zerolinecolor=GRIDLINE, color=MUTED),
    )
    layout.update(overrides)
    return layout


def empty_figure(message: str) -> go.Figure:
    """A blank chart carrying one centred message (no data for this period)."""
    fig = go.Figure(layout=base_layout())
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.add_annotation(text=message, showarrow=False, font=dict(color=MUTED, size=16),
                       xref="paper", yref="paper", x=0.5, y=0.5)
    return fig
