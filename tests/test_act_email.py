"""A reminder by email, end to end: from a local SMTP inbox, through the link page, to one check-in. A mail
scanner that opens every link in the message changes nothing."""

from __future__ import annotations

import re
from uuid import UUID

from sqlalchemy import select

from followthrough.checkins.models import CheckIn
from followthrough.clock import FrozenClock
from followthrough.deliveries.worker import Worker
from followthrough.enums import ChannelKind, DeliveryStatus, Event
from followthrough.notifications.models import Channel
from followthrough.settings import Settings
from tests.conftest import Caller, Callers, Database
from tests.support.pipeline import app, create_action, deliveries_of, once, pipeline_settings, utc, worker
from tests.support.receivers import SmtpReceiver, smtp_receiver

__all__ = ["app", "pipeline_settings", "smtp_receiver", "worker"]

LINK = re.compile(r"https?://[^\s\"'<>)\]]+")


async def add_email_channel(database: Database, caller: Caller, smtp: SmtpReceiver) -> None:
    url = smtp.mailto_url("ada@example.com")
    async with database() as db:
        db.add(
            Channel(
                participant_id=UUID(caller.id),
                kind=ChannelKind.APPRISE,
                label="Email",
                url=url,
                masked_url="mailto://…@example.com",
                events=[Event.REMINDER_DUE.value],
                enabled=True,
            )
        )


async def check_ins_of(database: Database, caller: Caller) -> list[CheckIn]:
    async with database() as db:
        return list(await db.scalars(select(CheckIn).where(CheckIn.participant_id == UUID(caller.id))))


def links_in(mail_parts: list[str]) -> list[str]:
    return sorted({link.replace("&amp;", "&") for part in mail_parts for link in LINK.findall(part)})


async def test_a_reminder_by_email_is_answered_through_the_link_page_once_and_a_scanner_changes_nothing(
    callers: Callers,
    database: Database,
    worker: Worker,
    smtp_receiver: SmtpReceiver,
    clock: FrozenClock,
    pipeline_settings: Settings,
) -> None:
    ada = await callers.participant(time_zone="Europe/London")
    await add_email_channel(database, ada, smtp_receiver)
    await create_action(ada, schedule=once("2026-03-02T09:30:00"), title="Call Sam")
    await worker.detect()
    clock.set(utc("2026-03-02T09:30:00"))
    assert await worker.dispatch() == 1
    [mail] = await smtp_receiver.wait_for(1)
    parts = [
        str(part.get_payload(decode=True).decode())
        for part in mail.message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    ]
    links = links_in(parts)
    base = pipeline_settings.public_url.rstrip("/")
    act_links = [link for link in links if link.startswith(f"{base}/act/")]
    assert act_links, links
    assert not [link for link in links if "/api/" in link], "a message never links to the API"
    before = [(d.id, d.status) for d in await deliveries_of(database, ada)]

    # A scanner opens every link, and the link page reads what the link is about: nothing changes.
    scanner = callers.anonymous()
    for link in links:
        await scanner.get(link.removeprefix(base))
    token = act_links[0].removeprefix(f"{base}/act/").split("?")[0]
    opened = await scanner.get(f"/api/v1/act/{token}")
    assert opened.status_code == 200, opened.text
    assert opened.json()["keyActionTitle"] == "Call Sam"
    assert opened.json()["state"] == "open"
    assert await check_ins_of(database, ada) == []
    assert [(d.id, d.status) for d in await deliveries_of(database, ada)] == before

    # The page's Done button: one POST, and the same POST again (a double tap) stores nothing more.
    for _ in range(2):
        answered = await scanner.post(f"/api/v1/act/{token}", json={"choice": "done"})
        assert answered.status_code == 200, answered.text
        assert answered.json()["state"] == "answered"
    [check_in] = await check_ins_of(database, ada)
    assert check_in.result.value == "done"
    [delivery] = await deliveries_of(database, ada)
    assert delivery.status is DeliveryStatus.SENT
