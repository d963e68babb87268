"""Words of the log-in pages: Simplified Chinese by default, English by `?lang=en` or the `lang`
cookie (the log-in page also copies the choice into the screens' remembered language)."""

from __future__ import annotations

from flask import request

from dashboard.core.i18n import DEFAULT_LANG, lang_of

LANG_COOKIE = "lang"

# key: (Simplified Chinese, English)
TEXTS: dict[str, tuple[str, str]] = {
    "title": ("莆田市网格化服务管理指挥中心", "Putian Grid Governance Command Center"),
    "login": ("登录", "Log in"),
    "username": ("用户名", "Username"),
    "password": ("密码", "Password"),
    "submit": ("登录", "Log in"),
    "switch": ("English", "中文"),
    "bad_credentials": ("用户名或密码错误。", "Wrong username or password."),
    "disabled": ("该账号已停用，请联系管理员。", "This account is disabled; ask an administrator."),
    "missing": ("请输入用户名和密码。", "Enter a username and a password."),
    "throttled": ("登录失败次数过多，请在 {seconds} 秒后再试。",
                  "Too many failed log-ins; try again in {seconds} seconds."),
    "csrf": ("页面已过期，请重新提交。", "This page has expired; please submit it again."),
    "expired": ("会话已过期，请重新登录。", "Your session has expired; please log in again."),
    "logged_out": ("已安全退出。", "You have logged out."),
    "logout": ("退出登录", "Log out"),
    "logout_confirm": ("确定退出登录？", "Log out now?"),
    "logged_in_as": ("当前用户：{name}", "Logged in as {name}"),
    "page_forbidden": ("无权访问此页面：超出您的辖区或角色权限。",
                       "You may not open this page: it is outside your jurisdiction or role."),
    "token_invalid": ("大屏令牌无效或已吊销。", "This wall token is invalid or has been revoked."),
    "token_elsewhere": ("此令牌只能打开它所属的大屏地址。", "This token opens its own wall URL only."),
    "home": ("返回首页", "Go to my view"),
    "audit": ("审计日志", "Audit log"),
    "audit.unit": ("单位代码", "Unit code"),
    "audit.from": ("起始日期", "From"),
    "audit.to": ("截止日期", "To"),
    "audit.show": ("查询", "Show"),
    "audit.csv": ("导出 CSV", "Export CSV"),
    "audit.count": ("共 {total} 条，显示前 {shown} 条", "{total} entries, first {shown} shown"),
    "audit.intact": ("哈希链完整", "Hash chain intact"),
    "audit.broken": ("哈希链在第 {id} 条处断开：该条或其前一条已被改动",
                     "Hash chain broken at entry {id}: it or the one before it was changed"),
    "audit.cp.forged": ("审计检查点（{length} 条，{at}）的签名不符：检查点被伪造",
                        "Audit checkpoint ({length} entries, {at}) has a bad signature: it was forged"),
    "audit.cp.rewritten": ("与检查点（{length} 条，{at}）不符：该点之前的日志被重写",
                           "Checkpoint ({length} entries, {at}) broken: the log before it was rewritten"),
    "audit.cp.shortened": ("与检查点（{length} 条，{at}）不符：日志末尾的条目被删除",
                           "Checkpoint ({length} entries, {at}) broken: entries at the end were deleted"),
    "audit.cp.head_missing": ("与检查点（{length} 条，{at}）不符：检查点处的条目被删除",
                              "Checkpoint ({length} entries, {at}) broken: its newest entry was deleted"),
    "audit.admin_only": ("仅管理员可查看审计日志。", "Only administrators may view the audit log."),
    "actor.cli": ("命令行", "command line"),
    "actor.system": ("系统", "system"),  # the supervise worker (timer escalations)
    # What an audit entry did (entries whose action has no name here show its code).
    "action.instruction": ("批示", "Instruction"),
    "action.escalation.policy": ("修改升级策略", "Escalation policy change"),
    "action.login.success": ("登录成功", "Log-in"),
    "action.login.failure": ("登录失败", "Failed log-in"),
    "action.logout": ("退出登录", "Log-out"),
    "action.session.end": ("结束会话", "Sessions ended"),
    "action.account.create": ("创建账号", "Account created"),
    "action.account.disable": ("停用账号", "Account disabled"),
    "action.account.enable": ("启用账号", "Account enabled"),
    "action.account.move": ("调整账号单位", "Account moved"),
    "action.account.password": ("修改密码", "Password changed"),
    "action.token.issue": ("签发令牌", "Token issued"),
    "action.token.revoke": ("吊销令牌", "Token revoked"),
    "action.token.rotate": ("轮换令牌", "Token rotated"),
    "action.alert.ack": ("确认告警", "Alert acknowledged"),
    "action.alert.assign": ("指派告警", "Alert assigned"),
    "action.alert.escalate": ("升级告警", "Alert escalated"),
    "action.alert.snooze": ("暂缓告警", "Alert snoozed"),
    "action.alert.resolve": ("办结告警", "Alert resolved"),
    "action.alert.note": ("告警备注", "Alert note"),
    "col.at": ("时间", "Time"),
    "col.actor": ("操作人", "Actor"),
    "col.action": ("操作", "Action"),
    "col.target": ("对象", "Target"),
    "col.unit": ("单位", "Unit"),
    "col.detail": ("详情", "Detail"),
    "col.ip": ("来源地址", "From address"),
}


def page_lang() -> str:
    """The language of this request's page: ?lang=, else the lang cookie, else Chinese."""
    return lang_of(request.args.get("lang") or request.cookies.get(LANG_COOKIE) or DEFAULT_LANG)


def texts(lang: str) -> dict[str, str]:
    """All page texts in one language."""
    return {key: pair[1] if lang == "en" else pair[0] for key, pair in TEXTS.items()}
