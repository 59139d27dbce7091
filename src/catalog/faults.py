"""Named crash points for the fault tests: a test-only setting makes the process die there.

`CATALOG_FAULT_POINT=ingest.before_commit` kills a node with SIGKILL at that point of its code,
deterministically, instead of racing a timer. Unset (always, outside the tests) it does nothing.
"""

from __future__ import annotations

import logging
import os
import signal

_log = logging.getLogger(__name__)
_armed: str | None = None

POINTS = frozenset({"ingest.before_commit", "push.before_ack_saved", "catalogue.after_batch"})


def arm(point: str | None) -> None:
    """Set the point this process dies at (from the settings, at start-up)."""
    global _armed
    if point is not None and point not in POINTS:
        raise ValueError(f"unknown fault point {point}; known: {', '.join(sorted(POINTS))}")
    _armed = point


def check(point: str) -> None:
    """Die here, at once and without clean-up, if this is the armed point."""
    if _armed == point:
        _log.error("fault point %s reached: killing this process", point)
        os.kill(os.getpid(), signal.SIGKILL)
