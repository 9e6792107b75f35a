from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from msgspec import UNSET, UnsetType

from followthrough.enums import ChannelKind, Event
from followthrough.schemas import OutSchema, Schema

ChannelLabel = Annotated[str, msgspec.Meta(min_length=1, max_length=80, pattern=r"\S")]
ChannelUrl = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=2000,
        description="An Apprise URL (https://github.com/caronc/apprise/wiki), e.g. ntfys://ntfy.sh/my-topic",
    ),
]
Events = Annotated[list[Event], msgspec.Meta(min_length=1, max_length=len(Event))]
PushKey = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9_=-]+$")]


class PushKeys(Schema):
    p256dh: PushKey
    """The browser's P-256 public key, base64url."""
    auth: PushKey
    """The 16-byte authentication secret, base64url."""


class PushSubscription(Schema):
    """`PushSubscription.toJSON()` from the browser (expirationTime is accepted and ignored)."""

    endpoint: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]
    keys: PushKeys
    expiration_time: int | None = None


class ChannelCreate(Schema):
    kind: ChannelKind = ChannelKind.APPRISE
    url: ChannelUrl | None = None
    """Required for kinds `apprise` (an Apprise URL) and `webhook` (an https:// URL; docs/webhooks.md)."""
    subscription: PushSubscription | None = None
    """Required for kind `webpush`."""
    label: ChannelLabel | None = None
    """Defaults to the service's name (for Web Push, "This device")."""
    events: Events | None = None
    """Defaults to every event that has words (Apprise, Web Push), or to the webhook-only events
    `checkin.recorded`, `occurrence.missed` and `review.submitted` (webhook). Those three are refused for
    other kinds."""
    enabled: bool = True


class ChannelUpdate(Schema):
    label: ChannelLabel | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    """Switching a channel back on clears its failure count and the reason it was switched off."""
    url: ChannelUrl | UnsetType = UNSET
    """Apprise and webhook channels (a webhook keeps its signing secret)."""


class ChannelHealth(OutSchema):
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    disabled_reason: str | None
    """Why the system switched the channel off (repeated or permanent failures); null otherwise."""


class ChannelOut(OutSchema):
    id: UUID
    kind: ChannelKind
    label: str
    service: str
    """The kind of destination, e.g. "Email", "Telegram", "Web Push"."""
    destination: str
    """Where it sends, masked: Apprise's privacy form of the URL, or the push service's host."""
    events: list[Event]
    enabled: bool
    health: ChannelHealth
    created_at: datetime
    updated_at: datetime
    signing_secret: str | None = None
    """A webhook's signing secret (`whsec_...`): only in the answer that creates the channel or rotates
    its secret, and never again. Null otherwise."""


class ChannelTestOut(OutSchema):
    sent: bool
    error: str | None
    """Why the test failed, masked."""
    permanent: bool
    """The error will not go away by retrying (the channel was switched off)."""
    channel: ChannelOut


class VapidKeyOut(OutSchema):
    public_key: str
    """The application server key for `pushManager.subscribe`: base64url, uncompressed P-256 point."""
