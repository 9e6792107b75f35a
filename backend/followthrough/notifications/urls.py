"""Apprise channel URLs: parsing one into its plugin, showing it masked, and finding its secret parts."""

from __future__ import annotations

import contextlib
import re
from collections import OrderedDict
from collections.abc import Iterable, Iterator
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

from apprise import Apprise
from apprise.manager_plugins import NotificationManager
from apprise.plugins.custom_form import NotifyForm
from apprise.plugins.custom_json import NotifyJSON
from apprise.plugins.custom_xml import NotifyXML

from followthrough.notifications import webpush
from followthrough.notifications.egress import MASK, redact

# Generic web hooks (json://, form://, xml://): one HTTP request per message, no state between sends, no
# throttling. They are sent with aiohttp (`web.py`), from the plugin Apprise parsed.
WEB_PLUGINS: tuple[type, ...] = (NotifyJSON, NotifyForm, NotifyXML)
# Web plugins kept for reuse, by URL (see `plugin_for`).
KEPT_PLUGINS = 1024
# Apprise's generic knobs at their defaults: noise in a masked URL shown to people.
_DEFAULT_PARAMS = {"overflow": "upstream", "retry": "0", "wait": "0.5", "optional": "no", "method": "POST"}


class InvalidChannelUrl(ValueError):
    """The URL is not one Apprise can send to; the message says why (and holds no more of it than needed)."""


def load_plugins() -> None:
    """Apprise loads its 180-odd plugins on first use (most of a second): a worker does it at start.
    (Making the manager loads nothing; asking it anything does.)"""
    NotificationManager().load_modules()  # type: ignore[no-untyped-call]


def instantiate(url: str) -> Any:
    """An Apprise plugin for the URL, or InvalidChannelUrl saying what is wrong with it."""
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


_kept_plugins: OrderedDict[str, Any] = OrderedDict()


def plugin_for(url: str) -> Any:
    """The plugin for a URL. Web plugins are only read, never changed, by a send, so the most recently
    used are kept rather than parsed again for every message; others are made fresh, as Apprise's
    throttling expects of a plugin shared between its threads."""
    plugin = _kept_plugins.get(url)
    if plugin is not None:
        _kept_plugins.move_to_end(url)
        return plugin
    plugin = instantiate(url)
    if isinstance(plugin, WEB_PLUGINS):
        _kept_plugins[url] = plugin
        if len(_kept_plugins) > KEPT_PLUGINS:
            _kept_plugins.popitem(last=False)
    return plugin


# --------------------------------------------------------------------------------------------------
# Showing a URL


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


# --------------------------------------------------------------------------------------------------
# The parts that must never reach a log


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
