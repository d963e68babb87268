/* The one place that reads Plotly's and MapLibre's private internals (plotly 7.1.0 as pinned in
 * requirements.txt, the MapLibre it bundles). Plotly has no public API for the live map's own
 * MapLibre object, a map trace's source or layer, or the calcdata its hover and click read; the
 * live glue (30_clientside.js), the wall (25_wall.js, 25_wall_charts.js) and the region labels
 * (35_map_labels.js) need them to move markers without a full redraw. Everything they touch is
 * here, and `check(gd)` says what no longer looks as this code expects: tests/e2e/test_map.py
 * runs it on drawn maps, so an upgrade that moves an internal fails that test by name instead of
 * quietly falling back to the slow path. Callers still fall back when a map is being rebuilt
 * (null answers); an exception from these internals is reported once (`report`) and kept in
 * `problems`, where the console-quiet test finds it too.
 */
(function () {
  "use strict";
  var problems = [];
  // Names from the server (callbacks/app.py browser_contract): the map's element id, its traces.
  var CONTRACT = window.gridContract || {};

  /* The view's map: its holder element, and the Plotly graph inside it. */
  function mapHolder() { return document.getElementById(CONTRACT.map); }
  function mapGraph() { var h = mapHolder(); return h ? h.querySelector(".js-plotly-plot") : null; }

  /* The subplot of a graph's map: Plotly's own object around the MapLibre map. */
  function subplot(gd) {
    var full = gd && gd._fullLayout;
    return (full && full.map && full.map._subplot) || null;
  }

  /* The MapLibre map of a map graph, or null while it is not built. */
  function mapOf(gd) {
    var sub = subplot(gd);
    return (sub && sub.map) || null;
  }

  /* Whether the map's style is set up, so sources and layers can be read and set. MapLibre's own
   * isStyleLoaded() also waits for every source, which a map fed every second almost never is. */
  function styleLoaded(map) { return !!(map && map.style && map.style._loaded); }

  function hasMap(gd) { return styleLoaded(mapOf(gd)); }

  /* Symbols (the region names) show at once on every placement instead of fading in over
   * MapLibre's default 300 ms: without a GPU each frame of a fade copies the map's canvas back on
   * the main thread (a 30-150 ms Commit), and every live update of the map placed the names again.
   * Chrome trace of the city view taking 15 incidents 0.3 s apart (2026-12-05): commits 3.7 → 2.2 s
   * of 8 s, the main thread busy 6.0 → 5.1 s. Plotly passes no fadeDuration to the map it builds;
   * MapLibre reads its own copy at every frame. */
  function noFade(map) { if (map && map._fadeDuration !== 0) { map._fadeDuration = 0; } }

  /* Whether two GeoJSON values hold the same (structure and numbers; shared parts by identity). */
  function alike(a, b, depth) {
    if (a === b) { return true; }
    if (depth > 12 || !a || !b || typeof a !== "object" || typeof b !== "object"
        || Array.isArray(a) !== Array.isArray(b)) { return false; }
    var keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) { return false; }
    for (var i = 0; i < keys.length; i++) {
      if (!alike(a[keys[i]], b[keys[i]], depth + 1)) { return false; }
    }
    return true;
  }

  /* MapLibre GeoJSON sources keep what they hold when handed equal data. Plotly sets the data of
   * every trace's source again at each redraw of a map (scattermap's and choroplethmap's
   * `update`), changed or not, and each setData makes MapLibre's worker cut that source's tiles
   * again and the map draw again: without a GPU a 30-150 ms canvas copy on the main thread each
   * time. Chrome trace of the city view taking 15 incidents 0.3 s apart (2026-12-05): the map drew
   * 59 times, 26 after this; the main thread was busy 5.1-5.7 s of 8, 3.2 after. The object the
   * source already holds always goes through (29_map_points.js edits it in place). The sources'
   * class is MapLibre's, inside Plotly's bundle: reached through a drawn trace's source, once. */
  function keepEqualData(gd) {
    for (var i = 0; gd && gd.data && i < gd.data.length; i++) {
      var circles = circleSource(gd, i), proto = circles && Object.getPrototypeOf(circles.source);
      if (!proto) { continue; }
      if (proto.setData && !proto.setData.keepsEqual) {
        var setData = proto.setData;
        proto.setData = function (data) {
          var held = this._data && (this._data.geojson || this._data);
          if (held && held !== data && alike(held, data, 0)) { return this; }
          return setData.apply(this, arguments);
        };
        proto.setData.keepsEqual = true;
      }
      return;
    }
  }

  /* A map subplot's data is written only once its style has loaded. Plotly adds a trace's source
   * and layers in `updateData`; a redraw that reaches it while the map's style is still loading
   * (a resize's or a relayout's own redraw, timed inside Plotly, or a draw that began before the
   * map was built: 06_plotly_guard.js holds back only the draws it can see coming) made MapLibre
   * throw "Style is not done loading" and lost that draw's traces (CI, 2026-12-05, the grid drills
   * of test_screens). Such a call now waits for the style, at most 5 s, and then runs. The subplot
   * class is Plotly's own: reached through a built map, once. */
  function deferUntilStyle(gd) {
    var sub = subplot(gd), proto = sub && Object.getPrototypeOf(sub);
    if (!proto || typeof proto.updateData !== "function" || proto.updateData.waitsForStyle) { return; }
    var updateData = proto.updateData;
    proto.updateData = function () {
      var self = this, args = arguments, since = Date.now();
      if (!self.map || styleLoaded(self.map)) { return updateData.apply(self, args); }
      (function later() {
        if (!self.map) { return; }  // the map was removed meanwhile: nothing to draw on
        if (!styleLoaded(self.map) && Date.now() - since < 5000) { setTimeout(later, 30); return; }
        try { updateData.apply(self, args); } catch (err) { report("updateData after the style loaded", err); }
      })();
    };
    proto.updateData.waitsForStyle = true;
  }

  /* Plotly has drawn the graph (its full layout and data exist). */
  function drawn(gd) { return !!(gd && gd.data && gd._fullLayout && gd._fullData); }

  /* The zoom the figure asked for (the server's), not the camera's current one. */
  function layoutZoom(gd) {
    var full = gd && gd._fullLayout;
    return full && full.map ? full.map.zoom : undefined;
  }

  function fullTrace(gd, idx) { return (gd && gd._fullData && gd._fullData[idx]) || null; }

  function glTrace(gd, idx) {
    var full = fullTrace(gd, idx);
    return (full && full._glTrace) || null;
  }

  /* The MapLibre source of a scattermap trace's circles and the GeoJSON it holds; null when the
   * trace is not drawn on a map. MapLibre 5+ keeps {geojson: …} in `_data`, earlier ones the object. */
  function circleSource(gd, idx) {
    var gl = glTrace(gd, idx), map = mapOf(gd);
    var source = gl && gl.sourceIds && map && map.getSource(gl.sourceIds.circle);
    if (!source) { return null; }
    var held = source._data;
    return {source: source, geo: held && (held.geojson || held)};
  }

  /* The id of a scattermap trace's text (symbol) layer, when it is on the map. */
  function symbolLayer(gd, idx) {
    var gl = glTrace(gd, idx), map = mapOf(gd);
    var id = gl && gl.layerIds && gl.layerIds.symbol;
    return id && map && map.getLayer(id) ? id : null;
  }

  function calcdata(gd, idx) { return (gd && gd.calcdata && gd.calcdata[idx]) || null; }

  function setCalcdata(gd, idx, cd) { gd.calcdata[idx] = cd; }

  /* Whether `cd` is laid out as setCalcdata's callers build it: a point per entry with its lonlat,
   * and the trace's shared fields on the first. Plotly's empty scattermap holds one placeholder. */
  function calcdataShape(cd, points) {
    if (!Array.isArray(cd) || !cd.length) { return "calcdata is not a non-empty array"; }
    if (!cd[0].trace || !cd[0].t) { return "calcdata[0] lacks trace or t"; }
    if (points === 0) { return cd.length === 1 ? null : "an empty trace has " + cd.length + " calcdata entries"; }
    if (cd.length !== points) { return cd.length + " calcdata entries for " + points + " points"; }
    return Array.isArray(cd[0].lonlat) ? null : "calcdata entries have no lonlat";
  }

  /* What in the drawn map graph `gd` no longer looks as this module expects: [] when all is well. */
  function check(gd) {
    gd = gd || mapGraph();
    var out = [];
    if (!drawn(gd)) { return ["the graph is not drawn (no data, _fullLayout or _fullData)"]; }
    var map = mapOf(gd);
    if (!map) { return ["_fullLayout.map._subplot.map is missing"]; }
    if (!map.style || typeof map.style._loaded !== "boolean") { out.push("map.style._loaded is not a boolean"); }
    if (typeof layoutZoom(gd) !== "number") { out.push("_fullLayout.map.zoom is not a number"); }
    if (typeof map._fadeDuration !== "number") { out.push("map._fadeDuration is not a number"); }
    if (!subplot(gd).updateData || !subplot(gd).updateData.waitsForStyle) {
      out.push("the map subplot's updateData does not wait for the style");
    }
    gd.data.forEach(function (trace, i) {
      var full = fullTrace(gd, i), name = trace.meta || trace.type || String(i);
      if (!full) { out.push(name + ": no _fullData entry"); return; }
      if (trace.type !== "scattermap" || full.visible !== true) { return; }
      var gl = glTrace(gd, i);
      if (!gl || !gl.sourceIds || !gl.layerIds) { out.push(name + ": no _glTrace with sourceIds and layerIds"); return; }
      if ((full.mode || "").indexOf("markers") >= 0) {
        var circles = circleSource(gd, i), points = (trace.lat || []).length;
        if (!circles) { out.push(name + ": no circle source on the map"); }
        else if (!circles.geo || !Array.isArray(circles.geo.features)) { out.push(name + ": the circle source holds no features"); }
        else if (points && circles.geo.features.length !== points) {
          out.push(name + ": " + circles.geo.features.length + " circle features for " + points + " points");
        }
        var shape = calcdataShape(calcdata(gd, i), points);
        if (shape) { out.push(name + ": " + shape); }
      }
      if ((full.mode || "").indexOf("text") >= 0 && !symbolLayer(gd, i)) { out.push(name + ": no symbol layer"); }
    });
    return out;
  }

  /* An internal that threw: said once on the console (a warning, as the caller falls back). */
  function report(where, err) {
    var text = where + ": " + (err && err.message ? err.message : String(err));
    if (problems.indexOf(text) >= 0) { return; }
    problems.push(text);
    if (window.console) { window.console.warn("plot internals: " + text); }
  }

  window.plotInternals = {
    mapSelector: "#" + CONTRACT.map, traces: CONTRACT.traces || {}, mapHolder: mapHolder, mapGraph: mapGraph,
    mapOf: mapOf, styleLoaded: styleLoaded, hasMap: hasMap, noFade: noFade, keepEqualData: keepEqualData,
    deferUntilStyle: deferUntilStyle, drawn: drawn, layoutZoom: layoutZoom,
    fullTrace: fullTrace, circleSource: circleSource, symbolLayer: symbolLayer, calcdata: calcdata,
    setCalcdata: setCalcdata, check: check, report: report, problems: problems
  };
})();
