"""Normalising, bigram lexemes and query parsing of the unified directory."""

from __future__ import annotations

import random
from dataclasses import replace

from catalog.center.search_text import (
    MAX_QUERY_LEXEMES,
    NAME_MARK,
    document_lexemes,
    lexemes,
    normalise,
    parse_query,
)


def test_normalising_folds_width_and_case_and_collapses_separators():
    assert normalise("ＧＤＰ２０２０，人口——信息") == "gdp2020 人口 信息"
    assert normalise("  id_card\t(Population)  ") == "id card population"


def test_emoji_and_punctuation_separate_runs():
    assert normalise("人口😀信息!") == "人口 信息"


def test_a_run_is_indexed_by_its_bigrams_and_its_last_character():
    assert lexemes("人口信息") == {"人口", "口信", "信息", "息"}
    assert lexemes("人 ab") == {"人", "ab", "b"}


def test_no_bigram_spans_two_runs():
    assert "口信" not in lexemes("人口 信息")


def test_any_normalised_text_is_indexed_by_each_run_s_bigrams_and_last_character():
    alphabet = "人口信息统计aZ9９_-，. 😀\té́ǅ"
    draw = random.Random(7)
    for _ in range(2_000):
        text = normalise("".join(draw.choices(alphabet, k=draw.randint(0, 12))))
        runs = [run for run in text.split(" ") if run]
        expected = {run[i : i + 2] for run in runs for i in range(len(run) - 1)}
        expected |= {run[-1] for run in runs}
        assert lexemes(text) == expected, text


def test_name_lexemes_are_indexed_again_with_a_mark():
    indexed = document_lexemes(name="人口", rest="统计")
    assert {NAME_MARK + "人口", NAME_MARK + "口", "人口", "统计"} <= indexed
    assert NAME_MARK + "统计" not in indexed


def test_a_query_is_the_and_of_its_terms_bigrams():
    query = parse_query("人口信息 GDP")
    assert query.terms == ("人口信息", "gdp")
    assert query.tsquery() == "'人口' & '口信' & '信息' & 'gd' & 'dp'"
    assert query.tsquery(in_name=True).startswith(f"'{NAME_MARK}人口'")


def test_a_common_bigram_of_a_longer_term_is_left_to_the_recheck():
    query = replace(parse_query("2012 20 201"), common=frozenset({"20", NAME_MARK + "20"}))
    # A two-character term is found by its bigram alone; a longer one keeps at least one.
    assert query.tsquery() == "'01' & '12' & '20'"
    assert query.tsquery(in_name=True) == f"'{NAME_MARK}01' & '{NAME_MARK}12' & '{NAME_MARK}20'"


def test_a_term_made_only_of_common_bigrams_keeps_one():
    query = replace(parse_query("2020"), common=frozenset({"20", "02"}))
    assert query.tsquery() == "'20'"


def test_a_one_character_term_matches_by_prefix():
    assert parse_query("林").tsquery() == "'林':*"


def test_phrases_are_the_terms_adjacent_with_or_without_a_space():
    assert parse_query("人口 普查").phrases == ("人口 普查", "人口普查")
    assert parse_query("人口").phrases == ("人口",)


def test_duplicate_terms_count_once():
    assert parse_query("人口 人口 ＰＯＰ pop").terms == ("人口", "pop")


def test_a_query_of_separators_matches_nothing():
    assert parse_query("'&|! 😀").matches_nothing


def test_a_long_query_uses_a_bounded_number_of_lexemes():
    query = parse_query("".join(chr(0x4E00 + i) for i in range(500)))
    assert len(query.tsquery().split(" & ")) == MAX_QUERY_LEXEMES
