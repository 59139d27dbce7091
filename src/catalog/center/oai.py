"""OAI-PMH 2.0: the node's published catalogue for harvesters (open-data portals, other catalogues).

The six verbs over the records anyone may read (published and retired, never secret; one made
secret after being shared stays as a deleted record, without its metadata), in the
`oai_dc` and `gbt21063` formats. A record's datestamp is when it last changed in this repository
(`resource.harvest_stamp`); retired records stay as deleted headers for good (`deletedRecord`
persistent). Lists are paged with keyset resumption tokens on (datestamp, id), so a harvest of a
million records costs the same per page at the end as at the start and survives concurrent writes.

Sets are hierarchical (`:` separates levels, a record of `a:b` is also in `a`):
`node:ORIGIN`, `department:ORIGIN:CODE`, `format:CATEGORY`.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from lxml import etree
from sqlalchemy import Select, and_, func, not_, or_, select, true, tuple_
from sqlalchemy.orm import Session

from catalog.center import gbt21063
from catalog.center.models import Resource
from catalog.center.node import Node
from catalog.center.oai_records import (
    OAI,
    OAI_DC,
    OAI_DC_SCHEMA,
    OAI_SCHEMA,
    XSI,
    header,
    record_element,
    stamp,
    sub,
)
from catalog.center.oai_sets import list_sets

PAGE = 200
GRANULARITY = "YYYY-MM-DDThh:mm:ssZ"

_VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "ListRecords": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
}
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SECONDS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
_SET = re.compile(r"^(node|department|format)(:[A-Za-z0-9_.\-]+)*$")
_IDENTIFIER = re.compile(r"^urn:uuid:([0-9a-fA-F-]{36})$")


class OaiError(Exception):
    """An OAI-PMH error condition: answered with HTTP 200 and an <error code=...> element."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Repository:
    """What Identify says about this node, and where its schemas are served."""

    node: Node
    base_url: str
    admin_email: str

    @property
    def formats(self) -> dict[str, tuple[str, str]]:
        """metadataPrefix -> (schema, namespace)."""
        return {
            "oai_dc": (OAI_DC_SCHEMA, OAI_DC),
            "gbt21063": (f"{self.base_url}/schemas/gbt21063.xsd", gbt21063.CORE),
        }


@dataclass(frozen=True)
class _Query:
    prefix: str
    set_spec: str | None
    start: datetime | None
    end: datetime | None  # exclusive
    after: tuple[datetime, uuid.UUID] | None = None
    cursor: int = 0
    args: tuple[str | None, str | None] = (None, None)  # from/until as given, for the token


def respond(
    session: Session, repository: Repository, arguments: Sequence[tuple[str, str]]
) -> bytes:
    """The OAI-PMH response document for a request's arguments (query string or form)."""
    nsmap: dict[Any, str] = {None: OAI, "xsi": XSI}
    root = etree.Element(f"{{{OAI}}}OAI-PMH", nsmap=nsmap)
    root.set(f"{{{XSI}}}schemaLocation", f"{OAI} {OAI_SCHEMA}")
    sub(root, "responseDate", stamp(datetime.now(UTC)))
    request = sub(root, "request", repository.base_url)
    try:
        verb, args = _arguments(arguments)
        for name, value in sorted({"verb": verb, **args}.items()):
            request.set(name, value)
        root.append(_HANDLERS[verb](session, repository, args))
    except OaiError as error:
        if error.code in ("badVerb", "badArgument"):
            request.attrib.clear()  # the protocol: echo only the base URL of a bad request
        error_element = sub(root, "error", error.message)
        error_element.set("code", error.code)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _arguments(arguments: Sequence[tuple[str, str]]) -> tuple[str, dict[str, str]]:
    args: dict[str, str] = {}
    for name, value in arguments:
        if name in args:
            raise OaiError("badArgument", f"argument {name} is repeated")
        args[name] = value
    verb = args.pop("verb", None)
    if verb not in _VERBS:
        raise OaiError("badVerb", "missing or unknown verb" if verb is None else f"no verb {verb}")
    required, optional = _VERBS[verb]
    unknown = set(args) - required - optional
    if unknown:
        raise OaiError("badArgument", f"{verb} takes no argument {', '.join(sorted(unknown))}")
    if "resumptionToken" in args:
        if len(args) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
    elif required - set(args):
        raise OaiError("badArgument", f"{verb} needs {', '.join(sorted(required - set(args)))}")
    return verb, args


