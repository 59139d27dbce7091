"""The resource body of API.md as pydantic models, with the validation rules of the standard.

Rules that involve more than one field raise `PydanticCustomError` with a `field` in its context:
the API appends it to the error's location, so every error names the exact field
(`share.condition`, not just `share`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from catalog.center.errors import NUL_REFUSED
from catalog.center.vocab import DataType, FormatCategory, LinkKind, ShareType, UpdateCycle


def _storable(value: str | None) -> str | None:
    # PostgreSQL's text and jsonb cannot hold the NUL character: refused here, with its field,
    # rather than failing the write.
    if value is not None and "\x00" in value:
        raise ValueError(NUL_REFUSED)
    return value


# For every free text a request carries (the API's own models use it too).
Storable = AfterValidator(_storable)


def _length(most: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=most)


Text50 = Annotated[str, _length(50), Storable]
Text100 = Annotated[str, _length(100), Storable]
Text200 = Annotated[str, _length(200), Storable]
Text500 = Annotated[str, _length(500), Storable]
Text2000 = Annotated[str, _length(2000), Storable]
Text4000 = Annotated[str, _length(4000), Storable]
ClassCode = Annotated[str, StringConstraints(strip_whitespace=True, pattern=r"^\d{1,20}$")]
DeptCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[0-9A-Za-z_\-.]{1,64}$")
]
ResourceCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\d{1,20}/\d{12,20}$")
]
RegionCode = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^\d{6}(\d{3})?(\d{3})?$")
]

_URL = re.compile(r"^(https?|ftp)://[^\s/?#]+[^\s]*$", re.IGNORECASE)


def _rule(field: str, kind: str, message: str) -> PydanticCustomError:
    return PydanticCustomError(kind, message, {"field": field})


class _Part(BaseModel):
    # Unknown fields are ignored, so a client may PUT back what it GOT (readers ignore what they
    # do not know, API.md); misspelt required fields still fail as missing.
    model_config = ConfigDict(extra="ignore")


class Classification(_Part):
    scheme: Text100
    code: ClassCode
    name: Text100


class Format(_Part):
    category: FormatCategory
    type: Text50 | None = None


class Item(_Part):
    """An information item (信息项): a column of a table or database."""

    name: Text100
    code: Text100 | None = None
    data_type: DataType
    length: int | None = Field(default=None, ge=1, le=1_000_000)
    description: Text500 | None = None


class Share(_Part):
    type: ShareType
    condition: Text2000 | None = None
    method: Text200 | None = None

    @model_validator(mode="after")
    def _condition_unless_unconditional(self) -> Share:
        if self.type is not ShareType.UNCONDITIONAL and not self.condition:
            what = "the conditions" if self.type is ShareType.CONDITIONAL else "the legal basis"
            raise _rule("condition", "missing", f"required when share type is {self.type}: {what}")
        return self


class Open(_Part):
    to_public: bool = False
    condition: Text2000 | None = None


class Link(_Part):
    url: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000), Storable]
    kind: LinkKind = LinkKind.OTHER
    title: Text200 | None = None

    @field_validator("url")
    @classmethod
    def _absolute_url(cls, value: str) -> str:
        if not _URL.match(value):
            raise ValueError("must be an absolute http, https or ftp URL")
        return value


class Spatial(_Part):
    bbox: list[float] | None = Field(default=None, min_length=4, max_length=4)
    region_code: RegionCode | None = None

    @model_validator(mode="after")
    def _bbox_in_range_and_ordered(self) -> Spatial:
        if self.bbox is None:
            return self
        min_lon, min_lat, max_lon, max_lat = self.bbox
        if not all(-180 <= lon <= 180 for lon in (min_lon, max_lon)):
            raise _rule("bbox", "out_of_range", "longitudes must lie within -180..180")
        if not all(-90 <= lat <= 90 for lat in (min_lat, max_lat)):
            raise _rule("bbox", "out_of_range", "latitudes must lie within -90..90")
        if min_lon > max_lon or min_lat > max_lat:
            raise _rule("bbox", "unordered", "must be [min_lon, min_lat, max_lon, max_lat]")
        return self


class Temporal(_Part):
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Temporal:
        if self.start and self.end and self.start > self.end:
            raise _rule("end", "unordered", "must not be before start")
        return self


class ResourceBody(_Part):
    """What a cataloguer writes about a resource (the create and replace body of API.md)."""

    name: Text200
    abstract: Text4000
    department_code: DeptCode
    classification: list[Classification] = Field(min_length=1, max_length=20)
    format: Format
    keywords: list[Text50] = Field(default_factory=list, max_length=50)
    items: list[Item] = Field(default_factory=list, max_length=2000)
    share: Share
    open: Open = Field(default_factory=Open)
    secret: bool = False
    update_cycle: UpdateCycle
    links: list[Link] = Field(default_factory=list, max_length=50)
    spatial: Spatial | None = None
    temporal: Temporal | None = None
    related_codes: list[ResourceCode] = Field(default_factory=list, max_length=100)
    location: Text500 | None = None
    # Non-electronic resources (paper archives): who keeps them, and how much there is.
    custodian: Text200 | None = None
    volume: Text100 | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ResourceBody:
        if self.open.to_public and self.share.type is ShareType.NONE:
            raise _rule(
                "open.to_public", "not_shared", "a resource that is not shared cannot be open"
            )
        if self.open.to_public and self.secret:
            raise _rule("open.to_public", "secret", "a secret resource cannot be open")
        if self.format.category is FormatCategory.NON_ELECTRONIC and not self.location:
            raise _rule("location", "missing", "required for non-electronic resources")
        return self

    def to_document(self) -> dict[str, Any]:
        """The body as stored: JSON-ready, with empty optional parts left out."""
        return self.model_dump(mode="json", exclude_none=True)
