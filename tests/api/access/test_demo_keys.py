"""Keys that outlive their purpose: `make run`'s demo keys and the configured PARTICIPA_ADMIN_API_KEY.

Each `make run` prints fresh demo keys; those of the run before are revoked, so a key left in an old
terminal or pasted in a chat stops working. A configured admin key that an admin revoked stays revoked
when the API restarts with the same value: only a new value brings a new admin key.
"""

import uuid

import httpx
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from services.api.access.authentication import authenticate
from services.api.access.caller import Caller
from services.api.access.keys import display_prefix, generate_api_key, hash_api_key
from services.api.auth import repository as auth_repository
from services.api.auth import service as auth_service
from services.api.config import Settings
from services.api.demo.load import DEMO_ADMIN_KEY_NAME, DEMO_KEY_NAME, DemoKeys, load_demo
from services.api.main import create_app
from services.api.models import ApiKeyRow
from services.api.organizations import service as organizations_service
from services.api.organizations.schemas import OrganizationCreate
from services.kit.errors import Unauthorized
from shared.enums import OrganizationKind, Role

KEYS = "/v1/api-keys"
ORGS = "/v1/organizations"


def admin_caller(row: ApiKeyRow) -> Caller:
    return Caller(api_key_id=row.id, role=Role.ADMIN, organization_id=None, organization_kind=None, visible_ids=None)


async def is_valid(session: AsyncSession, secret: str) -> bool:
    try:
        await authenticate(session, secret)
    except Unauthorized:
        return False
    return True


def demo_secrets(keys: DemoKeys) -> list[str]:
    return [keys.association, keys.eps, keys.secretaria]


# --- PARTICIPA_ADMIN_API_KEY -------------------------------------------------------------------------------


async def test_ensure_admin_key_creates_it_once_and_never_reactivates_it(session: AsyncSession) -> None:
    secret = generate_api_key()
    created = await auth_service.ensure_admin_key(session, secret)
    again = await auth_service.ensure_admin_key(session, secret)
    assert again.id == created.id
    assert (created.role, created.organization_id, created.revoked_at) == ("admin", None, None)
    assert await is_valid(session, secret)

    assert await auth_repository.revoke_key(session, created.id, created.version) is not None
    after_restart = await auth_service.ensure_admin_key(session, secret)
    assert after_restart.id == created.id
    assert after_restart.revoked_at is not None, "a restart must not re-activate a revoked admin key"
    assert not await is_valid(session, secret)

    replacement = generate_api_key()  # the operator rotates the value
    fresh = await auth_service.ensure_admin_key(session, replacement)
    assert fresh.id != created.id
    assert fresh.revoked_at is None
    assert await is_valid(session, replacement)


async def test_a_revoked_configured_admin_key_stays_revoked_across_restarts(
    database_url: str, engine: AsyncEngine
) -> None:
    # The lifespan commits to the worker database (outside any test transaction): a random key, removed after.
    secret = generate_api_key()
    headers = {"Authorization": f"Bearer {secret}"}
    app = create_app(Settings(database_url=database_url, participa_admin_api_key=secret))
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
                assert (await client.get(ORGS, headers=headers)).status_code == 200
                async with engine.connect() as connection:
                    key_id = (
                        await connection.execute(
                            select(col(ApiKeyRow.id)).where(col(ApiKeyRow.key_hash) == hash_api_key(secret))
                        )
                    ).scalar_one()
                # The admin revokes the configured key itself, as after a leak.
                current = await client.get(f"{KEYS}/{key_id}", headers=headers)
                assert current.status_code == 200, current.text
                revoked = await client.delete(
                    f"{KEYS}/{key_id}", headers={**headers, "If-Match": current.headers["ETag"]}
                )
                assert revoked.status_code == 204, revoked.text
        async with app.router.lifespan_context(app):  # a restart with the same value
            transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="http://participa.test") as client:
                assert (await client.get(ORGS, headers=headers)).status_code == 401
        statement = select(col(ApiKeyRow.revoked_at)).where(col(ApiKeyRow.key_hash) == hash_api_key(secret))
        async with engine.connect() as connection:
            (revoked_at,) = (await connection.execute(statement)).scalars().all()
        assert revoked_at is not None
    finally:
        async with engine.begin() as connection:
            await connection.execute(delete(ApiKeyRow).where(col(ApiKeyRow.key_hash) == hash_api_key(secret)))


# --- make run's demo keys ----------------------------------------------------------------------------------


async def test_each_demo_run_revokes_the_keys_of_the_run_before(session: AsyncSession) -> None:
    configured_secret = generate_api_key()
    configured = await auth_service.ensure_admin_key(session, configured_secret)
    # Each run without PARTICIPA_ADMIN_API_KEY generates its admin key just before loading the demo.
    generated_secrets = [generate_api_key(), generate_api_key()]
    first_admin = await auth_service.ensure_admin_key(session, generated_secrets[0], name=DEMO_ADMIN_KEY_NAME)
    first = await load_demo(session, admin_caller(first_admin))
    assert all([await is_valid(session, secret) for secret in demo_secrets(first)])
    # A key that happens to carry the demo's name, of an organisation outside the demo, is not the demo's.
    outsider = await organizations_service.create_organization(
        session,
        admin_caller(configured),
        OrganizationCreate(kind=OrganizationKind.IPS, name=f"IPS {uuid.uuid4().hex[:6]}", municipality_code="05001"),
    )
    outsider_secret = generate_api_key()
    await auth_repository.insert_key(
        session,
        ApiKeyRow(
            organization_id=outsider.id,
            role=Role.EPS_IPS.value,
            name=DEMO_KEY_NAME,
            prefix=display_prefix(outsider_secret),
            key_hash=hash_api_key(outsider_secret),
        ),
    )

    second_admin = await auth_service.ensure_admin_key(session, generated_secrets[1], name=DEMO_ADMIN_KEY_NAME)
    second = await load_demo(session, admin_caller(second_admin))
    assert second.plan_id == first.plan_id, "the demo data is loaded once"
    assert second.revoked == 3 + 1, "three demo keys and the first run's generated admin key"
    assert not any([await is_valid(session, secret) for secret in demo_secrets(first)])
    assert all([await is_valid(session, secret) for secret in demo_secrets(second)])
    assert not await is_valid(session, generated_secrets[0]), "a generated admin key lives one run"
    assert await is_valid(session, generated_secrets[1]), "the running demo's admin key"
    assert await is_valid(session, configured_secret), "a configured admin key is never revoked by the demo"
    assert await is_valid(session, outsider_secret)

    statement = select(col(ApiKeyRow.organization_id)).where(
        col(ApiKeyRow.name) == DEMO_KEY_NAME, col(ApiKeyRow.revoked_at).is_(None)
    )
    active = (await session.execute(statement)).scalars().all()
    assert len(active) == 3 + 1, "this run's three demo keys and the outsider's"
