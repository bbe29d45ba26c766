"""The caller of a request: role, organisation, and the organisations whose records it may see.

Most decisions are the route's (`access.policies`); the helpers here are for the few a service can only
make once it holds the record or the body (whose organisation it is), so they all answer the same way.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from services.api.access import messages
from services.kit.errors import Forbidden, NotFound
from shared.enums import OrganizationKind, Role


@dataclass(frozen=True)
class Caller:
    """Who is calling. `visible_ids` is None for admin keys, which see every organisation."""

    api_key_id: uuid.UUID
    role: Role
    organization_id: uuid.UUID | None
    organization_kind: OrganizationKind | None
    visible_ids: frozenset[uuid.UUID] | None
    # Set by a route policy decided after the lookup (`Policy(after_lookup=True)`): this caller may not act
    # there, and the first `ensure_*` below (once the record was found, so 404 comes first) answers 403.
    refusal: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN

    @property
    def can_write(self) -> bool:
        return self.role is not Role.BI_READONLY

    def sees(self, organization_id: uuid.UUID) -> bool:
        return self.visible_ids is None or organization_id in self.visible_ids

    def ensure_visible(self, organization_id: uuid.UUID, what: str) -> None:
        """Records outside the scope answer 404, so their existence is not revealed."""
        if not self.sees(organization_id):
            raise NotFound(messages.not_found(what))

    def ensure_writable(self, organization_id: uuid.UUID, what: str) -> None:
        """A caller writes only its own organisation's records (admin: any); others in its scope it only reads."""
        self.ensure_visible(organization_id, what)
        self.ensure_owner(organization_id, messages.only_own_organization_writes(what))

    def ensure_owner(self, organization_id: uuid.UUID | None, refusal: str) -> None:
        """403 unless the caller writes and acts for `organization_id` (admin: for any)."""
        self.ensure_allowed()
        if not self.can_write:
            raise Forbidden(messages.READ_ONLY_KEY)
        self.ensure_member((organization_id,), refusal)

    def ensure_member(self, organization_ids: Iterable[uuid.UUID | None], refusal: str) -> None:
        """403 unless the caller's own organisation is one of `organization_ids` (admin: always)."""
        self.ensure_allowed()
        if not self.is_admin and self.organization_id not in set(organization_ids):
            raise Forbidden(refusal)

    def ensure_admin(self, refusal: str) -> None:
        """403 unless the caller is an administrator: for what the body asks (the route allowed the call)."""
        self.ensure_allowed()
        if not self.is_admin:
            raise Forbidden(refusal)

    def ensure_allowed(self) -> None:
        """403 if the route's policy refused this caller: called once the record is found (see `refusal`)."""
        if self.refusal is not None:
            raise Forbidden(self.refusal)

    def default_organization(self) -> uuid.UUID | None:
        return self.organization_id
