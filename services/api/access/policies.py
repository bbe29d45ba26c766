"""Declarative access: each route names, in its signature, who may call it.

A policy is a FastAPI dependency over `get_caller`: it authenticates (401), then answers 403 with its
message when the caller's role may not act, and otherwise hands the route its `Caller`. Routers declare
the policy of each route as the caller parameter's type, so a router shows at a glance what each route
allows (as polar's per-endpoint auth dependencies do):

    @router.delete("/{organization_id}")
    async def delete_organization(caller: RetiresOrganizations, ...)   # admin_only(...)

What the role alone decides is decided here, before the handler runs. What needs the record or the body
(whose organisation it is) stays in the service, through the `Caller` helpers, whose messages are also in
`access.messages`. What a caller reads is its scope (`access.scope`): a record outside it answers 404.

This module holds the building blocks and the policies every area shares; an area's router names its own
from them (e.g. `RegistersOrganizations = Annotated[Caller, Depends(admin_only(...))]`), since the
platform knows no area.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated

from fastapi import Depends, Request

from services.api.access import messages
from services.api.access.authentication import CallerDep
from services.api.access.caller import Caller
from services.kit.errors import Forbidden
from shared.enums import Role


@dataclass(frozen=True, eq=False)  # compared by identity: FastAPI caches a dependency per callable
class Policy:
    """Allows a call when `allows(caller)`; otherwise 403 with `refusal` (`{role}` is the caller's role).

    A route that names a record (by path, or the organisation in its body) answers 404 for one outside
    the caller's scope before it answers 403 for the role, so a refusal reveals nothing the 404 hides.
    Such a route's policy is `after_lookup`: the handler gets the caller marked as refused, the service's
    first `Caller.ensure_*` after its lookup raises the 403, and should a handler end without one, the
    unit of work answers the 403 itself, before anything commits (a refused call never succeeds).
    """

    allows: Callable[[Caller], bool]
    refusal: str
    after_lookup: bool = False

    # Async on purpose: FastAPI runs a plain function in its thread pool, a hop every request would pay.
    async def __call__(self, request: Request, caller: CallerDep) -> Caller:
        if self.allows(caller):
            return caller
        refusal = self.refusal.format(role=caller.role)
        if not self.after_lookup:
            raise Forbidden(refusal)
        request.state.refusal = refusal
        return replace(caller, refusal=refusal)


def refusal_left(request: Request) -> Forbidden | None:
    """The 403 of an `after_lookup` policy that no service raised: the unit of work raises it, fail closed."""
    refusal: str | None = getattr(request.state, "refusal", None)
    return Forbidden(refusal) if refusal is not None else None


def admin_only(refusal: str, *, after_lookup: bool = False) -> Policy:
    return Policy(lambda caller: caller.is_admin, refusal, after_lookup)


def only_roles(*roles: Role, refusal: str, after_lookup: bool = False) -> Policy:
    allowed = frozenset(roles)
    return Policy(lambda caller: caller.role in allowed, refusal, after_lookup)


def all_roles_but(*roles: Role, refusal: str, after_lookup: bool = False) -> Policy:
    denied = frozenset(roles)
    return Policy(lambda caller: caller.role not in denied, refusal, after_lookup)


ReadsScope = CallerDep
"""Any valid key, every role: what it reads is its scope, and a record outside it answers 404."""

AnyKey = CallerDep
"""Any valid key, every role, for what belongs to no organisation (the calendar, the motive catalogue)."""

Writes = Annotated[Caller, Depends(all_roles_but(Role.BI_READONLY, refusal=messages.READ_ONLY_KEY, after_lookup=True))]
"""Every role but bi_readonly, and only its own organisation's records: `Caller.ensure_writable` (or
`ensure_owner`), called by the service once it found the record, answers both 403s."""

ChecksEachItem = CallerDep
"""Any valid key, for batch routes: each item is authorised on its own and refused in its result (207)."""
