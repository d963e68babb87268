"""What the screens benchmark does in Chromium: cold loads, drill steps, and feed-to-screen times.

Every time is taken inside the page with the browser's wall clock (Date.now(), the same clock Redis
stamps stream ids with on this machine), so Playwright's round trips are not in the figures.
"Drawn" means: the view of the expected level is in the DOM, its map's regions trace shows the
unit's children, its positions trace holds at least the live count of positions, and MapLibre
reports the map loaded (every source, the positions' included, processed).
"""

from __future__ import annotations

import time

from bench.browser import log_in
from bench.screens_trace import Recorder
from dashboard.demo.places import CITY_CODE

# Installed before any page script runs: notes the first moment the view is drawn, and the last
# mouse press (the drill clicks), in epoch milliseconds.
WATCH = """
window.__bench = {target: null, drawnAt: 0, pressAt: 0, readyFrame: false, figuresAt: 0};
document.addEventListener('mousedown', () => { window.__bench.pressAt = Date.now(); }, true);
(function tick() {
  const b = window.__bench;
  if (window.__benchHook) { window.__benchHook(); }
  // Figures readable: the KPI tiles hold numbers and the sub-unit list has its rows.
  if (!b.figuresAt && document.querySelector('#unit-kpis .kpi-value')
      && document.querySelector('#unit-children .ag-row')) { b.figuresAt = Date.now(); }
  // Drawn is stamped one frame after the check first holds, so the frame that shows the map
  // (and, without a GPU, its canvas read-back) is inside the time.
  if (b.target && !b.drawnAt && b.readyFrame) { b.drawnAt = Date.now(); }
  if (b.target && !b.drawnAt && !b.readyFrame && window.__benchDrawn && window.__benchDrawn(b.target)) {
    b.readyFrame = true;
  }
  requestAnimationFrame(tick);
})();
// The regions Plotly has finished plotting (plotly_afterplot comes after every asynchronous step,
// such as fetching a GeoJSON URL), not merely the ones it was handed. Every map element is hooked
// as soon as it exists, whatever the page shows yet: a map drawn before its view's level is on
// the page must not have plotted unseen.
window.__benchHook = function () {
  const gd = document.querySelector('#unit-map .js-plotly-plot');
  if (gd && !gd.__benchHooked && gd.on) {
    gd.__benchHooked = true;
    gd.on('plotly_afterplot', () => {
      const r = (gd.data || []).find(d => d.meta === 'regions');
      gd.__benchLocs = (r && r.locations) || [];
      const t = window.__bench.target;  // the map's own moment, whatever else the page shows yet
      if (t && window.__benchRegionsOf(t, gd.__benchLocs)) {
        window.__benchMark(t, 'map plotted');
      }
    });
  }
};
// When each part of "drawn" first held for the current target (epoch ms): the view's level on the
// page, the new regions plotted, the positions on the map, MapLibre loaded (nothing left to load).
window.__benchMark = function (t, part) {
  const b = window.__bench;
  b.parts = b.parts || {};
  if (b.parts.target !== t) { b.parts = {target: t}; }
  if (!b.parts[part]) { b.parts[part] = Date.now(); }
};
// The map shows the target's regions: its children (every region's code under it; the last
// view's map shows the target itself among its own children, which is not the new view), or on
// a grid view the grid itself.
window.__benchRegionsOf = function (t, locs) {
  if (!locs.length) { return false; }
  if (t.level === 'city') { return true; }  // the root: any regions are its districts
  if (t.level === 'grid') { return locs.indexOf(t.code) >= 0; }
  return locs.every(c => c.startsWith(t.code + '-'));
};
window.__benchDrawn = function (t) {
  const bareLevel = document.getElementById('bare-level');  // the bare map page (screens_bare_map)
  const view = bareLevel ? (bareLevel.textContent === t.level ? bareLevel : null)
                         : document.querySelector(`.view[data-level="${t.level}"]`);
  if (document.querySelector('#unit-map.map-drawing')) { return false; }  // canvas not shown yet
  const gd = document.querySelector('#unit-map .js-plotly-plot');
  if (!view || !gd || !gd.data || !gd._fullLayout || !gd._fullLayout.map) { return false; }
  window.__benchMark(t, 'view shown');
  if (!window.__benchRegionsOf(t, gd.__benchLocs || [])) { return false; }
  window.__benchMark(t, 'view plotted');
  // Positions: a dot each (the bare page; the product from town level down), or on the product's
  // wide maps the staff counted per town, a disc each. Both pages take them from live:pos when the
  // figure is built, which can be a moment after the count was read (and the live state prunes
  // positions that stopped reporting), so any drawn at all counts when there are some.
  const pos = gd.data.find(d => d.meta === 'positions');
  const discs = gd.data.find(d => d.meta === 'staff-all');
  const drawnPos = Math.max((pos && pos.lat || []).length, (discs && discs.lat || []).length);
  if (t.positions > 0 && drawnPos === 0) { return false; }
  window.__benchMark(t, 'positions');
  const sub = gd._fullLayout.map._subplot;
  return !!(sub && sub.map && sub.map.loaded());
};
"""

