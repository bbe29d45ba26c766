"""The per-process memory of authenticated callers: short-lived, forgets revoked keys at once."""

import asyncio
import time
import uuid

import pytest

from services.api.access.cache import CallerCache
from services.api.access.caller import Caller
from shared.enums import Role


def caller() -> Caller:
    return Caller(
        api_key_id=uuid.uuid4(), role=Role.ADMIN, organization_id=None, organization_kind=None, visible_ids=None
    )


def test_remembers_within_the_ttl_and_forgets_after(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = CallerCache(ttl_seconds=5)
    remembered = caller()
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now)
    cache.put("hash", remembered)
    assert cache.get("hash") is remembered
    monkeypatch.setattr(time, "monotonic", lambda: now + 5.1)
    assert cache.get("hash") is None


def test_forgets_a_revoked_key_at_once() -> None:
    cache = CallerCache(ttl_seconds=60)
    revoked = caller()
    cache.put("a", revoked)
    cache.put("b", caller())
    cache.forget_key(revoked.api_key_id)
    assert cache.get("a") is None
    assert cache.get("b") is not None


def test_a_zero_ttl_turns_it_off() -> None:
    cache = CallerCache(ttl_seconds=0)
    cache.put("a", caller())
    assert cache.get("a") is None


async def test_a_lookup_that_began_before_a_revocation_is_not_remembered() -> None:
    cache = CallerCache(ttl_seconds=60)
    revoked = caller()
    release = asyncio.Event()

    async def slow_lookup() -> Caller:
        await release.wait()
        return revoked

    lookup = asyncio.ensure_future(cache.get_or_load("a", slow_lookup))
    await asyncio.sleep(0)
    cache.forget_key(revoked.api_key_id)
    release.set()
    assert await lookup is revoked  # the request already under way gets its answer…
    assert cache.get("a") is None  # …but the revoked key is not remembered for the next one
