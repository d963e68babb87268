"""Shared fixtures: real Redis, real SQLite and PostgreSQL databases, the seeded world.

Backends: every fixture that takes `backend` runs once on SQLite and once on PostgreSQL.
PostgreSQL comes from DASHBOARD_TEST_POSTGRES_URL (default: the local trust-auth server); when
it is unreachable the PostgreSQL cases are skipped locally, and fail when
DASHBOARD_TEST_REQUIRE_ALL is set (as CI sets it).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

from dashboard.core.config import Settings
from dashboard.core.db import drop_all, make_engine, session_factory, upgrade
from dashboard.core.services import Services

PG_URL = os.environ.get("DASHBOARD_TEST_POSTGRES_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REQUIRE_ALL = bool(os.environ.get("DASHBOARD_TEST_REQUIRE_ALL"))
# Several developers may run suites at once on one machine: each picks a prefix for its databases.
# Under pytest-xdist each worker (gw0, gw1, ...) gets its own databases and its own Redis database
# (the base number minus the worker's), so parallel workers never flush or seed each other's state.
_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
_WORKER_N = int(_WORKER[2:]) if _WORKER.startswith("gw") else 0
BASE_PREFIX = os.environ.get("DASHBOARD_TEST_DB_PREFIX", "dash")
DB_PREFIX = BASE_PREFIX + (f"{_WORKER_N}" if _WORKER else "")
# One id per pytest-xdist run, the same in every worker: the seeded world is made once per run.
RUN_ID = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")


def _worker_redis_url(url: str) -> str:
    base, _, db = url.rpartition("/")
    return f"{base}/{int(db or 0) - _WORKER_N}" if _WORKER_N else url


REDIS_URL = _worker_redis_url(os.environ.get("DASHBOARD_TEST_REDIS_URL", "redis://127.0.0.1:6379/14"))
# Developers may keep a seeded world between runs (keyed by the seed code's hash); CI never does.
REUSE_WORLD = bool(os.environ.get("DASHBOARD_TEST_REUSE_WORLD"))
BACKENDS = ("sqlite", "postgresql")
# Browser tests drive the screens through real processes on one backend: SQLite, what `make run`
# gives every user (its locking under serve + ingest is what a browser run can catch); PostgreSQL
# runs under real processes in the fault suite, and every query runs on both in the integration
# tests. DASHBOARD_TEST_BROWSER_BACKENDS=sqlite,postgresql runs the browser tests on both.
BROWSER_BACKENDS = tuple(os.environ.get("DASHBOARD_TEST_BROWSER_BACKENDS", "sqlite").split(","))
# The audit chain's key derives from the secret key: sessions built without settings (fixtures, the
# CLI) must key the chain as the test apps do.
TEST_SECRET_KEY = "test-secret-key-0123456789abcdef"
os.environ.setdefault("DASHBOARD_SECRET_KEY", TEST_SECRET_KEY)


def _unavailable(what: str, exc: Exception) -> None:
    if REQUIRE_ALL:
        pytest.fail(f"{what} is required but unavailable: {exc}")
    pytest.skip(f"{what} unavailable: {exc}")


def pg_database_url(name: str) -> str:
    """URL of a PostgreSQL database of the given name, created if missing."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname=:n"),
                                  {"n": name}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def _migrated(backend: str, name: str, tmp_dir: Path) -> Engine:
    """An engine on an empty database of the given backend, migrated from nothing by Alembic."""
    if backend == "sqlite":
        path = tmp_dir / f"{name}.sqlite3"
        path.unlink(missing_ok=True)
        engine = make_engine(f"sqlite:///{path}")
    else:
        try:
            engine = make_engine(pg_database_url(name))
            with engine.connect():
                pass
        except Exception as exc:  # noqa: BLE001 - any connection failure means unavailable
            _unavailable("PostgreSQL", exc)
        drop_all(engine)
    upgrade(engine)
    return engine


_TEMPLATES: dict[str, Path | str] = {}


def _template(backend: str) -> Path | str:
    """This worker's empty migrated database of the backend, made once (a SQLite file to copy, a
    PostgreSQL database to clone): migrating from nothing for every test took 0.5-1 s each."""
    if backend not in _TEMPLATES:
        import tempfile

        name = f"{DB_PREFIX}_template"
        engine = _migrated(backend, name, Path(tempfile.mkdtemp(prefix=f"{name}-")))
        _TEMPLATES[backend] = Path(engine.url.database) if backend == "sqlite" else name
        engine.dispose()  # a template must have no connection left (and SQLite checkpoints its WAL)
    return _TEMPLATES[backend]


def fresh_engine(backend: str, name: str, tmp_dir: Path) -> Engine:
    """An engine on an empty, migrated database of the given backend: a copy of this worker's
    template, which Alembic migrated from nothing in this run (tests/integration/test_schema.py
    checks that schema against the models)."""
    template = _template(backend)
    if backend == "sqlite":
        path = tmp_dir / f"{name}.sqlite3"
        for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copyfile(template, path)
        return make_engine(f"sqlite:///{path}")
    return _clone(template, name)


def _clone(template: str, name: str) -> Engine:
    """A PostgreSQL database `name`, made anew as a copy of the database `template`."""
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    finally:
        admin.dispose()
    return make_engine(make_url(PG_URL).set(database=name).render_as_string(hide_password=False))


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """Each test taking this runs on SQLite and on PostgreSQL."""
    return request.param


