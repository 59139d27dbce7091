"""Federated readers: a user of the region reads, requests and downloads at a city node with the
token they already have (two real nodes), and can never write there."""

from __future__ import annotations

import hashlib
import os
from datetime import date, timedelta

import httpx
import pytest

from catalog.center.vocab import Role
from tests.factories import DEPT, resource_body
from tests.sync.nodes import region_and_chifeng, wait_for


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def federation(make_node):
    region, chifeng = region_and_chifeng(make_node)
    region.start()
    chifeng.start()
    return region, chifeng


def test_a_region_user_downloads_and_requests_at_the_city_and_never_writes(federation):
    region, chifeng = federation
    _, visitor = region.add_user(Role.READER)
    _, region_admin = region.add_user(Role.ADMIN)
    _, cataloguer = chifeng.add_user(Role.CATALOGUER, DEPT)
    _, reviewer = chifeng.add_user(Role.REVIEWER)
    free = chifeng.publish(share={"type": "unconditional"}, name="公开的统计数据")
    guarded = chifeng.publish(name="有条件共享的人口数据")
    data = os.urandom(300_000)
    stored = {}
    for rid in (free, guarded):
        response = httpx.post(
            f"{chifeng.url}/api/v1/resources/{rid}/content",
            files={"file": ("数据.bin", data)},
            headers=bearer(cataloguer),
        )
        assert response.status_code == 201, response.text
        stored[rid] = response.json()["content_id"]

    download = httpx.get(f"{chifeng.url}/api/v1/content/{stored[free]}", headers=bearer(visitor))
    assert download.status_code == 200
    assert hashlib.sha256(download.content).hexdigest() == hashlib.sha256(data).hexdigest()

    refused = httpx.get(f"{chifeng.url}/api/v1/content/{stored[guarded]}", headers=bearer(visitor))
    assert refused.status_code == 403
    until = (date.today() + timedelta(days=10)).isoformat()
    filed = httpx.post(
        f"{chifeng.url}/api/v1/resources/{guarded}/access-requests",
        json={"purpose": "自治区统计汇总", "until": until},
        headers=bearer(visitor),
    )
    assert filed.status_code == 201, filed.text
    assert filed.json()["user"]["node"] == "150000"
    approve = f"{chifeng.url}/api/v1/access-requests/{filed.json()['id']}/approve"
    assert httpx.post(approve, headers=bearer(region_admin)).status_code == 403
    assert httpx.post(approve, headers=bearer(reviewer)).status_code == 200
    granted = httpx.get(f"{chifeng.url}/api/v1/content/{stored[guarded]}", headers=bearer(visitor))
    assert granted.status_code == 200

    wait_for(lambda: region.count("150400") == 2, what="the city's records at the region")
    located = httpx.get(f"{region.url}/api/v1/resources/{guarded}/locate").json()
    assert located["content_url"] == f"{chifeng.url}/api/v1/resources/{guarded}/content"
    assert (
        located["access_request_url"] == f"{chifeng.url}/api/v1/resources/{guarded}/access-requests"
    )

    for token in (visitor, region_admin):
        write = httpx.post(
            f"{chifeng.url}/api/v1/resources", json=resource_body(), headers=bearer(token)
        )
        assert write.status_code == 403


def test_a_token_no_ancestor_knows_is_refused(federation):
    _, chifeng = federation
    response = httpx.get(f"{chifeng.url}/api/v1/access-requests", headers=bearer("ct_nobody"))
    assert response.status_code == 401


def test_introspection_answers_only_signed_requests_from_children(federation):
    region, _ = federation
    _, visitor = region.add_user(Role.READER)
    response = httpx.post(f"{region.url}/api/v1/auth/introspect", json={"token": visitor})
    assert response.status_code == 401
