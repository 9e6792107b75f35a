"""Sending one message to one channel: send, or raise `TransportError(message, permanent)`.

Everything goes through Apprise's async API, Web Push included (as an Apprise plugin). A channel URL is a
secret, so while it is in use every log record made in this context (Apprise's, urllib3's, in Apprise's
worker threads too) has the URL's secret parts replaced by `****` before any handler sees it.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import json
import logging
import os
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit
from weakref import WeakKeyDictionary

from apprise import Apprise, AppriseResultStatus, NotifyFormat
from apprise.manager_plugins import NotificationManager
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML
from apprise.plugins.ntfy import NotifyNtfy

from followthrough.enums import ChannelKind
from followthrough.notifications import native, safety, webpush
from followthrough.notifications.messages import Message, QuickAction
from followthrough.notifications.models import Channel
from followthrough.settings import Settings

logger = logging.getLogger(__name__)
MASK = "****"
ERROR_LENGTH = 300
# Plugins kept for reuse, by URL (see `_plugin_for`).
KEPT_PLUGINS = 1024
# Sends in flight through Apprise's own thread pool, which has Python's default executor size.
APPRISE_THREADS = min(32, (os.cpu_count() or 1) + 4)
# Apprise's generic knobs at their defaults: noise in a masked URL shown to people.
_DEFAULT_PARAMS = {"overflow": "upstream", "retry": "0", "wait": "0.5", "optional": "no", "method": "POST"}
# Generic webhooks feed programs, not people: they get the plain text whatever formats they accept.
_PLAIN_PLUGINS: tuple[type, ...] = (NotifyJSON, NotifyForm, NotifyXML)


class TransportError(Exception):
    """A failed send. `message` is already masked (safe to store, show and log); a permanent error will
    not go away by retrying (bad URL, refused destination, subscription gone)."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.message = message[:ERROR_LENGTH]
        self.permanent = permanent


class InvalidChannelUrl(ValueError):
    """The URL is not one Apprise can send to; the message says why (and holds no more of it than needed)."""


# --------------------------------------------------------------------------------------------------
# Keeping the URL out of logs


_secrets: contextvars.ContextVar[tuple[str, ...]] = contextvars.ContextVar("channel_secrets", default=())
_factory_installed: list[bool] = []


@lru_cache(maxsize=1024)
def secret_parts(url: str) -> tuple[str, ...]:
    """The pieces of a channel URL (or Web Push subscription JSON) that must never reach a log."""
    parts: set[str] = {url}
    if url.lstrip().startswith("{"):
        with contextlib.suppress(ValueError, KeyError, TypeError):
            subscription = webpush.Subscription.from_json(url)
            parts |= {subscription.endpoint, subscription.p256dh, subscription.auth}
            parts |= set(_pieces(urlsplit(subscription.endpoint).path.split("/")))
        return _spellings(parts)
    split = urlsplit(url) if "://" in url else None
    if split is None:
        return _spellings(parts)
    netloc = split.netloc.rsplit("@", 1)
    if len(netloc) == 2:
        user, _, password = netloc[0].partition(":")
        parts |= {piece for piece in (user, password) if len(piece) >= 3}
    host = netloc[-1]
    if host and "." not in host and not host.startswith("["):
        # tgram://<bot id>:<token>, slack://<token>...: the host part is a token, port-like suffix included.
        parts |= {host, *host.split(":")}
    parts |= set(_pieces(re.split(r"[/,]", split.path)))
    parts |= set(_pieces(value for _, value in parse_qsl(split.query)))
    parts |= set(_pieces(re.split(r"[/,]", split.fragment)))
    return _spellings(parts)


def _pieces(candidates: Iterable[str]) -> Iterator[str]:
    for piece in candidates:
        if len(piece) >= 6:
            yield piece


def _spellings(parts: set[str]) -> tuple[str, ...]:
    spelled = {form for part in parts if part for form in (part, unquote(part), quote(part, safe=""))}
    return tuple(sorted((form for form in spelled if len(form) >= 3), key=len, reverse=True))


