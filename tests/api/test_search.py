"""The unified directory: substring recall, ranking, filters, facets, pages, visibility, safety."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, text, update
from sqlalchemy.orm import Session

from catalog.center import search as directory
from catalog.center import search_counts, search_estimates, search_walk
from catalog.center.models import SearchDoc
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.search_counts import Sample
from catalog.center.search_index import indexed_count, reindex
from catalog.center.search_plan import SearchQuery, make_plan
from tests.factories import DEPT, OTHER_DEPT, Cast, act, auth, create, published, retired

NODE = Node(code="150000", name="内蒙古自治区", url="http://region.test")


def find(client: TestClient, token: str | None = None, **params: Any) -> dict[str, Any]:
    """GET /api/v1/search, expecting 200."""
    response = client.get("/api/v1/search", params=params, headers=auth(token))
    assert response.status_code == 200, response.text
    return dict(response.json())


def names(answer: dict[str, Any]) -> list[str]:
    return [item["name"] for item in answer["items"]]


def facet(answer: dict[str, Any], name: str) -> dict[str, int]:
    return {entry["value"]: entry["count"] for entry in answer["facets"][name]}


def plain(client: TestClient, cast: Cast, name: str, **overrides: Any) -> dict[str, Any]:
    """A published resource whose text is only its name (no keywords, items or links)."""
    fields: dict[str, Any] = {
        "abstract": "无",
        "keywords": [],
        "items": [],
        "links": [],
        "related_codes": [],
        **overrides,
    }
    token = cast.admin if fields.get("department_code") == OTHER_DEPT else None
    return published(client, cast, token=token, name=name, **fields)


def backdate(session: Session, resource_id: str, day: str) -> None:
    """Make a resource look published on `day` to the directory (committed: requests roll back
    whatever the test left uncommitted)."""
    session.execute(
        update(SearchDoc).where(SearchDoc.resource_id == resource_id).values(published_on=day)
    )
    session.commit()


# -- recall --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("stored", "query"),
    [
        ("人口信息", "人口"),
        ("政务信息资源目录", "信息资源"),
        ("营业执照登记信息", "执照"),
        ("全市人口信息", "市人口信"),
        ("GDP2020年度统计", "gdp2020"),
        ("ＧＤＰ核算", "GDP"),
        ("Population Census 人口普查", "census"),
    ],
)
def test_any_substring_of_a_name_finds_it(client, cast, stored, query):
    plain(client, cast, stored)
    assert names(find(client, q=query)) == [stored]


def analysed(client, cast, session, monkeypatch, stored: list[str]) -> None:
    """Publish records named `stored`, then have the statistics the search reads describe them."""
    for name in stored:
        plain(client, cast, name)
    session.execute(text("ANALYZE search_doc"))
    session.commit()
    monkeypatch.setattr(search_estimates, "_STATISTICS", {})  # read the fresh statistics


def test_a_year_is_found_exactly_though_nearly_every_record_holds_its_first_bigram(
    client, cast, session, monkeypatch
):
    years = ["2012年人口", "2021年人口", "2020年法人", "2001年12月人口"]
    analysed(client, cast, session, monkeypatch, years)
    assert "20" in search_estimates.common_lexemes(session)  # left out of the index condition
    assert names(find(client, q="2012")) == ["2012年人口"]
    assert names(find(client, q="2012年人口")) == ["2012年人口"]


def test_the_index_counts_a_long_terms_candidates_without_reading_them(client, cast, session):
    # Characters no other test writes: the index keeps the entries of rolled-back rows too.
    plain(client, cast, "龘靐齉")
    plain(client, cast, "靐齉龘靐")  # holds both bigrams of 龘靐齉, not the term
    plain(client, cast, "龘靐")
    session.execute(text("SET LOCAL enable_seqscan = off"))  # as every text search does

    def candidates(q: str) -> float:
        plan = make_plan(SearchQuery(q=q), Actor.anonymous(), NODE)
        return search_estimates.index_candidates(session, plan.text_index(facets=False))

    # Counted in row versions the index holds (each workflow step wrote one), so compared with
    # a bigram that only the two candidates hold.
    assert candidates("龘靐齉") == candidates("靐齉") > 0
    assert candidates("龘靐") > candidates("龘靐齉")
    assert candidates("齾爩") == 0
    assert find(client, q="龘靐齉")["total"] == 1


def test_a_long_term_whose_lexemes_all_hold_long_entry_lists_is_sampled_not_counted(
    client, cast, session, monkeypatch
):
    drums = ["鼙鼓声声一", "鼙鼓声声二", "鼙鼓声声三", "无关记录"]
    analysed(client, cast, session, monkeypatch, drums)
    monkeypatch.setattr(search_estimates, "COUNT_ENTRIES_BELOW", 2)  # 3 records are "many"

    def count_pays(q: str) -> bool:
        plan = make_plan(SearchQuery(q=q), Actor.anonymous(), NODE)
        assert plan.text is not None
        return search_estimates.index_count_pays(session, plan.text)

    assert not count_pays("鼙鼓声")  # every bigram in three records
    assert count_pays("鼓声慢")  # 声慢 is in none: its entry list is short
    assert sorted(names(find(client, q="鼙鼓声"))) == ["鼙鼓声声一", "鼙鼓声声三", "鼙鼓声声二"]


def test_a_query_finds_words_in_the_abstract_keywords_items_and_provider(client, cast):
    plain(client, cast, "甲", abstract="涉及不动产登记的数据")
    plain(client, cast, "乙", keywords=["宅基地"])
    plain(client, cast, "丙", items=[{"name": "纳税人识别号", "data_type": "C"}])
    assert names(find(client, q="不动产")) == ["甲"]
    assert names(find(client, q="宅基")) == ["乙"]
    assert names(find(client, q="识别号")) == ["丙"]
    assert len(find(client, q="统计局")["items"]) == 3  # the providing department's name


def test_characters_scattered_across_the_text_do_not_match_a_term(client, cast):
    plain(client, cast, "人员口径信息")
    assert find(client, q="人口")["total"] == 0


def test_a_single_character_finds_it_anywhere_in_a_word(client, cast):
    plain(client, cast, "林地资源")
    plain(client, cast, "森林")
    assert sorted(names(find(client, q="林"))) == ["林地资源", "森林"]


def test_every_term_of_a_query_must_occur(client, cast):
    plain(client, cast, "人口 信息")
    plain(client, cast, "人口统计")
    assert names(find(client, q="人口 信息")) == ["人口 信息"]


# -- ranking -------------------------------------------------------------------------------------


def test_name_matches_come_first_and_the_exact_phrase_above_scattered_terms(client, cast):
    plain(client, cast, "其他", abstract="人口 普查 与 人口普查")  # text: phrase
    plain(client, cast, "人口与普查")  # name: terms apart
    plain(client, cast, "别的", abstract="人口 与 普查")  # text: terms apart
    plain(client, cast, "全国人口普查")  # name: phrase
    answer = find(client, q="人口 普查")
    assert names(answer) == ["全国人口普查", "人口与普查", "其他", "别的"]


def test_within_a_tier_the_order_is_fixed_by_id(client, cast, session):
    made = [plain(client, cast, f"人口{i}") for i in range(3)]
    backdate(session, made[2]["id"], "2020-01-01")
    expected = sorted((r["id"] for r in made), reverse=True)
    assert [hit["id"] for hit in find(client, q="人口")["items"]] == expected


def test_newest_first_is_a_sort_of_its_own(client, cast, session):
    first = plain(client, cast, "人口甲")
    plain(client, cast, "人口乙")
    backdate(session, first["id"], "2020-01-01")
    assert names(find(client, q="人口", sort="-published_on")) == ["人口乙", "人口甲"]
    assert names(find(client, q="人口", sort="published_on")) == ["人口甲", "人口乙"]


# -- filters and facets --------------------------------------------------------------------------


def test_each_filter_narrows_the_results(client, cast):
    plain(client, cast, "库", format={"category": "database"}, update_cycle="daily")
    plain(
        client,
        cast,
        "表",
        format={"category": "spreadsheet"},
        share={"type": "unconditional"},
        open={"to_public": True},
        classification=[{"scheme": "目录", "code": "2010101", "name": "公共服务"}],
        spatial={"bbox": [100.0, 40.0, 101.0, 41.0]},
    )
    assert names(find(client, format="spreadsheet")) == ["表"]
    assert names(find(client, share="unconditional")) == ["表"]
    assert names(find(client, open="true")) == ["表"]
    assert names(find(client, open="false")) == ["库"]
    assert names(find(client, classification="201")) == ["表"]
    assert names(find(client, classification="101")) == ["库"]
    assert names(find(client, update_cycle="daily")) == ["库"]
    assert names(find(client, bbox="100.5,40.5,110,50")) == ["表"]
    assert names(find(client, bbox="0,0,1,1")) == []
    assert names(find(client, node="150400")) == []
    assert len(find(client, node="150000")["items"]) == 2  # both originate at this node


def test_a_box_finds_the_boxes_of_every_size_that_touch_it(client, cast):
    plain(client, cast, "全区图", spatial={"bbox": [97.0, 37.0, 126.0, 53.0]})
    plain(client, cast, "小块图", spatial={"bbox": [116.2, 41.3, 116.3, 41.4]})
    plain(client, cast, "邻接图", spatial={"bbox": [121.0, 46.0, 122.0, 47.0]})  # a corner
    plain(client, cast, "远处图", spatial={"bbox": [100.0, 40.0, 100.5, 40.5]})
    touching = ["全区图", "小块图", "邻接图"]
    assert sorted(names(find(client, bbox="116,41,121,46"))) == touching
    assert sorted(names(find(client, q="图", bbox="116,41,121,46"))) == touching
    assert sorted(names(find(client, bbox="116.25,41.35,116.26,41.36"))) == ["全区图", "小块图"]
    assert len(find(client, bbox="-180,-90,180,90")["items"]) == 4


def test_a_box_and_a_format_without_text_narrow_together(client, cast, monkeypatch):
    box = {"bbox": [100.0, 40.0, 101.0, 41.0]}
    plain(client, cast, "框内库", format={"category": "database"}, spatial=box)
    plain(client, cast, "框内表", format={"category": "spreadsheet"}, spatial=box)
    plain(client, cast, "框外库", format={"category": "database"})
    params = {"format": "database", "bbox": "100.5,40.5,110,50"}
    answer = find(client, **params)
    assert names(answer) == ["框内库"] and answer["total"] == 1
    assert facet(answer, "format") == {"database": 1, "spreadsheet": 1}
    # Past the exact limit for the box alone, the records passing both are counted on their own.
    monkeypatch.setattr(directory, "EXACT_LIMIT", 1)
    answer = find(client, **params)
    assert names(answer) == ["框内库"] and (answer["total"], answer["total_exact"]) == (1, True)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"format": "spreadsheet"}, ["人口表"]),
        ({"share": "unconditional"}, ["人口表"]),
        ({"open": "true"}, ["人口表"]),
        ({"classification": "201"}, ["人口表"]),
        ({"update_cycle": "daily"}, ["人口库"]),
        ({"department": DEPT}, ["人口库"]),
        ({"department": f"150000:{OTHER_DEPT}"}, ["人口表"]),
        ({"node": "150000", "subtree": "true"}, ["人口库", "人口表"]),
        ({"node": "150400"}, []),
    ],
)
def test_filters_narrow_a_text_query_alike(client, cast, params, expected):
    plain(client, cast, "人口库", format={"category": "database"}, update_cycle="daily")
    plain(
        client,
        cast,
        "人口表",
        department_code=OTHER_DEPT,
        format={"category": "spreadsheet"},
        share={"type": "unconditional"},
        open={"to_public": True},
        classification=[{"scheme": "目录", "code": "2010101", "name": "公共服务"}],
    )
    assert sorted(names(find(client, q="人口", **params))) == sorted(expected)


def test_department_matches_a_code_at_any_origin_or_node_and_code(client, cast):
    plain(client, cast, "统计")
    plain(client, cast, "公安", department_code=OTHER_DEPT)
    assert names(find(client, department=OTHER_DEPT)) == ["公安"]
    assert names(find(client, department=f"150000:{DEPT}")) == ["统计"]
    assert names(find(client, department=f"150400:{DEPT}")) == []


def test_published_date_range(client, cast, session):
    old = plain(client, cast, "旧")
    plain(client, cast, "新")
    backdate(session, old["id"], "2019-06-01")
    assert names(find(client, published_to="2019-12-31")) == ["旧"]
    assert names(find(client, published_from="2020-01-01")) == ["新"]


def test_facets_count_the_results_by_each_dimension(client, cast):
    plain(client, cast, "人口甲", format={"category": "database"})
    plain(client, cast, "人口乙", format={"category": "database"}, department_code=OTHER_DEPT)
    plain(client, cast, "人口丙", format={"category": "file"})
    plain(client, cast, "法人", format={"category": "file"})
    answer = find(client, q="人口")
    assert answer["total"] == 3 and answer["total_exact"] is True
    assert facet(answer, "format") == {"database": 2, "file": 1}
    assert facet(answer, "department") == {f"150000:{DEPT}": 2, f"150000:{OTHER_DEPT}": 1}
    assert facet(answer, "node") == {"150000": 3}
    assert facet(answer, "share") == {"conditional": 3}
    assert facet(answer, "classification") == {"101": 3}
    labels = {e["value"]: e["label"] for e in answer["facets"]["format"]}
    assert labels == {"database": "数据库", "file": "电子文件"}


@pytest.fixture(params=["in one pass", "facet by facet"])
def counting(request, monkeypatch) -> str:
    """Both ways a search counts facets under two filters or more: one pass over the rows
    failing at most one filter, or each filter's facet alone (chosen by estimated cost)."""
    if request.param == "facet by facet":
        monkeypatch.setattr(directory, "BY_FACET_ABOVE", 0)
        monkeypatch.setattr(directory, "BY_FACET_SHARE", float("inf"))
    return str(request.param)


