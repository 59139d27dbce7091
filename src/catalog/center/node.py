"""This node's identity, as stamped on every resource it originates."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Node:
    """A directory centre: its GB/T 2260 code, its name and the URL it is reached at."""

    code: str
    name: str
    url: str

    def as_dict(self) -> dict[str, Any]:
        """The `{"code", "name", "url"}` object of API.md."""
        return {"code": self.code, "name": self.name, "url": self.url}
