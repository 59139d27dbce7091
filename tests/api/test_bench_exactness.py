"""The directory benchmark's check that estimated answers had more matches than the exact limit
(bench/exactness.py)."""

from __future__ import annotations

from datetime import date

from bench.exactness import estimated_within_limit, search_query, true_count

from catalog.center import search as directory
from catalog.center.node import Node
from catalog.center.search_plan import SearchQuery
from tests.api.test_search import find, plain

NODE = Node(code="150000", name="内蒙古自治区", url="http://region.test")


def test_parameters_as_sent_become_the_query_the_api_makes() -> None:
    params = {"q": "人口", "open": "true", "subtree": "false", "published_from": "2016-01-01"}

    assert search_query({**params, "limit": "50"}) == SearchQuery(
        q="人口", open=True, subtree=False, published_from=date(2016, 1, 1), limit=50
    )


def test_the_true_count_is_the_exact_total_of_the_search(client, cast, session) -> None:
    for i in range(3):
        plain(client, cast, f"人口库{i}", format={"category": "database"})
    plain(client, cast, "人口文件", format={"category": "file"})

    for params in ({"q": "人口"}, {"q": "人口", "format": "database"}, {"q": "法人"}):
        assert true_count(session, params, NODE) == find(client, **params)["total"]


def test_an_answer_estimated_within_the_limit_is_reported(client, cast, session, monkeypatch):
    for i in range(3):
        plain(client, cast, f"人口库{i}")
    monkeypatch.setattr(directory, "EXACT_LIMIT", 2)
    estimated = [{"q": "人口"}, {"q": "人口库1"}]

    assert estimated_within_limit(session, estimated, NODE) == [{"q": "人口库1", "true_count": 1}]
