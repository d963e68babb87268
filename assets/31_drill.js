/* Drilling in the browser (callbacks/navigation.py registers `drillMap` and `drillList`; 30_clientside.js's
 * `subscribe` starts `prefetchRegions`). The server hands each view the links of its children
 * (sub.children: href, view, regions document URL, built by callbacks/navigation.py child_links),
 * so a tap needs no round trip to decide where it goes, and the next map's boundaries are
 * already in memory when it is drawn.
 */
(function () {
  "use strict";
  var dc = window.dash_clientside = window.dash_clientside || {};
  var live = dc.gridLive = dc.gridLive || {};

  /* The child's URL; between unit views the child's view is also put on screen at once, in
   * place (VIEW changes, the page stays, the map is redrawn rather than rebuilt), and the router,
   * seeing VIEW_SHOWN, leaves the page alone. */
  function drillTo(code, view, sub) {
    var target = code && view && sub && sub.children ? sub.children[code] : null;
    if (!target) { return dc.no_update; }
    if (view.kind === "unit" && target.view.kind === "unit") {
      live.awaitMap(JSON.stringify(target.view));  // live updates wait until its map is drawn
      dc.set_props("view-shown", {data: target.view});
      live.panelsFor = JSON.stringify(target.view);  // the panels follow once its map is drawn
      dc.set_props("view", {data: target.view});
    }
    return target.href;
  }

  /* The view the panels show: the view itself, except on a drill in place, where 30_clientside.js
   * (viewReady) sets it once the new map is drawn. */
  live.panelsView = function (view) {
    return live.panelsFor && live.panelsFor === JSON.stringify(view) ? dc.no_update : view;
  };

  /* A tap on a child region of the map (a marker has no location: its detail opens instead). */
  live.drillMap = function (click, view, sub) {
    var points = (click && click.points) || [];
    if (!points.length || (view && view.kind === "grid")) { return dc.no_update; }
    return drillTo(points[0].location, view, sub);
  };

  /* A tap on a row of the sub-units list. */
  live.drillList = function (cell, view, sub) {
    return drillTo(cell && cell.rowId, view, sub);
  };

  /* The regions of every child on the map, fetched while the view stands (every child region is
   * in sight), into Plotly's own GeoJSON store: a drill finds its boundaries in memory. The URLs
   * are immutable (?v=), so the browser's cache keeps them across loads too. */
  live.prefetchRegions = function (sub) {
    var store = window.PlotlyGeoAssets = window.PlotlyGeoAssets || {topojson: {}};
    var links = (sub && sub.children) || {};
    Object.keys(links).forEach(function (code) {
      var url = links[code].regions;
      if (!url || store[url]) { return; }
      store[url] = "pending";  // Plotly waits for a pending URL instead of fetching it again
      fetch(url, {credentials: "same-origin"}).then(function (r) {
        if (!r.ok) { throw new Error(String(r.status)); }
        return r.json();
      }).then(function (doc) { store[url] = doc; }, function () { delete store[url]; });
    });
  };
})();
