"""Channels (Apprise URLs, Web Push subscriptions and webhooks), the wording of every message, and sending
one. The API's channel management is in `controllers`/`services`; other domains use the names below."""

from followthrough.notifications.health import record_send_outcome
from followthrough.notifications.keys import use_channel_key
from followthrough.notifications.messages import WEBHOOK_ONLY_EVENTS, Message, render
from followthrough.notifications.models import Channel
from followthrough.notifications.native import Pools
from followthrough.notifications.native import using as using_pools
from followthrough.notifications.transport import TransportError, send
from followthrough.notifications.urls import load_plugins
from followthrough.notifications.webhooks import Envelope, utc_text
from followthrough.notifications.webhooks import send as send_webhook

__all__ = [
    "WEBHOOK_ONLY_EVENTS",
    "Channel",
    "Envelope",
    "Message",
    "Pools",
    "TransportError",
    "load_plugins",
    "record_send_outcome",
    "render",
    "send",
    "send_webhook",
    "use_channel_key",
    "using_pools",
    "utc_text",
]
