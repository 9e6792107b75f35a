"""The Apprise transport: every service other than web hooks and Web Push, sent by Apprise in its threads.

Apprise's plugins open their own connections (SMTP, and `requests` for the chat and push services), so
the destination is checked twice: before the send, from the hosts the plugin names (`safety.check_plugin`),
and as every name resolves during it (`egress.guarded`, which `egress.install()` set up at start).
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Sequence
from typing import Any
from weakref import WeakKeyDictionary

from apprise import Apprise, AppriseResultStatus, NotifyFormat
from apprise.plugins.ntfy import NotifyNtfy

from followthrough.notifications import egress, safety, urls
from followthrough.notifications.errors import TransportError, no_answer, refused
from followthrough.notifications.messages import Message, QuickAction
from followthrough.notifications.models import Channel
from followthrough.settings import Settings

# Sends in flight through Apprise's own thread pool, which has Python's default executor size.
APPRISE_THREADS = min(32, (os.cpu_count() or 1) + 4)


class AppriseTransport:
    """Apprise's async API, which runs each plugin's blocking `send()` in Apprise's thread pool."""

    async def send(self, channel: Channel, message: Message, settings: Settings) -> None:
        plugin = await _prepared_plugin(channel, message, settings)
        sender = Apprise()
        sender.add(plugin)
        chosen = body_format(plugin)
        with egress.guarded(settings) as refusals:
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
        _raise_for(result, refusals, settings)


def body_format(plugin: Any) -> NotifyFormat:
    """The format to write for this plugin: Markdown where the service takes it (chat), else its own
    preference (HTML for email, text elsewhere); a `?format=` on the channel URL still wins (Apprise's
    `resolve_format`). The body goes in exactly that format, so Apprise converts nothing. Generic web hooks
    feed programs, not people: they get the plain text whatever formats they accept."""
    if isinstance(plugin, urls.WEB_PLUGINS):
        return NotifyFormat.TEXT
    return NotifyFormat(plugin.resolve_format(NotifyFormat.MARKDOWN))


def _title_for(plugin: Any, message: Message, chosen: NotifyFormat) -> str:
    """A service without a title field blends the title into the body as is, so it must be escaped too."""
    if chosen is NotifyFormat.TEXT or getattr(plugin, "title_maxlen", 1) > 0:
        return message.title
    return Message(title="", body=message.title, url="").body_in(chosen.value)


_slots: WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = WeakKeyDictionary()


def _thread_slots() -> asyncio.Semaphore:
    loop = asyncio.get_running_loop()
    if loop not in _slots:
        _slots[loop] = asyncio.Semaphore(APPRISE_THREADS)
    return _slots[loop]


async def _prepared_plugin(channel: Channel, message: Message, settings: Settings) -> Any:
    try:
        plugin = urls.plugin_for(channel.url)
        if message.quick_actions and isinstance(plugin, NotifyNtfy):
            plugin = _ntfy_with_actions(channel.url, message.quick_actions)
        await safety.check_plugin(plugin, settings)
    except urls.InvalidChannelUrl as error:
        text = str(error)
        raise TransportError(f"The channel URL {text}" if text.startswith("is ") else text, True) from None
    except safety.UnsafeDestination as refusal:
        raise refused(refusal.reason) from None
    # A little over the call's own limit, so a stalled server shows as the timeout it is, and the worker
    # thread Apprise leaves behind still ends soon after.
    plugin.socket_connect_timeout = settings.send_timeout_seconds + 1.0
    plugin.socket_read_timeout = settings.send_timeout_seconds + 1.0
    return plugin


def _ntfy_with_actions(url: str, actions: tuple[QuickAction, ...]) -> Any:
    """A plugin of this message's own for an ntfy channel, showing its buttons (ntfy's `X-Actions`).

    Apprise's ntfy plugin takes its actions from the URL's `actions` argument, fixed when the plugin is
    made. So the buttons go into a fresh plugin made for this one message from the parsed URL: the stored
    channel URL is never changed, and a plugin another message may be using never carries this message's
    token. Actions the person put on the URL themselves are left as they are.
    """
    arguments: Any = NotifyNtfy.parse_url(url)  # type: ignore[no-untyped-call]
    if not arguments:
        raise urls.InvalidChannelUrl("is not a valid ntfy:// URL; check it against the Apprise documentation")
    if arguments.get("actions"):
        return urls.instantiate(url)
    arguments["actions"] = ntfy_actions(actions)
    plugin = Apprise.instantiate(arguments, suppress_exceptions=False)
    if plugin is None:
        raise urls.InvalidChannelUrl("is not a valid ntfy:// URL; check it against the Apprise documentation")
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


def _raise_for(result: Any, refusals: Sequence[str], settings: Settings) -> None:
    if refusals:
        raise refused(refusals[0])
    if result is None or result.status == AppriseResultStatus.TIMEOUT:
        raise no_answer(settings)
    if result.status == AppriseResultStatus.SUCCESS:
        return
    raise TransportError(_failure_text(result) or "The service refused the message")


def _failure_text(result: Any) -> str:
    """The last warning or error Apprise logged for the send, with secrets masked."""
    lines: list[str] = []
    for service in result:
        for entry in service.logs():
            if entry.level in {"WARNING", "ERROR", "CRITICAL"}:
                lines.append(str(entry.message))
    return egress.redact(lines[-1]).strip() if lines else ""