def test_a_facet_honours_every_filter_but_its_own(client, cast, counting):
    plain(client, cast, "人口甲", format={"category": "database"})
    plain(client, cast, "人口乙", format={"category": "file"})
    plain(
        client,
        cast,
        "人口丙",
        format={"category": "file"},
        share={"type": "unconditional"},
    )
    answer = find(client, q="人口", format="file", share="conditional")
    assert names(answer) == ["人口乙"]
    # Switching format keeps share=conditional; switching share keeps format=file.
    assert facet(answer, "format") == {"database": 1, "file": 1}
    assert facet(answer, "share") == {"conditional": 1, "unconditional": 1}
    assert facet(answer, "department") == {f"150000:{DEPT}": 1}


def test_facets_under_three_filters_count_each_without_its_own(client, cast, counting):
    plain(client, cast, "人口普查库", format={"category": "database"})
    plain(client, cast, "人口普查表", format={"category": "spreadsheet"})
    plain(
        client,
        cast,
        "人口普查开放库",
        format={"category": "database"},
        share={"type": "unconditional"},
    )
    database, file = {"category": "database"}, {"category": "file"}
    plain(client, cast, "公安人口普查表", department_code=OTHER_DEPT, format=file)
    plain(client, cast, "公安人口普查库", department_code=OTHER_DEPT, format=database)
    for typed in ({"q": "口普查"}, {}):
        answer = find(
            client, **typed, format="database", share="conditional", department=f"150000:{DEPT}"
        )
        assert names(answer) == ["人口普查库"] and answer["total"] == 1, typed
        assert facet(answer, "format") == {"database": 1, "spreadsheet": 1}, typed
        assert facet(answer, "share") == {"conditional": 1, "unconditional": 1}, typed
        assert facet(answer, "department") == {
            f"150000:{DEPT}": 1,
            f"150000:{OTHER_DEPT}": 1,
        }, typed


