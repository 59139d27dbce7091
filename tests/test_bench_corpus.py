"""The directory benchmark's generated records (bench/corpus.py)."""

from __future__ import annotations

from bench.corpus import NODES, chunk_of, records


def test_a_chunk_made_alone_is_that_chunk_of_the_whole_sequence() -> None:
    whole = list(records(25, chunk=9))
    alone = [record for number in range(3) for record in chunk_of(number, 9, 25)]

    assert alone == whole
    assert [len(chunk_of(number, 9, 25)) for number in range(3)] == [9, 9, 7]


def test_chunks_are_the_same_every_time_and_differ_from_each_other() -> None:
    first = chunk_of(4, 30, 300)

    assert chunk_of(4, 30, 300) == first
    assert [r.body["name"] for r in chunk_of(5, 30, 300)] != [r.body["name"] for r in first]


def test_every_chunk_of_a_multiple_of_three_holds_a_third_per_node() -> None:
    origins = [record.origin for record in chunk_of(7, 30, 300)]

    assert {code: origins.count(code) for code in NODES} == dict.fromkeys(NODES, 10)
