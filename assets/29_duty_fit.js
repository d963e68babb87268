/* Duty desk lists that fit their width (issue 12): an alert's title is never cut to "…" and no column
 * scrolls off to the right. Where a list is narrower than all its columns' widths (a tablet, or a
 * narrow window), the columns marked "underTitle" (layouts/duty.py) are hidden and the title cell
 * shows them on a line of their own under the title: each row becomes a card. The grids call
 * `dutyFit` on their size changes and model updates (layouts/duty.py, FIT_EVENTS).
 */
(function () {
  "use strict";
  var UNDER = "underTitle", GRIDS = ["duty-queue", "duty-board"];
  var fns = window.dashAgGridFunctions = window.dashAgGridFunctions || {};
  var comps = window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {};

  function under(api) {
    return (api.getColumns() || []).filter(function (c) { return (c.getColDef().context || {})[UNDER]; });
  }

  /* The width all columns meant to be shown need side by side (hidden sort keys excluded). */
  function needed(api) {
    return (api.getColumns() || []).reduce(function (sum, c) {
      var d = c.getColDef();
      return d.hide ? sum : sum + (d.width || d.minWidth || 0);
    }, 0);
  }

  function boxOf(api) {
    var id = GRIDS.filter(function (g) {
      try { return document.getElementById(g) && window.dash_ag_grid.getApi(g) === api; } catch { return false; }
    })[0];
    return id ? document.getElementById(id).closest(".duty-grid-box") : null;
  }

  fns.dutyFit = function (params) {
    var api = params.api, box = api.isDestroyed() ? null : boxOf(api);
    if (!box) { return; }
    var narrow = box.clientWidth > 0 && box.clientWidth < needed(api) + 2;  // 2: the grid's borders
    if (narrow !== box.classList.contains("duty-compact")) {
      box.classList.toggle("duty-compact", narrow);
      api.setColumnsVisible(under(api), !narrow);
      api.refreshCells({columns: ["title"], force: true});
    } else if (narrow && params.type === "modelUpdated") {
      // A live event changed a row's count, level or assignee: the card's second line follows.
      api.refreshCells({columns: ["title"], force: true});
    }
  };

  /* The title cell: the title, wrapped, and (shown only when the list is narrow) the hidden
   * columns' values, each after its column's header unless the column says "value" alone. */
  comps.DutyAlert = function (props) {
    var h = window.React.createElement, api = props.api;
    var parts = under(api).map(function (c) {
      var value = api.getCellValue({rowNode: props.node, colKey: c, useFormatter: true});
      if (value === null || value === undefined || value === "") { return null; }
      var label = c.getColDef().context[UNDER] === "value" ? null :
        h("span", {className: "duty-alert-label"}, c.getColDef().headerName);
      return h("span", {key: c.getColId(), className: "duty-alert-part", "data-col": c.getColId()},
               label, String(value));
    }).filter(Boolean);
    return h("div", {className: "duty-alert"},
             h("div", {className: "duty-alert-title"}, props.value),
             h("div", {className: "duty-alert-meta"}, parts));
  };
})();
