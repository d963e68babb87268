/* Wall mode's charts: Plotly type follows the wall's unit (assets/80_wall.css), and the map one zoom
 * step closer per doubling of the screen. Called every second by assets/25_wall.js with the screen's
 * scale against 1920×1080. */
(function () {
  "use strict";

  /* Plotly type follows the wall's unit (the figures are built for a desk at 1920×1080): every
   * font the figure sets, re-applied whenever a figure arrives from the server. */
  function fontUpdate(gd, size) {
    var lay = gd.layout, up = {}, traces = {};
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
    gd.data.forEach(function (tr, i) {
      if (tr.type === "bar" || tr.type === "pie" || (tr.textfont && tr.textfont.size)) {
        if (!tr.textfont || tr.textfont.size !== size) { traces[i] = 1; }
      }
    });
    return {layout: up, traces: Object.keys(traces).map(Number)};
  }

  function scaleCharts(k) {
    var root = document.querySelector(".wall-root");
    if (!window.Plotly || !root) { return; }
    var size = Math.ceil(parseFloat(getComputedStyle(root).fontSize));
    root.querySelectorAll(".js-plotly-plot").forEach(function (gd) {
      // Only a figure that is drawn and still on the page (a tour stop unmounts the last one's).
      if (!gd.isConnected || !gd.layout || !gd.data || !gd._fullLayout || gd._wallBusy) { return; }
      var up = fontUpdate(gd, size);
      if (Object.keys(up.layout).length || up.traces.length) {
        gd._wallBusy = true;
        var done = function () { gd._wallBusy = false; };
        var p = up.traces.length
          ? window.Plotly.update(gd, {"textfont.size": size}, up.layout, up.traces)
          : window.Plotly.relayout(gd, up.layout);
        if (p && p.then) { p.then(done, done); } else { done(); }
        return;
      }
      var sub = gd._fullLayout.map && gd._fullLayout.map._subplot;
      if (sub) {
        // The server fits the map to a desk-sized panel: a bigger screen shows it one step closer
        // per doubling. The first zoom this map showed is the server's.
        var ml = sub.map;
        if (gd._wallBase === undefined) { gd._wallBase = gd._fullLayout.map.zoom; }
        var target = gd._wallBase + Math.log2(k);
        if (ml && ml.getStyle() && Math.abs(ml.getZoom() - target) > 0.01) { ml.jumpTo({zoom: target}); }
      }
    });
  }

  window.gridWallCharts = {scale: scaleCharts};
})();
