"""The hardened XML parser every outside document goes through."""

from __future__ import annotations

import io

import pytest

from catalog.center.xmlsafe import UnsafeXML, iter_records, parse

DOCTYPE = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY e "x">]><a><b>&e;</b></a>'


def nested(depth: int) -> bytes:
    return b"<a>" * depth + b"</a>" * depth


def test_a_plain_document_parses():
    assert parse(b"<a><b>1</b></a>").findtext("b") == "1"


def test_a_document_with_a_dtd_is_refused():
    with pytest.raises(UnsafeXML, match="DTD"):
        parse(DOCTYPE)


def test_nesting_beyond_the_limit_is_refused():
    parse(nested(10), max_depth=10)
    with pytest.raises(UnsafeXML, match="deeper"):
        parse(nested(11), max_depth=10)


def test_a_document_over_the_size_limit_is_refused():
    with pytest.raises(UnsafeXML, match="exceeds"):
        parse(b"<a>" + b"x" * 100 + b"</a>", max_bytes=50)


def test_streaming_yields_each_record_and_skips_other_children():
    document = b"<set><r>1</r><note/><r>2</r></set>"
    assert [r.text for r in iter_records(io.BytesIO(document), "r")] == ["1", "2"]


def test_streaming_yields_a_root_that_is_itself_a_record():
    assert [r.findtext("t") for r in iter_records(io.BytesIO(b"<r><t>1</t></r>"), "r")] == ["1"]


def test_streaming_refuses_a_dtd_before_any_record():
    with pytest.raises(UnsafeXML, match="DTD"):
        list(iter_records(io.BytesIO(DOCTYPE), "b"))


def test_streaming_refuses_deep_nesting():
    with pytest.raises(UnsafeXML, match="deeper"):
        list(iter_records(io.BytesIO(nested(20)), "a", max_depth=10))
