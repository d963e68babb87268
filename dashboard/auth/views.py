"""/login and /logout: the form (CSRF token), failed attempts slowed per account and address
(dashboard.auth.throttle), a server-side session per log-in, every attempt and log-out audited."""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

from flask import Flask, current_app, make_response, redirect, render_template, request, session
from flask_wtf.csrf import CSRFError, CSRFProtect

from dashboard.auth.accounts import attempt_login
from dashboard.auth.gate import home_of
from dashboard.auth.login import SessionUser, client_address, end_session, session_principal, start_session
from dashboard.auth.sessions import open_session
from dashboard.auth.throttle import note_failure, note_success, wait_seconds
from dashboard.auth.words import LANG_COOKIE, page_lang, texts
from dashboard.core import audit
from dashboard.core.services import Services

csrf = CSRFProtect()


def _page(message: str | None = None, status: int = 200, username: str = "", **params):
    lang = page_lang()
    words = texts(lang)
    text = words[message].format(**params) if message else None
    response = make_response(render_template(
        "login.html", t=words, lang=lang, message=text, username=username, principal=session_principal(),
        next=safe_next(request.values.get("next", "")), other_lang="zh" if lang == "en" else "en"), status)
    if request.args.get("lang"):
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="Lax")
    return response


def safe_next(target: str) -> str:
    """`target` if it is a path on this site to go to after log-in, else "" (go home): no scheme,
    no host, no // or backslash, no control or invisible characters (browsers drop some of those
    and would read what is left as another host), not the log-in pages themselves."""
    if not isinstance(target, str) or not target.startswith("/") or len(target) > 2000:
        return ""
    if "\\" in target or any(c.isspace() or unicodedata.category(c)[0] == "C" for c in target):
        return ""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//") or not parts.path.startswith("/"):
        return ""
    if parts.path.rstrip("/") in ("/login", "/logout"):
        return ""
    return target


def login():
    """GET: the form. POST: check the account, open a fresh session, go where the user was going."""
    if request.method == "GET":
        expired = session.pop("expired", False)
        return _page("expired" if expired else ("logged_out" if request.args.get("bye") else None))
    try:
        csrf.protect()
    except CSRFError:
        return _page("csrf", 400)
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")
    if not username or not password:
        return _page("missing", 400, username=username)
    services = current_app.extensions["dashboard"]
    address = client_address()
    wait = wait_seconds(services.redis, username, address)
    if wait:
        return _page("throttled", 429, username=username, seconds=wait)
    with services.Session.begin() as s:
        result = attempt_login(s, username, password, address)
        login_id = None if result.user is None else open_session(
            s, user=result.user, source_ip=address, user_agent=request.headers.get("User-Agent", ""))
    if result.principal is None:
        note_failure(services.redis, username, address)
        key = "disabled" if result.reason == "disabled" else "bad_credentials"
        return _page(key, 401, username=username)
    note_success(services.redis, username, address)
    target = safe_next(request.form.get("next", "")) or home_of(result.principal)
    start_session(SessionUser(login_id, result.principal))
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
    """Register /login and /logout with CSRF protection."""
    server.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    csrf.init_app(server)
    server.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", logout, methods=["GET", "POST"])