@pytest.fixture
def engine(backend: str, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, empty, migrated database for one test."""
    eng = fresh_engine(backend, f"{DB_PREFIX}_scratch", tmp_path)
    yield eng
    eng.dispose()


@pytest.fixture
def Session(engine: Engine):  # noqa: N802 - it is a session factory, named like one
    """Session factory on the fresh database."""
    return session_factory(engine)


@pytest.fixture
def redis_client() -> Iterator[redis.Redis]:
    """A real Redis connection on a test database, flushed before and after."""
    client = redis.Redis.from_url(REDIS_URL, decode_responses=True)
    try:
        client.ping()
    except redis.RedisError as exc:
        _unavailable("Redis", exc)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def world_dir(tmp_path_factory) -> Path:
    """Session-wide scratch folder for seeded databases."""
    return tmp_path_factory.mktemp("world")


_WORLDS: dict[str, Engine] = {}


def seeded_world(backend: str, world_dir: Path) -> Engine:
    """The full demo world, seeded once per backend per test session (read-mostly)."""
    if backend not in _WORLDS:
        from dashboard.demo.seed import seed_world

        name = f"{DB_PREFIX}_world"
        if REUSE_WORLD:
            eng = _reusable_world(backend, name)
            if eng is not None:
                _WORLDS[backend] = eng
                return eng
            world_dir = Path("var/test-cache")
            world_dir.mkdir(parents=True, exist_ok=True)
        if RUN_ID:
            eng = _copy_of_shared_world(backend, name, world_dir)
        else:
            eng = fresh_engine(backend, name, world_dir)
            seed_world(eng, progress=False)
            _mark_world(eng)
        _WORLDS[backend] = eng
    return _WORLDS[backend]


def _copy_of_shared_world(backend: str, name: str, world_dir: Path) -> Engine:
    """This worker's copy of the run's seeded world: the first worker to ask seeds it (under a
    lock, once per run and backend) and every worker copies it, instead of each seeding its own."""
    import fcntl
    import tempfile

    from dashboard.demo.seed import seed_world

    # Fixed names per prefix, so a run replaces the last run's copy instead of piling up more.
    shared = Path(tempfile.gettempdir()) / f"dashboard-test-world-{BASE_PREFIX}"
    shared.mkdir(exist_ok=True)
    with open(shared / f"{backend}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        done = shared / f"{backend}.{RUN_ID}.done"
        template = shared / "world.sqlite3" if backend == "sqlite" else f"{BASE_PREFIX}_world_shared"
        if not done.exists():
            for old in shared.glob(f"{backend}.*.done"):
                old.unlink()
            if backend == "sqlite":
                shutil.copyfile(_template(backend), template)
                eng = make_engine(f"sqlite:///{template}")
            else:
                eng = fresh_engine(backend, template, shared)
            seed_world(eng, progress=False)
            _mark_world(eng)
            eng.dispose()  # a template must have no connection left
            done.write_text("seeded\n")
        if backend == "sqlite":
            path = world_dir / f"{name}.sqlite3"
            shutil.copyfile(template, path)
            return make_engine(f"sqlite:///{path}")
        return _clone(template, name)


def _world_key() -> str:
    """Hash of everything that shapes the seeded world."""
    import hashlib

    root = Path(__file__).resolve().parent.parent / "dashboard"
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")) + sorted(root.rglob("*.geojson")):
        if {"migrations", "demo", "geo", "models"} & set(path.parts):
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _mark_world(eng: Engine) -> None:
    with eng.begin() as conn:
        conn.execute(text("DELETE FROM meta WHERE key='test_world_key'"))
        conn.execute(text("INSERT INTO meta (key, value) VALUES ('test_world_key', :v)"),
                     {"v": _world_key()})


def _reusable_world(backend: str, name: str) -> Engine | None:
    if backend == "sqlite":
        path = Path("var/test-cache") / f"{name}.sqlite3"
        if not path.exists():
            return None
        eng = make_engine(f"sqlite:///{path.resolve()}")
    else:
        try:
            eng = make_engine(pg_database_url(name))
        except Exception:  # noqa: BLE001
            return None
    try:
        with eng.connect() as conn:
            key = conn.execute(text("SELECT value FROM meta WHERE key='test_world_key'")).scalar()
    except Exception:  # noqa: BLE001 - no schema yet
        key = None
    if key != _world_key():
        eng.dispose()
        return None
    return eng


@pytest.fixture
def world(backend: str, world_dir: Path) -> Engine:
    """The seeded demo world on this test's backend. Tests must not change what they read."""
    return seeded_world(backend, world_dir)


def make_settings(engine: Engine, tmp_path: Path, **extra) -> Settings:
    """Settings pointing at a test database and the test Redis."""
    return Settings(
        data_dir=tmp_path,
        database_url=engine.url.render_as_string(hide_password=False),
        redis_url=REDIS_URL,
        secret_key=TEST_SECRET_KEY,
        testing=True,
        **extra,
    )


@pytest.fixture
def services_for(tmp_path: Path, redis_client):
    """Factory: Services bound to a given engine and the flushed test Redis."""
    built: list[Services] = []

    def build(engine: Engine) -> Services:
        services = Services(settings=make_settings(engine, tmp_path), engine=engine,
                            Session=session_factory(engine), redis=redis_client)
        built.append(services)
        return services

    return build