STATUS = """() => {
  const v = document.querySelector('.view'), gd = document.querySelector('#unit-map .js-plotly-plot');
  const sub = gd && gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  return {level: v && v.dataset.level, traces: gd && gd.data ? gd.data.map(d => [d.meta,
          (d.lat || d.locations || []).length]) : null, loaded: !!(sub && sub.map && sub.map.loaded()),
          plotted: gd && gd.__benchLocs ? gd.__benchLocs.slice(0, 2) : null,
          hidden: !!document.querySelector('#unit-map.map-drawing')};
}"""

# Feed-to-screen: the first moment each awaited incident's row is in the ticker, and its marker drawn
# on the map.
FEED_WATCH = """
() => {
  window.__want = {}; window.__row = {}; window.__marker = {};
  const check = () => {
    const now = Date.now();
    for (const id in window.__want) {
      if (!window.__row[id] && document.querySelector(`#unit-ticker .ag-row[row-id="${id}"]`)) {
        window.__row[id] = now;
      }
    }
  };
  new MutationObserver(check).observe(document.body,
    {childList: true, subtree: true, attributes: true, attributeFilter: ['row-id']});
  // A marker counts once its point is in the figure and then MapLibre has processed the source
  // (its worker cut the new tiles), stamped one frame later, when that frame is drawn.
  const seen = {}, loadedAt = {};
  (function frame() {
    const now = Date.now();
    const gd = document.querySelector('#unit-map .js-plotly-plot');
    const i = gd && gd.data ? gd.data.findIndex(d => d.meta === 'incidents') : -1;
    const inc = i >= 0 ? gd.data[i] : null;
    const full = inc && gd._fullData ? gd._fullData[i] : null;
    const map = full && full._glTrace && gd._fullLayout.map._subplot.map;
    const loaded = !!map && map.isSourceLoaded(full._glTrace.sourceIds.circle);
    if (inc && inc.ids) {
      for (const id in window.__want) {
        if (window.__marker[id]) { continue; }
        if (!seen[id] && inc.ids.indexOf(id) >= 0) { seen[id] = now; continue; }
        if (seen[id] && loadedAt[id]) { window.__marker[id] = now; }
        else if (seen[id] && loaded) { loadedAt[id] = now; }
      }
    }
    requestAnimationFrame(frame);
  })();
}
"""


def logged_in_state(browser, base: str, username: str, password: str) -> dict:
    """Cookies of a logged-in session, so measured pages start with an empty cache but no log-in."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN")
    page = context.new_page()
    log_in(page, base, username, password)
    state = context.storage_state()
    context.close()
    return state


def new_page(browser, state: dict):
    """A fresh 1920×1080 context (empty cache) with the session cookie and the watchers installed."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="zh-CN",
                                  storage_state=state)
    context.add_init_script(WATCH)
    return context.new_page()


