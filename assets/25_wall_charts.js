/* Wall mode's charts: Plotly type follows the wall's unit (assets/80_wall.css), and the map one zoom
 * step closer per doubling of the screen. The figures are built for a desk at 1920×1080: a figure
 * drawn on a wall gets the wall's type before its first frame (Plotly's react and newPlot are
 * wrapped, as assets/06_plotly_guard.js does), and `scale`, called every second by
 * assets/25_wall.js with the screen's scale against 1920×1080, catches whatever was drawn otherwise. */
(function () {
  "use strict";

  /* The wall's type in px for a graph on a wall, else 0. */
  function wallSize(gd) {
    var root = gd && gd.closest ? gd.closest(".wall-root") : null;
    return root ? Math.ceil(parseFloat(getComputedStyle(root).fontSize)) : 0;
  }

  /* Every font the figure sets that is not the wall's size: layout paths and trace indices. */
  function fontUpdate(lay, data, size) {
    var up = {}, traces = {};
    if (!lay.font || lay.font.size !== size) { up["font.size"] = size; }
    (lay.annotations || []).forEach(function (a, i) {
      if (a.font && a.font.size && a.font.size !== size) { up["annotations[" + i + "].font.size"] = size; }
    });
    Object.keys(lay).forEach(function (k) {
      var ax = lay[k];
      if (!/^([xy]axis\d*|legend|title|coloraxis)$/.test(k) || !ax) { return; }
      if (ax.font && ax.font.size && ax.font.size !== size) { up[k + ".font.size"] = size; }
      if (ax.tickfont && ax.tickfont.size && ax.tickfont.size !== size) { up[k + ".tickfont.size"] = size; }
      if (ax.title && ax.title.font && ax.title.font.size && ax.title.font.size !== size) {
        up[k + ".title.font.size"] = size;
      }
    });
    (data || []).forEach(function (tr, i) {
      if (tr.type === "bar" || tr.type === "pie" || (tr.textfont && tr.textfont.size)) {
        if (!tr.textfont || tr.textfont.size !== size) { traces[i] = 1; }
      }
    });
    return {layout: up, traces: Object.keys(traces).map(Number)};
  }

  /* The same changes written into a figure that is about to be drawn. */
  function presize(data, lay, size) {
    var up = fontUpdate(lay, data, size);
    Object.keys(up.layout).forEach(function (path) {
      var keys = path.replace(/\[(\d+)\]/g, ".$1").split("."), o = lay;
      keys.slice(0, -1).forEach(function (k) { o = o[k] = (o[k] && typeof o[k] === "object") ? o[k] : {}; });
      o[keys[keys.length - 1]] = size;
    });
    up.traces.forEach(function (i) { data[i].textfont = Object.assign({}, data[i].textfont, {size: size}); });
  }

  function sized(P, name) {
    var fn = P[name];
    if (typeof fn !== "function" || fn.wallSized) { return; }
    var wrapped = function (gd, a, b) {
      var el = typeof gd === "string" ? document.getElementById(gd) : gd, size = wallSize(el);
      try {
        if (size && Array.isArray(a) && b && typeof b === "object") { presize(a, b, size); }  // (gd, data, layout)
        else if (size && a && typeof a === "object" && !Array.isArray(a) && a.layout) {  // (gd, figure): dcc.Graph
          presize(a.data || [], a.layout, size);
        }
      } catch { /* an unexpected figure: the next pass of `scale` sizes it */ }
      return fn.apply(this, arguments);
    };
    wrapped.wallSized = true;
    Object.keys(fn).forEach(function (k) { wrapped[k] = fn[k]; });  // e.g. the guard's own mark
    P[name] = wrapped;
  }

  function hook() {
    var P = window.Plotly;
    if (!P || !P.react) { return false; }
    sized(P, "react"); sized(P, "newPlot");
    return true;
  }

  /* Plotly arrives after this file (dash-core-components loads it) and can draw figures that came
   * meanwhile in the task that sets window.Plotly: hooked in that same assignment. */
  if (!hook()) {
    var held;
    try {
      Object.defineProperty(window, "Plotly", {configurable: true, enumerable: true,
        get: function () { return held; },
        set: function (P) { held = P; hook(); }});
    } catch {
      var timer = setInterval(function () { if (hook()) { clearInterval(timer); } }, 20);
    }
  }

  function scaleCharts(k) {
    var root = document.querySelector(".wall-root");
    if (!window.Plotly || !root) { return; }
    hook();  // the guard (06) may have wrapped Plotly again since
    var size = Math.ceil(parseFloat(getComputedStyle(root).fontSize));
    root.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      // Only a figure that is drawn and still on the page (a tour stop unmounts the last one's).
      if (!gd.isConnected || !gd.layout || !window.plotInternals.drawn(gd) || gd._wallBusy) { return; }
      var up = fontUpdate(gd.layout, gd.data, size);
      if (Object.keys(up.layout).length || up.traces.length) {
        gd._wallBusy = true;
        var done = function () { gd._wallBusy = false; };
        var p = up.traces.length
          ? window.Plotly.update(gd, {"textfont.size": size}, up.layout, up.traces)
          : window.Plotly.relayout(gd, up.layout);
        if (p && p.then) { p.then(done, done); } else { done(); }
        return;
      }
      var ml = window.plotInternals.mapOf(gd);
      if (ml) {
        // The server fits the map to a desk-sized panel: a bigger screen shows it one step closer
        // per doubling. The first zoom this map showed is the server's.
        if (gd._wallBase === undefined) { gd._wallBase = window.plotInternals.layoutZoom(gd); }
        var target = gd._wallBase + Math.log2(k);
        if (ml && ml.getStyle() && Math.abs(ml.getZoom() - target) > 0.01) { ml.jumpTo({zoom: target}); }
      }
    });
  }

  window.gridWallCharts = {scale: scaleCharts};
})();