def redact(text: str, secrets: Iterable[str] | None = None) -> str:
    for secret in _secrets.get() if secrets is None else secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def _install_redacting_factory() -> None:
    if _factory_installed:
        return
    previous = logging.getLogRecordFactory()

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

    logging.setLogRecordFactory(factory)
    _factory_installed.append(True)


@contextlib.contextmanager
def keeping_secret(url: str) -> Iterator[None]:
    """Within, no log record holds the URL's secret parts (nor does any message read through `redact`)."""
    _install_redacting_factory()
    token = _secrets.set(secret_parts(url))
    try:
        yield
    finally:
        _secrets.reset(token)


# --------------------------------------------------------------------------------------------------
# Apprise URLs


def instantiate(url: str) -> Any:
    """An Apprise plugin for the URL, or InvalidChannelUrl saying what is wrong with it."""
    webpush.register_plugin()
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if not scheme:
        raise InvalidChannelUrl("is not an Apprise URL (expected something like mailto://… or ntfy://…)")
    if scheme.startswith(webpush.SCHEME):
        raise InvalidChannelUrl("Web Push channels are made from a subscription (kind webpush), not a URL")
    plugins: Any = NotificationManager()  # type: ignore[no-untyped-call]
    if scheme not in plugins:
        raise InvalidChannelUrl(f"{scheme}:// is not a service Apprise knows")
    try:
        plugin = Apprise.instantiate(url, suppress_exceptions=False)
    except Exception as error:
        reason = redact(str(error)).strip()
        raise InvalidChannelUrl(f"is not a valid {scheme}:// URL: {reason}".rstrip(": ")) from None
    if plugin is None:
        raise InvalidChannelUrl(f"is not a valid {scheme}:// URL; check it against the Apprise documentation")
    return plugin


def masked_url(plugin: Any) -> str:
    """Apprise's privacy form, with header and query values hidden too, and default knobs left out."""
    text = str(plugin.url(privacy=True))
    base, _, query = text.partition("?")
    scheme, _, rest = base.partition("://")
    authority, slash, path = rest.partition("/")
    # Apprise keeps generic webhook paths (json://, form://...) in the clear; many are capability tokens.
    path = "/".join(MASK if _looks_like_token(unquote(segment)) else segment for segment in path.split("/"))
    base = f"{scheme}://{authority}{slash}{path}"
    kept: list[tuple[str, str]] = []
    for key, value in parse_qsl(query, keep_blank_values=True):
        if _DEFAULT_PARAMS.get(key) == value or key in {"cto", "rto"}:
            continue
        kept.append((key, MASK if key[:1] in {"+", "-"} and value else value))
    shown = f"{base}?{urlencode(kept, safe='*+-:')}" if kept else base
    return shown[:500]


def _looks_like_token(segment: str) -> bool:
    """Long, or mixing letters and digits: a secret rather than a word like `hook` or `api`."""
    if "*" in segment or "@" in segment:
        return False
    has_digit = any(character.isdigit() for character in segment)
    has_letter = any(character.isalpha() for character in segment)
    return len(segment) >= 20 or (len(segment) >= 6 and has_digit and has_letter)


def describe(channel: Channel) -> str:
    """What a log line may say about a channel."""
    return f"channel {channel.id} ({channel.masked_url})"


# --------------------------------------------------------------------------------------------------
# Sending


async def send(channel: Channel, message: Message, settings: Settings) -> None:
    """Send now, or raise TransportError. Every connection the send makes is checked against the safety
    rules as it is made: DNS may have changed since the channel was saved."""
    with keeping_secret(channel.url):
        plugin = await _prepared_plugin(channel, message, settings)
        if native.supports(plugin):
            await _send_native(plugin, message, settings)
        else:
            await _send_threaded(plugin, message, settings)
    logger.debug("Sent to %s", describe(channel))


def body_format(plugin: Any) -> NotifyFormat:
    """The format to write for this plugin: Markdown where the service takes it (chat), else its own
    preference (HTML for email, text elsewhere); a `?format=` on the channel URL still wins (Apprise's
    `resolve_format`). The body goes in exactly that format, so Apprise converts nothing."""
    if isinstance(plugin, _PLAIN_PLUGINS) or native.supports(plugin):
        return NotifyFormat.TEXT
    return NotifyFormat(plugin.resolve_format(NotifyFormat.MARKDOWN))


