"""Helpers of the security tests: the real app on the two-branch world of
tests/integration/auth_world.py, and a browser's moves (log in, log out, read the cookie)."""

from __future__ import annotations

import io
from types import SimpleNamespace

from dashboard.__main__ import main
from dashboard.app import create_app
from tests.conftest import make_settings
from tests.integration.auth_world import CSRF, PASSWORD

ORIGIN = {"Origin": "http://localhost"}


def login(client, username: str, password: str = PASSWORD, next_: str = "", base_url: str = "http://localhost",
          **headers):
    """Submit the log-in form as a browser would (at `base_url`: https:// for a TLS connection)."""
    token = CSRF.search(client.get("/login", base_url=base_url).get_data(as_text=True)).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token,
                                       "next": next_}, headers={**ORIGIN, **headers}, base_url=base_url)


def logout(client):
    """Log out through the confirmation form."""
    token = CSRF.search(client.get("/logout").get_data(as_text=True)).group(1)
    return client.post("/logout", data={"csrf_token": token}, headers=ORIGIN)


def session_cookie(client) -> str:
    """The value of the browser's session cookie."""
    cookie = client.get_cookie("dashboard_session")
    assert cookie is not None
    return cookie.value


def make_site(engine, Session, redis_client, tmp_path, **settings):  # noqa: N803
    """The real app on the two-branch world with the given extra settings."""
    from dashboard.core.db import session_factory
    from dashboard.core.services import Services

    config = make_settings(engine, tmp_path, **settings)
    services = Services(settings=config, engine=engine, Session=session_factory(engine), redis=redis_client)
    return SimpleNamespace(app=create_app(config, services), Session=Session, services=services)


def users(monkeypatch, capsys, engine, tmp_path, *argv) -> tuple[int, str]:
    """`python -m dashboard users ...` on the test database."""
    monkeypatch.setenv("DASHBOARD_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("DASHBOARD_DATA_DIR", str(tmp_path))
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    code = main(["users", *argv])
    out = capsys.readouterr()
    return code, out.out + out.err


def dash_body(app, output_id: str, values: dict[str, object], changed: str) -> dict:
    """The body a browser posts to /_dash-update-component for the callback writing `output_id`,
    with these `{"id.property": value}` inputs and states (the rest None)."""
    from dash._utils import split_callback_id

    callbacks = app.extensions["dash"].callback_map
    key = next(k for k in callbacks if k.startswith(f"{output_id}.") or f"..{output_id}." in k)
    spec = callbacks[key]

    def fill(props: list[dict]) -> list[dict]:
        return [{**p, "value": values.get(f"{p['id']}.{p['property']}")} for p in props]

    outputs = split_callback_id(key)
    return {"output": key, "outputs": outputs, "inputs": fill(spec["inputs"]), "state": fill(spec["state"]),
            "changedPropIds": [changed]}
