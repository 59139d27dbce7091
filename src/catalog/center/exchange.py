"""Import and export of whole records: GB/T 21063.3 XML and JSON lines.

Import: every record stands alone. A valid one becomes a draft with a new code of this node (an
imported record is catalogued here, whatever code it had elsewhere); an invalid one is reported
with its index and reason and leaves nothing behind, while the records around it still land.
Export: the whole catalogue as one document, written record by record, so memory holds a page of
records and not the catalogue.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from lxml import etree
from pydantic import ValidationError
from sqlalchemy.orm import Session

from catalog.center import gbt21063, registry, xmlsafe
from catalog.center import repository as repo
from catalog.center.errors import CatalogError, FieldError, ValidationFailed, validation_fields
from catalog.center.node import Node
from catalog.center.permissions import Actor
from catalog.center.schemas import ResourceBody

Candidate = dict[str, Any] | CatalogError
"""One record of an import: the body it describes, or why it could not even be read."""

_PAGE = 500


@dataclass
class ImportReport:
    """The answer of API.md: what was created, and each refused record with its reason."""

    created: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"created": self.created, "errors": self.errors}


def xml_candidates(records: Iterable[etree._Element]) -> Iterator[Candidate]:
    """The bodies of `<Metadata>` elements."""
    for record in records:
        yield gbt21063.decode(record)


def xml_document(data: bytes) -> Iterator[Candidate]:
    """The records of an XML document held in memory: one `<Metadata>` or a `<MetadataSet>`.

    The document is parsed whole before anything is written, so an unsafe or malformed one is
    refused as a whole (UnsafeXML) and the import changes nothing.
    """
    root = xmlsafe.parse(data)
    if root.tag == gbt21063.RECORD:
        return xml_candidates([root])
    if root.tag != gbt21063.SET:
        raise xmlsafe.UnsafeXML(
            f"expected a Metadata or MetadataSet element of {gbt21063.CORE}, got {root.tag}"
        )
    return xml_candidates(root.iterfind(gbt21063.RECORD))


def xml_stream(source: IO[bytes]) -> Iterator[Candidate]:
    """The records of an XML file of any size, read one at a time (the CLI's import)."""
    return xml_candidates(xmlsafe.iter_records(source, gbt21063.RECORD))


def json_lines(lines: Iterable[bytes | str]) -> Iterator[Candidate]:
    """One record per non-empty line; a line that is not a JSON object is a refused record."""
    for line in lines:
        text = line.decode("utf-8", errors="replace") if isinstance(line, bytes) else line
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            yield ValidationFailed.on("body", f"not valid JSON: {error.msg}")
            continue
        if not isinstance(value, dict):
            yield ValidationFailed.on("body", "each line must be a JSON object")
            continue
        yield value


def import_records(
    session: Session,
    candidates: Iterable[Candidate],
    *,
    actor: Actor,
    node: Node,
    department_code: str | None = None,
) -> ImportReport:
    """Register each valid record as a draft, in a transaction of its own.

    `department_code` fills in records that name no department (records from catalogues that do
    not write the extension). Permissions are those of registering: a cataloguer imports for their
    own department only.
    """
    report = ImportReport()
    for index, candidate in enumerate(candidates):
        try:
            if isinstance(candidate, CatalogError):
                raise candidate
            if department_code and not candidate.get("department_code"):
                candidate = {**candidate, "department_code": department_code}
            try:
                body = ResourceBody.model_validate(candidate)
            except ValidationError as error:
                fields = validation_fields(error.errors())
                raise ValidationFailed("invalid record", fields) from None
            view = registry.register_resource(session, body=body, actor=actor, node=node)
        except CatalogError as error:
            session.rollback()
            report.errors.append(_refusal(index, error))
            continue
        report.created.append({"index": index, "id": view["id"], "code": view["code"]})
    return report


def _refusal(index: int, error: CatalogError) -> dict[str, Any]:
    fields = error.fields or [FieldError("body", error.detail)]
    return {
        "index": index,
        "error": error.code,
        "detail": error.detail,
        "fields": [{"path": f.path, "reason": f.reason} for f in fields],
    }


def resource_xml(session: Session, *, resource_id: uuid.UUID, actor: Actor) -> bytes:
    """One resource (the face the actor sees) as a GB/T 21063.3 document."""
    return gbt21063.to_bytes(registry.get_resource(session, resource_id=resource_id, actor=actor))


def views(
    session: Session, *, status: str | None = None, include_secret: bool = False
) -> Iterator[dict[str, Any]]:
    """Every resource this node holds, by the face an operator sees, a page at a time."""
    after: uuid.UUID | None = None
    while True:
        page = repo.resources(
            session, status=status, department_code=None, after=after, limit=_PAGE
        )
        for resource in page:
            if include_secret or not resource.secret:
                yield registry.face(session, resource)
        if len(page) < _PAGE:
            return
        after = page[-1].id
        session.expunge_all()


def write_xml(out: IO[bytes], records: Iterable[dict[str, Any]], *, node: Node) -> int:
    """Stream a `<MetadataSet>` document of the records to `out`; returns how many were written."""
    count = 0
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    with etree.xmlfile(out, encoding="UTF-8") as document:
        document.write_declaration()
        with document.element(
            gbt21063.SET, {"node": node.code, "exported": stamp}, nsmap=gbt21063.NSMAP
        ):
            for view in records:
                document.write(gbt21063.encode(view), pretty_print=True)
                count += 1
    return count


def write_json_lines(out: IO[bytes], records: Iterable[dict[str, Any]]) -> int:
    """Stream the records as JSON lines; returns how many were written."""
    count = 0
    for view in records:
        out.write(json.dumps(view, ensure_ascii=False).encode() + b"\n")
        count += 1
    return count
