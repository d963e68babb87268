/* Client-side callbacks: turn live events (set by 20_live.js) into partial updates.
 * Figures get dash_clientside.Patch objects touching one trace; lists get AG Grid row
 * transactions. Traces are found by their `meta` name, set by layouts/figures_map.py.
 */
(function () {
  "use strict";
  var dc = window.dash_clientside = window.dash_clientside || {};
  var PI = window.plotInternals;  // every touch of Plotly's and MapLibre's internals (07_plot_internals.js)
  var T = PI.traces;  // the map's trace names, from the server (callbacks/app.py browser_contract)
  var MP = window.gridMapPoints;  // the map's live points (29_map_points.js)
  var traceIndex = MP.traceIndex, mapSettled = MP.mapSettled, lineMatches = MP.lineMatches;
  var pointsOf = MP.pointsOf, assignPoints = MP.assignPoints, editMapPoints = MP.editMapPoints;
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

  /* The map of a drill in place on its way (asked for by 31_drill.js, then drawing): live
   * updates of the map and the server's live refreshes wait for it (20_live.js) until viewReady
   * sees it drawn. A refresh meanwhile asked the server for the whole map again and every moved
   * position redrew a map still loading (bench.screens --trace, 2026-12-04). Only for a drill in
   * place: on a page built anew, held updates landed on graphs being replaced (console errors). */
  var awaited = null;
  /* The view whose map is not drawn yet, drill or not (viewReady): the server's live refreshes
   * wait for it (20_live.js), since before it is drawn a refresh is answered in full. */
  var undrawn = null;

  dc.gridLive = {
    awaitMap: function (key) { awaited = {key: key, at: Date.now()}; },

    mapDrawn: function (key) { if (awaited && awaited.key === key) { awaited = null; } },

    /* Whether live updates should wait: a map is awaited, for at most 12 s whatever happens. */
    mapAwaited: function () { return !!awaited && Date.now() - awaited.at < 12000; },

    viewUndrawn: function () { return !!undrawn && Date.now() - undrawn.at < 12000; },

    movePositionsNow: function (positions) {
      try { return MP.movePositionsNow(positions); } catch (e) { PI.report("movePositionsNow", e); return false; }
    },

    applyFeedMapNow: function (events, sub) {
      try { return MP.applyFeedMapNow(events, sub); } catch (e) { PI.report("applyFeedMapNow", e); return false; }
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
      undrawn = {key: key, at: Date.now()};
      var rootEl = document.querySelector("[data-root]"), root = rootEl && rootEl.getAttribute("data-root");
      var start = Date.now(), resolved = false, code = view.code || root;
      var showsView = function (gd) {  // the map holds this view's regions (not the last view's)
        var regions = gd && gd.data ? gd.data[traceIndex(gd, T.regions)] : null;
        var locs = (regions && regions.locations) || [];
        return code === root ? locs.length > 0
                                 : locs.some(function (c) { return c === code || c.indexOf(code + "-") === 0; });
      };
      var holder = PI.mapHolder(), shown = PI.mapGraph();
      if (holder && !showsView(shown) && !PI.mapOf(shown)) {
        holder.classList.add("map-drawing");  // a new map: hide until drawn (a drill in place keeps the last one)
      }
      var styled = 0;  // when this view's regions first stood on a map whose style is set up
      return new Promise(function (resolve) {
        (function wait() {
          var gd = PI.mapGraph();
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
            if (undrawn && undrawn.key === key) { undrawn = null; }
            // On the element itself: React leaves it alone while the prop is unchanged.
            holder = PI.mapHolder();
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
      // The view's own regions at once, while the page waits for Plotly and the map's figure: the
      // map then finds them in memory (31_drill.js; the children's follow the drawn map).
      if (sub && sub.regions && dc.gridLive.fetchRegions) { dc.gridLive.fetchRegions([sub.regions]); }
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
      if (!figure || traceIndex(figure, T.incidents) < 0 || !mapSettled()) { return retryLater("live-feed-map", feed); }
      return dc.gridLive.applyFeed(feed, figure, sub, [])[0];
    },

    applyFeed: function (feed, figure, sub, tickerRows) {
      var nu = dc.no_update;
      if (!feed || !sub || !sub.live || !feed.events) { return [nu, nu, nu]; }
      var patch = new dc.Patch(), touched = false;
      var ti = traceIndex(figure, T.incidents), si = traceIndex(figure, T.supervision);
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
      var pi = traceIndex(figure, T.positions);
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
      var hi = traceIndex(figure, T.highlight), ringed = hi >= 0 && figure.data[hi].ids ? figure.data[hi].ids[1] : null;
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
