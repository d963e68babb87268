"""`python -m dashboard users`: tokens printed alone on the last line, revocable, listed."""

from __future__ import annotations

from bench.intake_world import G1, build_world
from dashboard.__main__ import main
from dashboard.core.principal import principal_for_token


def run(capsys, monkeypatch, engine, tmp_path, *argv) -> tuple[int, str]:
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    code = main(["users", *argv])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def test_token_revoke_and_list(engine, Session, capsys, monkeypatch, tmp_path):
    build_world(Session)
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "phone-17", "--role", "device",
                    "--unit", G1)
    assert code == 0
    token = out.strip().splitlines()[-1]
    with Session() as s:
        who = principal_for_token(s, token)
    assert (who.name, who.role, who.unit_code, who.unit_level) == ("phone-17", "device", G1, "grid")
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "market-sys", "--role", "system",
                    "--department", "market")
    with Session() as s:
        assert principal_for_token(s, out.strip().splitlines()[-1]).department_code == "market"
    code, out = run(capsys, monkeypatch, engine, tmp_path, "list")
    assert code == 0 and "phone-17\tdevice" in out and token not in out
    code, _ = run(capsys, monkeypatch, engine, tmp_path, "revoke", "phone-17")
    assert code == 0
    with Session() as s:
        assert principal_for_token(s, token) is None
    code, out = run(capsys, monkeypatch, engine, tmp_path, "list")
    assert "revoked" in out


def test_token_refuses_unknown_codes(engine, Session, capsys, monkeypatch, tmp_path):
    build_world(Session)
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "x", "--role", "device",
                    "--unit", "atlantis")
    assert code == 2 and "--unit" in out
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "x", "--role", "liaison")
    assert code == 2 and "--department" in out
    code, out = run(capsys, monkeypatch, engine, tmp_path, "token", "x", "--role", "system",
                    "--department", "nasa")
    assert code == 2 and "--department" in out