def files_and_databases(client: TestClient, cast: Cast) -> None:
    """Four conditional files, a conditional database (人口库) and an unconditional one."""
    for i in range(4):
        plain(client, cast, f"人口文件{i}", format={"category": "file"})
    plain(client, cast, "人口库", format={"category": "database"})
    open_share = {"type": "unconditional"}
    plain(client, cast, "人口开放库", format={"category": "database"}, share=open_share)


def test_a_facet_past_the_exact_limit_leaves_the_total_exact(client, cast, counting, monkeypatch):
    files_and_databases(client, cast)
    monkeypatch.setattr(directory, "EXACT_LIMIT", 2)
    answer = find(client, q="人口", format="database", share="conditional")
    assert (answer["total"], answer["total_exact"]) == (1, True)
    assert names(answer) == ["人口库"]
    assert facet(answer, "format") == {"database": 1, "file": 4}
    assert facet(answer, "share") == {"conditional": 1, "unconditional": 1}


def test_the_total_stays_exact_when_the_facet_counted_with_it_is_past_the_limit(
    client, cast, monkeypatch
):
    files_and_databases(client, cast)
    monkeypatch.setattr(directory, "EXACT_LIMIT", 2)
    monkeypatch.setattr(directory, "BY_FACET_ABOVE", 0)  # facet by facet
    monkeypatch.setattr(directory, "BY_FACET_SHARE", float("inf"))
    # The total is counted with the format's facet first: its 5 rows are past the limit.
    expected = {"format": 0.0, "share": 1.0}
    monkeypatch.setattr(directory, "_expected_alone", lambda s, p, name, sample: expected[name])
    answer = find(client, q="人口", format="database", share="conditional")
    assert (answer["total"], answer["total_exact"]) == (1, True)
    assert names(answer) == ["人口库"]
    assert facet(answer, "format") == {"database": 1, "file": 4}
    assert facet(answer, "share") == {"conditional": 1, "unconditional": 1}


