"""`python -m dashboard users` for accounts, wall tokens and the audit chain, and the demo accounts
that `run` prints, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re

from sqlalchemy import select, text

from dashboard.__main__ import main
from dashboard.app import create_app
from dashboard.core.models import ApiToken, AuditEntry, User
from dashboard.core.principal import principal_for_token
from dashboard.demo.accounts import DEMO_PASSWORD, demo_accounts
from dashboard.ops.runner_setup import demo_lines
from tests.integration import ui_world
from tests.integration.auth_world import build
from tests.integration.test_auth import login


def run(capsys, monkeypatch, engine, tmp_path, *argv, stdin: str = "") -> tuple[int, str]:
    """Run `users ...` against the test database; (exit code, stdout + stderr)."""
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["users", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_accounts_are_added_changed_disabled_listed_and_audited(engine, Session, capsys, monkeypatch,
                                                                 tmp_path):
    build(Session)
    users = lambda *a, stdin="": run(capsys, monkeypatch, engine, tmp_path, *a, stdin=stdin)  # noqa: E731
    code, out = users("add", "kate", "--role", "duty", "--unit", "licheng-zhenhai", stdin="first password\n")
    assert code == 0 and "kate" in out
    assert users("add", "kate", "--role", "viewer", stdin="first password\n")[0] == 2
    code, out = users("add", "lee", "--role", "liaison", stdin="first password\n")
    assert code == 2 and "--department" in out
    code, out = users("add", "lee", "--role", "viewer", stdin="short\n")
    assert code == 2 and "--password" in out
    code, out = users("add", "lee", "--role", "duty", "--unit", "licheng-zhenhai-changshou-g01",
                      stdin="first password\n")
    assert code == 2 and "--unit" in out
    assert users("passwd", "kate", stdin="second password\n")[0] == 0
    assert users("passwd", "nobody", stdin="second password\n")[0] == 2
    with Session() as s:
        kate = s.scalar(select(User).where(User.username == "kate"))
    assert kate.password_hash.startswith("$argon2id$") and "second password" not in kate.password_hash
    assert users("disable", "kate")[0] == 0
    code, out = users("list-accounts")
    assert code == 0 and "kate\tduty\tlicheng-zhenhai\t-" in out and "disabled" in out
    assert users("enable", "kate")[0] == 0
    with Session() as s:
        trail = s.execute(select(AuditEntry.action, AuditEntry.target).order_by(AuditEntry.id)).all()
    assert trail == [("account.create", "kate"), ("account.password", "kate"), ("account.disable", "kate"),
                     ("account.enable", "kate")]


def test_wall_tokens_open_one_wall_url(engine, Session, capsys, monkeypatch, tmp_path):
    build(Session)
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "wall-zhenhai", "--role", "wall",
                    "--wall-path", "/wall/unit/licheng-zhenhai")
    assert code == 0 and "/wall/unit/licheng-zhenhai?token=" in out
    with Session() as s:
        who = principal_for_token(s, out.strip().splitlines()[-1])
        audited = s.scalar(select(AuditEntry).where(AuditEntry.action == "token.issue"))
    assert (who.role, who.unit_code) == ("wall", "licheng-zhenhai")
    assert who.wall_path == "/wall/unit/licheng-zhenhai"
    assert (audited.target, audited.unit_code) == ("wall-zhenhai", "licheng-zhenhai")
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "w", "--role", "wall",
                    "--unit", "licheng")
    with Session() as s:
        assert principal_for_token(s, out.strip().splitlines()[-1]).wall_path == "/wall/unit/licheng"
    for argv, field in ((("--wall-path", "/city"), "--wall-path"),
                        (("--wall-path", "/wall/city", "--unit", "licheng"), "--wall-path"),
                        (("--wall-path", "/wall/unit/atlantis"), "--unit")):
        code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "w2", "--role", "wall", *argv)
        assert code == 2 and field in out, argv
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "d", "--role", "device",
                    "--wall-path", "/wall/city")
    assert code == 2 and "--wall-path" in out
    assert run(capsys, monkeypatch, engine, tmp_path, "revoke", "wall-zhenhai")[0] == 0
    with Session() as s:
        assert s.scalar(select(AuditEntry.action).order_by(AuditEntry.id.desc()).limit(1)) == "token.revoke"


def test_audit_verify_finds_a_tampered_entry(engine, Session, capsys, monkeypatch, tmp_path):
    build(Session)
    for name in ("a1", "a2", "a3"):
        run(capsys, monkeypatch, engine, tmp_path, "add", name, "--role", "viewer", stdin="a password!\n")
    code, out = run(capsys, monkeypatch, engine, tmp_path, "audit-verify")
    assert code == 0 and "intact" in out
    with Session.begin() as s:
        second = s.scalars(select(AuditEntry.id).order_by(AuditEntry.id)).all()[1]
        s.execute(text("UPDATE audit_log SET target = 'someone else' WHERE id = :i"), {"i": second})
    code, out = run(capsys, monkeypatch, engine, tmp_path, "audit-verify")
    assert code == 1 and f"entry {second}" in out
    code, out = run(capsys, monkeypatch, engine, tmp_path, "audit-export", "--from", "2018-01-01")
    assert out.splitlines()[0].startswith("\ufeffid,at (Asia/Shanghai),actor,action")
    assert code == 0 and len(out.splitlines()) == 4
    code, out = run(capsys, monkeypatch, engine, tmp_path, "audit-export", "--from", "2018-02-30")
    assert code == 2 and "--from" in out


def test_demo_accounts_one_per_role_idempotent_and_printed_by_run(engine, Session, services_for):
    with Session.begin() as s:
        ui_world.build(s)
    lines = demo_accounts(Session)
    names = [line.split(" /")[0] for line in lines[:-1]]
    assert names == ["admin", "leader", "duty-licheng", "duty-licheng-zhenhai",
                     "duty-licheng-zhenhai-changshou", "liaison-market", "viewer"]
    assert lines[-1].startswith("wall 荔城区: /wall/unit/licheng?token=")
    again = demo_accounts(Session)
    assert again[:-1] == lines[:-1] and again[-1] != lines[-1]
    with Session() as s:
        assert len(s.scalars(select(User)).all()) == 7
        live = s.scalars(select(ApiToken).where(ApiToken.revoked_at.is_(None))).all()
    assert [t.name for t in live] == ["demo-wall-licheng"]
    services = services_for(engine)
    app = create_app(services.settings, services)
    for name in names:
        assert login(app.test_client(), name, DEMO_PASSWORD).status_code == 303, name
    wall_url = re.search(r"(/wall/\S+)", again[-1]).group(1)
    opened = app.test_client().get(wall_url, follow_redirects=True)
    assert opened.status_code == 200 and opened.request.path == "/wall/unit/licheng"
    assert "token" not in opened.request.query_string.decode()
    printed = demo_lines(services.settings, {})
    assert f"admin / {DEMO_PASSWORD}  [admin, 莆田市 (putian)]" in "\n".join(printed)
    assert any("/wall/unit/licheng?token=" in line for line in printed)
