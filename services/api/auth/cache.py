"""A short-lived, per-process memory of authenticated callers.

Looking a key up costs as much as the read it guards (measured in bench/), so a caller is remembered for a
few seconds. A key revoked in this process is forgotten at once; other processes forget it within the TTL,
which is also how long a change of jurisdiction or oversight takes to reach a secretaría's scope there.
"""

import time
import uuid
from dataclasses import dataclass, field

from services.api.auth.scope import Caller

DEFAULT_TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000


@dataclass
class CallerCache:
    ttl_seconds: float = DEFAULT_TTL_SECONDS
    _entries: dict[str, tuple[float, Caller]] = field(default_factory=dict)

    def get(self, key_hash: str) -> Caller | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        stored_at, caller = entry
        if time.monotonic() - stored_at > self.ttl_seconds:
            self._entries.pop(key_hash, None)
            return None
        return caller

    def put(self, key_hash: str, caller: Caller) -> None:
        if self.ttl_seconds <= 0:
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key_hash] = (time.monotonic(), caller)

    def forget_key(self, api_key_id: uuid.UUID) -> None:
        for key_hash, (_, caller) in list(self._entries.items()):
            if caller.api_key_id == api_key_id:
                self._entries.pop(key_hash, None)

    def clear(self) -> None:
        self._entries.clear()