def test_department_and_node_facets_bear_the_names_of_their_newest_records(
    client, cast, session, settings
):
    older = plain(client, cast, "人口旧表")
    plain(client, cast, "人口新表")
    session.execute(
        update(SearchDoc)
        .where(SearchDoc.resource_id == older["id"])
        .values(published_on="2001-01-01", department_name="赤峰市统计局（旧）")  # its name then
    )
    session.commit()
    stats = client.get("/api/v1/stats").json()
    for facets in (find(client, q="人口")["facets"], stats):
        assert {e["value"]: e["label"] for e in facets["department"]} == {
            f"150000:{DEPT}": "赤峰市统计局"
        }
        assert {e["value"]: e["label"] for e in facets["node"]} == {"150000": settings.node_name}


def test_stats_count_published_resources_by_format_department_and_node(client, cast):
    plain(client, cast, "甲", format={"category": "database"})
    plain(client, cast, "乙", format={"category": "web"}, department_code=OTHER_DEPT)
    create(client, cast, name="草稿")
    retired(client, cast, name="下架")
    response = client.get("/api/v1/stats")
    assert response.status_code == 200
    stats = response.json()
    assert stats["total"] == 2
    assert {e["value"]: e["count"] for e in stats["format"]} == {"database": 1, "web": 1}
    assert {e["value"]: e["count"] for e in stats["node"]} == {"150000": 2}
    assert {e["value"]: e["count"] for e in stats["department"]} == {
        f"150000:{DEPT}": 1,
        f"150000:{OTHER_DEPT}": 1,
    }