def _title_for(plugin: Any, message: Message, chosen: NotifyFormat) -> str:
    """A service without a title field blends the title into the body as is, so it must be escaped too."""
    if chosen is NotifyFormat.TEXT or getattr(plugin, "title_maxlen", 1) > 0:
        return message.title
    return Message(title="", body=message.title, url="").body_in(chosen.value)


async def _send_native(plugin: Any, message: Message, settings: Settings) -> None:
    # Native plugins (webhooks, Web Push) take plain text (`body_format`).
    exchange = await native.notify(plugin, message.body, message.title, settings)
    if exchange.refusal:
        raise TransportError(f"Refused destination: {exchange.refusal}", permanent=True)
    if exchange.delivered:
        return
    if exchange.timed_out:
        raise _timeout(settings)
    _raise_if_gone(plugin)
    if exchange.status is not None:
        raise TransportError(f"The service answered HTTP {exchange.status} {exchange.reason}".rstrip())
    raise TransportError(redact(exchange.error or "") or "The service refused the message")


async def _send_threaded(plugin: Any, message: Message, settings: Settings) -> None:
    sender = Apprise()
    sender.add(plugin)
    chosen = body_format(plugin)
    with safety.guarded(settings) as refusals:
        # Apprise's pool has a fixed number of threads; a send waiting for one must not spend its timeout.
        async with _thread_slots():
            try:
                result = await asyncio.wait_for(
                    sender.async_notify(
                        body=message.body_in(chosen.value),
                        title=_title_for(plugin, message, chosen),
                        body_format=chosen,
                        timeout=settings.send_timeout_seconds,
                    ),
                    timeout=settings.send_timeout_seconds + 2,
                )
            except TimeoutError:
                result = None
    _raise_for(plugin, result, refusals, settings)


_slots: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()


def _thread_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(APPRISE_THREADS)
    return _slots[loop]


def _timeout(settings: Settings) -> TransportError:
    seconds = settings.send_timeout_seconds
    return TransportError(f"No answer within {seconds} second{'' if seconds == 1 else 's'}")


async def _prepared_plugin(channel: Channel, message: Message, settings: Settings) -> Any:
    try:
        if channel.kind is ChannelKind.WEBPUSH:
            subscription = _stored_subscription(channel)
            plugin: Any = webpush.NotifyFollowthroughPush.for_subscription(
                subscription,
                _vapid_key(settings),
                _vapid_subject(settings),
                message.url,
                extra=message.push,
            )
        else:
            plugin = _plugin_for(channel.url)
            if message.quick_actions and isinstance(plugin, NotifyNtfy):
                plugin = _ntfy_with_actions(channel.url, message.quick_actions)
        if not native.supports(plugin):
            # The native pool checks each connection itself, with the same rules.
            await safety.check_plugin(plugin, settings)
    except InvalidChannelUrl as error:
        text = str(error)
        raise TransportError(f"The channel URL {text}" if text.startswith("is ") else text, True) from None
    except safety.UnsafeDestination as refused:
        raise TransportError(f"Refused destination: {refused.reason}", permanent=True) from None
    # A little over the call's own limit, so a stalled server shows as the timeout it is, and the worker
    # thread Apprise leaves behind still ends soon after.
    plugin.socket_connect_timeout = settings.send_timeout_seconds + 1.0
    plugin.socket_read_timeout = settings.send_timeout_seconds + 1.0
    return plugin


_kept_plugins: OrderedDict[str, Any] = OrderedDict()


def _plugin_for(url: str) -> Any:
    """The plugin for a URL. Native plugins keep no state between sends, so the most recently used are
    kept rather than parsed again for every message; others are made fresh, as Apprise's throttling
    expects of a plugin shared between its threads."""
    plugin = _kept_plugins.get(url)
    if plugin is not None:
        _kept_plugins.move_to_end(url)
        return plugin
    plugin = instantiate(url)
    if native.supports(plugin):
        _kept_plugins[url] = plugin
        if len(_kept_plugins) > KEPT_PLUGINS:
            _kept_plugins.popitem(last=False)
    return plugin


