/* The views' lists: columns of times and one-word values (layouts/columns.py WORDS) as wide as the
 * widest value shown or their header, measured by AG Grid in the font on screen, so none ends in
 * "…" at any resolution or in either language; the other columns share the rest of the width
 * (responsiveSizeToFit passes over the measured ones). The grids call `fitWords` when rows come
 * or change and when their size changes (layouts/components.py FIT_EVENTS). A wall sizes every
 * column of its lists itself (25_wall_lists.js), so its lists are left alone here.
 */
(function () {
  "use strict";
  var fns = window.dashAgGridFunctions = window.dashAgGridFunctions || {};

  function elementOf(api) {
    var grids = document.querySelectorAll(".data-grid[id]");
    for (var i = 0; i < grids.length; i++) {
      try { if (window.dash_ag_grid.getApi(grids[i].id) === api) { return grids[i]; } } catch { /* not ready */ }
    }
    return null;
  }

  fns.fitWords = function (params) {
    var api = params.api;
    if (!api || api.isDestroyed()) { return; }
    var words = (api.getColumns() || []).filter(function (c) {
      return c.isVisible() && (c.getColDef().context || {}).words;
    }).map(function (c) { return c.getColId(); });
    var el = words.length ? elementOf(api) : null;
    if (!el || el.closest(".wall-body") || el.clientWidth === 0) { return; }  // hidden: measured when shown
    var widths = function () {
      return words.map(function (id) { return api.getColumn(id).getActualWidth(); }).join();
    };
    var before = widths();
    api.autoSizeColumns(words, false);
    // The rest of the width shared again only when something moved: a live list's rows change
    // every few seconds, and an unchanged list is not laid out again for them.
    if (widths() !== before || el.clientWidth !== el._fitWidth) {
      el._fitWidth = el.clientWidth;
      api.sizeColumnsToFit();
    }
  };
})();
