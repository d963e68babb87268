"""/login and /logout: the form (CSRF token), attempts rate-limited per account and per address in
Redis, every attempt and every log-out audited."""

from __future__ import annotations

import math
import time

from flask import Flask, current_app, make_response, redirect, render_template, request, session
from flask_limiter import Limiter, RequestLimit
from flask_wtf.csrf import CSRFError, CSRFProtect

from dashboard import audit
from dashboard.auth import SessionUser, client_address, end_session, session_principal, start_session
from dashboard.auth_accounts import attempt_login
from dashboard.auth_gate import home_of
from dashboard.auth_i18n import LANG_COOKIE, page_lang, texts
from dashboard.services import Services

# Failed log-ins per account name and per address, in a sliding window. Successful ones are not
# counted, so a whole shift logging in from one center's address at 08:00 is never locked out.
ACCOUNT_LIMIT = "5 per 15 minutes"
ADDRESS_LIMIT = "20 per 15 minutes"

csrf = CSRFProtect()


def _page(message: str | None = None, status: int = 200, username: str = "", **params):
    lang = page_lang()
    words = texts(lang)
    text = words[message].format(**params) if message else None
    response = make_response(render_template(
        "login.html", t=words, lang=lang, message=text, username=username, principal=session_principal(),
        next=_next_param(), other_lang="zh" if lang == "en" else "en"), status)
    if request.args.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax")
    return response


def _next_param() -> str:
    target = request.values.get("next", "")
    # Only a path on this site: never //host or a scheme, so the form cannot bounce elsewhere.
    if not target.startswith("/") or target.startswith("//") or "\\" in target \
            or target.startswith(("/login", "/logout")):
        return ""
    return target


def _account_key() -> str:
    return "account:" + request.form.get("username", "").strip().lower()[:64]


def _failed(response) -> bool:
    return response.status_code == 401


def _breached(limit: RequestLimit):
    minutes = max(1, math.ceil((limit.reset_at - time.time()) / 60))
    return _page("rate_limited", 429, username=request.form.get("username", "").strip()[:64],
                 minutes=minutes)


def login():
    """GET: the form. POST: check the account, open a fresh session, go where the user was going."""
    if request.method == "GET":
        expired = session.pop("expired", False)
        return _page("expired" if expired else ("logged_out" if request.args.get("bye") else None))
    try:
        csrf.protect()
    except CSRFError:
        return _page("csrf", 400)
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    if not username or not password:
        return _page("missing", 400, username=username[:64])
    with current_app.extensions["dashboard"].Session.begin() as s:
        result = attempt_login(s, username, password, client_address())
    if result.principal is None:
        key = "disabled" if result.reason == "disabled" else "bad_credentials"
        return _page(key, 401, username=username[:64])
    target = _next_param() or home_of(result.principal)
    start_session(SessionUser(result.session_id, result.principal))
    return redirect(target, 303)


def logout():
    """GET: a confirmation with the POST form. POST: audit, end the session, back to /login."""
    principal = session_principal()
    if request.method == "GET":
        if principal is None:
            return redirect("/login")
        lang = page_lang()
        return render_template("logout.html", t=texts(lang), lang=lang, principal=principal)
    try:
        csrf.protect()
    except CSRFError:
        return _page("csrf", 400)
    if principal is not None:
        with current_app.extensions["dashboard"].Session.begin() as s:
            audit.append(s, principal.name, "logout", target=principal.name, unit_code=principal.unit_code,
                         source_ip=client_address())
    end_session()
    return redirect("/login?bye=1", 303)


def init_app(server: Flask, services: Services) -> None:
    """Register /login and /logout with CSRF protection and Redis-backed attempt limits."""
    server.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    csrf.init_app(server)
    limiter = Limiter(client_address, app=server, storage_uri=services.settings.redis_url,
                      strategy="moving-window", key_prefix="dashboard-login", headers_enabled=False,
                      # Redis down: count in this process until it is back, rather than refuse log-ins.
                      in_memory_fallback_enabled=True)
    view = limiter.limit(ACCOUNT_LIMIT, key_func=_account_key, methods=["POST"], deduct_when=_failed,
                         on_breach=_breached)(login)
    view = limiter.limit(ADDRESS_LIMIT, methods=["POST"], deduct_when=_failed, on_breach=_breached)(view)
    server.add_url_rule("/login", "login", view, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])
