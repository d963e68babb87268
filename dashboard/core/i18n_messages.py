"""Sentences made of parts: alert titles the workers store as parts, and refusals of actions.

A worker or an action keeps a key and its parameters (codes and counts); a screen renders the
sentence in its own language (`dashboard.core.i18n.t`), the API in English. Merged into `i18n.TABLE`.
"""

from __future__ import annotations

# key: (Simplified Chinese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # Alert titles (dashboard.core.alert_titles renders them; {place}, {item}, {level}, {feed} are names).
    "alert.severe_incident.3": ("高危事件：{item}（{place}）", "Severe incident: {item} ({place})"),
    "alert.severe_incident.4": ("紧急事件：{item}（{place}）", "Critical incident: {item} ({place})"),
    "alert.supervision_new": ("超期督办：{place}", "Overdue supervision: {place}"),
    "alert.supervision_escalated": ("督办升级至{level}：{place}",
                                    "Supervision escalated to {level} level: {place}"),
    "alert.staff_silent": ("网格员失联：{place}（{minutes} 分钟无定位）",
                           "Staff silent: {place} (no position for {minutes} min)"),
    "alert.feed_stalled": ("数据流中断：{feed}", "Feed stalled: {feed}"),
    "alert.feed_stalled.minutes": ("数据流中断：{feed}（{minutes} 分钟无数据）",
                                   "Feed stalled: {feed} (nothing for {minutes} min)"),
    "alert.mass_silence": ("大面积失联：在岗 {judged} 人中 {silent} 人无定位",
                           "Mass silence: {silent} of {judged} staff on shift send no position"),
    "feed.feed:positions": ("巡查定位", "Patrol positions"),
    "feed.feed:incidents": ("事件上报", "Incident reports"),
    "feed.feed:supervision": ("督办", "Supervision"),
    "feed.feed:alerts": ("告警", "Alerts"),
    # Field names inside refusals: a label on a screen, the field's own name in the API's English.
    "field.from": ("起始日期", "from"),
    "field.to": ("截止日期", "to"),
    "field.period": ("时段", "period"),
    "field.note": ("备注", "note"),
    "field.channel": ("方式", "channel"),
    "field.on_behalf_of": ("代他人确认", "on_behalf_of"),
    "field.to_whom": ("指派对象", "to"),
    "field.request_id": ("请求编号", "request_id"),
    "field.expires_minutes": ("确认有效期", "expires_minutes"),
    "field.action": ("操作", "action"),
    "field.id": ("告警编号", "id"),
    # Period and timestamp refusals (dashboard.core.timeutil.PeriodError, layouts.period).
    "period.err.format": ("{field}须为 YYYY-MM-DD 格式的日期，收到 {value}",
                          "{field} must be a date as YYYY-MM-DD, got {value}"),
    "period.err.not_real": ("{field}不是有效日期：{value}", "{field} is not a real date: {value}"),
    "period.err.range": ("{field}须在 {first} 至 {last} 之间，收到 {value}",
                         "{field} must lie between {first} and {last}, got {value}"),
    "period.err.order": ("截止日期（{end}）早于起始日期（{start}）", "to ({end}) is before from ({start})"),
    "period.err.too_long": ("时段不能超过 20 年", "period longer than 20 years"),
    "period.err.choice": ("时段须为今日、近7天、近30天、本年或某一年份，收到 {value}",
                          "period must be one of {choices} or a year, got {value}"),
    "time.err.type": ("{field}须为 ISO 8601 时间字符串", "{field} must be an ISO 8601 timestamp string"),
    "time.err.format": ("{field}不是 ISO 8601 时间：{value}",
                        "{field} is not an ISO 8601 timestamp: {value}"),
    "time.err.zone": ("{field}须带时区：{value}", "{field} must include a time zone offset: {value}"),
    # Duty actions refused (dashboard.actions.alert_actions.ActionError).
    "action.err.unknown": ("未知操作：{value}", "unknown action {value}"),
    "action.err.role": ("{role} 角色无权处置告警", "role {role} may not act on alerts"),
    "action.err.assignee": ("{field}须从该告警所在单位的人员或值班台中选择，收到 {value}",
                            "{field} must be a staff id or duty account on the alert's roster, got {value}"),
    "action.err.required": ("请填写{field}", "{field} is required"),
    "action.err.not_text": ("{field}须为文本", "{field} must be a string"),
    "action.err.too_long": ("{field}不能超过 {limit} 个字符", "{field} is longer than {limit} characters"),
    "action.err.channel": ("方式须为本人、电话、对讲机或当面", "channel must be one of {choices}"),
    "action.err.behalf": ("代他人确认时须选择方式（电话、对讲机或当面）",
                          "channel is required when acting on behalf of someone"),
    "action.err.minutes": ("确认有效期须为 1–{limit} 分钟的整数",
                           "expires_minutes must be an integer 1-{limit}"),
    "action.err.resolved": ("该告警已办结", "alert is already resolved"),
    "action.err.at_city": ("该告警已在市级，不能再升级", "alert is already at the city level"),
    "action.err.not_found": ("辖区内没有告警 #{id}", "no alert {id} in your jurisdiction"),
    "action.err.ladder": ("该告警已升级到本级以上：本级只能添加备注",
                          "the alert is escalated above your desk: you may add a note, nothing else"),
    # What a duty action answers the person who took it (dashboard.actions.alert_actions.answer,
    # dashboard.actions.alert_service.act).
    "action.done.ack": ("已确认 #{id}", "Acknowledged #{id}"),
    "action.done.assign": ("已指派 #{id}", "Assigned #{id}"),
    "action.done.escalate": ("已升级 #{id}", "Escalated #{id}"),
    "action.done.snooze": ("已暂缓 #{id}", "Snoozed #{id}"),
    "action.done.resolve": ("已办结 #{id}", "Resolved #{id}"),
    "action.done.note": ("已为 #{id} 添加备注", "Note added to #{id}"),
    "action.escalated": ("已升级至 {unit} {desk}", "Escalated to the {desk} of {unit}"),
    "action.already_acked": ("已由 {who} 于 {at} 确认", "Already acknowledged by {who} at {at}"),
    # The same submission again (a double click, a retry): {done} is what the first one answered.
    "action.repeat": ("已办理，未重复记录：{done}", "Already done, recorded once: {done}"),
    "desk.village": ("村级值班台", "village desk"), "desk.town": ("镇街级值班台", "town desk"),
    "desk.district": ("区级值班台", "district desk"), "desk.city": ("市级值班台", "city desk"),
}
