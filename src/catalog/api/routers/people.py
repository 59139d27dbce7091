"""This node, its departments and its users."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from catalog.api.deps import NodeDep, ReaderDep, SessionDep, SettingsDep, UserDep, require_json
from catalog.center import people, security
from catalog.center.schemas import Storable
from catalog.center.vocab import Role
from catalog.sync.status import node_overview

router = APIRouter(prefix="/api/v1", dependencies=[Depends(require_json)], tags=["node"])


class DepartmentIn(BaseModel):
    code: Annotated[str, Field(min_length=1, max_length=64), Storable]
    name: Annotated[str, Field(min_length=1, max_length=200), Storable]


class UserIn(BaseModel):
    username: Annotated[str, Field(min_length=1, max_length=64), Storable]
    role: Role
    department_code: Annotated[str | None, Field(max_length=64), Storable] = None


@router.get("/node")
def get_node(
    session: SessionDep, node: NodeDep, settings: SettingsDep, actor: ReaderDep
) -> dict[str, Any]:
    """This centre, its parent and its direct children (with their last sync)."""
    return node_overview(session, node=node, parent_url=settings.parent_url)


@router.get("/departments")
def list_departments(session: SessionDep, actor: ReaderDep) -> list[dict[str, str]]:
    """The providing departments of this node."""
    return [{"code": d.code, "name": d.name} for d in people.list_departments(session)]


@router.post("/departments", status_code=201)
def create_department(body: DepartmentIn, session: SessionDep, actor: UserDep) -> dict[str, str]:
    """Register a department (admin)."""
    department = people.create_department(session, code=body.code, name=body.name, actor=actor)
    return {"code": department.code, "name": department.name}


@router.post("/users", status_code=201)
def create_user(
    body: UserIn, session: SessionDep, settings: SettingsDep, actor: UserDep
) -> dict[str, Any]:
    """Create a user (admin); the answer holds the token, shown this once."""
    issued = people.create_user(
        session,
        username=body.username,
        role=body.role,
        department_code=body.department_code,
        actor=actor,
        ttl_days=settings.token_ttl_days,
    )
    return {
        "username": issued.user.username,
        "role": issued.user.role,
        "department_code": body.department_code,
        "token": issued.token,
        "expires_at": issued.expires_at.isoformat(),
    }


@router.post("/users/{username}/revoke")
def revoke_user(username: str, session: SessionDep, actor: UserDep) -> dict[str, Any]:
    """Revoke every token of a user (admin)."""
    return {
        "username": username,
        "revoked": people.revoke_user(session, username=username, actor=actor),
    }


@router.get("/security-events")
def security_events(
    session: SessionDep, actor: UserDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[dict[str, Any]]:
    """The newest entries of the security log (admin)."""
    return security.recent_events(session, actor=actor, limit=limit)
