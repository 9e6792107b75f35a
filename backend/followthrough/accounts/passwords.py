"""argon2id password hashing, off the event loop because a good hash is slow on purpose."""

from __future__ import annotations

from functools import lru_cache

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

# A fixed hash to verify against when the account does not exist, so both paths cost the same time.
_UNKNOWN_ACCOUNT_PASSWORD = "unknown-account-placeholder"


@lru_cache(maxsize=2)
def _hasher(cost: str) -> PasswordHash:
    if cost == "low":
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


async def hash_password(password: str, cost: str) -> str:
    return await anyio.to_thread.run_sync(_hasher(cost).hash, password)


async def verify_password(password: str, password_hash: str | None, cost: str) -> bool:
    hasher = _hasher(cost)
    if password_hash is None:
        await anyio.to_thread.run_sync(hasher.verify, password, _unknown_account_hash(cost))
        return False
    return await anyio.to_thread.run_sync(hasher.verify, password, password_hash)


@lru_cache(maxsize=2)
def _unknown_account_hash(cost: str) -> str:
    return _hasher(cost).hash(_UNKNOWN_ACCOUNT_PASSWORD)
