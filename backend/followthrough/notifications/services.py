"""Channels: validate and store a destination (encrypted), show it masked, and send it a test."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID, uuid4

from msgspec import UNSET
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from followthrough.context import ContextBound, RequestContext
from followthrough.enums import ChannelKind, Event
from followthrough.errors import Conflict, InvalidInput, NotFound
from followthrough.identity import Participant
from followthrough.notifications import safety, schemas, transport, webhooks, webpush
from followthrough.notifications.health import record_send_outcome
from followthrough.notifications.messages import WEBHOOK_ONLY_EVENTS, channel_test_message
from followthrough.notifications.models import Channel
from followthrough.notifications.webhooks import Envelope
from followthrough.schemas import to_schema

logger = logging.getLogger(__name__)
MAX_CHANNELS = 20
# "Send test" is recorded as a delivery of its own event, which no channel subscribes to.
SUBSCRIBABLE = tuple(event.value for event in Event if event is not Event.CHANNEL_TEST)
DEFAULT_EVENTS = tuple(value for value in SUBSCRIBABLE if Event(value) not in WEBHOOK_ONLY_EVENTS)
"""What an Apprise or Web Push channel receives unless told otherwise (everything that has words)."""
WEBHOOK_DEFAULT_EVENTS = tuple(value for value in SUBSCRIBABLE if Event(value) in WEBHOOK_ONLY_EVENTS)
WEB_PUSH_SERVICE = "Web Push"

TestLog = Callable[[AsyncSession, Channel, str | None, datetime], None]
"""Adds a "Send test" to the delivery log (sent, or failed with this error), like any message. The log is the
delivery engine's, which sits above this package, so composition passes its function in."""


def channel_test_envelope(channel: Channel, message_id: str, now: datetime) -> Envelope:
    return Envelope(
        message_id=message_id,
        type=Event.CHANNEL_TEST.value,
        timestamp=now,
        data={"channelId": str(channel.id), "channelLabel": channel.label},
    )


def channel_out(channel: Channel, signing_secret: str | None = None) -> schemas.ChannelOut:
    """`signing_secret` only in the answer that made it (a webhook's creation or rotation)."""
    return schemas.ChannelOut(
        id=channel.id,
        kind=channel.kind,
        label=channel.label,
        service=str(channel.extra.get("service") or channel.kind.value),
        destination=channel.masked_url,
        events=[Event(value) for value in channel.events if value in SUBSCRIBABLE],
        enabled=channel.enabled,
        health=to_schema(channel, schemas.ChannelHealth),
        created_at=channel.created_at,
        updated_at=channel.updated_at,
        signing_secret=signing_secret,
    )


def _events(values: Sequence[Event] | None, kind: ChannelKind) -> list[str]:
    """The events a channel of this kind takes. The webhook-only events have no words for a person to
    read, so other kinds are refused them rather than sent JSON."""
    webhook = kind is ChannelKind.WEBHOOK
    if values is None:
        return list(WEBHOOK_DEFAULT_EVENTS if webhook else DEFAULT_EVENTS)
    chosen = {Event(value).value for value in values}
    chosen.discard(Event.CHANNEL_TEST.value)
    refused = sorted(value for value in chosen if Event(value) in WEBHOOK_ONLY_EVENTS) if not webhook else []
    if refused:
        raise InvalidInput("events", f"{', '.join(refused)} only for kind webhook")
    return [event for event in SUBSCRIBABLE if event in chosen]