# -- hits ----------------------------------------------------------------------------------------


def test_every_hit_locates_its_resource(client, cast, settings):
    resource = plain(client, cast, "人口", links=[{"url": "http://x.gov.cn/a", "kind": "page"}])
    [hit] = find(client, q="人口")["items"]
    assert hit["id"] == resource["id"] and hit["code"] == resource["code"]
    assert hit["origin"] == {
        "code": "150000",
        "name": settings.node_name,
        "url": settings.public_url.rstrip("/"),
    }
    assert hit["department"] == {"code": DEPT, "name": "赤峰市统计局"}
    assert hit["links"] == [{"url": "http://x.gov.cn/a", "kind": "page"}]
    assert hit["path"] == ["150000"]


# -- pages ---------------------------------------------------------------------------------------


def _walk(client: TestClient, **params: Any) -> list[str]:
    seen: list[str] = []
    cursor = None
    while True:
        answer = find(client, limit=2, **params, **({"cursor": cursor} if cursor else {}))
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next_cursor"]
        if cursor is None:
            return seen


@pytest.mark.parametrize("params", [{}, {"q": "人口"}, {"sort": "published_on"}])
def test_pages_have_no_gaps_or_repeats_while_records_are_added(client, cast, params):
    before = [plain(client, cast, f"人口{i}")["id"] for i in range(5)]
    first = find(client, limit=2, **params)
    plain(client, cast, "人口新")  # published while a reader pages through
    seen = [item["id"] for item in first["items"]]
    cursor = first["next_cursor"]
    while cursor:
        answer = find(client, limit=2, cursor=cursor, **params)
        seen += [item["id"] for item in answer["items"]]
        cursor = answer["next_cursor"]
    assert len(seen) == len(set(seen))
    assert set(before) <= set(seen)


