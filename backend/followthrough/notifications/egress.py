"""What sending needs from the whole process, installed once at start by `create_app` and by the worker.

Two things cannot be passed in as arguments, because the code they act on is not ours to call with them:

- **The egress guard.** Apprise's own transports (SMTP, and the requests-based plugins of every service
  other than web hooks and Web Push) open their sockets themselves. So name resolution, `socket.getaddrinfo`,
  is routed through a check that acts only inside `guarded()`: there every name resolved by that send (in
  Apprise's worker threads too, which inherit the context) is checked before the socket connects. This
  covers what `safety.check_plugin` cannot see beforehand: redirects, DNS that changed since the check, and
  plugins whose destination is not in a `host` attribute. (Web hooks and Web Push need none of this: they
  go through aiohttp with `native.GuardedResolver` passed in.)
- **Log redaction.** A channel URL is a secret, and Apprise, urllib3 and our own code may log it. While a
  send is `hiding()` a URL's secret parts, every log record made in that context (in Apprise's threads too)
  has them replaced by `****` before any handler sees it; a record factory is the one place that sees every
  record first, whichever handlers the operator configured.

Both are inert outside their context managers. `install()` is idempotent; sending before it raises, so a
new entry point that forgets it fails loudly rather than sending unguarded.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import socket
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from followthrough.notifications import safety
from followthrough.settings import Settings

MASK = "****"
NOT_INSTALLED = "egress.install() must run at start (create_app and the worker call it) before any send"

_original_getaddrinfo = socket.getaddrinfo
_installed: list[bool] = []


def install() -> None:
    """Route name resolution through the guard and log records through redaction; once per process."""
    if _installed:
        return
    socket.getaddrinfo = _guarded_getaddrinfo
    logging.setLogRecordFactory(_redacting(logging.getLogRecordFactory()))
    _installed.append(True)


def installed() -> bool:
    return bool(_installed)


def _require_installed() -> None:
    if not _installed:
        raise RuntimeError(NOT_INSTALLED)


# --------------------------------------------------------------------------------------------------
# The guard around a send made by Apprise


@dataclass
class _Guard:
    allowed: safety.AllowList
    refusals: list[str] = field(default_factory=list)


_active_guard: contextvars.ContextVar[_Guard | None] = contextvars.ContextVar("egress_guard", default=None)


def _guarded_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
    infos = _original_getaddrinfo(host, port, *args, **kwargs)
    guard = _active_guard.get()
    if guard is None or host is None:
        return infos
    name = host.decode() if isinstance(host, bytes) else str(host)
    try:
        safety.check_name(name, guard.allowed)
        if not guard.allowed.allows_name(name):
            for *_, sockaddr in infos:
                address = safety.parse_ip_literal(str(sockaddr[0]))
                if address is not None:
                    safety.check_address(name, address, guard.allowed)
    except safety.UnsafeDestination as refused:
        guard.refusals.append(refused.reason)
        raise socket.gaierror(socket.EAI_FAIL, "refused by the channel safety rules") from None
    return infos


@contextlib.contextmanager
def guarded(settings: Settings) -> Iterator[Sequence[str]]:
    """Check every connection made inside; yields the list of refusals (empty when none happened)."""
    _require_installed()
    guard = _Guard(safety.allow_list(settings.channel_allowed_hosts))
    token = _active_guard.set(guard)
    try:
        yield guard.refusals
    finally:
        _active_guard.reset(token)


# --------------------------------------------------------------------------------------------------
# Keeping secrets out of logs


_secrets: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("hidden_secrets", default=())


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    """The text with the secrets (by default, those hidden in this context) replaced by `****`."""
    for secret in _secrets.get() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _redacting(previous: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        secrets = _secrets.get()
        if secrets:
            text = record.getMessage()
            clean = redact(text, secrets)
            if clean != text:
                record.msg, record.args = clean, None
            if record.exc_info and record.exc_info[1] is not None:
                record.exc_text = redact(logging.Formatter().formatException(record.exc_info), secrets)
        return record

    return factory


@contextlib.contextmanager
def hiding(secrets: tuple[str, ...]) -> Iterator[None]:
    """Within, no log record holds any of `secrets` (longest first, so no part of one is left showing)."""
    _require_installed()
    token = _secrets.set(secrets)
    try:
        yield
    finally:
        _secrets.reset(token)