def wait_drawn(page, code: str, level: str, positions: int, timeout_s: float) -> int:
    """Set the drawn target and wait for it; returns the epoch ms it was first drawn."""
    page.evaluate("(t) => { Object.assign(window.__bench, {target: t, drawnAt: 0, readyFrame: false}); }",
                  {"code": code, "level": level, "positions": positions})
    try:
        page.wait_for_function("() => window.__bench.drawnAt > 0", timeout=timeout_s * 1000, polling=100)
    except Exception as exc:  # say what was missing, for the report
        raise RuntimeError(f"not drawn in {timeout_s:g} s: {page.evaluate(STATUS)}") from exc
    return int(page.evaluate("window.__bench.drawnAt"))


def cold_load(browser, state: dict | None, url: str, positions: int,
              timeout_s: float = 90, traces: list | None = None) -> tuple[float, float | None]:
    """Milliseconds from navigation start of the url (the product's /city or the bare map page)
    to the city map drawn with every position, and to the figures readable (KPI tiles and the
    sub-unit list; None on the bare page, which has neither). With `traces`, Chrome's record of
    the load is appended to it (bench/screens_trace.py)."""
    page = new_page(browser, state)
    recorder = Recorder(browser, page) if traces is not None else None
    try:
        if recorder:
            recorder.start()
        page.goto(url, wait_until="commit")
        drawn = wait_drawn(page, CITY_CODE, "city", positions, timeout_s)
        origin = float(page.evaluate("performance.timeOrigin"))
        if recorder:
            traces.append(("cold load", recorder.stop(origin, drawn)))
        figures = int(page.evaluate("window.__bench.figuresAt"))
        return drawn - origin, (figures - origin if figures else None)
    finally:
        page.context.close()


def click_region(page, code: str, lon: float, lat: float) -> None:
    """A mouse click on the region near its centre, where the pointer rests on the region."""
    where = """([lon, lat]) => {
        const gd = document.querySelector('#unit-map .js-plotly-plot');
        const map = gd._fullLayout.map._subplot.map;
        const p = map.project([lon, lat]);
        const r = map.getCanvas().getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }"""
    hovered = ("() => (document.querySelector('#unit-map .js-plotly-plot')._hoverdata || [])"
               ".map(p => p.location)")
    seen = set()
    # Eight directions out to 150 px: at city zoom markers crowd a small district's middle (a tap on
    # a marker opens it), and the first spot of the region's own that the pointer reaches is taken.
    ways = ((1, 0), (-1, 0), (0, 1), (0, -1), (1, 1), (-1, -1), (1, -1), (-1, 1))
    for _ in range(3):  # a redraw of the map (a live update) in between forgets the hover: again
        for r in range(0, 160, 10):
            x, y = page.evaluate(where, [lon, lat])  # where it is now: the camera may have moved
            for dx, dy in ((r * a, r * b) for a, b in (ways if r else ways[:1])):
                page.mouse.move(x + dx, y + dy)
                page.wait_for_timeout(150)
                under = page.evaluate(hovered)
                seen.update(str(u) for u in under)
                if code in under:
                    page.mouse.click(x + dx, y + dy)
                    return
    raise RuntimeError(f"no spot near the centre of {code} reaches the region on the map "
                       f"(hovered: {sorted(seen)[:8]})")


# Before each tap of a drill, as long as a commander looks at the map just drawn before choosing the
# next region (the product fetches its children's maps meanwhile); the bare page waits as long.
THINK_MS = 3000


