"""Resource codes: their form, and uniqueness under concurrent registration with real commits."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from catalog.center import people, registry
from catalog.center.codes import allocate_code, format_code
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody
from catalog.db import make_engine, make_sessionmaker
from tests.factories import DEPT, resource_body

NODE = Node(code="150400", name="赤峰市政务信息资源目录中心", url="http://chifeng.test")


def test_a_code_is_the_class_code_then_the_node_code_then_six_digits():
    assert format_code("1010101", "150400", 123) == "1010101/150400000123"


def test_a_code_allocated_in_a_rolled_back_transaction_is_never_reused(session):
    first = allocate_code(session, classification_code="1", node_code="150400")
    session.rollback()
    second = allocate_code(session, classification_code="1", node_code="150400")
    assert first != second


def test_concurrent_registrations_never_collide(fresh_database):
    engine = make_engine(fresh_database())
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        people.create_department(session, code=DEPT, name="赤峰市统计局", actor=Actor.operator())
    body = ResourceBody.model_validate(resource_body())

    def register(_: int) -> str:
        with sessions() as session:
            view = registry.register_resource(session, body=body, actor=Actor.operator(), node=NODE)
            return str(view["code"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(register, range(200)))
    with sessions() as session:
        stored = session.scalar(select(func.count(func.distinct(Resource.code))))
    engine.dispose()

    assert len(set(codes)) == 200
    assert stored == 200
    assert all(re.fullmatch(r"1010101/150400\d{6}", code) for code in codes)
