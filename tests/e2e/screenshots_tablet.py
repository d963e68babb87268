"""Screenshots of tablet mode into docs/screens/: the views at 1280×800 and 800×1280 with touch, and
the leaders' briefing (`python -m tests.e2e.screenshots_tablet`).

Uses the configured database and Redis (DASHBOARD_* variables, else the embedded defaults), seeded
first when empty, like tests/e2e/screenshots.py; logs in as a fresh city leader.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.browser import chromium, log_in
from dashboard.core.config import load_settings
from dashboard.ops.redis_server import ensure_redis
from tests.e2e.screenshots import OUT, SIZES, credentials, ensure_seeded
from tests.e2e.stack import free_port, running, stack_env, wait_for_view

TABLETS = {orientation: SIZES[f"tablet-{orientation}"] for orientation in ("landscape", "portrait")}
VIEWS = [("city", "/city", "city"), ("town", "/unit/licheng-zhenhai", "town")]


def shoot(base: str, username: str, password: str, out: Path) -> list[Path]:
    """Each view in both orientations (the first screen a finger sees), then the briefing."""
    written = []
    with chromium() as browser:
        for orientation, viewport in TABLETS.items():
            context = browser.new_context(viewport=viewport, has_touch=True, is_mobile=True,
                                          device_scale_factor=1)
            page = context.new_page()
            log_in(page, base, username, password)
            for name, path, level in VIEWS:
                page.goto(f"{base}{path}")
                wait_for_view(page, level, timeout=180_000)
                page.wait_for_timeout(2500)  # let the map settle its colours
                written.append(out / f"tablet-{name}-{orientation}.png")
                page.screenshot(path=str(written[-1]))
            page.goto(f"{base}/briefing")
            page.locator(".briefing-card").first.wait_for(timeout=180_000)
            written.append(out / f"tablet-briefing-{orientation}.png")
            page.screenshot(path=str(written[-1]))
            if orientation == "landscape":
                page.locator(".instruct-button").first.tap()
                page.locator(".briefing-dialog textarea").fill("请镇街今日内处置完毕，明早报结果。")
                page.wait_for_timeout(600)
                written.append(out / "tablet-briefing-instruct.png")
                page.screenshot(path=str(written[-1]))
            context.close()
    for path in written:
        print(f"wrote {path}", flush=True)
    return written


def main(argv: list[str] | None = None) -> int:
    """Seed if needed, start the stack, take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    settings, embedded = ensure_redis(load_settings())
    try:
        env = stack_env(settings.effective_database_url, settings.redis_url, settings.data_dir.resolve(),
                        free_port())
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        ensure_seeded(env)
        _, username, password = credentials(env)
        args.out.mkdir(parents=True, exist_ok=True)
        with running(env) as base:
            shoot(base, username, password, args.out)
    finally:
        if embedded is not None:
            embedded.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