def drill(page, chain: list[tuple[str, str, float, float]], counts: dict[str, int],
          timeout_s: float = 60, bare: bool = False, traces: list | None = None) -> list[tuple[str, float]]:
    """From a drawn city view, click down the chain (map for the district, sub-unit rows below;
    on the bare map page its child buttons), `THINK_MS` after the last view was drawn; returns
    (level, ms from the mouse press to the new view drawn) per step."""
    steps = []
    recorder = Recorder(page.context.browser, page) if traces is not None else None
    for i, (code, level, lon, lat) in enumerate(chain):
        page.evaluate("() => Object.assign(window.__bench, {target: null, pressAt: 0, readyFrame: false})")
        page.wait_for_timeout(THINK_MS)  # also lets the last step's panels settle: this step's time alone
        if recorder:
            recorder.start()
        try:
            if bare:
                page.click(f'#bare-children button:text-is("{code}")')
            elif i == 0:
                click_region(page, code, lon, lat)
            else:
                page.click(f'#unit-children .ag-row[row-id="{code}"] .ag-cell >> nth=0')
            drawn = wait_drawn(page, code, level, counts[code], timeout_s)
        except Exception:
            if recorder:
                recorder.abandon()
            raise
        pressed = float(page.evaluate("window.__bench.pressAt"))
        steps.append((level, drawn - pressed))
        parts = page.evaluate("() => window.__bench.parts || {}")
        marks = ", ".join(f"{part} {parts[part] - pressed:.0f}"
                          for part in ("map plotted", "view shown", "view plotted", "positions")
                          if parts.get(part))
        print(f"drill → {level} ({'bare' if bare else 'product'}): {marks}, loaded and drawn "
              f"{drawn - pressed:.0f} ms after the press", flush=True)
        if recorder:
            traces.append((f"drill → {level}", recorder.stop(pressed, drawn)))
    return steps


def open_city(browser, state: dict, base: str, positions: int, timeout_s: float = 90):
    """A drawn, connected city view."""
    page = new_page(browser, state)
    page.goto(f"{base}/city")
    wait_drawn(page, CITY_CODE, "city", positions, timeout_s)
    page.wait_for_selector("#shell-status.status-connected", timeout=timeout_s * 1000)
    return page


def open_bare_map(browser, bare_base: str, positions: int, timeout_s: float = 90):
    """The bare map page with the city drawn."""
    page = new_page(browser, None)
    page.goto(f"{bare_base}/map/")
    wait_drawn(page, CITY_CODE, "city", positions, timeout_s)
    return page


def open_bare(browser, bare_base: str, timeout_s: float = 60):
    """The bare page, subscribed to the city room."""
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(bare_base + "/")
    page.wait_for_function("() => window.bareReady === true", timeout=timeout_s * 1000)
    return page


def feed_latencies(product, bare, post, ids: list[str], gap_s: float, settle_s: float = 10) -> dict:
    """Post each incident (post(id) -> stream id), then collect, per page, DOM time − stream time."""
    product.evaluate(FEED_WATCH)
    sids = {}
    for incident_id in ids:
        product.evaluate("(id) => { window.__want[id] = 1; }", incident_id)
        sids[incident_id] = post(incident_id)
        time.sleep(gap_s)
    deadline = time.monotonic() + settle_s
    while time.monotonic() < deadline:
        rows = product.evaluate("() => Object.keys(window.__row).length")
        marks = product.evaluate("() => Object.keys(window.__marker).length")
        seen = bare.evaluate("(ids) => ids.filter(i => (window.bareSeen[i] || {}).t).length", ids)
        if rows == marks == seen == len(ids):
            break
        time.sleep(0.5)
    row, marker = product.evaluate("window.__row"), product.evaluate("window.__marker")
    bare_seen = bare.evaluate("(ids) => ids.map(i => window.bareSeen[i] || null)", ids)
    out: dict[str, list[float]] = {"row": [], "marker": [], "bare": []}
    for incident_id, b in zip(ids, bare_seen, strict=True):
        t0 = int(sids[incident_id].split("-")[0])
        if incident_id in row:
            out["row"].append(row[incident_id] - t0)
        if incident_id in marker:
            out["marker"].append(marker[incident_id] - t0)
        if b and b.get("t"):
            out["bare"].append(b["t"] - t0)
    return out
