"""The key that encrypts channel URLs, set once per process from its settings.

Column types are declared at import time, before any settings exist, so the encrypted column asks this
module for its key when it first encrypts or decrypts.
"""

from __future__ import annotations

from followthrough.settings import Settings

_key: list[str] = []


def use_channel_key(settings: Settings) -> None:
    """Called by `create_app` and the worker; the last call wins (a process serves one installation)."""
    _key[:] = [settings.resolved_channel_key]


def channel_key() -> str:
    if not _key:
        raise RuntimeError("use_channel_key(settings) must run before channels are read or written")
    return _key[0]
