"""Words and formats users see: Simplified Chinese by default, English by a switch.

Every label on a screen goes through `t(key, lang)`; numbers, rates and times through the
`fmt_*` helpers so both languages group digits and write dates their own way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dashboard.core.i18n_messages import MESSAGES
from dashboard.core.timeutil import LOCAL_TZ

LANGS = ("zh", "en")
DEFAULT_LANG = "zh"

# key: (Simplified Chinese, English)
TABLE: dict[str, tuple[str, str]] = {
    "app.title": ("莆田市网格化服务管理指挥中心", "Putian Grid Governance Command Center"),
    "app.short": ("网格指挥中心", "Grid Command"),
    "lang.switch": ("English", "中文"),
    "search.placeholder": ("搜索区域、网格或人员…", "Search units, grids or staff…"),
    "search.staff": ("人员", "Staff"),
    "highlight.at": ("◎ {name} · {role} · {time}", "◎ {name} · {role} · {time}"),
    "highlight.nowhere": ("{name} · {role}:暂无实时位置", "{name} · {role}: no live position"),
    "dropdown.search": ("搜索", "Search"),
    "dropdown.clear_search": ("清除", "Clear"),
    "dropdown.clear_selection": ("清除选择", "Clear selection"),
    "dropdown.no_options_found": ("无匹配项", "No matches"),
    "dropdown.select_all": ("全选", "Select all"),
    "dropdown.deselect_all": ("全不选", "Deselect all"),
    "dropdown.selected_count": ("已选 {num_selected} 项", "{num_selected} selected"),
    "period": ("时段", "Period"),
    "period.today": ("今日", "Today"),
    "period.7d": ("近7天", "Last 7 days"),
    "period.30d": ("近30天", "Last 30 days"),
    "period.year": ("本年", "This year"),
    "period.custom": ("自定义", "Custom range"),
    "period.year_n": ("{year}年", "Year {year}"),
    "line": ("业务条线", "Business line"),
    "line.all": ("全部条线", "All lines"),
    "measure": ("地图指标", "Map measure"),
    "measure.open": ("在办事件", "Open incidents"),
    "measure.overdue": ("超期事件", "Overdue incidents"),
    "measure.closure_rate": ("办结率", "Closure rate"),
    "measure.per_1000": ("每千人事件", "Incidents per 1,000 residents"),
    "measure.per_patrol_hour": ("每巡查小时事件", "Incidents per patrol hour"),
    "measure.coverage": ("今日巡查覆盖", "Patrol coverage today"),
    "kpi.collected": ("采集事件", "Collected"),
    "kpi.closed": ("办结事件", "Closed"),
    "kpi.closure_rate": ("办结率", "Closure rate"),
    "kpi.on_time_rate": ("按时办结率", "On-time rate"),
    "kpi.open": ("在办", "Open"),
    "kpi.overdue": ("超期", "Overdue"),
    "kpi.supervision": ("督办中", "Under supervision"),
    "kpi.staff_online": ("在线人员", "Staff online"),
    "kpi.staff_total": ("在岗/总数", "on duty/all"),
    "kpi.coverage": ("今日巡查网格", "Grids patrolled today"),
    "kpi.certificates": ("代办证件", "Certificates handled"),
    "kpi.senior_card": ("老年卡", "senior cards"),
    "kpi.love_card": ("爱心卡", "love cards"),
    "panel.map": ("辖区态势", "Jurisdiction map"),
    "panel.open_by_state": ("在办事件阶段分布", "Open incidents by stage"),
    "panel.supervision": ("超期督办（按层级）", "Overdue supervision by level"),
    "panel.funnel": ("七步闭环", "Seven-step loop"),
    "panel.trend": ("事件趋势", "Incident trend"),
    "panel.breakdown": ("业务条线与事项", "By business line and item"),
    "panel.departments": ("部门报到", "Department board"),
    "panel.ticker": ("实时事件", "Live incidents"),
    "panel.overdue_list": ("超期督办事项", "Overdue supervision items"),
    "panel.children": ("下级单位", "Sub-units"),
    "panel.detail": ("事件详情", "Incident detail"),
    "panel.staff": ("网格人员", "Grid staff"),
    "panel.incidents": ("网格事件", "Grid incidents"),
    "waited": ("平均等待", "avg. wait"),
    "count": ("数量", "Count"),
    "col.time": ("时间", "Time"),
    "col.unit": ("单位", "Unit"),
    "col.item": ("事项", "Item"),
    "col.state": ("状态", "State"),
    "col.severity": ("等级", "Severity"),
    "col.level": ("督办层级", "Level"),
    "col.stage": ("环节", "Stage"),
    "col.due": ("到期", "Due"),
    "col.name": ("名称", "Name"),
    "col.role": ("岗位", "Role"),
    "col.status": ("状态", "Status"),
    "col.last_seen": ("最近定位", "Last seen"),
    "col.department": ("部门", "Department"),
    "col.dispatched": ("派遣", "Dispatched"),
    "col.accepted_in_time": ("按时报到", "Accepted in time"),
    "col.median_accept": ("报到中位(分)", "Median accept (min)"),
    "col.median_resolve": ("处置中位(时)", "Median resolve (h)"),
    "col.bounced": ("退回", "Bounced"),
    "col.description": ("描述", "Description"),
    "col.action": ("操作", "Action"),
    "col.actor": ("执行人", "Actor"),
    "col.note": ("备注", "Note"),
    "status.connected": ("已连接", "Connected"),
    "status.reconnecting": ("重连中", "Reconnecting"),
    "status.resynced": ("已重新同步", "Resynced"),
    "status.connecting": ("连接中", "Connecting"),
    "status.refused": ("实时数据未授权", "Live data not authorised"),
    "status.age": ("数据{age}前", "data {age} old"),
    "staff.online": ("在线", "online"),
    "staff.stale": ("信号延迟", "stale"),
    "staff.offline": ("离线", "offline"),
    "legend.positions": ("巡查人员", "Patrol staff"),
    "legend.incidents": ("事件", "Incidents"),
    "legend.supervision": ("超期督办", "Overdue supervision"),
    "legend.staff_by_town": ("巡查人员(按乡镇街道)", "Patrol staff by town"),
    "legend.staff_on_duty": ("在岗(圈内人数)", "on duty (number inside)"),
    "legend.staff_all": ("全部人员", "all staff"),
    "staff.aggregate": ("{unit}<br>在岗 {on_duty} / {total}<br>"
                        "在线 {online} · 信号延迟 {stale} · 离线 {offline}",
                        "{unit}<br>on duty {on_duty} / {total}<br>"
                        "online {online} · stale {stale} · offline {offline}"),
    "map.capped": ("显示 {shown} / {total}", "showing {shown} / {total}"),
    "empty": ("暂无数据", "No data"),
    "detail.hint": ("点击列表中的事件查看全过程", "Click an incident in a list to see its timeline"),
    "not_found": ("未找到该单位：{code}", "No such unit: {code}"),
    "forbidden": ("该单位不在您的管辖范围内", "This unit is outside your jurisdiction"),
    "bad_period": ("时段参数有误：{reason}", "Bad period: {reason}"),
    "trend.hour": ("按小时", "by hour"),
    "trend.day": ("按日", "by day"),
    "trend.month": ("按月", "by month"),
    "unit.grid_of": ("第{n}网格", "Grid {n}"),
    "wall.fresh.ok": ("数据正常", "Data current"),
    "wall.fresh.amber": ("数据滞后", "Data lagging"),
    "wall.fresh.red": ("数据停滞", "Data stalled"),
    "wall.critical": ("紧急告警", "Critical alert"),
    "wall.more": ("另有{n}条", "+{n} more"),
    "clock.date": ("{y}年{mo}月{d}日 星期{w}", "{w} {d} {mon} {y}"),
    **MESSAGES,
}

LEVEL_NAMES = {"city": ("市", "City"), "district": ("区县", "District"), "town": ("乡镇街道", "Town"),
               "village": ("村社区", "Village"), "grid": ("网格", "Grid")}
STATE_NAMES = {"reported": ("待派遣", "Reported"), "dispatched": ("已派遣", "Dispatched"),
               "accepted": ("处置中", "Accepted"), "resolved": ("待核查", "Resolved"),
               "closed": ("已办结", "Closed"), "cancelled": ("已作废", "Cancelled")}
ACTION_NAMES = {"report": ("上报", "Report"), "dispatch": ("派遣", "Dispatch"),
                "accept": ("报到", "Accept"), "resolve": ("处置", "Resolve"),
                "close": ("核查办结", "Close"), "reopen": ("核查退回", "Reopen"),
                "cancel": ("作废", "Cancel")}
ROLE_NAMES = {"info_manager": ("网格信息管理员", "Information manager"),
              "patrol": ("网格巡逻巡查员", "Patrol inspector"),
              "enforcement": ("综合执法人员", "Enforcement officer")}
STAGE_NAMES = {"dispatch": ("派遣", "Dispatch"), "accept": ("报到", "Accept"),
               "resolve": ("处置", "Resolve"), "check": ("核查", "Check")}
# The seven-step closed loop (七步闭环), in order.
LOOP_STEPS = {"patrol": ("网格巡查", "Patrol"), "collection": ("信息采集", "Collection"),
              "discovery": ("源头发现", "Discovery"), "dispatch": ("任务分派", "Dispatch"),
              "handling": ("问题处置", "Handling"), "check": ("检查反馈", "Check"),
              "supervision": ("督查督办", "Supervision")}
WEEKDAY_NAMES = {0: ("日", "Sun"), 1: ("一", "Mon"), 2: ("二", "Tue"), 3: ("三", "Wed"), 4: ("四", "Thu"),
                 5: ("五", "Fri"), 6: ("六", "Sat")}  # JavaScript's getDay(): Sunday is 0
MONTH_NAMES = {m: (f"{m}月", datetime(2000, m, 1).strftime("%b")) for m in range(1, 13)}
SEVERITY_NAMES = {1: ("一般", "Low"), 2: ("较大", "Medium"), 3: ("重大", "High"), 4: ("特大", "Critical")}


def lang_of(value: Any) -> str:
    """A supported language code (anything unknown falls back to Chinese)."""
    return value if value in LANGS else DEFAULT_LANG


def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def phrasebook(table: dict[str, tuple[str, str]]) -> Callable[..., str]:
    """A screen's own word table, {key: (Chinese, English)}, read as `t` reads the shared one:
    `tr(key, lang, **params)`, the key itself when unknown."""
    def tr(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
        pair = table.get(key)
        text = _pick(pair, lang) if pair else key
        return text.format(**params) if params else text
    return tr


def t(key: str, lang: str = DEFAULT_LANG, **params: Any) -> str:
    """The label for `key` in the language, with {params} filled in; the key itself if unknown.

    A parameter that is itself a Message is rendered in the same language."""
    pair = TABLE.get(key)
    text = _pick(pair, lang) if pair else key
    if not params:
        return text
    return text.format(**{k: v.text(lang) if isinstance(v, Message) else v for k, v in params.items()})


@dataclass(frozen=True)
class Message:
    """A sentence kept as its key and parameters, rendered in whichever language shows it."""

    key: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, lang: str = DEFAULT_LANG) -> str:
        """The sentence in the language (English is what the API answers)."""
        return t(self.key, lang, **self.params)


def name_of(table: dict[Any, tuple[str, str]], key: Any, lang: str) -> str:
    """A named value (level, state, role, stage, ...) in the language; the key if unknown."""
    pair = table.get(key)
    return _pick(pair, lang) if pair else str(key)


def unit_name(ref: dict[str, Any], lang: str) -> str:
    """A unit's display name: its Chinese name, or its English name in English."""
    if lang == "en":
        return ref.get("name_en") or ref.get("name") or ref.get("code", "")
    return ref.get("name") or ref.get("code", "")


