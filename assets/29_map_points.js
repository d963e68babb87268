/* The map's live points: a live event's edit of the incident and supervision markers, and the
 * moves of patrol positions, drawn straight into the map's MapLibre sources (one WebGL frame) or
 * built as a Patch for the Dash figure path (30_clientside.js). Traces are found by their `meta`
 * name, set by layouts/figures_map.py; Plotly's and MapLibre's internals only through
 * 07_plot_internals.js.
 */
(function () {
  "use strict";
  var PI = window.plotInternals, T = PI.traces;  // trace names from the server
  var OPEN = ["reported", "dispatched", "accepted", "resolved"];

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
    return PI.hasMap(PI.mapGraph());
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
    var gd = PI.mapGraph();
    if (!PI.drawn(gd) || !sub || !mapSettled()) { return false; }
    var ti = traceIndex(gd, T.incidents), si = traceIndex(gd, T.supervision);
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
    var gd = PI.mapGraph();
    if (!PI.drawn(gd) || !mapSettled()) { return false; }
    var pi = traceIndex(gd, T.positions);
    var circles = pi >= 0 ? PI.circleSource(gd, pi) : null;
    var source = circles && circles.source, geo = circles && circles.geo;
    var trace = gd.data[pi];
    if (!geo || !geo.features || !trace.ids || geo.features.length !== trace.ids.length) { return false; }
    var where = {};
    trace.ids.forEach(function (id, i) { where[id] = i; });
    if (positions.some(function (p) { return where[p.staff] === undefined; })) { return false; }
    var hi = traceIndex(gd, T.highlight), ringed = hi >= 0 && gd.data[hi].ids ? gd.data[hi].ids[1] : null;
    if (ringed && positions.some(function (p) { return p.staff === ringed; })) { return false; }
    var colours = trace.marker && Array.isArray(trace.marker.color) ? trace.marker.color : null;
    var live = window.dash_clientside.gridLive, online = live.palette ? live.palette.status.online : null;
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

  window.gridMapPoints = {
    traceIndex: traceIndex, mapSettled: mapSettled, lineMatches: lineMatches, pointsOf: pointsOf,
    assignPoints: assignPoints, editMapPoints: editMapPoints, applyFeedMapNow: applyFeedMapNow,
    movePositionsNow: movePositionsNow
  };
})();
