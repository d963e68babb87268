/* Wall mode's lists (dash-ag-grid): columns sized by their content, and pages that rotate (轮播).
 *
 * Columns: every column is as wide as its widest formatted value or its header, measured in the
 * font the wall draws them in (assets/80_wall.css scales it with the screen), over all rows, not
 * only the rendered ones. The column that fills the rest is the one the view gives `flex`; when it
 * is free text (the business item) it wraps onto a second line instead of ending in "…".
 *
 * Pages: a list whose rows do not fit moves on every ?rotate= seconds to the first row the page
 * did not show whole, and back to the top after the last, so every row is seen within one cycle.
 * The grid's element carries data-page, data-pages and data-cycle (the tests read them), its
 * panel's title shows "2/3".
 */
(function () {
  "use strict";
  var WRAP = {item: true};  // free text: may wrap; every other column is shown whole on one line
  var canvas = null;

  function apiOf(id) {
    try {
      var api = window.dash_ag_grid && window.dash_ag_grid.getApi(id);
      return api && !api.isDestroyed() ? api : null;
    } catch { return null; }  // not initialised yet: the next tick tries again
  }

  function textWidth(text, font) {
    canvas = canvas || document.createElement("canvas");
    var ctx = canvas.getContext("2d");
    ctx.font = font;
    return ctx.measureText(text).width;
  }

  function fontOf(el) {
    var s = getComputedStyle(el);
    return s.fontStyle + " " + s.fontWeight + " " + s.fontSize + " " + s.fontFamily;
  }

  function padding(el) {
    var s = getComputedStyle(el);
    return parseFloat(s.paddingLeft) + parseFloat(s.paddingRight) + parseFloat(s.borderLeftWidth) +
      parseFloat(s.borderRightWidth);
  }

  /* The widths each column needs, from the fonts and paddings of the rendered cells and headers. */
  function measure(el, api, unit) {
    var cell = el.querySelector(".ag-cell"), head = el.querySelector(".ag-header-cell");
    var headText = el.querySelector(".ag-header-cell-text");
    if (!head || !headText) { return null; }
    // Bold cells (an overdue count, a level) are measured bold: the widest face sets the width.
    var cellFont = cell ? fontOf(cell).replace(/^(\S+) \S+ /, "$1 700 ") : fontOf(headText);
    var cellPad = cell ? padding(cell) : padding(head), headPad = padding(head);
    var safety = Math.ceil(unit * 0.3);
    var out = {};
    api.getColumns().forEach(function (col) {
      var id = col.getColId(), def = col.getColDef();
      var best = textWidth(def.headerName || "", fontOf(headText)) + headPad;
      var cells = 0;
      api.forEachNode(function (node) {
        var v = api.getCellValue({rowNode: node, colKey: id, useFormatter: true});
        cells = Math.max(cells, textWidth(v == null ? "" : String(v), cellFont));
      });
      if (WRAP[id]) {  // wraps: needs its header and a few characters, takes what is left
        out[id] = {width: Math.ceil(Math.max(best, Math.min(cells + cellPad, unit * 6)) + safety), wrap: true,
                   fill: !!def.flex};
      } else {
        out[id] = {width: Math.ceil(Math.max(best, cells + cellPad) + safety), wrap: false, fill: !!def.flex};
      }
    });
    return out;
  }

  function size(el, api, unit) {
    var need = measure(el, api, unit);
    if (!need) { return; }
    var sig = JSON.stringify(Object.keys(need).map(function (k) { return [k, need[k].width]; }));
    if (el._wallSig === sig) { return; }
    if (!el._wallOwned) {  // the wall sizes its columns itself from now on
      el._wallOwned = true;
      if (window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props(el.id, {columnSize: null});
      }
    }
    el._wallSig = sig;
    var defs = (api.getColumnDefs() || []).map(function (d) {
      var n = need[d.colId || d.field];
      if (!n) { return d; }
      var next = Object.assign({}, d, {minWidth: n.width, suppressSizeToFit: true});
      if (n.fill) {
        next.flex = 1; next.width = undefined; next.maxWidth = undefined;
      } else {
        next.flex = undefined; next.width = n.width; next.maxWidth = n.width;
      }
      if (n.wrap) { next.wrapText = true; next.autoHeight = true; next.cellClass = "wall-wrap"; }
      else if (d.cellClass === "cell-whole") {  // a desk's wrapping (layouts/columns.py WHOLE): one line here
        next.wrapText = false; next.autoHeight = false; next.cellClass = undefined;
      }
      return next;
    });
    api.setGridOption("columnDefs", defs);
    api.resetRowHeights();  // wrapped rows take their second line
    el.setAttribute("data-sized", sig);
  }

  /* The first row of each page: a page starts at the first row the one before did not show whole. */
  function pageStarts(api, height) {
    var count = api.getDisplayedRowCount(), starts = [0], i = 0;
    while (i < count) {
      var top = api.getDisplayedRowAtIndex(i).rowTop, j = i;
      while (j + 1 < count) {
        var n = api.getDisplayedRowAtIndex(j + 1);
        if (n.rowTop + n.rowHeight > top + height + 1) { break; }
        j += 1;
      }
      if (j + 1 >= count) { break; }
      i = j + 1;
      starts.push(i);
    }
    return starts;
  }

  function rotate(el, api, now, secs) {
    var range = api.getVerticalPixelRange(), height = range.bottom - range.top;
    var count = api.getDisplayedRowCount();
    var st = el._wallPages = el._wallPages || {page: 0, at: now, cycle: 0};
    var starts = count && height > 0 ? pageStarts(api, height) : [0];
    if (st.page >= starts.length) { st.page = 0; }
    if (starts.length > 1 && now - st.at >= secs * 1000) {
      st.page = (st.page + 1) % starts.length;
      if (st.page === 0) { st.cycle += 1; }
      st.at = now;
    }
    if (count) { api.ensureIndexVisible(starts[st.page], "top"); }
    var view = el.querySelector(".ag-body-viewport"), box = view && view.getBoundingClientRect();
    el.querySelectorAll(".ag-center-cols-container .ag-row").forEach(function (row) {
      var r = row.getBoundingClientRect();
      var cut = box && starts.length > 1 && (r.top < box.top - 1 || r.bottom > box.bottom + 1);
      if (row.classList.contains("wall-cut") !== !!cut) { row.classList.toggle("wall-cut", !!cut); }
    });
    el.setAttribute("data-page", String(st.page));
    el.setAttribute("data-pages", String(starts.length));
    el.setAttribute("data-cycle", String(st.cycle));
    var title = el.closest(".panel") && el.closest(".panel").querySelector(".panel-title");
    if (title) {
      if (starts.length > 1) { title.setAttribute("data-page", (st.page + 1) + "/" + starts.length); }
      else { title.removeAttribute("data-page"); }
    }
  }

  /* One pass over the wall's lists: called every second by assets/25_wall.js. */
  function tick(now, secs) {
    var root = document.querySelector(".wall-root");
    if (!root) { return; }
    var unit = parseFloat(getComputedStyle(root).fontSize);
    root.querySelectorAll(".wall-body .data-grid[id]").forEach(function (el) {
      if (!el.getClientRects().length) { return; }  // hidden panels (the department board)
      var api = apiOf(el.id);
      if (!api) { return; }
      size(el, api, unit);
      rotate(el, api, now, secs);
    });
  }

  window.gridWallLists = {tick: tick, pageStarts: pageStarts};
})();
