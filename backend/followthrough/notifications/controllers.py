from __future__ import annotations

from uuid import UUID

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from followthrough.context import RequestContext
from followthrough.errors import ErrorBody
from followthrough.identity import Participant
from followthrough.notifications import schemas, webpush
from followthrough.notifications.services import ChannelService, TestLog, channel_out
from followthrough.schemas import LimitParam, OffsetParam, Page
from followthrough.settings import Settings

PUSH_OFF = {
    409: ResponseSpec(
        data_container=ErrorBody,
        description="Web Push is off: FOLLOWTHROUGH_VAPID_SUBJECT is not a mailto: or https: address",
        generate_examples=False,
    )
}


def provide_channel_service(
    context: NamedDependency[RequestContext],
    channel_test_log: NamedDependency[TestLog],
) -> ChannelService:
    """`channel_test_log` is provided by composition (the delivery log sits above this package)."""
    return ChannelService(context, test_log=channel_test_log)


class ChannelController(Controller):
    path = "/channels"
    tags = ["channels"]
    dependencies = {"channels": Provide(provide_channel_service, sync_to_thread=False)}

    @post("", operation_id="createChannel", status_code=HTTP_201_CREATED)
    async def create_channel(
        self,
        data: JSONBody[schemas.ChannelCreate],
        participant: NamedDependency[Participant],
        channels: NamedDependency[ChannelService],
    ) -> schemas.ChannelOut:
        """Add a destination: an Apprise URL (kind `apprise`), this device's push subscription (kind
        `webpush`), or a signed webhook (kind `webhook`, docs/webhooks.md). The URL is checked (a known
        service, well-formed, not reaching a private network), stored encrypted and never shown again in
        full. A device that subscribes again updates its channel. A webhook's answer holds its signing
        secret, this once only."""
        channel, secret = await channels.create(participant, data)
        return channel_out(channel, signing_secret=secret)

    @get("", operation_id="listChannels")
    async def list_channels(
        self,
        participant: NamedDependency[Participant],
        channels: NamedDependency[ChannelService],
        limit: LimitParam = 50,
        offset: OffsetParam = 0,
    ) -> Page[schemas.ChannelOut]:
        """The caller's channels, oldest first, with their health."""
        items, total = await channels.page(participant, limit=limit, offset=offset)
        return Page(items=[channel_out(item) for item in items], total=total, limit=limit, offset=offset)

    @get("/{channel_id:uuid}", operation_id="getChannel")
    async def get_channel(
        self,
        channel_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        channels: NamedDependency[ChannelService],
    ) -> schemas.ChannelOut:
        """One channel, its destination masked."""
        return channel_out(await channels.get(participant, channel_id))

    @patch("/{channel_id:uuid}", operation_id="updateChannel")
    async def update_channel(
        self,
        channel_id: FromPath[UUID],
        data: JSONBody[schemas.ChannelUpdate],
        participant: NamedDependency[Participant],
        channels: NamedDependency[ChannelService],
    ) -> schemas.ChannelOut:
        """Change the label, the events, the URL (Apprise channels), or switch it on or off. Switching it
        back on clears its failure count and the reason it was switched off."""
        return channel_out(await channels.update(participant, channel_id, data))

    @delete("/{channel_id:uuid}", operation_id="deleteChannel", status_code=HTTP_204_NO_CONTENT)
    async def delete_channel(
        self,
        channel_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        channels: NamedDependency[ChannelService],
    ) -> None:
        """Delete a channel; nothing more is sent to it."""
        await channels.delete(participant, channel_id)

    @post("/{channel_id:uuid}/rotate-secret", operation_id="rotateChannelSecret", status_code=HTTP_200_OK)
    async def rotate_channel_secret(
        self,
        channel_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        channels: NamedDependency[ChannelService],
    ) -> schemas.ChannelOut:
        """Give a webhook channel a new signing secret, in force at once, and show it this once (the old one
        stops verifying). Other kinds have no secret to rotate: 422 naming `kind`."""
        channel, secret = await channels.rotate_secret(participant, channel_id)
        return channel_out(channel, signing_secret=secret)

    @post("/{channel_id:uuid}/test", operation_id="testChannel", status_code=HTTP_200_OK)
    async def test_channel(
        self,
        channel_id: FromPath[UUID],
        participant: NamedDependency[Participant],
        channels: NamedDependency[ChannelService],
    ) -> schemas.ChannelTestOut:
        """Send a test message now, even to a switched-off channel, and say how it went. The outcome
        counts towards the channel's health like any other send, and is recorded in the delivery log (event
        `channel.test`)."""
        channel, error = await channels.send_test(participant, channel_id)
        return schemas.ChannelTestOut(
            sent=error is None,
            error=None if error is None else error.message,
            permanent=bool(error and error.permanent),
            channel=channel_out(channel),
        )


class PushController(Controller):
    path = "/push"
    tags = ["channels"]

    @get("/vapid-public-key", operation_id="getVapidPublicKey", exclude_from_auth=True, responses=PUSH_OFF)
    async def vapid_public_key(self, settings: NamedDependency[Settings]) -> schemas.VapidKeyOut:
        """The installation's Web Push application server key, for `pushManager.subscribe`. Public."""
        return schemas.VapidKeyOut(public_key=webpush.vapid_public_key(settings))
