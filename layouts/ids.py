"""Component ids, defined once and imported by layouts and callbacks alike."""

# The shell around every page (dash.page_container adds `_pages_location` and `_pages_content`).
PAGES_LOCATION = "_pages_location"
PAGES_CONTENT = "_pages_content"
LANG = "shell-lang"  # dcc.Store, storage_type="local": the remembered language
LANG_SWITCH = "shell-lang-switch"
TITLE = "shell-title"
SEARCH = "shell-search"  # the search field (dcc.Input)
SEARCH_RESULTS = "shell-search-results"  # its matches, links to each place
STATUS = "shell-status"  # the connection mark (connected / reconnecting / resynced + data age)
STATUS_WORDS = "shell-status-words"  # the status words in the page's language, for pages without a view
STATUS_TICK = "shell-status-tick"  # client-side clock for the age text; never calls the server

# Live glue: the socket lives in assets/20_live.js and writes into these stores.
LIVE_SUB = "live-sub"  # {unit, live}: what the page subscribes to (set by the view)
LIVE_FEED = "live-feed"  # the latest batch of `feed` events for this view (lists)
LIVE_FEED_MAP = "live-feed-map"  # the same batch a moment later, for the map (redraws are slow)
LIVE_POSITIONS = "live-positions"  # the latest coalesced `positions` push
LIVE_STATE = "live-state"  # {state, at, newest}
LIVE_DIRTY = "live-dirty"  # bumped (coalesced) when counts under the view changed

# A view (unit or grid): the skeleton the page layout returns, filled by callbacks.
VIEW = "view"  # dcc.Store {code, kind, query}
VIEW_BODY = "view-body"
VIEW_READY = "view-ready"  # dcc.Store: the view, set once its map is drawn (secondary panels follow)
VIEW_PANELS = "view-panels"  # dcc.Store: the view the panels show (on a drill, once the map is drawn)
# In the shell: the view a drill has just put on screen in place (the page router then keeps the
# page as it is); cleared whenever the router renders a page.
VIEW_SHOWN = "view-shown"
VIEW_LEVEL = "view-level"  # the view's root element; its data-level names the level shown
VIEW_PANES = "view-panes"  # the view's grid of panels (unit-grid or grid-grid)
TICKER_PANEL = "unit-ticker-panel"  # the ticker's panel: newest incidents (a unit), its incidents (a grid)
TICKER_TITLE = "unit-ticker-title"
MEASURE_LABEL = "unit-measure-label"

# Unit view (city, district, town, village).
PERIOD = "unit-period"
PERIOD_RANGE = "unit-period-range"
LINE = "unit-line"
MEASURE = "unit-measure"
BREADCRUMB = "unit-breadcrumb"
HEADING = "unit-heading"
KPIS = "unit-kpis"
MAP = "unit-map"
MAP_LEGEND = "unit-map-legend"  # the map's legend, under it (layouts/map_legend.py)
# dcc.Store: which map document (callbacks/map_prefetch.py) a drill drew from the browser's memory,
# {key, digest}: the map's own callback then answers only if its figure differs.
MAP_DRAWN_FROM = "unit-map-drawn-from"
OPEN_BY_STATE = "unit-open-by-state"
SUPERVISION = "unit-supervision"
FUNNEL = "unit-funnel"
TREND = "unit-trend"
BREAKDOWN = "unit-breakdown"
DEPARTMENTS = "unit-departments"
TICKER = "unit-ticker"
OVERDUE_LIST = "unit-overdue-list"
CHILDREN = "unit-children"
DETAIL = "unit-detail"
DETAIL_BODY = "unit-detail-body"

# Grid view (the leaf).
GRID_STAFF = "grid-staff"
