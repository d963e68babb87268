"""The duty desk's words for paging, the alert's story and roster assignment (Chinese, English)."""

from __future__ import annotations

from dashboard.core.i18n import phrasebook

TEXT: dict[str, tuple[str, str]] = {
    # Paging (assets/28_duty_paging.js): the control, the tab title, the system notification.
    "paging.on": ("开启提示音", "Turn on alert sound"), "paging.off": ("关闭提示音", "Turn off alert sound"),
    "paging.hint": ("有未确认的重大、特大告警时持续响铃，并在标签页隐藏时发送系统通知",
                    "Rings while a high or critical alert is unacknowledged; notifies a hidden tab"),
    "paging.notify": ("未确认告警 #{id}", "Unacknowledged alert #{id}"),
    # The story drawer.
    "story.column": ("经过", "Story"), "story.open": ("查看经过 ›", "Story ›"),
    "story.title": ("告警 #{id} 经过", "Alert #{id}: story"),
    "story.empty": ("暂无记录", "Nothing recorded yet"), "story.close": ("关闭", "Close"),
    "story.by": ("{who}", "{who}"), "story.system": ("系统", "System"),
    "story.behalf": ("代 {name}（{channel}）", "for {name} ({channel})"),
    "story.alert.created": ("告警产生", "Alert raised"),
    "story.alert.repeated": ("重复发生，共 {count} 次（最近一次）",
                             "Repeated, {count} times in all (latest)"),
    "story.alert.ack": ("确认", "Acknowledged"), "story.alert.assign": ("指派给 {to}", "Assigned to {to}"),
    "story.alert.escalate": ("升级：{from_level} → {to_level}", "Escalated: {from_level} → {to_level}"),
    "story.alert.note": ("备注", "Note"), "story.alert.resolve": ("办结", "Resolved"),
    "story.incident": ("事件{action}", "Incident: {action}"),
    "story.department": ("承办部门：{name}", "Department: {name}"),
    "story.instruction": ("领导批示", "Instruction"),
    # Roster assignment.
    "roster.label": ("指派给（姓名或拼音检索）", "Assign to (search by name or pinyin)"),
    "roster.placeholder": ("选择告警后输入姓名或拼音", "Select an alert, then type a name or pinyin"),
    "roster.search": ("姓名、拼音或首字母", "Name, pinyin or initials"), "roster.clear": ("清除", "Clear"),
    "roster.none": ("无匹配人员", "No one matches"),
    "roster.mine": ("指派给我", "Assigned to me"),
}


tr = phrasebook(TEXT)  # one of these strings in the chosen language