def _identify(session: Session, repository: Repository, args: dict[str, str]) -> etree._Element:
    element = etree.Element(f"{{{OAI}}}Identify")
    earliest = session.scalar(select(func.min(Resource.harvest_stamp)).where(_harvestable()))
    for name, value in (
        ("repositoryName", repository.node.name),
        ("baseURL", repository.base_url),
        ("protocolVersion", "2.0"),
        ("adminEmail", repository.admin_email),
        ("earliestDatestamp", stamp(earliest or datetime.now(UTC))),
        ("deletedRecord", "persistent"),
        ("granularity", GRANULARITY),
    ):
        sub(element, name, value)
    return element


def _list_metadata_formats(
    session: Session, repository: Repository, args: dict[str, str]
) -> etree._Element:
    if "identifier" in args:
        _record(session, args["identifier"])
    element = etree.Element(f"{{{OAI}}}ListMetadataFormats")
    for prefix, (schema, namespace) in repository.formats.items():
        described = sub(element, "metadataFormat")
        sub(described, "metadataPrefix", prefix)
        sub(described, "schema", schema)
        sub(described, "metadataNamespace", namespace)
    return element


def _list_sets(session: Session, repository: Repository, args: dict[str, str]) -> etree._Element:
    if "resumptionToken" in args:
        raise OaiError("badResumptionToken", "ListSets is answered whole; no token was issued")
    element = etree.Element(f"{{{OAI}}}ListSets")
    for spec, name in list_sets(session):
        described = sub(element, "set")
        sub(described, "setSpec", spec)
        sub(described, "setName", name)
    return element


def _get_record(session: Session, repository: Repository, args: dict[str, str]) -> etree._Element:
    prefix = _prefix(repository, args["metadataPrefix"])
    resource = _record(session, args["identifier"])
    element = etree.Element(f"{{{OAI}}}GetRecord")
    element.append(record_element(resource, prefix))
    return element


def _list(
    session: Session, repository: Repository, args: dict[str, str], *, verb: str
) -> etree._Element:
    query = _token(args["resumptionToken"]) if "resumptionToken" in args else _new_query(args)
    _prefix(repository, query.prefix)
    statement = _selection(query).order_by(Resource.harvest_stamp, Resource.id).limit(PAGE + 1)
    rows = list(session.scalars(statement).unique())
    if not rows and query.after is None:
        raise OaiError("noRecordsMatch", "no records match the arguments")
    page, more = rows[:PAGE], len(rows) > PAGE
    element = etree.Element(f"{{{OAI}}}{verb}")
    for resource in page:
        if verb == "ListIdentifiers":
            element.append(header(resource))
        else:
            element.append(record_element(resource, query.prefix))
    if more or query.after is not None:
        token = sub(element, "resumptionToken", _encode_token(query, page[-1]) if more else None)
        token.set("cursor", str(query.cursor))
    return element


def _new_query(args: dict[str, str]) -> _Query:
    start = _datestamp(args.get("from"), "from", upper=False)
    end = _datestamp(args.get("until"), "until", upper=True)
    if "from" in args and "until" in args:
        if len(args["from"]) != len(args["until"]):
            raise OaiError("badArgument", "from and until must have the same granularity")
        if start is not None and end is not None and start >= end:
            raise OaiError("badArgument", "from is later than until")
    set_spec = args.get("set")
    if set_spec is not None and not _SET.match(set_spec):
        raise OaiError("badArgument", f"no set {set_spec} (sets: node:…, department:…, format:…)")
    return _Query(
        prefix=args["metadataPrefix"],
        set_spec=set_spec,
        start=start,
        end=end,
        args=(args.get("from"), args.get("until")),
    )


