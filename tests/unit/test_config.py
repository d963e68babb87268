"""Settings: defaults, environment, and one clear line for a bad value."""

import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.core.config import SettingsError, load_settings


def test_defaults_are_embedded():
    s = load_settings({})
    assert s.database_url is None and s.redis_url is None
    assert s.effective_database_url.startswith("sqlite:///")
    assert s.port == 8050 and s.host == "127.0.0.1"


def test_environment_values_are_read(tmp_path: Path):
    s = load_settings({"DASHBOARD_DATABASE_URL": "postgresql://u@db:5432/x",
                       "DASHBOARD_REDIS_URL": "redis://cache:6380/2",
                       "DASHBOARD_DATA_DIR": str(tmp_path), "DASHBOARD_PORT": "9000",
                       "DASHBOARD_HOST": "0.0.0.0", "DASHBOARD_SECRET_KEY": "x" * 32})
    assert s.database_url == "postgresql+psycopg://u@db:5432/x"
    assert s.redis_url == "redis://cache:6380/2"
    assert s.port == 9000 and s.host == "0.0.0.0" and s.data_dir == tmp_path


def test_map_tiles_are_optional_and_kept_as_given():
    assert load_settings({}).map_tiles is None
    url = "https://tiles.example.org/{z}/{x}/{y}.png?key=abc"
    assert load_settings({"DASHBOARD_MAP_TILES": f" {url} "}).map_tiles == url


def test_explicit_beats_environment():
    assert load_settings({"DASHBOARD_PORT": "9000"}, port=9100).port == 9100


@pytest.mark.parametrize("name,value,reason", [
    ("DASHBOARD_PORT", "eighty", "expected a port number"),
    ("DASHBOARD_PORT", "70000", "1-65535"),
    ("DASHBOARD_DATABASE_URL", "mysql://x/y", "sqlite:// or postgresql://"),
    ("DASHBOARD_REDIS_URL", "http://x", "redis://"),
    ("DASHBOARD_REDIS_URL", "redis://host:notaport/0", "bad port"),
    ("DASHBOARD_SECRET_KEY", "short", "at least 16"),
    ("DASHBOARD_MAP_TILES", "ftp://tiles.example.org/{z}/{x}/{y}.png", "http(s)://"),
    ("DASHBOARD_MAP_TILES", "https:///{z}/{x}/{y}.png", "http(s)://"),
    ("DASHBOARD_MAP_TILES", "https://tiles.example.org/{z}/{x}.png", "lacks {y}"),
])
def test_bad_value_names_the_variable(name, value, reason):
    with pytest.raises(SettingsError) as err:
        load_settings({name: value})
    assert str(err.value).startswith(name + ":") and reason in str(err.value)


def test_bad_setting_stops_startup_with_one_line(tmp_path: Path):
    proc = subprocess.run([sys.executable, "-m", "dashboard", "init-db"], capture_output=True,
                          text=True, env={"DASHBOARD_PORT": "abc", "PATH": "/usr/bin:/bin",
                                          "DASHBOARD_DATA_DIR": str(tmp_path)})
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "DASHBOARD_PORT" in lines[0]


@pytest.mark.parametrize("verb", ["ingest", "supervise", "fanout"])
def test_a_worker_without_the_shared_redis_stops_with_one_line(tmp_path: Path, verb: str):
    # A worker on a Redis of its own would read no stream and reach no screen.
    proc = subprocess.run([sys.executable, "-m", "dashboard", verb], capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "DASHBOARD_DATA_DIR": str(tmp_path)})
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1
    assert lines[0].startswith("configuration error: DASHBOARD_REDIS_URL: not set;")