@pytest.mark.parametrize("many_names", [search_walk.MANY_NAMES, 0], ids=["counted", "sampled"])
def test_a_large_result_set_gives_the_same_pages_as_an_exact_one(
    client, cast, monkeypatch, many_names
):
    for i in range(4):
        plain(client, cast, f"人口名{i}")
        plain(client, cast, f"其它{i}", abstract="人口在摘要")
        plain(client, cast, f"法人{i}")
    exact = {name: _walk(client, q="人口") for name in ("q",)} | {"all": _walk(client)}
    monkeypatch.setattr(directory, "EXACT_LIMIT", 3)
    # "sampled": the sample's count of name matches says they are many, so none are counted.
    monkeypatch.setattr(search_walk, "MANY_NAMES", many_names)
    estimated = find(client, q="人口")
    assert estimated["total_exact"] is False and estimated["total"] >= 4
    assert _walk(client, q="人口") == exact["q"]
    assert _walk(client) == exact["all"]


def sample_of(session: Session, **params: Any) -> Sample:
    plan = make_plan(SearchQuery(**params), Actor.anonymous(), NODE)
    return Sample(session, plan)


def test_the_sample_counts_the_matches_holding_the_text_in_their_name(client, cast, session):
    for i in range(3):
        plain(client, cast, f"人口名{i}")
    plain(client, cast, "其它", abstract="人口在摘要")
    plain(client, cast, "人口库", department_code=OTHER_DEPT)
    # A table this small is sampled whole, so the estimates are counts.
    assert sample_of(session, q="人口").named == 4
    assert sample_of(session, q="人口", department=DEPT).named == 3
    assert sample_of(session, q="人口名0").named == 1
    assert sample_of(session, q="摘要").named == 0


def test_a_partial_sample_scales_by_the_rows_it_drew(client, cast, session, monkeypatch):
    # Rows of very different sizes: how many a page holds depends on which pages are drawn.
    for i in range(40):
        plain(client, cast, f"人口短{i}", abstract="人口" + "长" * (1500 if i % 2 else 0))
    session.execute(text("ANALYZE search_doc"))
    session.commit()
    monkeypatch.setattr(search_counts, "SAMPLE_ROWS", 10)  # a quarter of the pages
    monkeypatch.setattr(search_counts, "_SAMPLED_ROWS", {})
    sample = sample_of(session, q="人口短")
    # Every record matches, so the sample's share is one, whichever pages it drew.
    assert sample.total == sample.named == 40


def test_a_sample_with_many_name_matches_spares_counting_them(client, cast, session, monkeypatch):
    for i in range(3):
        plain(client, cast, f"人口名{i}")
    plan = make_plan(SearchQuery(q="人口"), Actor.anonymous(), NODE)
    sample = Sample(session, plan)
    assert sample.named == 3
    statements: list[str] = []
    event.listen(session.connection(), "before_cursor_execute", lambda *a: statements.append(a[2]))
    assert search_walk._few_in_names(session, plan, sample)  # counted: 3 are few
    assert statements
    statements.clear()
    monkeypatch.setattr(search_walk, "MANY_NAMES", 3)
    assert not search_walk._few_in_names(session, plan, sample)
    assert statements == []


def test_a_filtered_total_stays_exact_when_only_its_facets_are_large(client, cast, monkeypatch):
    for i in range(4):
        plain(client, cast, f"人口库{i}", format={"category": "database"})
        plain(client, cast, f"人口文件{i}", format={"category": "file"})
    monkeypatch.setattr(directory, "EXACT_LIMIT", 5)
    answer = find(client, q="人口", format="database")
    assert answer["total"] == 4 and answer["total_exact"] is True
    assert sorted(names(answer)) == [f"人口库{i}" for i in range(4)]
    assert facet(answer, "format") == {"database": 4, "file": 4}


