"""The briefing's words (page and PDF alike) and how it writes places, ages and receipts."""

from __future__ import annotations

from datetime import datetime

from dashboard.core.i18n import ACTION_NAMES, fmt_time, name_of, phrasebook, unit_name

STRINGS: dict[str, tuple[str, str]] = {
    "title": ("领导批阅", "Leaders' briefing"),
    "sub": ("辖区内超期督办与升级告警：层级高、最新的在前，点选即可批示",
            "Overdue and escalated in your jurisdiction, highest level and newest first: tap to instruct"),
    "supervision": ("超期督办", "Overdue supervision"),
    "alerts": ("紧急与升级告警", "Critical and escalated alerts"),
    "level": ("{level}级督办", "{level}-level supervision"),
    "none": ("暂无", "None"),
    "more": ("另有{n}项未列出（最新的在前）", "{n} more not listed (newest shown first)"),
    "instruct": ("批示", "Instruct"),
    "dialog": ("批示", "Instruction"),
    "placeholder": ("批示内容（{n}字以内）", "Instruction text (up to {n} characters)"),
    "submit": ("提交批示", "Record instruction"),
    "cancel": ("取消", "Cancel"),
    "recorded": ("批示已记录并推送值班人员：{subject}",
                 "Instruction recorded and sent to duty officers: {subject}"),
    "opened": ("超期 {age}", "overdue {age}"),
    "raised": ("发生于 {age}前", "raised {age} ago"),
    "stage": ("{stage}环节", "{stage} stage"),
    "deadline": ("环节时限 {at}，已超时 {late}", "stage deadline {at}, {late} late"),
    "escalations": ("已升级{n}次", "escalated {n}×"),
    "count": ("{n}次", "{n} times"),
    "by": ("{author} 批示于 {at}", "{author}, {at}"),
    "instruction": ("批示", "Instruction"),
    "sent_to": ("送达 {to}", "to {to}"),
    "desk": ("{unit}值班台", "{unit} duty desk"),
    "read": ("已阅 {at}", "read {at}"),
    "unread": ("未阅", "not read yet"),
    "acted": ("已处置（{action}）{at}", "acted on ({action}) {at}"),
    "not_acted": ("未处置", "no action yet"),
    "forbidden": ("领导批阅仅限领导、值班人员和管理员",
                  "The briefing is for leaders, duty officers and administrators"),
    "kpi.supervision": ("超期督办", "Overdue items"),
    "kpi.high": ("区级以上", "District or city level"),
    "kpi.alerts": ("紧急告警", "Critical alerts"),
    "kpi.instructed": ("已批示", "Instructed"),
    "f.level": ("督办层级", "Level"),
    "f.district": ("区县", "District"),
    "f.age": ("超期时长", "Overdue for"),
    "f.all": ("全部", "All"),
    "age.1d": ("1天以内", "up to 1 day"),
    "age.7d": ("7天以内", "up to 7 days"),
    "age.30d": ("30天以内", "up to 30 days"),
    "age.older": ("30天以上", "over 30 days"),
    "print": ("打印/导出 PDF", "Print / export PDF"),
    "pdf.made": ("{at} 生成 · {who} · 共{n}项", "Made {at} · {who} · {n} items"),
    "pdf.filters": ("筛选：{filters}", "Filters: {filters}"),
}
# Duty actions on an alert, as a receipt names them (incident steps use i18n.ACTION_NAMES).
ALERT_ACTIONS = {"alert.ack": ("确认", "Acknowledge"), "alert.assign": ("指派", "Assign"),
                 "alert.escalate": ("升级", "Escalate"), "alert.resolve": ("办结", "Resolve"),
                 "alert.note": ("备注", "Note")}
PLACE_SEP = " › "


bt = phrasebook(STRINGS)  # a briefing string in the language, with {params} filled in


def age_text(since: datetime, now: datetime, lang: str) -> str:
    """How long ago, in days, hours or minutes (3天4小时 / 3 d 4 h)."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, hours, mins = minutes // 1440, minutes % 1440 // 60, minutes % 60
    if lang == "en":
        parts = [f"{days} d" if days else "", f"{hours} h" if hours else "", f"{mins} min" if mins else ""]
    else:
        parts = [f"{days}天" if days else "", f"{hours}小时" if hours else "", f"{mins}分钟" if mins else ""]
    if days:  # minutes are noise beside days
        parts = parts[:2]
    return (" " if lang == "en" else "").join(p for p in parts if p) or ("0 min" if lang == "en" else "0分钟")


def place_text(place: list[dict], lang: str) -> str:
    """District › town › village › grid, in the language."""
    return PLACE_SEP.join(unit_name(p, lang) for p in place)


def sent_to(note: dict, lang: str) -> str:
    """Where an instruction went: its target unit's desk, and the department handling it."""
    parts = [bt("desk", lang, unit=unit_name(note["desk"], lang))] if note.get("desk") else []
    if note.get("department"):
        parts.append(unit_name(note["department"], lang))
    return bt("sent_to", lang, to=" · ".join(parts) or note["unit"])


def receipt_text(note: dict, lang: str) -> list[str]:
    """Whether an instruction was read and acted on (and when, by what)."""
    read, acted = note["receipts"].get("read"), note["receipts"].get("acted")
    out = [bt("read", lang, at=fmt_time(read["at"], lang)) if read else bt("unread", lang)]
    if acted:
        table = ALERT_ACTIONS if acted["action"].startswith("alert.") else ACTION_NAMES
        action = name_of(table, acted["action"], lang)
        out.append(bt("acted", lang, action=action, at=fmt_time(acted["at"], lang)))
    else:
        out.append(bt("not_acted", lang))
    return out
