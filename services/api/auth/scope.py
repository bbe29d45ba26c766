"""The caller of a request: role, organisation, and the organisations whose records it may see."""

import uuid
from dataclasses import dataclass

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
            raise NotFound(f"No existe {what} con ese identificador.")

    def ensure_writable(self, organization_id: uuid.UUID, what: str) -> None:
        """A caller writes only its own organisation's records (admin: any)."""
        self.ensure_visible(organization_id, what)
        if not self.can_write:
            raise Forbidden("Las claves bi_readonly solo pueden leer.")
        if not self.is_admin and organization_id != self.organization_id:
            raise Forbidden(f"Puede consultar {what}, pero solo su propia organización puede modificarlo.")

    def default_organization(self) -> uuid.UUID | None:
        return self.organization_id
