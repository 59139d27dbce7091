"""Resource codes (信息资源代码): `<first classification code>/<origin node code><sequence>`.

The node code makes a code unique across the federation without coordination; the sequence makes
it unique within the node. `nextval()` is never rolled back, so no number is ever handed out twice.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from catalog.center.models import resource_code_seq


def format_code(classification_code: str, node_code: str, number: int) -> str:
    """The code's text: the sequence has at least six digits."""
    return f"{classification_code}/{node_code}{number:06d}"


def allocate_code(session: Session, *, classification_code: str, node_code: str) -> str:
    """Take the next number in the caller's transaction and build the code from it."""
    number = session.execute(select(resource_code_seq.next_value())).scalar_one()
    return format_code(classification_code, node_code, number)
