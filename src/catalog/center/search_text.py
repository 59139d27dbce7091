"""Chinese-aware text for the unified directory: normalising, character bigrams, query terms.

Chinese has no spaces between words and word segmenters miss substrings (`执照` inside `营业执照`),
so every run of letters and digits is indexed as its overlapping character bigrams plus its last
character. A term of two or more characters then matches through the AND of its bigrams and a
one-character term through a prefix match; the exact substring is rechecked on the normalised text,
so results are exactly the records that contain every term. Name bigrams are indexed a second
time with a marker, so the ranking can ask for name matches through the same index.

Normalising happens here, in Python, for both the records and the queries (NFKC folds full-width
forms, casefold folds case), because PostgreSQL's `lower()` depends on the database's locale.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass

# Anything that is not a letter or digit separates runs; `_` too, so `id_card` is two words.
_SEPARATORS = re.compile(r"[\W_]+")
_SAFE_VALUE = re.compile(r"^[0-9A-Za-z_.\-:]{1,80}$")
NAME_MARK = "~"  # cannot occur inside a run, so a marked lexeme never collides with a plain one
MAX_QUERY_LEXEMES = 32  # enough to narrow the candidates; the recheck is exact whatever the count


def normalise(text: str) -> str:
    """Fold width and case, and turn every run of separators into one space."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(run for run in _SEPARATORS.split(folded) if run)


# At each character of a run: the bigram starting there, or at the run's end the character alone.
# Normalised runs are exactly the word characters (`_` is a separator), so no match crosses a space.
_LEXEME_AT = re.compile(r"(?=(\w\w?))")


def lexemes(normalised: str) -> set[str]:
    """The bigrams and last characters of every run of already normalised text (one regular
    expression pass: 16 % faster than slicing each run, and records are indexed by the million)."""
    return set(_LEXEME_AT.findall(normalised))


def document_lexemes(*, name: str, rest: str) -> set[str]:
    """What a record is indexed under: the lexemes of its text (its name and the rest of its
    normalised text) and its name's again, marked."""
    named = lexemes(name)
    return named | lexemes(rest) | {NAME_MARK + lexeme for lexeme in named}


@dataclass(frozen=True)
class TextQuery:
    """A parsed `q`: terms that must all occur, and the tsquery texts that find candidates."""

    terms: tuple[str, ...]
    # Lexemes nearly every record holds (a year's `20`): ANDing one into the index condition of
    # a longer term, which `strpos` rechecks anyway, costs reading its whole entry list (10-15
    # ms at 1,000,000 records) and rules out next to nothing.
    common: frozenset[str] = frozenset()

    @property
    def phrases(self) -> tuple[str, ...]:
        """The terms adjacent, as typed or run together (Chinese is written without spaces):
        a record holding either ranks above one with the same terms scattered."""
        return tuple(dict.fromkeys((" ".join(self.terms), "".join(self.terms))))

    @property
    def has_long_term(self) -> bool:
        """Some term is longer than two characters: its bigrams only find candidates, which
        `strpos` rechecks, and the planner, taking those bigrams as independent, misjudges how
        many records hold it."""
        return any(len(term) > 2 for term in self.terms)

    @property
    def matches_nothing(self) -> bool:
        """A query made only of separators (punctuation, emoji) can match no record."""
        return not self.terms

    def condition_bigrams(self, term: str, *, in_name: bool = False) -> list[str]:
        """The lexemes a term of two characters or more puts in the index condition (marked,
        for the name): its bigrams, but for a longer term not those nearly every record holds."""
        mark = NAME_MARK if in_name else ""
        bigrams = [mark + term[i : i + 2] for i in range(len(term) - 1)]
        if len(term) > 2:
            # Exact through the recheck, so one bigram of the term is enough to find it.
            bigrams = [b for b in bigrams if b not in self.common] or bigrams[:1]
        return bigrams

    def tsquery(self, *, in_name: bool = False) -> str:
        """The index condition for the terms, in the body text or (marked) in the name."""
        mark = NAME_MARK if in_name else ""
        parts = []
        for term in self.terms:
            if len(term) == 1:
                parts.append(quote_lexeme(mark + term) + ":*")
            else:
                parts.extend(map(quote_lexeme, self.condition_bigrams(term, in_name=in_name)))
        unique = list(dict.fromkeys(parts))
        if len(unique) > MAX_QUERY_LEXEMES:
            step = len(unique) / MAX_QUERY_LEXEMES
            unique = [unique[int(i * step)] for i in range(MAX_QUERY_LEXEMES)]
        return " & ".join(unique)


def parse_query(q: str) -> TextQuery:
    """Split a user's query into normalised terms (duplicates dropped, order kept)."""
    return TextQuery(terms=tuple(dict.fromkeys(normalise(q).split())))


@functools.lru_cache(maxsize=4096)
def facet_lexeme(kind: str, value: str) -> str | None:
    """The index entry of a filter value (`#f:database`), None for a value unfit to be one.

    These hold characters no text lexeme has, so they never collide with text; a text query
    ANDs the ones of its filters into its index condition, so the index alone narrows text and
    filters together. A value that is left out is still filtered on the row: only slower.
    Remembered, because every record written asks again for the same few codes and names.
    """
    return f"#{kind}:{value}" if _SAFE_VALUE.match(value) else None


def quote_lexeme(lexeme: str) -> str:
    """A lexeme quoted for the tsquery parser."""
    # Lexemes hold letters, digits and the marker only; quoting keeps that true for the parser.
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