def _datestamp(value: str | None, name: str, *, upper: bool) -> datetime | None:
    """A from/until argument as an instant; `until` is inclusive, so its end is exclusive here."""
    if value is None:
        return None
    try:
        if _DAY.match(value):
            moment = datetime.combine(date.fromisoformat(value), time(), tzinfo=UTC)
            return moment + timedelta(days=1) if upper else moment
        if _SECONDS.match(value):
            moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
            return moment + timedelta(seconds=1) if upper else moment
    except ValueError:
        pass
    raise OaiError("badArgument", f"{name} must be YYYY-MM-DD or {GRANULARITY}")


def _selection(query: _Query) -> Select[Resource]:
    statement = select(Resource).where(_harvestable())
    if query.start is not None:
        statement = statement.where(Resource.harvest_stamp >= query.start)
    if query.end is not None:
        statement = statement.where(Resource.harvest_stamp < query.end)
    if query.after is not None:
        statement = statement.where(
            tuple_(Resource.harvest_stamp, Resource.id) > tuple_(*query.after)
        )
    if query.set_spec is not None:
        statement = statement.where(_in_set(query.set_spec))
    return statement


def _in_set(spec: str) -> Any:
    kind, *levels = spec.split(":")
    if kind == "node":
        return Resource.origin_code == levels[0] if levels else true()
    if kind == "department":
        conditions = [Resource.origin_code == levels[0]] if levels else []
        if len(levels) > 1:
            conditions.append(Resource.department_code == ":".join(levels[1:]))
        return and_(true(), *conditions)
    if levels:
        # A withdrawn record's format is its secret version's: it is in no format set.
        category = Resource.published["format"]["category"].astext
        return and_(category == levels[0], not_(Resource.secret))
    return true()


def _harvestable() -> Any:
    """What the OAI interface shows (the partial index ix_resource_harvest covers exactly this):
    published and retired records, and as deleted records those made secret after being shared."""
    shown = or_(not_(Resource.secret), Resource.withdrawn)
    return and_(Resource.status.in_(("published", "retired")), shown)


def _record(session: Session, identifier: str) -> Resource:
    match = _IDENTIFIER.match(identifier)
    resource = None
    if match:
        resource = session.scalars(
            select(Resource).where(_harvestable(), Resource.id == uuid.UUID(match.group(1)))
        ).first()
    if resource is None:
        raise OaiError("idDoesNotExist", f"no record {identifier} in this repository")
    return resource


def _prefix(repository: Repository, prefix: str) -> str:
    if prefix not in repository.formats:
        raise OaiError("cannotDisseminateFormat", f"no metadata format {prefix}")
    return prefix


def _encode_token(query: _Query, last: Resource) -> str:
    state = {
        "p": query.prefix,
        "s": query.set_spec,
        "f": query.args[0],
        "u": query.args[1],
        "a": [last.harvest_stamp.isoformat(), str(last.id)],
        "c": query.cursor + PAGE,
    }
    return base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")


def _token(token: str) -> _Query:
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        args = {"metadataPrefix": state["p"]}
        for key, name in (("s", "set"), ("f", "from"), ("u", "until")):
            if state[key] is not None:
                args[name] = state[key]
        query = _new_query(args)
        stamp, last_id = state["a"]
        after = (datetime.fromisoformat(stamp), uuid.UUID(last_id))
        return _Query(
            prefix=query.prefix,
            set_spec=query.set_spec,
            start=query.start,
            end=query.end,
            after=after,
            cursor=int(state["c"]),
            args=query.args,
        )
    except (ValueError, KeyError, TypeError, binascii.Error, OaiError):
        raise OaiError("badResumptionToken", "not a resumption token of this repository") from None


_Handler = Callable[[Session, Repository, dict[str, str]], etree._Element]
_HANDLERS: dict[str, _Handler] = {
    "Identify": _identify,
    "ListMetadataFormats": _list_metadata_formats,
    "ListSets": _list_sets,
    "ListIdentifiers": partial(_list, verb="ListIdentifiers"),
    "ListRecords": partial(_list, verb="ListRecords"),
    "GetRecord": _get_record,
}
