"""Which words on a screen belong to the other language: the detector of the one-language test.

In Chinese, a Latin word of three letters or more is foreign unless it is a code (it has a digit or
one of - _ : . / in it, or is an upper-case abbreviation such as CSV) or a code the data uses (unit,
item, department, staff or user ids). In English, a CJK character (or CJK punctuation) is foreign
unless it belongs to a name the data has only in Chinese (people; places, items and departments
without an English name). Not read: the language switches (they name the other language), people's
own words declared with their language (`class="user-text" lang=...`, e.g. an incident's description)
and machine records marked `translate="no"` (the audit log's JSON detail).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from dashboard.core.models import BusinessItem, Department, Staff, Unit, User

TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_\-:./']*")
CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]+")
ABBREVIATION = re.compile(r"^[A-Z]{2,6}s?$")  # CSV, KPI, GPS; not "Closed"
# Units written after numbers in both languages.
UNITS = {"km", "km²"}

# Every visible text node (with its nearest identified ancestor, for the report), placeholders, and
# the text a figure draws on a canvas (map labels are not in the DOM).
VISIBLE_TEXT_JS = """() => {
  // The language switches name the other language, in it; people's own words (declared with their
  // language) and machine records marked translate="no" (the audit log's JSON) are shown as written.
  const SKIP = 'script, style, noscript, [hidden], #shell-lang-switch, #lang-switch, .user-text[lang],'
    + ' [translate="no"]';
  const out = [];
  const where = (el) => { const a = el.closest('[id]'); return a ? '#' + a.id : el.tagName; };
  const shown = (el) => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && el.getClientRects().length > 0;
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement, text = node.textContent.trim();
    if (!text || !el || el.closest(SKIP)) { continue; }
    if (shown(el)) { out.push([where(el), text]); }
  }
  document.querySelectorAll('input[placeholder], textarea[placeholder]').forEach((el) => {
    if (shown(el) && el.placeholder) { out.push([where(el) + '@placeholder', el.placeholder]); }
  });
  document.querySelectorAll('.js-plotly-plot').forEach((gd) => {
    (gd.data || []).forEach((tr) => {
      if (tr.visible === false || !String(tr.mode || '').includes('text')) { return; }
      [].concat(tr.text || []).forEach((t) => { if (t) { out.push([where(gd) + '@map-text', String(t)]); } });
    });
  });
  return out;
}"""


@dataclass
class Allowed:
    """What may appear in the other language: codes (in Chinese) and Chinese-only names (in English)."""

    codes: set[str] = field(default_factory=set)
    names: list[str] = field(default_factory=list)  # longest first

    @classmethod
    def from_data(cls, engine: Engine, extra_names: Iterable[str] = ()) -> Allowed:
        """Codes and Chinese-only names straight from the database the screens read."""
        with Session(engine) as s:
            codes = set(s.execute(select(Unit.code)).scalars())
            codes |= set(s.execute(select(BusinessItem.code)).scalars())
            codes |= set(s.execute(select(Department.code)).scalars())
            codes |= set(s.execute(select(User.username)).scalars())
            names = set(s.execute(select(Staff.name)).scalars())
            for model in (Unit, BusinessItem, Department):
                names |= set(s.execute(select(model.name).where((model.name_en.is_(None)) |
                                                                (model.name_en == ""))).scalars())
        return cls(codes=codes, names=sorted(names | set(extra_names), key=len, reverse=True))


def is_code(token: str, allowed: Allowed) -> bool:
    """A token that is a code or an abbreviation, not a word of a language."""
    bare = token.strip(".:/'")
    return (bool(re.search(r"[0-9_\-:./]", bare)) or bool(ABBREVIATION.match(bare)) or bare in UNITS
            or bare in allowed.codes or len(bare) < 3)


def foreign_in_chinese(text: str, allowed: Allowed) -> list[str]:
    """English words in a Chinese text."""
    return [tok.strip(".:/'") for tok in TOKEN.findall(text) if not is_code(tok, allowed)]


def foreign_in_english(text: str, allowed: Allowed) -> list[str]:
    """Chinese characters in an English text, once the Chinese-only names are taken out."""
    for name in allowed.names:
        if name and name in text:
            text = text.replace(name, " ")
    return CJK.findall(text)


def foreign(texts: Iterable[tuple[str, str]], lang: str,
            allowed: Allowed) -> list[tuple[str, str, list[str]]]:
    """(where, text, the foreign words) for every text with words of the other language."""
    check = foreign_in_english if lang == "en" else foreign_in_chinese
    found = []
    for where, text in texts:
        words = check(text, allowed)
        if words:
            found.append((where, text[:160], words))
    return found
