"""The page a browser first loads: what a view's index asks the browser to fetch from the start."""

from __future__ import annotations

import re

from tests.integration.test_auth import login, site  # noqa: F401 - `site` is the fixture used below

PRELOAD = re.compile(r'<link rel="preload" as="script" href="([^"]+)">')


def test_a_views_page_preloads_the_chunks_its_body_will_ask_for(site):  # noqa: F811
    client = site.app.test_client()
    login(client, "boss")
    city = PRELOAD.findall(client.get("/city").get_data(as_text=True))
    # Plotly for the map, the graph, the lists' grid, the dropdowns and the date range: each is a
    # file the server has, so the browser's early fetch is the one the page uses later.
    assert any(url.endswith("/plotly.min.js") for url in city) and len(city) == 5
    for url in city:
        answer = client.get(url)
        assert answer.status_code == 200 and len(answer.data) > 1000, url
    assert PRELOAD.findall(client.get("/unit/licheng-zhenhai").get_data(as_text=True)) == city
    # A page with no map nor chart (the duty desk) fetches none of them.
    assert PRELOAD.findall(client.get("/duty").get_data(as_text=True)) == []
