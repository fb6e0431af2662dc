"""API keys: created with a role, shown once, stored only as a SHA-256 hash, revocable."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, insert, select, update

from app.store.tables import api_keys

ROLES = ("researcher", "reviewer", "editor", "admin", "dispatcher")
SECRET_PREFIX = "ark_"


@dataclass(frozen=True)
class ApiKey:
    """A key as the service knows it: never the secret."""

    id: int
    name: str
    role: str
    prefix: str
    created_at: datetime
    revoked_at: datetime | None


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def create_key(connection: Connection, name: str, role: str) -> tuple[ApiKey, str]:
    """A new key and its secret (which is not stored and cannot be shown again)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    row = connection.execute(
        insert(api_keys)
        .values(name=name, role=role, prefix=secret[:12], secret_sha256=_digest(secret))
        .returning(api_keys)
    ).one()
    return _key(row), secret


def _key(row: object) -> ApiKey:
    mapping = row._mapping  # type: ignore[attr-defined]
    return ApiKey(
        mapping["id"], mapping["name"], mapping["role"], mapping["prefix"],
        mapping["created_at"], mapping["revoked_at"],
    )  # fmt: skip


def list_keys(connection: Connection) -> list[ApiKey]:
    """Every key, newest last."""
    return [_key(row) for row in connection.execute(select(api_keys).order_by(api_keys.c.id))]


def revoke_key(connection: Connection, key_id: int) -> bool:
    """Revoke a key at once; False when there is no such live key."""
    result = connection.execute(
        update(api_keys)
        .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
        .values(revoked_at=func.now())
    )
    return bool(result.rowcount)


def authenticate(connection: Connection, secret: str) -> ApiKey | None:
    """The live key with this secret, or None (unknown or revoked)."""
    row = connection.execute(
        select(api_keys).where(
            api_keys.c.secret_sha256 == _digest(secret), api_keys.c.revoked_at.is_(None)
        )
    ).first()
    return _key(row) if row else None
