"""Bearer API keys: who is calling, and whether their role may do what they ask."""

from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from app.api.dependencies import EngineDep
from app.api.problems import Problem
from app.store.api_keys import ApiKey, authenticate

BEARER = {"WWW-Authenticate": 'Bearer realm="airspace-risk"'}


def _secret(request: Request) -> str | None:
    """The bearer token of the request, if any."""
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


async def optional_key(request: Request, engine: EngineDep) -> ApiKey | None:
    """The caller's key, None without one; 401 for an unknown or revoked key."""
    secret = _secret(request)
    if secret is None:
        return None

    def lookup() -> ApiKey | None:
        with engine.connect() as connection:
            return authenticate(connection, secret)

    key = await run_in_threadpool(lookup)
    if key is None:
        raise Problem(401, "the API key is unknown or revoked", "unauthorized", headers=BEARER)
    request.state.key = key
    return key


def require_role(*roles: str):  # type: ignore[no-untyped-def]
    """A dependency that lets through only keys of these roles (401 without a key, 403 else)."""

    async def dependency(key: Annotated[ApiKey | None, Depends(optional_key)]) -> ApiKey:
        if key is None:
            raise Problem(
                401, "this needs an API key: Authorization: Bearer <key>", "unauthorized",
                headers=BEARER,
            )  # fmt: skip
        if key.role not in roles:
            raise Problem(
                403, f"a {key.role} key may not do this (needs: {', '.join(roles)})", "forbidden"
            )
        return key

    return dependency


async def reader(key: Annotated[ApiKey | None, Depends(optional_key)], request: Request) -> None:
    """When reading is key-only (AIRSPACE_RISK_READ_REQUIRES_KEY), any live key may read."""
    if request.app.state.settings.read_requires_key and key is None:
        raise Problem(
            401, "reading needs an API key on this server", "unauthorized", headers=BEARER
        )
