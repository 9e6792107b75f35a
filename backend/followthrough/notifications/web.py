"""The aiohttp transport: Apprise's generic web hooks (json://, form://, xml://) and Web Push.

Each message is one HTTP request, described as a `native.HttpRequest` and sent through the worker's guarded,
kept-alive pool. For the generic web hooks, Apprise still parses the URL (its plugin holds the host, path,
method, headers, query and payload mapping the person chose) and prepares the title and body as its own
`notify()` does; only the request is written here, field for field as the plugin's `send()` writes it, so
that no `requests` call has to be redirected.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from apprise import NotifyType
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML

from followthrough.enums import ChannelKind
from followthrough.notifications import native, urls, webpush
from followthrough.notifications.errors import TransportError
from followthrough.notifications.messages import Message
from followthrough.notifications.models import Channel
from followthrough.settings import Settings

_XML_SLOTS = re.compile(r"({{XSD_URL}}|{{ATTACHMENTS}}|{{CORE}})", re.IGNORECASE)


def supports(plugin: Any) -> bool:
    return isinstance(plugin, urls.WEB_PLUGINS)


class HttpTransport:
    """Sends with aiohttp; names are checked as they resolve (`native.GuardedResolver`)."""

    async def send(self, channel: Channel, message: Message, settings: Settings) -> None:
        if channel.kind is ChannelKind.WEBPUSH:
            push = webpush.push_for(channel, message, settings)
            webpush.judge(await native.fetch(push.request(message.title, message.body), settings))
            return
        # Generic web hooks feed programs, not people: they get the plain text.
        for request in requests_for(urls.plugin_for(channel.url), message.title, message.body):
            answer = await native.fetch(request, settings)
            if not 200 <= answer.status < 300:
                raise TransportError(f"The service answered HTTP {answer.status} {answer.reason}".rstrip())


def requests_for(plugin: Any, title: str, body: str) -> Iterator[native.HttpRequest]:
    """The requests Apprise's plugin would send: one, or several when the URL asks to split long messages."""
    try:
        # What Apprise's own `notify()` does first: trim, and cut to the service's limits (`?overflow=`).
        calls = list(plugin._build_send_calls(body=body, title=title))
    except Exception as error:  # Apprise says what it refused in its own exception types
        raise TransportError(f"The message could not be prepared: {type(error).__name__}") from None
    for call in calls:
        title, body, kind = call["title"], call["body"], NotifyType(call["notify_type"]).value
        if isinstance(plugin, NotifyJSON):
            yield _json(plugin, title, body, kind)
        elif isinstance(plugin, NotifyForm):
            yield _form(plugin, title, body, kind)
        else:
            yield _xml(plugin, title, body, kind)


def _request(plugin: Any, headers: dict[str, str], **fields: Any) -> native.HttpRequest:
    """What every generic web plugin sends alike: its URL, method, headers (the person's win), Basic
    credentials, certificate check and redirect rule."""
    url = f"{'https' if plugin.secure else 'http'}://{plugin.host}"
    if isinstance(plugin.port, int):
        url += f":{plugin.port}"
    fields.setdefault("params", plugin.params)
    return native.HttpRequest(
        plugin.method,
        url + plugin.fullpath,
        headers={"User-Agent": plugin.app_id, **headers, **plugin.headers},
        auth=(plugin.user, plugin.password or "") if plugin.user else None,
        verify=bool(plugin.verify_certificate),
        follow_redirects=bool(plugin.redirects),
        **fields,
    )


def _json(plugin: Any, title: str, body: str, kind: str) -> native.HttpRequest:
    payload: dict[str, Any] = {
        "version": plugin.json_version,
        "title": title,
        "message": body,
        "attachments": [],
        "type": kind,
    }
    # `:key=value` adds a field; `:title=subject` renames one; `:title=` leaves it out.
    for key, value in plugin.payload_extras.items():
        if key in payload:
            if value:
                payload[value] = payload[key]
            del payload[key]
        else:
            payload[key] = value
    return _request(plugin, {"Content-Type": "application/json"}, data=json.dumps(payload))


def _form(plugin: Any, title: str, body: str, kind: str) -> native.HttpRequest:
    fields = {"version": plugin.form_version, "title": title, "message": body, "type": kind}
    payload = {plugin.payload_map[key]: value for key, value in fields.items() if plugin.payload_map[key]}
    payload.update(plugin.payload_extras)
    if plugin.method == "GET":
        return _request(plugin, {}, params={**payload, **plugin.params})
    return _request(plugin, {}, data=payload)


def _xml(plugin: Any, title: str, body: str, kind: str) -> native.HttpRequest:
    fields = {"Version": plugin.xsd_ver, "Subject": title, "Message": body, "MessageType": kind}
    escaped = {
        plugin.payload_map[key]: value if key == "Version" else _escape(value)
        for key, value in fields.items()
        if plugin.payload_map[key]
    }
    escaped.update({key: _escape(value) for key, value in plugin.payload_extras.items()})
    slots = {
        "{{XSD_URL}}": f' xmlns:xsi="{plugin.xsd_url}"' if plugin.xsd_url else "",
        "{{ATTACHMENTS}}": "",
        "{{CORE}}": "".join(f"<{key}>{value}</{key}>" for key, value in escaped.items()),
    }
    payload = _XML_SLOTS.sub(lambda found: slots[found.group().upper()], plugin.payload)
    return _request(plugin, {"Content-Type": "application/xml"}, data=payload)


def _escape(text: str) -> str:
    return str(NotifyXML.escape_html(text, whitespace=False))  # type: ignore[no-untyped-call]
