"""argon2id password hashing, off the event loop because a good hash is slow on purpose.

Every check costs one argon2 computation, whether or not the account exists: for an unknown account the
password is hashed (as much work as verifying it against a stored hash), so the answer's timing says
nothing about which emails are registered. `argon2_runs()` counts the computations, so tests and the
bench can see that both paths do the same work without timing them.
"""

from __future__ import annotations

import base64
import threading
from functools import lru_cache

import anyio.to_thread
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_runs_lock = threading.Lock()
_runs = 0


@lru_cache(maxsize=2)
def _hasher(cost: str) -> PasswordHash:
    if cost == "low":
        return PasswordHash((Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1),))
    return PasswordHash((Argon2Hasher(),))


def argon2_runs() -> int:
    """How many argon2 computations this process has made (hashes and verifications)."""
    return _runs


def _count_run() -> None:
    global _runs
    with _runs_lock:  # the computations run in worker threads
        _runs += 1


def _hash(password: str, cost: str) -> str:
    _count_run()
    return _hasher(cost).hash(password)


def _verify(password: str, password_hash: str, cost: str) -> bool:
    _count_run()
    return _hasher(cost).verify(password, password_hash)


async def hash_password(password: str, cost: str) -> str:
    return await anyio.to_thread.run_sync(_hash, password, cost)


async def verify_password(password: str, password_hash: str | None, cost: str) -> bool:
    """Whether `password` matches; with no hash (an unknown account) it hashes the password instead, the
    same work as a verification, and answers False."""
    if password_hash is None:
        await hash_password(password, cost)
        return False
    return await anyio.to_thread.run_sync(_verify, password, password_hash, cost)


_ZEROS = base64.b64encode(bytes(32)).decode().rstrip("=")
NO_PASSWORD_HASH = f"$argon2id$v=19$m=65536,t=3,p=4${_ZEROS[:22]}${_ZEROS}"
"""A well-formed argon2id hash (the standard cost, so checking it takes as long as any) whose digest is all
zeros: no password produces it, so password sign-in always fails. It marks an account made through an
identity provider or a trusted proxy, which has no password until the person sets one."""


def has_password(password_hash: str) -> bool:
    return password_hash != NO_PASSWORD_HASH
