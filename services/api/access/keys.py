"""Key material: random high-entropy secrets, stored as SHA-256 hashes.

A fast hash is right here: keys are 256-bit random values, so there is nothing to brute-force, and every
request looks its key up. Slow password hashes are for people's passwords.
"""

import hashlib
import secrets

KEY_PREFIX = "pk_"


def generate_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    return key[:10]