class ChannelService(ContextBound):
    def __init__(self, context: RequestContext, *, test_log: TestLog) -> None:
        super().__init__(context)
        self.test_log = test_log

    # --- reading

    async def get(self, participant: Participant, channel_id: UUID) -> Channel:
        channel = await self.session.scalar(
            select(Channel).where(Channel.id == channel_id, Channel.participant_id == participant.id)
        )
        if channel is None:
            raise NotFound("channel")
        return channel

    async def page(self, participant: Participant, limit: int, offset: int) -> tuple[Sequence[Channel], int]:
        owned = Channel.participant_id == participant.id
        total = await self.session.scalar(select(func.count()).select_from(Channel).where(owned)) or 0
        items = await self.session.scalars(
            select(Channel).where(owned).order_by(Channel.created_at, Channel.id).limit(limit).offset(offset)
        )
        return items.all(), total

    async def _all(self, participant: Participant) -> Sequence[Channel]:
        owned = select(Channel).where(Channel.participant_id == participant.id)
        return (await self.session.scalars(owned)).all()

    # --- writing

    async def create(
        self, participant: Participant, data: schemas.ChannelCreate
    ) -> tuple[Channel, str | None]:
        """The channel, and for a webhook its signing secret (shown this once)."""
        existing = await self._all(participant)
        secret: str | None = None
        if data.kind is ChannelKind.WEBHOOK:
            secret, url, masked = await self._new_webhook(data, existing)
            service = webhooks.SERVICE
            label = data.label or service
        elif data.kind is ChannelKind.WEBPUSH:
            subscription = await self._subscription(data)
            same = await self._resubscribe(subscription, existing)
            if same is not None:
                return same, None
            url, masked, service = subscription.to_json(), subscription.host, WEB_PUSH_SERVICE
            label = data.label or "This device"
        else:
            if data.subscription is not None:
                raise InvalidInput("subscription", "only for kind webpush")
            if data.url is None:
                raise InvalidInput("url", "required for kind apprise")
            plugin = await self._apprise_destination(data.url)
            url, masked, service = data.url.strip(), transport.masked_url(plugin), str(plugin.service_name)
            if any(c.kind is ChannelKind.APPRISE and c.url == url for c in existing):
                raise Conflict("url", "this destination is already one of your channels")
            label = data.label or service
        if len(existing) >= MAX_CHANNELS:
            raise Conflict("body", f"at most {MAX_CHANNELS} channels per person; delete one first")
        channel = Channel(
            participant_id=participant.id,
            kind=data.kind,
            label=label.strip()[:80],
            url=url,
            masked_url=masked,
            events=_events(data.events, data.kind),
            enabled=data.enabled,
            consecutive_failures=0,
            extra={"service": service},
        )
        self.session.add(channel)
        await self.session.flush()
        logger.info("Participant %s added %s", participant.id, transport.describe(channel))
        return channel, secret

    async def rotate_secret(self, participant: Participant, channel_id: UUID) -> tuple[Channel, str]:
        """A new signing secret for a webhook channel, in force at once; the old one stops verifying."""
        channel = await self.get(participant, channel_id)
        if channel.kind is not ChannelKind.WEBHOOK:
            raise InvalidInput("kind", "only webhook channels have a signing secret")
        target = _webhook_target(channel)
        secret = webhooks.new_secret()
        channel.url = webhooks.WebhookTarget(target.url, secret).to_json()
        channel.updated_at = self.now
        await self.session.flush()
        logger.info("Participant %s rotated the secret of %s", participant.id, transport.describe(channel))
        return channel, secret

    async def update(
        self, participant: Participant, channel_id: UUID, data: schemas.ChannelUpdate
    ) -> Channel:
        channel = await self.get(participant, channel_id)
        if data.url is not UNSET and channel.kind is ChannelKind.WEBHOOK:
            await self._change_webhook_url(participant, channel, data.url)
        elif data.url is not UNSET:
            if channel.kind is not ChannelKind.APPRISE:
                raise InvalidInput("url", "a Web Push channel's destination comes from its device")
            plugin = await self._apprise_destination(data.url)
            if data.url.strip() != channel.url:
                others = [c for c in await self._all(participant) if c.id != channel.id]
                if any(c.kind is ChannelKind.APPRISE and c.url == data.url.strip() for c in others):
                    raise Conflict("url", "this destination is already one of your channels")
                channel.url = data.url.strip()
                channel.masked_url = transport.masked_url(plugin)
                channel.extra = {**channel.extra, "service": str(plugin.service_name)}
                self._clear_failures(channel)
        if data.label is not UNSET:
            channel.label = data.label.strip()
        if data.events is not UNSET:
            channel.events = _events(data.events, channel.kind)
        if data.enabled is not UNSET:
            if data.enabled and not channel.enabled:
                self._clear_failures(channel)
            channel.enabled = data.enabled
        await self.session.flush()
        return channel

    async def delete(self, participant: Participant, channel_id: UUID) -> None:
        await self.session.delete(await self.get(participant, channel_id))
        await self.session.flush()

    async def send_test(
        self, participant: Participant, channel_id: UUID
    ) -> tuple[Channel, transport.TransportError | None]:
        """Send a test now, whatever the channel's events or state, and record the outcome on it."""
        channel = await self.get(participant, channel_id)
        error: transport.TransportError | None = None
        try:
            if channel.kind is ChannelKind.WEBHOOK:
                envelope = channel_test_envelope(channel, f"msg_{uuid4().hex}", self.now)
                await webhooks.send(channel.url, envelope, self.settings)
            else:
                message = channel_test_message(channel.label, self.settings)
                await transport.send(channel, message, self.settings)
        except transport.TransportError as failed:
            error = failed
            logger.info("Test send to %s failed: %s", transport.describe(channel), failed.message)
        await record_send_outcome(self.session, channel, error, self.now, self.settings)
        self.test_log(self.session, channel, None if error is None else error.message, self.now)
        return channel, error

    # --- validation

    async def _new_webhook(
        self, data: schemas.ChannelCreate, existing: Sequence[Channel]
    ) -> tuple[str, str, str]:
        """A new webhook's signing secret, what the encrypted column stores, and its masked URL."""
        if data.subscription is not None:
            raise InvalidInput("subscription", "only for kind webpush")
        if data.url is None:
            raise InvalidInput("url", "required for kind webhook")
        target = webhooks.WebhookTarget(await self._webhook_url(data.url), webhooks.new_secret())
        if any(c.kind is ChannelKind.WEBHOOK and _stored_webhook_url(c) == target.url for c in existing):
            raise Conflict("url", "this destination is already one of your channels")
        return target.secret, target.to_json(), webhooks.masked(target.url)

    async def _webhook_url(self, url: str) -> str:
        try:
            return await webhooks.check_url(url, self.settings)
        except webhooks.InvalidWebhookUrl as error:
            raise InvalidInput("url", str(error)) from None

    async def _change_webhook_url(self, participant: Participant, channel: Channel, url: str) -> None:
        """A new address keeps the signing secret: the receiver's automation need not change."""
        checked = await self._webhook_url(url)
        target = _webhook_target(channel)
        if checked == target.url:
            return
        others = [c for c in await self._all(participant) if c.id != channel.id]
        if any(c.kind is ChannelKind.WEBHOOK and _stored_webhook_url(c) == checked for c in others):
            raise Conflict("url", "this destination is already one of your channels")
        channel.url = webhooks.WebhookTarget(checked, target.secret).to_json()
        channel.masked_url = webhooks.masked(checked)
        self._clear_failures(channel)

    @staticmethod
    def _clear_failures(channel: Channel) -> None:
        channel.consecutive_failures = 0
        channel.disabled_reason = None

    async def _apprise_destination(self, url: str) -> Any:
        url = url.strip()
        with transport.keeping_secret(url):
            try:
                plugin = transport.instantiate(url)
            except transport.InvalidChannelUrl as error:
                raise InvalidInput("url", str(error)) from None
            try:
                await safety.check_plugin(plugin, self.settings)
            except safety.UnsafeDestination as refused:
                raise InvalidInput("url", f"refused: {refused.reason}") from None
        return plugin

    async def _subscription(self, data: schemas.ChannelCreate) -> webpush.Subscription:
        webpush.require_vapid_subject(self.settings)
        if data.url is not None:
            raise InvalidInput("url", "only for kind apprise; Web Push takes a subscription")
        if data.subscription is None:
            raise InvalidInput("subscription", "required for kind webpush")
        sent = data.subscription
        problem = webpush.check_subscription(sent.endpoint, sent.keys.p256dh, sent.keys.auth)
        if problem is not None:
            field, message = problem.split(": ", 1)
            raise InvalidInput(f"subscription.{field}", message)
        subscription = webpush.Subscription(sent.endpoint, sent.keys.p256dh, sent.keys.auth)
        # Push services speak https; plain http only reaches a host the operator allowed (a test receiver).
        allowed = safety.allow_list(self.settings.channel_allowed_hosts)
        if urlsplit(sent.endpoint).scheme == "http" and not allowed.allows_host(subscription.host):
            raise InvalidInput("subscription.endpoint", "must be an https URL")
        try:
            await safety.check_host(subscription.host, self.settings)
        except safety.UnsafeDestination as refused:
            raise InvalidInput("subscription.endpoint", f"refused: {refused.reason}") from None
        return subscription

    async def _resubscribe(
        self, subscription: webpush.Subscription, existing: Sequence[Channel]
    ) -> Channel | None:
        """A device subscribing again (same endpoint) updates its channel instead of adding another."""
        for channel in existing:
            if channel.kind is ChannelKind.WEBPUSH and _endpoint(channel) == subscription.endpoint:
                channel.url = subscription.to_json()
                if not channel.enabled:
                    self._clear_failures(channel)
                channel.enabled = True
                await self.session.flush()
                return channel
        return None


def _endpoint(channel: Channel) -> str | None:
    try:
        return webpush.Subscription.from_json(channel.url).endpoint
    except (ValueError, KeyError, TypeError):
        return None


def _webhook_target(channel: Channel) -> webhooks.WebhookTarget:
    try:
        return webhooks.WebhookTarget.from_json(channel.url)
    except (ValueError, KeyError, TypeError):
        # Only a database edited by hand gets here; a new secret and URL (delete and add) mend it.
        raise Conflict(
            "url", "this webhook's stored settings are unreadable; delete it and add it again"
        ) from None


def _stored_webhook_url(channel: Channel) -> str | None:
    try:
        return webhooks.WebhookTarget.from_json(channel.url).url
    except (ValueError, KeyError, TypeError):
        return None
