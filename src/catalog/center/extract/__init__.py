"""Extraction (编目): a proposed resource body read from the resource itself.

Each module reads one family of resources with a well-kept library (pypdf, openpyxl, dbfread,
pyshp, Pillow, mutagen, lxml through the hardened parser) and returns a `Proposal`: the fields of
the REST body it could fill, and the facts it read that the body has no field for. Only
`drafts` writes to the catalogue (`?save=true`); `drafts.completed` also gives the folder walk
(center/cataloguing.py) its bodies.
"""
