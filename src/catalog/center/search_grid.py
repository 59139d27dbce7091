"""Bounding boxes as entries of the bigram index, so a box narrows a search inside that index.

A box filter checked row by row visits every candidate the text found: `牙克石` with a box read
23,911 rows (21,066 heap pages, 64 ms) to find that none lay in the box. A separate box index
(GiST) cannot be combined cheaply with the text's entries either: PostgreSQL ANDs whole bitmaps,
and the box's held 121,193 records. So each record's box is also indexed as the cells of a grid
that it touches, and a query's box as the cells it touches: boxes that intersect share a cell.

Cells come in levels of 1, 2, 4, ... 64 degrees. A record's own level is the finest whose cells
are at least as large as its box, so it touches at most 2 x 2 cells there (`#g:` entries); it is
also entered, as a smaller box, in the cells it touches at every coarser level (`#gc:`). A query
takes the finest level where this makes at most QUERY_ENTRIES entries, there both kinds of cell,
and at each coarser level only the records of that level (a coarser level's `#gc:` cells
would bring back every small box for miles around). A record's box that is not a proper box (out
of range, corners swapped: PostgreSQL's `box()` still orders them) is indexed as `#g:all`, which
every box query includes; the exact box test on the row decides for all candidates, so the grid
only has to never miss one.
"""

from __future__ import annotations

import math

LEVELS = (1, 2, 4, 8, 16, 32, 64)  # cell sizes in degrees, finest first
# Past this many entries a coarser level costs fewer entry lists to read for a few more rows to
# check (its cells reach further beyond the box). The index merges an OR group's lists entry by
# entry as it steps through the text's matches, so each list costs every step: a 5 x 5 degree box
# takes 96 entries at one degree and 36 at two, an 11 x 6 one 72 and 24, and the mix's 17 box
# queries took 598-657 ms at 64 against 779-824 at 128 (in-process, 1,000,000 records, the same
# answers; `税收` with a format in the 11 x 6 box 106 -> 76 ms, the slowest one 137 -> 113).
QUERY_ENTRIES = 64
ANYWHERE = "#g:all"


def record_cells(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> set[str]:
    """The index entries of a record's box (every record with a box that a node writes or
    receives comes through here: about 7.5 µs a box)."""
    if not (-180 <= min_lon <= max_lon <= 180 and -90 <= min_lat <= max_lat <= 90):
        return {ANYWHERE}
    extent = max(max_lon - min_lon, max_lat - min_lat)
    box = _shifted(min_lon, min_lat, max_lon, max_lat)
    cells: set[str] = set()
    kind = "#g:"  # the record's own level; "#gc:" at every coarser one
    for size in LEVELS:
        if size >= extent:
            cells.update(_cells(kind, size, *box))
            kind = "#gc:"
    return cells or {ANYWHERE}


def query_cells(min_lon: float, min_lat: float, max_lon: float, max_lat: float) -> list[str]:
    """The index entries a query's (checked, ordered) box matches any of: from the finest level
    where they are at most QUERY_ENTRIES (the coarsest level's are at most 37)."""
    box = _shifted(min_lon, min_lat, max_lon, max_lat)
    for start, size in enumerate(LEVELS):
        cells = [ANYWHERE, *_cells("#gc:", size, *box)]
        for coarser in LEVELS[start:]:
            cells += _cells("#g:", coarser, *box)
        if len(cells) <= QUERY_ENTRIES:
            break
    return cells


def _shifted(
    min_lon: float, min_lat: float, max_lon: float, max_lat: float
) -> tuple[float, float, float, float]:
    """The box in degrees east of -180 and north of -90, where cell numbers start at 0."""
    return min_lon + 180, min_lat + 90, max_lon + 180, max_lat + 90


def _cells(kind: str, size: int, west: float, south: float, east: float, north: float) -> list[str]:
    """The cells of one level that a (shifted) box touches: closed, so a box ending on a cell
    border touches the next cell too, as does one starting there. Most boxes sit in one cell
    of a level, and that case builds its one name directly."""
    x0, x1 = math.floor(west / size), math.floor(east / size)
    y0, y1 = math.floor(south / size), math.floor(north / size)
    if x0 == x1 and y0 == y1:
        return [f"{kind}{size}:{x0}:{y0}"]
    return [f"{kind}{size}:{x}:{y}" for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]
