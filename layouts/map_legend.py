"""The map's legend: one line per layer drawn, each entry a coloured dot and its name, and a cap
notice ("显示 500 / 1,596") on any layer that shows fewer markers than there are. HTML under the
map, not a Plotly annotation over it: it wraps instead of running past the map's edge, hides none
of the map, and takes the wall's type like every other text there (assets/80_wall.css)."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.core.i18n import LEVEL_NAMES, SEVERITY_NAMES, STATE_NAMES, fmt_int, name_of, t
from dashboard.core.models import OPEN_STATES
from layouts.theme import LEVEL_COLOURS, SEVERITY_SIZE, STATE_COLOURS, STATUS_COLOURS, TEXT

CAP_COLOUR = "#E69F00"
SUPERVISION_LEVELS = ("village", "town", "district", "city")


def legend_rows(lang: str, *, staff: str | None = "dots", incidents: bool = True,
                supervision: bool = True, caps: dict[str, tuple[int, int]] | None = None,
                ) -> list[dict[str, Any]]:
    """The legend as data: per layer its title, its entries (label, colour, marker diameter in px
    or None for a colour swatch) and, when the layer is capped, the numbers shown and in all.
    `staff` is "dots", "aggregate" or None."""
    caps = caps or {}
    rows = []
    if staff == "dots":
        rows.append({"layer": "positions", "title": t("legend.positions", lang),
                     "entries": [(t(f"staff.{s}", lang), STATUS_COLOURS[s], None) for s in STATUS_COLOURS]})
    elif staff == "aggregate":
        rows.append({"layer": "positions", "title": t("legend.staff_by_town", lang),
                     "entries": [(t("legend.staff_on_duty", lang), STATUS_COLOURS["online"], None),
                                 (t("legend.staff_all", lang), STATUS_COLOURS["offline"], None)]})
    if incidents:
        # Severity is the marker's size: these dots are the markers' own diameters.
        sizes = [(name_of(SEVERITY_NAMES, k, lang), TEXT, SEVERITY_SIZE[k]) for k in sorted(SEVERITY_NAMES)]
        rows.append({"layer": "incidents", "title": t("legend.incidents", lang),
                     "entries": [(name_of(STATE_NAMES, s, lang), STATE_COLOURS[s], None)
                                 for s in OPEN_STATES],
                     "sizes": sizes})
    if supervision:
        rows.append({"layer": "supervision", "title": t("legend.supervision", lang),
                     "entries": [(name_of(LEVEL_NAMES, lv, lang), LEVEL_COLOURS[lv], None)
                                 for lv in SUPERVISION_LEVELS]})
    for row in rows:
        if row["layer"] in caps:
            shown, total = caps[row["layer"]]
            row["cap"] = t("map.capped", lang, shown=fmt_int(shown), total=fmt_int(total))
    return rows


def _entry(label: str, colour: str, diameter: int | None) -> html.Span:
    # A swatch grows with the text around it (a wall's type); a size stays the marker's pixels.
    style = {"background": colour}
    if diameter is not None:
        style.update(width=f"{diameter}px", height=f"{diameter}px")
    return html.Span([html.Span(className="legend-dot", style=style), label], className="legend-entry")


def legend_block(rows: list[dict[str, Any]]) -> list[html.Div]:
    """The rows as HTML: a line per layer (wrapping between entries, never inside one)."""
    out = []
    for row in rows:
        parts: list[Any] = [html.B(row["title"], className="legend-title")]
        parts += [_entry(*entry) for entry in row["entries"]]
        if row.get("sizes"):
            parts.append(html.Span(className="legend-sep"))
            parts += [_entry(*entry) for entry in row["sizes"]]
        if row.get("cap"):
            parts.append(html.B(row["cap"], className="legend-cap", style={"color": CAP_COLOUR}))
        out.append(html.Div(parts, className="legend-row", **{"data-layer": row["layer"]}))
    return out
