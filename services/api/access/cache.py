"""A short-lived, per-process memory of authenticated callers.

Looking a key up costs as much as the read it guards (measured in bench/), so a caller is remembered for a
few seconds. A key revoked in this process is forgotten at once; other processes forget it within the TTL,
which is also how long a change of jurisdiction or oversight takes to reach a secretaría's scope there.
"""

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from services.api.access.caller import Caller

DEFAULT_TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000
REFRESH_AFTER = 0.8
"""Fraction of the TTL after which the next request that finds an entry refreshes it."""


@dataclass
class CallerCache:
    ttl_seconds: float = DEFAULT_TTL_SECONDS
    _entries: dict[str, tuple[float, Caller]] = field(default_factory=dict)
    _loading: dict[str, "asyncio.Task[Caller]"] = field(default_factory=dict)
    # Bumped by every revocation: a lookup that started before one must not remember what it read.
    _generation: int = 0

    def get(self, key_hash: str) -> Caller | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        stored_at, caller = entry
        if time.monotonic() - stored_at > self.ttl_seconds:
            self._entries.pop(key_hash, None)
            return None
        return caller

    async def get_or_load(self, key_hash: str, load: Callable[[], Awaitable[Caller]]) -> Caller:
        """The remembered caller, or the one `load` finds, remembered from then on.

        Under load an entry never expires with requests waiting on it: the first request that finds it in
        the last fifth of its TTL looks the key up again (the others keep the entry, still valid), and
        concurrent misses share a single lookup instead of each taking a pooled connection for the same row
        (measured: expiries were the p99 of `GET /v1/complaints/{id}`). The lookup runs as a task of its own,
        so a request that is cancelled does not cancel the others'.
        """
        entry = self._entries.get(key_hash)
        if entry is not None:
            age = time.monotonic() - entry[0]
            if age <= self.ttl_seconds and (age <= self.ttl_seconds * REFRESH_AFTER or key_hash in self._loading):
                return entry[1]
        task = self._loading.get(key_hash)
        if task is None:
            task = asyncio.ensure_future(self._load(key_hash, load, self._generation))
            self._loading[key_hash] = task
        return await asyncio.shield(task)

    async def _load(self, key_hash: str, load: Callable[[], Awaitable[Caller]], generation: int) -> Caller:
        try:
            caller = await load()
        except BaseException:
            # A key that no longer authenticates is forgotten at once, even if its entry had time left.
            self._entries.pop(key_hash, None)
            raise
        else:
            if generation == self._generation:
                self.put(key_hash, caller)
            return caller
        finally:
            self._loading.pop(key_hash, None)

    def put(self, key_hash: str, caller: Caller) -> None:
        if self.ttl_seconds <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic(), caller)

    def forget_key(self, api_key_id: uuid.UUID) -> None:
        self._generation += 1
        for key_hash, (_, caller) in list(self._entries.items()):
            if caller.api_key_id == api_key_id:
                self._entries.pop(key_hash, None)

    def clear(self) -> None:
        self._generation += 1
        self._entries.clear()