def fmt_int(value: int | float | None, lang: str = DEFAULT_LANG) -> str:
    """A count with digit grouping (576,647); an em dash for no value."""
    if value is None:
        return "—"
    return f"{int(round(value)):,}"


def fmt_pct(value: float | None, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A fraction as a percentage (0.953 → 95.3 %, 95.3% in Chinese); an em dash for none."""
    if value is None:
        return "—"
    number = f"{value * 100:.{digits}f}"
    return f"{number} %" if lang == "en" else f"{number}%"


def fmt_number(value: float | None, lang: str = DEFAULT_LANG, digits: int = 1) -> str:
    """A decimal number with grouping and fixed digits; an em dash for none."""
    if value is None:
        return "—"
    return f"{value:,.{digits}f}"


def _local(value: datetime | str) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.astimezone(LOCAL_TZ)


def _day(value: date, lang: str, year: bool) -> str:
    """A calendar day in the language: 2018年3月5日 / 5 Mar 2018, or without the year."""
    if lang == "en":
        return f"{value.day} {value.strftime('%b')}" + (f" {value.year}" if year else "")
    return (f"{value.year}年" if year else "") + f"{value.month}月{value.day}日"


def fmt_datetime(value: datetime | str | None, lang: str = DEFAULT_LANG, seconds: bool = False) -> str:
    """An instant in local (Asia/Shanghai) time: 2018年3月5日 14:07 or 5 Mar 2018 14:07."""
    if not value:
        return "—"
    local = _local(value)
    return f"{_day(local, lang, year=True)} {local.strftime('%H:%M:%S' if seconds else '%H:%M')}"


def fmt_time(value: datetime | str | None, lang: str = DEFAULT_LANG) -> str:
    """Local month-day and clock time, short for tickers (3月5日 14:07 / 5 Mar 14:07)."""
    if not value:
        return "—"
    local = _local(value)
    return f"{_day(local, lang, year=False)} {local.strftime('%H:%M')}"


def fmt_date(value: date | None, lang: str = DEFAULT_LANG) -> str:
    """A local date: 2018年1月1日 or 1 Jan 2018."""
    return "—" if value is None else _day(value, lang, year=True)


def fmt_duration(minutes: float | None, lang: str = DEFAULT_LANG) -> str:
    """A wait as minutes, hours or days, whichever reads best (45分钟 / 3.2 h / 2.1 d)."""
    if minutes is None:
        return "—"
    if minutes < 90:
        return f"{minutes:.0f} min" if lang == "en" else f"{minutes:.0f}分钟"
    if minutes < 48 * 60:
        return f"{minutes / 60:.1f} h" if lang == "en" else f"{minutes / 60:.1f}小时"
    return f"{minutes / 1440:.1f} d" if lang == "en" else f"{minutes / 1440:.1f}天"
