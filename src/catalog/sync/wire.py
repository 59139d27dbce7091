"""The batch of API.md, as receivers validate it. Unknown fields are ignored at every level, so
nodes of different releases interoperate."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

NodeCode = Annotated[str, StringConstraints(pattern=r"^\d{6}$")]
MAX_CHANGES = 1000
MAX_BATCH_BYTES = 8 * 1024 * 1024


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class Party(_Wire):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(max_length=200)


class Origin(_Wire):
    code: NodeCode
    name: str = Field(max_length=200)
    url: str = Field(max_length=500)


class ResourceCopy(_Wire):
    """What a receiver needs of a resource to show, search and forward it."""

    id: uuid.UUID
    code: str = Field(min_length=3, max_length=64)
    status: Literal["published", "retired"]
    version: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=200)
    department: Party
    origin: Origin
    published_on: date | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ChangeIn(_Wire):
    seq: int = Field(ge=1)
    op: Literal["upsert", "retire"]
    id: uuid.UUID
    version: int = Field(ge=1)
    origin: NodeCode
    path: list[NodeCode] = Field(min_length=1, max_length=16)
    resource: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _upserts_carry_the_resource(self) -> ChangeIn:
        if self.op == "upsert" and self.resource is None:
            raise ValueError("an upsert must carry the resource")
        return self


class BatchIn(_Wire):
    node: NodeCode
    epoch: str = Field(min_length=1, max_length=64)
    from_seq: int = Field(ge=0)
    to_seq: int = Field(ge=0)
    changes: list[ChangeIn] = Field(max_length=MAX_CHANGES)
    next_after: int | None = None  # in the answer of a pull only
