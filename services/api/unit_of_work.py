"""The request's unit of work: every write commits before its answer leaves.

Every API router is built with `api_router()`, whose routes run each write (POST, PUT, PATCH, DELETE) as
one unit of work around the handler:

1. the caller is authenticated first, before any byte of the body is read;
2. one session and one transaction are opened; with an `Idempotency-Key`, the key is claimed inside that
   transaction (a transaction-level advisory lock: it ends exactly when the request's transaction or its
   process ends) and a stored answer is replayed;
3. the handler runs on that session and builds its response; if the route's policy refused the caller
   after the lookup (`access.policies`, `after_lookup`) and no service raised that 403, it is raised here,
   so a refused call never succeeds (fail closed);
4. the idempotent answer is stored in the same transaction, and the transaction commits;
5. only then does the response leave. A failed commit raises, so the client gets a problem and nothing
   was stored, the replayable answer included.
"""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import APIRouter, Request
from fastapi.dependencies.models import Dependant
from fastapi.responses import Response
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials

from services.api import idempotency
from services.api.access.authentication import bearer, get_caller
from services.api.access.policies import refusal_left
from services.api.db import Database

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _calls(dependant: Dependant) -> set[Any]:
    found = {dependant.call}
    for dependency in dependant.dependencies:
        found |= _calls(dependency)
    return found


class UnitOfWorkRoute(APIRoute):
    """A route whose writes are units of work (see the module's docstring)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        writes = bool((self.methods or set()) - SAFE_METHODS)
        needs_caller = get_caller in _calls(self.dependant)

        async def run(request: Request) -> Response:
            if needs_caller:
                # Authentication first: a request with no valid key is answered before its body is read.
                credentials: HTTPAuthorizationCredentials | None = await bearer(request)
                await get_caller(request, credentials)
            if not writes:
                return _refused_or(request, await handler(request))
            database: Database = request.app.state.database
            async with database.write_session() as session:
                request.state.session = session
                try:
                    claim = await idempotency.claim(request, session) if needs_caller else None
                    if claim is not None and claim.replay is not None:
                        await session.rollback()
                        return claim.replay
                    response = _refused_or(request, await handler(request))
                    if claim is not None:
                        await idempotency.store(session, claim, response)
                    await session.commit()
                    for action in getattr(request.state, "after_commit", ()):
                        action()
                except BaseException:
                    await session.rollback()
                    raise
                finally:
                    request.state.session = None
            return response

        return run


def _refused_or(request: Request, response: Response) -> Response:
    # A route whose policy refused the caller after the lookup never answers success, even if its service
    # did not raise the 403 (see `access.policies.Policy`): raised here, it rolls the transaction back.
    refused = refusal_left(request)
    if refused is not None:
        raise refused
    return response


def after_commit(request: Request, action: Callable[[], None]) -> None:
    """Run `action` once the request's transaction has committed (and never if it does not): forgetting a
    remembered caller before the commit would let a concurrent lookup remember the old state again."""
    request.state.after_commit = [*getattr(request.state, "after_commit", ()), action]


def api_router(**options: Any) -> APIRouter:
    """An APIRouter whose routes are units of work; every API area builds its routers with it."""
    return APIRouter(route_class=UnitOfWorkRoute, **options)