def _ntfy_with_actions(url: str, actions: tuple[QuickAction, ...]) -> Any:
    """A plugin of this message's own for an ntfy channel, showing its buttons (ntfy's `X-Actions`).

    Apprise's ntfy plugin takes its actions from the URL's `actions` argument, fixed when the plugin is
    made. So the buttons go into a fresh plugin made for this one message from the parsed URL: the stored
    channel URL is never changed, and a plugin another message may be using (or `_plugin_for` may keep)
    never carries this message's token. Actions the person put on the URL themselves are left as they are.
    """
    arguments: Any = NotifyNtfy.parse_url(url)  # type: ignore[no-untyped-call]
    if not arguments:
        raise InvalidChannelUrl("is not a valid ntfy:// URL; check it against the Apprise documentation")
    if arguments.get("actions"):
        return instantiate(url)
    arguments["actions"] = ntfy_actions(actions)
    plugin = Apprise.instantiate(arguments, suppress_exceptions=False)
    if plugin is None:
        raise InvalidChannelUrl("is not a valid ntfy:// URL; check it against the Apprise documentation")
    return plugin


def ntfy_actions(actions: tuple[QuickAction, ...]) -> str:
    """ntfy's JSON form of `X-Actions` (its simple form cannot hold a JSON body). ASCII only, since it
    travels in an HTTP header. A POST action answers in one tap; a view action only opens the page."""
    described: list[dict[str, Any]] = []
    for action in actions[:3]:  # ntfy shows at most three
        if action.post is None:
            described.append({"action": "view", "label": action.label, "url": action.url})
        else:
            described.append(
                {
                    "action": "http",
                    "label": action.label,
                    "url": action.url,
                    "method": "POST",
                    "headers": {"Content-Type": "application/json"},
                    "body": json.dumps(dict(action.post)),
                    "clear": True,
                }
            )
    return json.dumps(described, ensure_ascii=True, separators=(",", ":"))


def _stored_subscription(channel: Channel) -> webpush.Subscription:
    try:
        return webpush.Subscription.from_json(channel.url)
    except (ValueError, KeyError, TypeError):
        raise TransportError("The stored Web Push subscription is unreadable", permanent=True) from None


def _vapid_subject(settings: Settings) -> str:
    """Without a contact push services accept, the send waits (retried) for the operator to set one."""
    subject = webpush.vapid_subject(settings)
    if not subject:
        raise TransportError(webpush.NO_SUBJECT)
    return subject


def _vapid_key(settings: Settings) -> Any:
    """The installation's key; when the operator's configured key is unusable, that is theirs to fix, so the
    error passes (retried) instead of switching every device off."""
    try:
        return webpush.vapid_private_key(settings)
    except (ValueError, TypeError, OSError) as error:
        logger.error("The VAPID private key is unusable: %s", type(error).__name__)
        raise TransportError("The server's Web Push key is unusable; the operator must fix it") from None


def _raise_for(plugin: Any, result: Any, refusals: list[str] | Any, settings: Settings) -> None:
    if refusals:
        raise TransportError(f"Refused destination: {refusals[0]}", permanent=True)
    if result is None or result.status == AppriseResultStatus.TIMEOUT:
        raise _timeout(settings)
    if result.status == AppriseResultStatus.SUCCESS:
        return
    _raise_if_gone(plugin)
    raise TransportError(_failure_text(result) or "The service refused the message")


def _raise_if_gone(plugin: Any) -> None:
    outcome = getattr(plugin, "outcome", None)
    if isinstance(outcome, webpush.PushOutcome) and outcome.gone:
        raise TransportError(
            f"The push subscription is gone (HTTP {outcome.status}); the device must subscribe again",
            permanent=True,
        )


def _failure_text(result: Any) -> str:
    """The last warning or error Apprise logged for the send, with secrets masked."""
    lines: list[str] = []
    for service in result:
        for entry in service.logs():
            if entry.level in {"WARNING", "ERROR", "CRITICAL"}:
                lines.append(str(entry.message))
    return redact(lines[-1]).strip() if lines else ""
