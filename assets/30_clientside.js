/* Client-side callbacks: turn live events (set by 20_live.js) into partial updates.
 * Figures get dash_clientside.Patch objects touching one trace; lists get AG Grid row
 * transactions. Traces are found by their `meta` name, set by layouts/figures_map.py.
 */
(function () {
  "use strict";
  var dc = window.dash_clientside = window.dash_clientside || {};
  var PI = window.plotInternals;  // every touch of Plotly's and MapLibre's internals (07_plot_internals.js)
  var OPEN = ["reported", "dispatched", "accepted", "resolved"];
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function localParts(iso) {
    // Asia/Shanghai is UTC+8 all year: shift and read the UTC fields.
    var d = new Date(new Date(iso).getTime() + 8 * 3600 * 1000);
    return {m: d.getUTCMonth(), d: d.getUTCDate(), hh: ("0" + d.getUTCHours()).slice(-2),
            mm: ("0" + d.getUTCMinutes()).slice(-2)};
  }

  function fmtTime(iso, lang) {
    if (!iso) { return "—"; }
    var p = localParts(iso);
    return lang === "en" ? p.d + " " + MONTHS[p.m] + " " + p.hh + ":" + p.mm
                         : (p.m + 1) + "月" + p.d + "日 " + p.hh + ":" + p.mm;
  }

  function fmtAge(seconds, lang) {
    if (seconds < 60) { return lang === "en" ? seconds + " s" : seconds + "秒"; }
    var min = Math.floor(seconds / 60);
    if (min < 60) { return lang === "en" ? min + " min" : min + "分钟"; }
    var h = Math.floor(min / 60);
    return lang === "en" ? h + " h" : h + "小时";
  }

  function traceIndex(figure, name) {
    if (!figure || !figure.data) { return -1; }
    for (var i = 0; i < figure.data.length; i++) {
      if (figure.data[i].meta === name) { return i; }
    }
    return -1;
  }

  function arr(x) { return Array.isArray(x) ? x.slice() : []; }

  /* Whether the map exists with its style set up, so a live patch has a map to land on. Plotly
   * redraws a map asynchronously; a patch arriving before the first draw retries shortly. Waiting
   * for MapLibre's `loaded()` as well starved patches: with positions arriving every second its
   * sources are almost never all loaded, and markers never came (bench.screens, 7 of 30). */
  function mapSettled() {
    return PI.hasMap(document.querySelector("#unit-map .js-plotly-plot"));
  }

  function retryLater(storeId, data) {
    if (window.gridLive) {
      if (storeId === "live-positions") { window.gridLive.retryPositions(data.positions); }
      else { window.gridLive.retryMap(data.events); }
    }
    return dc.no_update;
  }

  function childCode(units, sub) {
    if (!units || !units.length) { return null; }
    return units[Math.min(sub.depth, units.length - 1)];
  }

  function unitLabel(units, sub) {
    var code = childCode(units, sub);
    return (sub.names.units && sub.names.units[code]) || code || "";
  }

  function tickerRow(inc, sub) {
    return {id: inc.id, time: fmtTime(inc.reported_at, sub.lang), unit: unitLabel(inc.units, sub),
            item: (sub.names.items && sub.names.items[inc.business_item_code]) || inc.business_item_code,
            state: inc.state, state_label: sub.names.states[inc.state] || inc.state,
            severity: inc.severity,
            severity_label: (sub.names.severities || {})[String(inc.severity)] || String(inc.severity)};
  }

  function lineMatches(data, sub) { return !sub.line || !data.line_code || data.line_code === sub.line; }

  /* Copy the point arrays of one trace so they can be edited and assigned back as a Patch. */
  function pointsOf(trace) {
    var marker = trace.marker || {};
    return {lat: arr(trace.lat), lon: arr(trace.lon), ids: arr(trace.ids), customdata: arr(trace.customdata),
            color: arr(marker.color), size: arr(marker.size), opacity: arr(marker.opacity)};
  }

  function assignPoints(patch, idx, pts, keys) {
    keys.forEach(function (k) {
      var path = (k === "color" || k === "size" || k === "opacity") ? ["data", idx, "marker", k] : ["data", idx, k];
      patch.assign(path, pts[k]);
    });
  }

  function removeAt(pts, i) {
    Object.keys(pts).forEach(function (k) { if (pts[k].length > i) { pts[k].splice(i, 1); } });
  }

  /* One live event's edit of the map's incident and supervision points (copies from pointsOf);
   * true when a point was added, changed or removed. */
  function editMapPoints(ev, d, inc, sup, sub) {
    var pal = sub.palette;
    if (ev.type === "incident.reported") {
      if (!lineMatches(d, sub) || !inc || inc.ids.indexOf(d.id) >= 0 || OPEN.indexOf(d.state) < 0) { return false; }
      inc.lat.push(d.lat); inc.lon.push(d.lon); inc.ids.push(d.id);
      inc.customdata.push([d.id, sub.names.states[d.state] || d.state]);
      inc.color.push(pal.states[d.state]); inc.size.push(pal.severity[String(d.severity)] || 9);
      return true;
    }
    if (ev.type === "incident.transition") {
      var i = inc ? inc.ids.indexOf(d.incident) : -1;
      if (i < 0) { return false; }
      if (OPEN.indexOf(d.to) < 0) { removeAt(inc, i); } else {
        inc.color[i] = pal.states[d.to]; inc.customdata[i] = [d.incident, sub.names.states[d.to] || d.to];
      }
      return true;
    }
    if (ev.stream !== "supervision" || !sup) { return false; }
    var k = sup.ids.indexOf(String(d.id));
    if (ev.type === "supervision.closed" || d.state === "closed") {
      if (k < 0) { return false; }
      removeAt(sup, k);
      return true;
    }
    if (ev.type === "supervision.opened") {
      var at = inc ? inc.ids.indexOf(d.incident) : -1;
      if (at < 0 || k >= 0) { return false; }
      sup.lat.push(inc.lat[at]); sup.lon.push(inc.lon[at]); sup.ids.push(String(d.id));
      sup.customdata.push([d.incident]); sup.color.push(pal.levels[d.level]);
      return true;
    }
    if (k < 0) { return false; }
    sup.color[k] = pal.levels[d.level];
    return true;
  }

  /* The MapLibre source and the calcdata of one drawn scattermap trace, when they are laid out as
   * this code knows them (one circle feature per point, sizes as diameters); else null. */
  function drawnTrace(gd, idx) {
    var full = PI.fullTrace(gd, idx), cd = PI.calcdata(gd, idx), trace = gd.data[idx];
    var circles = PI.circleSource(gd, idx), source = circles && circles.source, geo = circles && circles.geo;
    var marker = full && full.marker;
    if (!geo || !geo.features || !cd || !trace.lat || geo.features.length !== trace.lat.length) { return null; }
    if (!marker || (Array.isArray(marker.size) && (marker.sizemode !== "diameter" || marker.sizeref !== 1))) { return null; }
    if (cd.length !== trace.lat.length && !(trace.lat.length === 0 && cd.length === 1)) { return null; }
    return {source: source, geo: geo, cd: cd, full: full};
  }

  function refill(target, values) {  // the same array, new contents: Plotly and Dash share it
    target.length = 0;
    Array.prototype.push.apply(target, values);
  }

  /* Draws edited points straight into the trace's MapLibre source (one WebGL frame) and keeps the
   * figure Dash holds, Plotly's full data and its calcdata (which hover and click read) in step. */
  function drawPointsNow(gd, idx, drawn, pts) {
    var trace = gd.data[idx], marker = trace.marker || {};
    var sized = Array.isArray(marker.size), faded = Array.isArray(marker.opacity);
    refill(trace.lat, pts.lat); refill(trace.lon, pts.lon);
    if (trace.ids) { refill(trace.ids, pts.ids); }
    if (trace.customdata) { refill(trace.customdata, pts.customdata); }
    if (Array.isArray(marker.color)) { refill(marker.color, pts.color); }
    if (sized) { refill(marker.size, pts.size); }
    if (faded) { refill(marker.opacity, pts.opacity); }
    var head = drawn.cd[0] || {}, features = [], cd = [];
    for (var i = 0; i < pts.lat.length; i++) {
      var color = Array.isArray(marker.color) ? pts.color[i] : marker.color;
      var point = {lonlat: [pts.lon[i], pts.lat[i]], i: i, mc: color, mcc: color};
      var props = {mcc: color};
      if (trace.customdata) { point.data = pts.customdata[i]; }
      if (sized) { point.ms = pts.size[i]; point.mrc = props.mrc = pts.size[i] / 2; }
      if (faded) { point.mo = props.mo = pts.opacity[i]; }
      cd.push(point);
      features.push({type: "Feature", id: i + 1, geometry: {type: "Point", coordinates: [pts.lon[i], pts.lat[i]]},
                     properties: props});
    }
    if (!cd.length) { cd.push({lonlat: [false, false]}); }  // Plotly's own empty trace
    cd[0].t = head.t; cd[0].trace = head.trace;
    PI.setCalcdata(gd, idx, cd);
    drawn.geo.features = features;
    drawn.source.setData(drawn.geo);
  }

  /* Live incidents and supervision items drawn straight on the map, like moving positions: the
   * Dash figure path (Patch, dcc.Graph, Plotly.react re-setting every source) took seconds per
   * marker on a software-rendered wall. False when the batch needs that path. */
  function applyFeedMapNow(events, sub) {
    var gd = document.querySelector("#unit-map .js-plotly-plot");
    if (!PI.drawn(gd) || !sub || !mapSettled()) { return false; }
    var ti = traceIndex(gd, "incidents"), si = traceIndex(gd, "supervision");
    if (ti < 0) { return false; }
    var incDrawn = drawnTrace(gd, ti), supDrawn = si >= 0 ? drawnTrace(gd, si) : null;
    if (!incDrawn || (si >= 0 && !supDrawn)) { return false; }
    var inc = pointsOf(gd.data[ti]), sup = si >= 0 ? pointsOf(gd.data[si]) : null;
    var incBefore = JSON.stringify([inc.ids, inc.color]), supBefore = sup ? JSON.stringify([sup.ids, sup.color]) : "";
    events.forEach(function (ev) { editMapPoints(ev, ev.data || {}, inc, sup, sub); });
    if (JSON.stringify([inc.ids, inc.color]) !== incBefore) { drawPointsNow(gd, ti, incDrawn, inc); }
    if (sup && JSON.stringify([sup.ids, sup.color]) !== supBefore) { drawPointsNow(gd, si, supDrawn, sup); }
    return true;
  }

  /* Moves already drawn dots in place: only the positions' MapLibre source is re-set (one WebGL
   * frame) instead of a Plotly.react that re-sets every source of the map. Without a GPU each
   * frame costs a read-back of the canvas (200-450 ms measured in headless Chromium), so this is
   * the difference between a wall that keeps up and one that queues. Returns false when the
   * batch needs the full path (someone new on the map, the map not drawn, an unknown layout). */
  function movePositionsNow(positions) {
    var gd = document.querySelector("#unit-map .js-plotly-plot");
    if (!PI.drawn(gd) || !mapSettled()) { return false; }
    var pi = traceIndex(gd, "positions");
    var circles = pi >= 0 ? PI.circleSource(gd, pi) : null;
    var source = circles && circles.source, geo = circles && circles.geo;
    var trace = gd.data[pi];
    if (!geo || !geo.features || !trace.ids || geo.features.length !== trace.ids.length) { return false; }
    var where = {};
    trace.ids.forEach(function (id, i) { where[id] = i; });
    if (positions.some(function (p) { return where[p.staff] === undefined; })) { return false; }
    var hi = traceIndex(gd, "highlight"), ringed = hi >= 0 && gd.data[hi].ids ? gd.data[hi].ids[1] : null;
    if (ringed && positions.some(function (p) { return p.staff === ringed; })) { return false; }
    var colours = trace.marker && Array.isArray(trace.marker.color) ? trace.marker.color : null;
    var online = dc.gridLive.palette ? dc.gridLive.palette.status.online : null;
    positions.forEach(function (p) {
      var i = where[p.staff], f = geo.features[i];
      trace.lat[i] = p.lat; trace.lon[i] = p.lon;  // the figure Dash holds: later patches keep it
      f.geometry.coordinates = [p.lon, p.lat];
      // A person who just reported is online: their dot takes the online colour.
      if (colours && online) { colours[i] = online; if (f.properties) { f.properties.mcc = online; } }
    });
    source.setData(geo);
    return true;
  }

  /* The map of a drill in place on its way (asked for by 31_drill.js, then drawing): live
   * updates of the map and the server's live refreshes wait for it (20_live.js) until viewReady
   * sees it drawn. A refresh meanwhile asked the server for the whole map again and every moved
   * position redrew a map still loading (bench.screens --trace, 2026-12-04). Only for a drill in
   * place: on a page built anew, held updates landed on graphs being replaced (console errors). */
  var awaited = null;

  dc.gridLive = {
    awaitMap: function (key) { awaited = {key: key, at: Date.now()}; },

    mapDrawn: function (key) { if (awaited && awaited.key === key) { awaited = null; } },

    /* Whether live updates should wait: a map is awaited, for at most 12 s whatever happens. */
    mapAwaited: function () { return !!awaited && Date.now() - awaited.at < 12000; },

    movePositionsNow: function (positions) {
      try { return movePositionsNow(positions); } catch (e) { PI.report("movePositionsNow", e); return false; }
    },

    applyFeedMapNow: function (events, sub) {
      try { return applyFeedMapNow(events, sub); } catch (e) { PI.report("applyFeedMapNow", e); return false; }
    },

    relabel: function (lang, view) {
      if (view && view.lang !== lang && dc.set_props) {
        dc.set_props("view", {data: Object.assign({}, view, {lang: lang})});
      }
      return lang === "en" ? "Language" : "语言";
    },

    /* The view, once its map is drawn (or after 1.5 s, whatever the map does): the panels below
     * the map load then, so a cold load gives the map the machine first. */
    viewReady: function (figure, view, ready) {
      var key = JSON.stringify(view);
      if (!view || key === JSON.stringify(ready) || dc.gridLive.pendingView === key) { return dc.no_update; }
      dc.gridLive.pendingView = key;
      var rootEl = document.querySelector("[data-root]"), root = rootEl && rootEl.getAttribute("data-root");
      var start = Date.now(), resolved = false, code = view.code || root;
      var showsView = function (gd) {  // the map holds this view's regions (not the last view's)
        var regions = gd && gd.data ? gd.data[traceIndex(gd, "regions")] : null;
        var locs = (regions && regions.locations) || [];
        return code === root ? locs.length > 0
                                 : locs.some(function (c) { return c === code || c.indexOf(code + "-") === 0; });
      };
      var holder = document.getElementById("unit-map"), shown = document.querySelector("#unit-map .js-plotly-plot");
      if (holder && !showsView(shown) && !PI.mapOf(shown)) {
        holder.classList.add("map-drawing");  // a new map: hide until drawn (a drill in place keeps the last one)
      }
      var styled = 0;  // when this view's regions first stood on a map whose style is set up
      return new Promise(function (resolve) {
        (function wait() {
          var gd = document.querySelector("#unit-map .js-plotly-plot");
          var map = PI.mapOf(gd), now = Date.now(), waited = now - start;
          if (!map) { styled = 0; }  // the map is being built again: wait for its style anew
          if (!styled && PI.styleLoaded(map) && showsView(gd)) { styled = now; }
          // Whole (MapLibre has nothing left to load), or styled a second ago: with positions
          // streaming in, loaded() can stay false for seconds while their source reloads, and a
          // map kept hidden that long cannot be tapped (tests/e2e/test_tablet.py).
          var drawn = !!styled && !!map && (map.loaded() || now - styled > 1000);
          if (!resolved && (drawn || waited > 1500)) {
            resolved = true;
            dc.gridLive.pendingView = null;
            if (dc.gridLive.panelsFor === key) {  // a drill in place (31_drill.js): the panels' turn
              dc.gridLive.panelsFor = null;
              dc.set_props("view-panels", {data: view});
            }
            resolve(view);
          }
          if (drawn || waited > 10000) {  // show the map: whole, or whatever it has after 10 s
            dc.gridLive.mapDrawn(key);
            // On the element itself: React leaves it alone while the prop is unchanged.
            holder = document.getElementById("unit-map");
            if (holder) { holder.classList.remove("map-drawing"); }
            return;
          }
          setTimeout(wait, 50);
        })();
      });
    },

    subscribe: function (sub) {
      if (sub && sub.palette) { dc.gridLive.palette = sub.palette; }
      if (window.gridLive) { window.gridLive.setView(sub); }
      // The children's regions (31_drill.js), once the view has had the machine for its own map.
      setTimeout(function () { if (dc.gridLive.prefetchRegions) { dc.gridLive.prefetchRegions(sub); } }, 1500);
      return dc.no_update;
    },

    statusText: function (live, tick, sub, words) {
      var state = (live && live.state) || "connecting";
      // A view's subscription carries its words; other pages (briefing, desk) get the shell's.
      var names = (sub && sub.names && sub.names.status) ? sub.names : (words || {});
      var labels = names.status || {};
      var lang = (sub && sub.lang) || (words && words.lang) || "zh";
      var text = labels[state] || state;
      var newest = (window.gridLive && window.gridLive.state.newest) || (live && live.newest);
      if (newest && (state === "connected" || state === "resynced")) {
        var age = Math.max(0, Math.round((Date.now() - newest) / 1000));
        var tmpl = names.age || "{age}";
        text += " · " + tmpl.replace("{age}", fmtAge(age, lang));
      }
      return [text, "status status-" + state];
    },

    applyFeedLists: function (feed, sub, tickerRows) {
      var nu = dc.no_update;
      if (!feed || !sub || !sub.live || !feed.events) { return [nu, nu]; }
      var out = dc.gridLive.applyFeed(feed, null, sub, tickerRows);
      return [out[1], out[2]];
    },

    applyFeedMap: function (feed, figure, sub) {
      if (!feed || !sub || !sub.live || !feed.events) { return dc.no_update; }
      if (!figure || traceIndex(figure, "incidents") < 0 || !mapSettled()) { return retryLater("live-feed-map", feed); }
      return dc.gridLive.applyFeed(feed, figure, sub, [])[0];
    },

    applyFeed: function (feed, figure, sub, tickerRows) {
      var nu = dc.no_update;
      if (!feed || !sub || !sub.live || !feed.events) { return [nu, nu, nu]; }
      var patch = new dc.Patch(), touched = false;
      var ti = traceIndex(figure, "incidents"), si = traceIndex(figure, "supervision");
      var inc = ti >= 0 ? pointsOf(figure.data[ti]) : null;
      var sup = si >= 0 ? pointsOf(figure.data[si]) : null;
      var rows = {};
      (tickerRows || []).forEach(function (r) { rows[r.id] = r; });
      // async: false applies the rows now rather than in AG Grid's next batch.
      var ticker = {add: [], update: [], addIndex: 0, async: false};
      var overdue = {add: [], update: [], remove: [], addIndex: 0, async: false};
      feed.events.forEach(function (ev) {
        var d = ev.data || {};
        if (ev.type === "incident.reported" && lineMatches(d, sub)) {
          if (!rows[d.id]) { rows[d.id] = tickerRow(d, sub); ticker.add.unshift(rows[d.id]); }
          touched = editMapPoints(ev, d, inc, sup, sub) || touched;
        } else if (ev.type === "incident.transition") {
          var row = rows[d.incident];
          if (row) {
            var updated = Object.assign({}, row, {state: d.to, state_label: sub.names.states[d.to] || d.to});
            rows[d.incident] = updated;
            ticker.update.push(updated);
          }
          touched = editMapPoints(ev, d, inc, sup, sub) || touched;
        } else if (ev.stream === "supervision") {
          var srow = {id: d.incident, supervision: d.id, time: fmtTime(d.opened_at, sub.lang),
                      unit: unitLabel(d.units, sub), item: rows[d.incident] ? rows[d.incident].item : "—",
                      stage: d.stage, stage_label: sub.names.stages[d.stage] || d.stage,
                      level: d.level, level_label: sub.names.levels[d.level] || d.level};
          if (ev.type === "supervision.closed" || d.state === "closed") {
            overdue.remove.push({id: d.incident});
          } else if (ev.type === "supervision.opened") {
            overdue.add.unshift(srow);
          } else {
            overdue.update.push(srow);
          }
          touched = editMapPoints(ev, d, inc, sup, sub) || touched;
        }
      });
      if (touched && inc) { assignPoints(patch, ti, inc, ["lat", "lon", "ids", "customdata", "color", "size"]); }
      if (touched && sup) { assignPoints(patch, si, sup, ["lat", "lon", "ids", "customdata", "color"]); }
      var any = function (t) { return t.add.length || t.update.length || (t.remove && t.remove.length); };
      return [touched ? patch.build() : nu, any(ticker) ? ticker : nu, any(overdue) ? overdue : nu];
    },

    applyPositions: function (pos, figure, sub) {
      var nu = dc.no_update;
      if (!pos || !pos.positions || !pos.positions.length || !sub) { return nu; }
      var pi = traceIndex(figure, "positions");
      if (pi < 0 || !mapSettled()) { return retryLater("live-positions", pos); }
      var pts = pointsOf(figure.data[pi]);
      var where = {};
      pts.ids.forEach(function (id, i) { where[id] = i; });
      var pal = sub.palette;
      pos.positions.forEach(function (p) {
        var i = where[p.staff];
        if (i === undefined) {
          where[p.staff] = pts.ids.length;
          pts.ids.push(p.staff); pts.lat.push(p.lat); pts.lon.push(p.lon);
          pts.customdata.push([p.staff, p.staff, p.role || ""]);
          pts.color.push(pal.status.online); pts.opacity.push(1.0);
        } else {
          pts.lat[i] = p.lat; pts.lon[i] = p.lon; pts.color[i] = pal.status.online;
        }
      });
      var patch = new dc.Patch();
      // The person a search found keeps their ring as they move.
      var hi = traceIndex(figure, "highlight"), ringed = hi >= 0 && figure.data[hi].ids ? figure.data[hi].ids[1] : null;
      pos.positions.forEach(function (p) {
        if (ringed && p.staff === ringed) {
          patch.assign(["data", hi, "lat"], [p.lat, p.lat]);
          patch.assign(["data", hi, "lon"], [p.lon, p.lon]);
        }
      });
      var keys = ["lat", "lon", "ids", "color", "opacity"];
      if (figure.data[pi].customdata) { keys.push("customdata"); }  // hover names: grid views only
      assignPoints(patch, pi, pts, keys);
      return patch.build();
    }
  };
})();
