"""The node's settings: one object, read from the environment or an env file (API.md)."""

from __future__ import annotations

import ipaddress
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from catalog.center.node import Node

_DIVISION_CODE = re.compile(r"^\d{6}$")


class Settings(BaseSettings):
    """Everything a node is configured with; every CLI command reads the same settings."""

    model_config = SettingsConfigDict(env_prefix="CATALOG_", extra="ignore")

    node_code: str = "150000"
    node_name: str = "内蒙古自治区政务信息资源目录中心"
    database_url: str | None = None
    data_dir: Path = Path("/var/lib/catalog")
    public_url: str = "http://127.0.0.1:8000"
    parent_url: str | None = None
    node_key: SecretStr | None = None
    sync_enabled: bool = True
    # The MAC of this node's link to its parent: hmac-sha256, or hmac-sm3 where the parent
    # registered the link with --alg hmac-sm3 (national algorithms).
    sync_alg: Literal["hmac-sha256", "hmac-sm3"] = "hmac-sha256"
    anonymous_read: bool = True
    # Who answers for this node's catalogue (OAI-PMH Identify names it to harvesters).
    admin_email: str = "catalog-admin@localhost.localdomain"
    # 16 MB: a sync batch may be 8 MB (API.md) and must fit with room to spare.
    max_body_bytes: int = Field(default=16 * 1024 * 1024, gt=0)
    max_upload_bytes: int = Field(default=2 * 1024 * 1024 * 1024, gt=0)
    fetch_allow: Annotated[list[str], NoDecode] = Field(default_factory=list)
    token_ttl_days: int = Field(default=365, gt=0)
    # How often the push worker looks for changes when no notification woke it.
    sync_sweep_seconds: float = Field(default=30.0, gt=0)
    # Test-only: the named crash point of catalog/faults.py at which this process kills itself.
    fault_point: str | None = None

    @property
    def node(self) -> Node:
        """This node's identity, as its resources and peers see it."""
        return Node(code=self.node_code, name=self.node_name, url=self.public_url)

    @field_validator("node_code")
    @classmethod
    def _division_code(cls, value: str) -> str:
        if not _DIVISION_CODE.match(value):
            raise ValueError("must be a six-digit GB/T 2260 division code, e.g. 150000")
        return value

    @field_validator("public_url", "parent_url")
    @classmethod
    def _no_trailing_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else value

    @field_validator("fetch_allow", mode="before")
    @classmethod
    def _split_networks(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("fetch_allow")
    @classmethod
    def _valid_networks(cls, value: list[str]) -> list[str]:
        for network in value:
            ipaddress.ip_network(network, strict=False)
        return value


def load_settings() -> Settings:
    """Read the settings, honouring CATALOG_ENV_FILE as the one place an env file is named."""
    return Settings(_env_file=os.environ.get("CATALOG_ENV_FILE"))


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once."""
    return load_settings()