def test_a_planner_expecting_far_more_matches_than_there_are_leaves_the_answer_exact(
    client, cast, monkeypatch
):
    # PostgreSQL takes a text and a filter's entry as independent: `乌海` (a region's county)
    # among a city's records, expected 21,892 in 1,000,000 records where there were none.
    for i in range(2):
        plain(client, cast, f"人口库{i}", format={"category": "database"})
    for i in range(3):
        plain(client, cast, f"人口文件{i}", format={"category": "file"})
    for module in (directory, search_estimates):
        monkeypatch.setattr(module, "planned_rows", lambda session, query: 1_000_000.0)
    for format, expected in (("database", 2), ("image", 0)):
        answer = find(client, q="人口", format=format)
        assert (answer["total"], answer["total_exact"]) == (expected, True)
        assert len(answer["items"]) == expected
        assert facet(answer, "format") == {"database": 2, "file": 3}


# -- visibility ----------------------------------------------------------------------------------


def test_search_sees_an_approval_at_once(client, cast):
    resource = create(client, cast, name="新登记的人口库")
    act(client, cast.cataloguer, resource["id"], "submit")
    assert find(client, q="人口库")["total"] == 0
    act(client, cast.reviewer, resource["id"], "approve")
    assert names(find(client, q="人口库")) == ["新登记的人口库"]


def test_retired_and_unpublished_records_never_show_to_readers(client, cast):
    retired(client, cast, name="人口下架")
    create(client, cast, name="人口草稿")
    plain(client, cast, "人口保密", secret=True)
    for token in (None, cast.reader):
        assert find(client, token, q="人口")["total"] == 0
        for status in ("draft", "retired"):
            assert find(client, token, q="人口", status=status)["total"] == 0


def test_staff_find_unpublished_records_they_may_see(client, cast):
    create(client, cast, name="人口草稿")
    assert names(find(client, cast.cataloguer, status="draft")) == ["人口草稿"]
    assert names(find(client, cast.reviewer, status="draft")) == ["人口草稿"]
    assert find(client, cast.other_cataloguer, status="draft")["total"] == 0


def test_reindex_rebuilds_the_rows_from_the_records(client, cast, session):
    plain(client, cast, "人口")
    create(client, cast, name="草稿")
    session.execute(SearchDoc.__table__.delete())
    session.commit()
    assert find(client, q="人口")["total"] == 0
    assert reindex(session) == 2
    assert indexed_count(session) == 2
    assert names(find(client, q="人口")) == ["人口"]


# -- bad and hostile input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"format": "scroll"}, "format"),
        ({"share": "maybe"}, "share"),
        ({"status": "gone"}, "status"),
        ({"update_cycle": "hourly"}, "update_cycle"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "10,0,5,1"}, "bbox"),
        ({"bbox": "nan,0,1,1"}, "bbox"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJyZWxldmFuY2UiLDAsIngiLCJ5Il0"}, "cursor"),
        ({"published_from": "yesterday"}, "published_from"),
        ({"classification": "1a"}, "classification"),
        ({"node": "abc"}, "node"),
        ({"sort": "name"}, "sort"),
        ({"q": "人" * 1001}, "q"),
    ],
)
def test_bad_parameters_get_a_422_naming_the_parameter(client, params, field):
    response = client.get("/api/v1/search", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "validation_error"
    assert [f["path"] for f in body["fields"]] == [field]


@pytest.mark.parametrize(
    "q",
    [
        "'",
        '"人口',
        "人口 & | ! ( ) :* <->",
        "'; DROP TABLE resource; --",
        "\\",
        "😀😀",
        "人口😀信息",
        "%_",
        "\x00",
        "a" * 1000,
        "人口" * 400,
    ],
)
def test_hostile_queries_are_answered_safely(client, cast, q):
    plain(client, cast, "人口信息")
    response = client.get("/api/v1/search", params={"q": q})
    assert response.status_code in (200, 422), response.text
    assert client.get("/api/v1/search", params={"q": "人口"}).json()["total"] == 1
