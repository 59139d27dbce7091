"""Boxes as grid cells of the bigram index: a box query's cells never miss an intersecting box."""

from __future__ import annotations

import random

from catalog.center.search_grid import ANYWHERE, QUERY_ENTRIES, query_cells, record_cells

Box = tuple[float, float, float, float]


def intersect(a: Box, b: Box) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def random_box(rng: random.Random) -> Box:
    """A box of any size from a point to most of the globe, often on whole degrees (borders)."""
    extent = rng.choice([0, 0.01, 0.5, 1, 3, 4, 7.5, 16, 30, 64, 100, 300])
    width, height = extent * rng.random(), min(180, extent) * rng.random()
    lon = rng.uniform(-180, 180 - width)
    lat = rng.uniform(-90, 90 - height)
    if rng.random() < 0.3:
        lon, lat = float(round(lon)), float(round(lat))
    return (lon, lat, min(180, lon + width), min(90, lat + height))


def test_boxes_that_intersect_always_share_a_cell():
    rng = random.Random(21063)
    records = [random_box(rng) for _ in range(400)]
    queries = [random_box(rng) for _ in range(400)]
    indexed = [record_cells(*box) for box in records]
    for query in queries:
        wanted = set(query_cells(*query))
        for box, cells in zip(records, indexed, strict=True):
            if intersect(box, query):
                assert cells & wanted, (box, query)


def test_a_box_touching_another_only_at_a_corner_is_found():
    record = (100.0, 40.0, 101.0, 41.0)
    assert record_cells(*record) & set(query_cells(101.0, 41.0, 110.0, 50.0))
    assert record_cells(*record) & set(query_cells(90.0, 30.0, 100.0, 40.0))


def test_far_apart_boxes_share_no_cell():
    """The grid narrows: a small query does not take in boxes elsewhere."""
    record = record_cells(116.2, 41.3, 116.7, 41.8)
    assert not record & set(query_cells(120.0, 47.0, 121.0, 48.0))
    assert not record & set(query_cells(100.0, 41.0, 105.0, 46.0))


def test_a_box_that_is_not_a_proper_one_is_a_candidate_for_every_box_query():
    # A child's copy may carry swapped corners or values out of range; the row's box test decides.
    for box in [(101.0, 41.0, 100.0, 40.0), (170.0, 0.0, 200.0, 10.0), (0.0, -95.0, 1.0, 0.0)]:
        assert record_cells(*box) == {ANYWHERE}
    assert ANYWHERE in query_cells(0.0, 0.0, 1.0, 1.0)


def test_a_query_reads_a_bounded_number_of_cells_whatever_its_size():
    rng = random.Random(2260)
    for _ in range(500):
        cells = query_cells(*random_box(rng))
        assert len(cells) <= QUERY_ENTRIES
    assert len(query_cells(-180.0, -90.0, 180.0, 90.0)) <= 37
