"""`simulate` arguments: a bad value stops with an argparse error naming the flag."""

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from dashboard.core.timeutil import LOCAL_TZ
from feeds.simulator import add_arguments

ROOT = Path(__file__).resolve().parents[2]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="simulate")
    add_arguments(parser)
    return parser


@pytest.mark.parametrize(("argv", "flag"), [
    (["--scale", "50"], "--scale"), (["--scale", "0.5"], "--scale"), (["--scale", "lots"], "--scale"),
    (["--speed", "0"], "--speed"), (["--duration", "-1"], "--duration"), (["--seed", "x"], "--seed"),
    (["--city-start", "tuesday"], "--city-start"), (["--batch", "9000"], "--batch"),
    (["--late-fraction", "1.5"], "--late-fraction"), (["--report-period", "0"], "--report-period"),
])
def test_bad_values_name_the_flag(argv, flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        _parser().parse_args(argv)
    assert exit_info.value.code == 2
    assert f"argument {flag}:" in capsys.readouterr().err


def test_defaults_and_good_values():
    args = _parser().parse_args([])
    assert (args.scale, args.speed, args.duration, args.token, args.unit) == (1.0, 1.0, 0.0, None, None)
    args = _parser().parse_args(["--scale", "20", "--speed", "60", "--city-start", "2026-11-24T10:00"])
    assert args.scale == 20 and args.speed == 60
    assert args.city_start.tzinfo is LOCAL_TZ and args.city_start.hour == 10


def test_an_unseeded_database_is_one_clear_line(tmp_path: Path):
    env = {"PATH": "/usr/bin:/bin", "DASHBOARD_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}",
           "DASHBOARD_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "dashboard", "simulate", "--duration", "1"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.startswith("simulate: ") and len(done.stderr.strip().splitlines()) == 1
