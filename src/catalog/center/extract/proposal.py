"""What an extractor returns, and the error for a resource it cannot read."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from catalog.center.errors import FieldError, ValidationFailed


class Unreadable(ValidationFailed):
    """The resource is not what it claims to be, is damaged, or is hostile (a zip bomb)."""

    def __init__(self, reason: str, *, path: str = "file") -> None:
        super().__init__(f"{path}: {reason}", [FieldError(path, reason)])


@dataclass
class Proposal:
    """A partial resource body, and the facts behind it (pages, rows, CRS, duration, checksum)."""

    body: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The proposed body, with what was read under `extracted` (which PUT and POST ignore)."""
        return {**self.body, "extracted": self.facts}

    def title(self, value: Any, *, limit: int = 200) -> None:
        """Take a name if none was found yet and this one is not blank."""
        text = _clean(value, limit)
        if text and not self.body.get("name"):
            self.body["name"] = text

    def describe(self, value: Any, *, limit: int = 4000) -> None:
        """Take an abstract if none was found yet and this one is not blank."""
        text = _clean(value, limit)
        if text and not self.body.get("abstract"):
            self.body["abstract"] = text

    def keywords(self, values: list[str]) -> None:
        """Add keywords, each at most 50 characters, without repeats."""
        have = self.body.setdefault("keywords", [])
        for value in values:
            text = _clean(value, 50)
            if text and text not in have and len(have) < 50:
                have.append(text)

    def temporal(self, start: str | None, end: str | None) -> None:
        """A time span from dates (YYYY-MM-DD), when at least one is known."""
        span = {k: v for k, v in (("start", start), ("end", end)) if v}
        if span:
            self.body["temporal"] = span


def _clean(value: Any, limit: int) -> str:
    if value is None:
        return ""
    text = " ".join(str(value).split())
    return text[:limit]
