"""The request signature matches the shared test vectors, for both algorithms."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalog.sync.division import covers
from catalog.sync.signing import sign, string_to_sign

VECTORS = json.loads(
    (Path(__file__).parents[1] / "data" / "sync-signature-vectors.json").read_text()
)


@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["path"])
def test_the_string_to_sign_matches(vector):
    signed = string_to_sign(
        vector["method"],
        vector["path"],
        vector["node"],
        vector["timestamp"],
        vector["body_utf8"].encode(),
    )
    assert signed.decode() == vector["string_to_sign"]


@pytest.mark.parametrize("alg", ["hmac-sha256", "hmac-sm3"])
@pytest.mark.parametrize("vector", VECTORS["vectors"], ids=lambda v: v["path"])
def test_the_mac_matches(vector, alg):
    mac = sign(
        VECTORS["key"],
        alg,
        vector["method"],
        vector["path"],
        vector["node"],
        vector["timestamp"],
        vector["body_utf8"].encode(),
    )
    assert mac == vector[alg]


@pytest.mark.parametrize(
    ("area", "code", "inside"),
    [
        ("150000", "150400", True),
        ("150000", "150425", True),
        ("150000", "140100", False),
        ("150400", "150425", True),
        ("150400", "150400", True),
        ("150400", "150700", False),
        ("150400", "150000", False),
        ("150425", "150425", True),
        ("150425", "150426", False),
    ],
)
def test_the_division_rule(area, code, inside):
    assert covers(area, code) is inside
