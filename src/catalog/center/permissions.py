"""Who may do what (the roles of API.md), as plain predicates over an `Actor`.

Visibility is answered with 404 (a reader cannot tell a hidden draft or secret resource from a
missing one); actions on something the actor can see but may not change are answered with 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from catalog.center.errors import Forbidden, Unauthenticated
from catalog.center.vocab import Role


@dataclass(frozen=True)
class Actor:
    """The user a request acts for; `role` None means anonymous.

    `home_node` is set for a federated reader: a user of an ancestor centre, vouched for by it
    (API.md "Federated readers"), who acts here as a reader and never writes.
    """

    username: str | None
    role: Role | None
    department_code: str | None = None
    user_id: int | None = None
    home_node: str | None = None

    @classmethod
    def anonymous(cls) -> Actor:
        """Nobody: may read what anonymous reading allows."""
        return cls(username=None, role=None)

    @classmethod
    def operator(cls) -> Actor:
        """The person at the node's console (CLI): acts as an admin."""
        return cls(username="operator", role=Role.ADMIN)

    @classmethod
    def federated(cls, username: str, home_node: str) -> Actor:
        """A user of an ancestor centre: a reader here, whatever their role at home."""
        return cls(username=username, role=Role.READER, home_node=home_node)

    @property
    def name(self) -> str:
        """How the actor appears in logs (a federated reader with their home node)."""
        if self.home_node:
            return f"{self.username}@{self.home_node}"
        return self.username or "anonymous"

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def is_reviewer(self) -> bool:
        """Reviewers and admins act node-wide."""
        return self.role in (Role.ADMIN, Role.REVIEWER)

    def belongs_to(self, department_code: str) -> bool:
        """True for a user of that department."""
        return not self.is_anonymous and self.department_code == department_code


def require_user(actor: Actor) -> None:
    """Refuse anonymous callers."""
    if actor.is_anonymous:
        raise Unauthenticated("a bearer token is required")


def require_admin(actor: Actor) -> None:
    """Only admins administer departments and users."""
    require_user(actor)
    if not actor.is_admin:
        raise Forbidden("only an admin may do this")


def require_reviewer(actor: Actor) -> None:
    """Approving, rejecting and retiring are for reviewers and admins."""
    require_user(actor)
    if not actor.is_reviewer:
        raise Forbidden("only a reviewer or an admin may do this")


def require_editor(actor: Actor, department_code: str) -> None:
    """Cataloguers write only their own department's resources; admins write any."""
    require_user(actor)
    if actor.is_admin:
        return
    if actor.role is not Role.CATALOGUER:
        raise Forbidden("only a cataloguer or an admin may write resources")
    if actor.department_code != department_code:
        raise Forbidden(
            f"a cataloguer may only write resources of department {actor.department_code}"
        )


def require_cataloguing(actor: Actor) -> None:
    """Extraction makes the node read files, fetch pages and log in to databases: it is for the
    people who catalogue (cataloguers and admins), not for every reader."""
    require_user(actor)
    if not (actor.is_admin or actor.role is Role.CATALOGUER):
        raise Forbidden("only a cataloguer or an admin may extract metadata")


def sees_unpublished(actor: Actor, department_code: str) -> bool:
    """Drafts and secret resources are for their department, reviewers and admins."""
    return actor.is_reviewer or actor.belongs_to(department_code)
