"""The map's legend: one line per layer drawn, each entry a coloured dot and its name, and a cap
notice ("显示 500 / 1,596") on any layer that shows fewer markers than there are. A layout
annotation in the map's lower-left corner: it needs no glyphs, no tiles and no trace."""

from __future__ import annotations

from typing import Any

from dashboard.core.i18n import LEVEL_NAMES, SEVERITY_NAMES, STATE_NAMES, fmt_int, name_of, t
from dashboard.core.models import OPEN_STATES
from layouts.theme import (
    LEVEL_COLOURS,
    MUTED,
    PANEL,
    SEVERITY_SIZE,
    STATE_COLOURS,
    STATUS_COLOURS,
    TEXT,
)

LEGEND = "legend"
CAP_COLOUR = "#E69F00"
SUPERVISION_LEVELS = ("village", "town", "district", "city")
DOT_PX = 17  # font size of a legend entry's dot


def legend_rows(lang: str, *, staff: str | None = "dots", incidents: bool = True,
                supervision: bool = True, caps: dict[str, tuple[int, int]] | None = None,
                ) -> list[dict[str, Any]]:
    """The legend as data: per layer its title, its entries (label, colour, size) and, when the
    layer is capped, the numbers shown and in all. `staff` is "dots", "aggregate" or None."""
    caps = caps or {}
    rows = []
    if staff == "dots":
        rows.append({"layer": "positions", "title": t("legend.positions", lang),
                     "entries": [(t(f"staff.{s}", lang), STATUS_COLOURS[s], DOT_PX) for s in STATUS_COLOURS]})
    elif staff == "aggregate":
        rows.append({"layer": "positions", "title": t("legend.staff_by_town", lang),
                     "entries": [(t("legend.staff_on_duty", lang), STATUS_COLOURS["online"], DOT_PX),
                                 (t("legend.staff_all", lang), STATUS_COLOURS["offline"], DOT_PX)]})
    if incidents:
        # A "●" glyph is about 0.6 of its font size: these dots match the markers' diameters.
        sizes = [(name_of(SEVERITY_NAMES, k, lang), TEXT, round(SEVERITY_SIZE[k] / 0.6))
                 for k in sorted(SEVERITY_NAMES)]
        rows.append({"layer": "incidents", "title": t("legend.incidents", lang),
                     "entries": [(name_of(STATE_NAMES, s, lang), STATE_COLOURS[s], DOT_PX)
                                 for s in OPEN_STATES],
                     "sizes": sizes})
    if supervision:
        rows.append({"layer": "supervision", "title": t("legend.supervision", lang),
                     "entries": [(name_of(LEVEL_NAMES, lv, lang), LEVEL_COLOURS[lv], DOT_PX)
                                 for lv in SUPERVISION_LEVELS]})
    for row in rows:
        if row["layer"] in caps:
            shown, total = caps[row["layer"]]
            row["cap"] = t("map.capped", lang, shown=fmt_int(shown), total=fmt_int(total))
    return rows


def _dot(colour: str, size: int) -> str:
    return f'<span style="color:{colour};font-size:{size}px">●</span>'


def legend_text(rows: list[dict[str, Any]]) -> str:
    """The rows as one annotation's text: a line per layer."""
    lines = []
    for row in rows:
        parts = [f"<b>{row['title']}</b>"] + [f"{_dot(c, s)} {label}" for label, c, s in row["entries"]]
        line = "  ".join(parts)
        if row.get("sizes"):
            line += "   |  " + "  ".join(f"{_dot(c, s)} {label}" for label, c, s in row["sizes"])
        if row.get("cap"):
            line += f'  <span style="color:{CAP_COLOUR}"><b>{row["cap"]}</b></span>'
        lines.append(line)
    return "<br>".join(lines)


def legend_annotation(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The legend pinned to the map's lower-left corner."""
    return dict(text=legend_text(rows), xref="paper", yref="paper", x=0.005, y=0.005,
                xanchor="left", yanchor="bottom", showarrow=False, align="left",
                font=dict(color=TEXT, size=14), bgcolor=PANEL, opacity=0.92, bordercolor=MUTED,
                borderwidth=1, borderpad=5, name=LEGEND)
