"""The briefing as an A4 PDF (GET /api/v1/briefing.pdf): the same entries, order and words as the page.

Chinese is set in reportlab's built-in CID font STSong-Light (the reader's Adobe-GB1 font; no font
file, nothing downloaded): `pdftotext` extracts its text, which tests/integration/test_briefing_api.py
checks.
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from dashboard.actions.instructions import LEVEL_ORDER
from dashboard.core.i18n import LEVEL_NAMES, SEVERITY_NAMES, STAGE_NAMES, fmt_datetime, name_of
from dashboard.queries.briefing_text import age_text, bt, place_text, receipt_text, sent_to

FONT = "STSong-Light"
pdfmetrics.registerFont(UnicodeCIDFont(FONT))
_BASE = ParagraphStyle("base", fontName=FONT, fontSize=9, leading=12, wordWrap="CJK")
STYLES = {"title": ParagraphStyle("title", parent=_BASE, fontSize=16, leading=20, spaceAfter=4),
          "h2": ParagraphStyle("h2", parent=_BASE, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4),
          "body": _BASE,
          "small": ParagraphStyle("small", parent=_BASE, fontSize=8, leading=10, textColor=colors.grey)}


# Marks the font's GB character set lacks, as the nearest it has (U+00B7 and U+203A draw as boxes).
_GB_SAFE = str.maketrans({"\u00b7": "\u30fb", "\u203a": "\uff1e"})


def _p(text: str, style: str = "body") -> Paragraph:
    return Paragraph(escape(text.translate(_GB_SAFE)).replace("\n", "<br/>"), STYLES[style])


def _notes(entry: dict, lang: str) -> str:
    return "\n".join(f"{n['text']} — {bt('by', lang, author=n['author'], at=fmt_datetime(n['at'], lang))}"
                     f"; {sent_to(n, lang)}; {' · '.join(receipt_text(n, lang))}"
                     for n in entry["instructions"])


def _supervision_row(item: dict, now: datetime, lang: str) -> list[Paragraph]:
    what = item["item_en"] if lang == "en" else item["item"]
    late = age_text(datetime.fromisoformat(item["deadline"]), now, lang)
    meta = [bt("stage", lang, stage=name_of(STAGE_NAMES, item["stage"], lang)),
            bt("deadline", lang, at=fmt_datetime(item["deadline"], lang), late=late)]
    if item["escalations"]:
        meta.append(bt("escalations", lang, n=item["escalations"]))
    return [_p(name_of(LEVEL_NAMES, item["level"], lang)),
            _p(f"{what}\n{place_text(item['place'], lang)}\n{item['description']}"),
            _p("\n".join(meta)), _p(_notes(item, lang), "small")]


def _alert_row(alert: dict, now: datetime, lang: str) -> list[Paragraph]:
    title = (alert.get("title_en") or alert["title"]) if lang == "en" else alert["title"]
    meta = [bt("raised", lang, age=age_text(datetime.fromisoformat(alert["first_at"]), now, lang)),
            name_of(SEVERITY_NAMES, alert["severity"], lang)]
    return [_p(name_of(LEVEL_NAMES, alert["level"], lang)),
            _p(f"{title}\n{place_text(alert['place'], lang)}"), _p("\n".join(meta)),
            _p(_notes(alert, lang), "small")]


def _table(rows: list[list[Paragraph]]) -> Table:
    table = Table(rows, colWidths=[20 * mm, 72 * mm, 42 * mm, 46 * mm], repeatRows=0)
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"),
                               ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey)]))
    return table


def render(data: dict[str, Any], who: str, now: datetime, lang: str) -> bytes:
    """The briefing ``data`` (dashboard.queries.briefing.briefing) as A4 PDF bytes in the language."""
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=bt("title", lang), author=who)
    count = len(data["supervision"]) + len(data["alerts"])
    story: list[Any] = [_p(bt("title", lang), "title"),
                        _p(bt("pdf.made", lang, at=fmt_datetime(now, lang), who=who, n=count), "small")]
    if data.get("filters"):
        shown = ", ".join(f"{k}={v}" for k, v in data["filters"].items())
        story.append(_p(bt("pdf.filters", lang, filters=shown), "small"))
    story.append(_p(bt("supervision", lang), "h2"))
    rows = [_supervision_row(i, now, lang) for level in LEVEL_ORDER
            for i in data["supervision"] if i["level"] == level]
    story.append(_table(rows) if rows else _p(bt("none", lang)))
    story.append(Spacer(1, 4 * mm))
    story.append(_p(bt("alerts", lang), "h2"))
    alerts = [_alert_row(a, now, lang) for a in data["alerts"]]
    story.append(_table(alerts) if alerts else _p(bt("none", lang)))
    doc.build(story)
    return out.getvalue()
