/* Drilling in the browser (callbacks/navigation.py registers `drillMap`, `drillList` and
 * `prefetchMaps`; 30_clientside.js's `subscribe` starts `fetchRegions`). The server hands each
 * view the links of its children (sub.children: href, view, the URLs of its regions document and
 * of its map document, built by callbacks/navigation.py child_links), so a tap needs no round trip
 * to decide where it goes, and the next map's boundaries and figure are already in memory.
 */
(function () {
  "use strict";
  var dc = window.dash_clientside = window.dash_clientside || {};
  var live = dc.gridLive = dc.gridLive || {};
  var C = window.gridContract;  // element ids from the server (callbacks/app.py browser_contract)
  /* The children's map documents (callbacks/map_prefetch.py) of the view on screen: code → {doc,
   * at, view, measure, lang}. Older than FRESH_MS, a document is not used (the map's callback
   * answers instead); past STALE_MS they are fetched again when a finger or pointer comes near. */
  var maps = {}, FRESH_MS = 90000, STALE_MS = 30000;
  var prefetch = {run: 0, args: null, at: 0, busy: false};

  /* The measure a child's map is drawn in: a grid's view has no measure to choose, and its map
   * is asked for in "open" (layouts/unit.py kind_props hides the control, callbacks/view.py). */
  function measureFor(view, measure) { return view.kind === "grid" ? "open" : (measure || "open"); }

  /* A child's map document fit for the drill: same view, measure and language, fresh enough. */
  function mapInMemory(code, view, measure, lang) {
    var m = maps[code];
    return m && m.view === JSON.stringify(view) && m.measure === measureFor(view, measure) && m.lang === lang
      && Date.now() - m.at < FRESH_MS ? m.doc : null;
  }

  /* The child's URL; from a unit view the child's view (a unit's or a grid's) is also put on
   * screen at once, in place (VIEW changes, the page stays, the map is redrawn rather than
   * rebuilt), and the router, seeing VIEW_SHOWN, leaves the page alone. */
  function drillTo(code, view, sub, measure, lang) {
    var target = code && view && sub && sub.children ? sub.children[code] : null;
    if (!target) { return dc.no_update; }
    if (view.kind === "unit") {
      live.awaitMap(JSON.stringify(target.view));  // live updates wait until its map is drawn
      dc.set_props("view-shown", {data: target.view});
      live.panelsFor = JSON.stringify(target.view);  // the panels follow once its map is drawn
      // Where the view stands, at once (render_view sets them again with the rest of the view).
      dc.set_props(C.level, {"data-level": target.level});
      dc.set_props(C.breadcrumb, {children: target.crumbs});
      // Its map from memory: told first, so the map's callback (asked for by the view) answers
      // only if the figure has changed since it was fetched.
      var doc = mapInMemory(code, target.view, measure, lang);
      dc.set_props(C.mapDrawnFrom, {data: doc ? {key: doc.key, parts: doc.parts} : null});
      dc.set_props("view", {data: target.view});
      if (doc) {  // drawn once the view's requests are on their way (the server works meanwhile)
        if (window.gridLive) { window.gridLive.wantSnapshot(target.view.code); }  // its positions are older
        setTimeout(function () {
          dc.set_props(C.map, {figure: doc.figure});
          dc.set_props(C.legend, {children: doc.legend});
        }, 0);
      }
    }
    return target.href;
  }

  /* The view the panels show: the view itself, except on a drill in place, where 30_clientside.js
   * (viewReady) sets it once the new map is drawn. */
  live.panelsView = function (view) {
    return live.panelsFor && live.panelsFor === JSON.stringify(view) ? dc.no_update : view;
  };

  /* A tap on a child region of the map (a marker has no location: its detail opens instead). */
  live.drillMap = function (click, view, sub, measure, lang) {
    var points = (click && click.points) || [];
    if (!points.length || (view && view.kind === "grid")) { return dc.no_update; }
    return drillTo(points[0].location, view, sub, measure, lang);
  };

  /* A tap on a row of the sub-units list. */
  live.drillList = function (cell, view, sub, measure, lang) {
    return drillTo(cell && cell.rowId, view, sub, measure, lang);
  };

  /* Once a view's map is drawn (VIEW_READY), the maps of its children (units' and grids': a drill
   * keeps the map in place for both) are fetched one at a time, after a second
   * that leaves the machine to the panels below. Not on a wall: nobody drills there. */
  live.prefetchMaps = function (ready, sub, measure, lang) {
    if (!ready || !sub || !sub.children || document.querySelector(".wall-body")) { return dc.no_update; }
    prefetch.run += 1;
    prefetch.args = {sub: sub, measure: measure || "open", lang: lang};
    maps = {};
    var run = prefetch.run;
    live.fetchRegions(Object.keys(sub.children).map(function (code) { return sub.children[code].regions; }));
    setTimeout(function () { if (run === prefetch.run) { fetchMaps(run); } }, 1000);
    return dc.no_update;
  };

  function fetchMaps(run) {
    var a = prefetch.args, links = a.sub.children;
    var codes = Object.keys(links).filter(function (c) { return !!links[c].map; });
    prefetch.busy = true;
    prefetch.at = Date.now();
    (function next(i) {
      if (run !== prefetch.run || i >= codes.length) { prefetch.busy = false; return; }  // done, or the view moved on
      var link = links[codes[i]], sep = link.map.indexOf("?") < 0 ? "?" : "&";
      var measure = measureFor(link.view, a.measure);
      var url = link.map + sep + "measure=" + encodeURIComponent(measure) + "&lang=" + encodeURIComponent(a.lang);
      fetch(url, {credentials: "same-origin"}).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (doc) {
        if (doc && run === prefetch.run) {
          maps[codes[i]] = {doc: doc, at: Date.now(), view: JSON.stringify(link.view), measure: measure,
                            lang: a.lang};
        }
        next(i + 1);
      }, function () { next(i + 1); });
    })(0);
  }

  /* A finger or pointer near the map or the list, with the documents getting old: fetch again. */
  ["pointerdown", "pointermove"].forEach(function (type) {
    document.addEventListener(type, function (e) {
      var near = e.target && e.target.closest && e.target.closest(".area-map, .area-children");
      if (near && prefetch.args && !prefetch.busy && Date.now() - prefetch.at > STALE_MS) {
        fetchMaps(prefetch.run);
      }
    }, true);
  });

  /* Regions documents into Plotly's own GeoJSON store, where a map being drawn finds them in
   * memory: the view's own as soon as it is subscribed (30_clientside.js), its children's once its
   * map is drawn (prefetchMaps), so a drill finds them too. The URLs are immutable (?v=), so the
   * browser's cache keeps them across loads as well. */
  live.fetchRegions = function (urls) {
    var store = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    urls.forEach(function (url) {
      if (!url || store[url]) { return; }
      store[url] = "pending";  // Plotly waits for a pending URL instead of fetching it again
      fetch(url, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      }).then(function (doc) { store[url] = doc; }, function () { delete store[url]; });
    });
  };
})();
