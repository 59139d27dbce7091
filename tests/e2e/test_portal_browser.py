"""The portal in a real headless browser: search and facets, a resource, a cataloguer creating and
submitting a resource from an uploaded file, a reviewer approving it, the dashboard after a sync."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from catalog.center.bulk import publish_bulk
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.center.vocab import Role
from tests import extract_files as make
from tests.e2e.conftest import screenshot
from tests.factories import DEPT, resource_body
from tests.sync.nodes import NodeProcess, region_and_chifeng, wait_for


def seed(node: NodeProcess) -> None:
    bodies = [
        resource_body(name="赤峰市人口基础信息库"),
        resource_body(
            name="赤峰市流动人口统计表", format={"category": "spreadsheet", "type": "xlsx"}
        ),
        resource_body(
            name="红山区人口分布图",
            format={"category": "image", "type": "shp"},
            share={"type": "unconditional"},
        ),
        resource_body(
            name="草原生态监测年报",
            abstract="全市草原植被覆盖度与生态状况的年度监测报告。",
            keywords=["草原", "生态"],
            items=[],
            format={"category": "file", "type": "pdf"},
        ),
    ]
    with node.sessions() as session:
        publish_bulk(
            session,
            bodies=[ResourceBody.model_validate(b) for b in bodies],
            actor=Actor.operator(),
            node=node.node,
        )


def log_in(page: Page, node: NodeProcess, username: str, token: str) -> None:
    page.goto(f"{node.url}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=token]", token)
    page.click("button:has-text('登录')")
    expect(page.locator("header .user")).to_have_text(username)


@pytest.fixture
def city(make_node) -> NodeProcess:
    node = make_node("150400", sync_enabled="false")
    node.add_department()
    seed(node)
    return node.start()


def test_search_facet_clicks_and_the_resource_page(city, page, browser):
    page.goto(f"{city.url}/search?q=人口")
    expect(page.locator("article.hit")).to_have_count(3)
    expect(page.locator("article.hit mark").first).to_have_text("人口")
    screenshot(page, "search")
    page.click("section[data-facet=format] a:has-text('图形图像')")
    expect(page).to_have_url(re.compile(r"format=image"))
    expect(page.locator("article.hit")).to_have_count(1)
    expect(page.locator("p.total a.chip")).to_contain_text("图形图像")
    screenshot(page, "search-facet")
    page.click("article.hit h2 a")
    expect(page.locator("h1")).to_have_text("红山区人口分布图")
    expect(page.locator("svg.map rect.box")).to_have_count(1)
    expect(page.locator("table.items")).to_contain_text("公民身份号码")
    expect(page.locator("ol.history")).to_contain_text("审核通过")
    screenshot(page, "resource")
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    phone.goto(f"{city.url}/search?q=人口")
    expect(phone.locator("article.hit")).to_have_count(3)
    screenshot(phone, "search-phone")
    phone.context.close()


def test_a_cataloguer_creates_from_an_upload_and_a_reviewer_approves(city, page, browser, tmp_path):
    cataloguer, cataloguer_token = city.add_user(Role.CATALOGUER, DEPT)
    reviewer, reviewer_token = city.add_user(Role.REVIEWER)
    log_in(page, city, cataloguer, cataloguer_token)
    page.goto(f"{city.url}/workspace/new")
    page.set_input_files("input[name=file]", str(make.xlsx(tmp_path / "名册.xlsx", rows=6)))
    page.click("button:has-text('上传并读取')")
    expect(page.locator("input[name=name]")).to_have_value("建档立卡贫困户名册")
    expect(page.locator("textarea[name=items]")).to_contain_text("姓名||C")
    screenshot(page, "workspace-extracted")
    page.fill("input[name=name]", "")
    page.click("button:has-text('保存草稿')")
    expect(page.locator("label.invalid .field-error").first).to_be_visible()
    screenshot(page, "workspace-invalid")
    page.fill("input[name=name]", "建档立卡贫困户名册（2017）")
    page.click("button:has-text('保存草稿')")
    expect(page.locator("p.notice")).to_have_text("已保存草稿。")
    page.click("button:has-text('提交审核')")
    expect(page.locator("ul.worklist[data-status=submitted]")).to_contain_text(
        "建档立卡贫困户名册（2017）"
    )
    screenshot(page, "workspace")

    review = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(review, city, reviewer, reviewer_token)
    review.goto(f"{city.url}/review")
    item = review.locator("article.review", has_text="建档立卡贫困户名册（2017）")
    expect(item.locator("table.diff")).to_contain_text("资源名称")
    screenshot(review, "review")
    item.locator("button:has-text('审核通过')").click()
    expect(review.locator("p.notice")).to_have_text("已审核通过并发布。")
    review.goto(f"{city.url}/search?q=建档立卡")
    review.click("article.hit h2 a")
    expect(review.locator("span.status")).to_have_text("已发布")
    expect(review.locator("ul.files")).to_contain_text("名册.xlsx")
    review.click("a:has-text('预览数据')")
    expect(review.locator("table.dataset tbody tr")).to_have_count(6)
    screenshot(review, "resource-dataset")
    review.context.close()


def test_the_dashboard_after_a_sync(make_node, page):
    region, chifeng = region_and_chifeng(make_node)
    region.start()
    chifeng.start()
    seed(chifeng)
    wait_for(lambda: region.count("150400") == 4, what="the city's records at the region")
    page.goto(f"{region.url}/dashboard")
    row = page.locator("table.links tr[data-peer='150400']")
    expect(row).to_contain_text("下级")
    expect(row.locator("td").nth(4)).not_to_have_text("—")
    expect(page.locator("figure[data-chart=node]")).to_contain_text("赤峰市")
    expect(page.locator("h1:has-text('资源统计')")).to_contain_text("共 4 条")
    screenshot(page, "dashboard")
